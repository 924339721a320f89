import { execFileSync } from 'node:child_process';
import { byKey } from '../order';

/** A git command failed: not a repository, an unknown ref. Reported as one line, not a stack trace. */
export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

function git(root: string, args: readonly string[], input?: Buffer): Buffer {
  try {
    return execFileSync('git', args, { cwd: root, input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim().split('\n')[0];
    throw new GitError(`git ${args.join(' ')}: ${stderr || (err as Error).message}`);
  }
}

/** The commit a diff compares with, and how it was chosen. */
export interface BaseRef {
  /** Full commit id. */
  readonly commit: string;
  /** How a reader should call it: `main`, `merge-base of HEAD and main`. */
  readonly description: string;
}

const commitOf = (root: string, ref: string) => git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).toString().trim();

/** Branches whose merge-base with HEAD is the default base, in order of preference. */
export const DEFAULT_BASE_BRANCHES = ['main', 'origin/main'] as const;

/**
 * The commit to compare with: `requested` when given; otherwise the merge-base of HEAD and `main`
 * (or `origin/main`, as in a CI checkout that has no local main), falling back to HEAD.
 */
export function resolveBase(root: string, requested?: string): BaseRef {
  if (requested !== undefined) {
    try {
      return { commit: commitOf(root, requested), description: requested };
    } catch {
      throw new GitError(`--base ${requested}: not a commit in this repository`);
    }
  }
  for (const branch of DEFAULT_BASE_BRANCHES) {
    try {
      commitOf(root, branch);
      return { commit: git(root, ['merge-base', 'HEAD', branch]).toString().trim(), description: `merge-base of HEAD and ${branch}` };
    } catch {
      // Try the next candidate.
    }
  }
  try {
    return { commit: commitOf(root, 'HEAD'), description: 'HEAD' };
  } catch {
    throw new GitError(`${root} is not a git repository with a commit; pass --base <ref>`);
  }
}

/**
 * The files below `dirs` (relative to `root`) at a commit, as relative path → content. Read straight
 * from git's object store: the working tree is never touched, and the base is never re-rendered.
 */
export function readTreeAt(root: string, commit: string, dirs: readonly string[]): Map<string, string> {
  const listing = git(root, ['ls-tree', '-r', '-z', commit, '--', ...dirs]).toString('utf8');
  const entries = listing.split('\0').filter(Boolean).map((entry) => {
    const tab = entry.indexOf('\t');
    const [, type, oid] = entry.slice(0, tab).split(' ');
    return { type, oid, path: entry.slice(tab + 1) };
  }).filter((e) => e.type === 'blob');
  const files = new Map<string, string>();
  if (!entries.length) return files;

  // One `git cat-file --batch` for all blobs: `<oid> blob <size>\n<content>\n` each.
  const out = git(root, ['cat-file', '--batch'], Buffer.from(entries.map((e) => `${e.oid}\n`).join('')));
  let at = 0;
  for (const e of entries) {
    const eol = out.indexOf(0x0a, at);
    const size = Number(out.subarray(at, eol).toString('utf8').split(' ')[2]);
    files.set(e.path, out.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    at = eol + 1 + size + 1;
  }
  return new Map([...files].sort(byKey));
}
