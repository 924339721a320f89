import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file writes writeTree makes; tests replace it to simulate a full disk. */
export const io = { writeFile: (file: string, data: string): void => fs.writeFileSync(file, data) };

/** What a write did to the tree. */
export interface WriteStats {
  /** Files that did not exist before. */
  readonly written: number;
  /** Files whose content changed. */
  readonly changed: number;
  /** Files that existed but are no longer rendered. */
  readonly removed: number;
  /** Files left as they were (not even their modification time changes). */
  readonly unchanged: number;
}

/** The difference between the files on disk under `dirs` and the planned tree. */
export interface TreeDiff {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
  readonly unchanged: string[];
}

/** Lists the files below `root/dir` as root-relative POSIX paths. */
export function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** Compares the planned tree with what is on disk under the owned folders. */
export function diffTree(root: string, dirs: readonly string[], files: ReadonlyMap<string, string>): TreeDiff {
  const diff: TreeDiff = { added: [], changed: [], removed: [], unchanged: [] };
  const existing = new Set(dirs.flatMap((d) => listFiles(root, d)));
  for (const [rel, content] of files) {
    if (!existing.has(rel)) diff.added.push(rel);
    else if (fs.readFileSync(path.join(root, rel), 'utf8') === content) diff.unchanged.push(rel);
    else diff.changed.push(rel);
  }
  for (const rel of existing) if (!files.has(rel)) diff.removed.push(rel);
  diff.removed.sort();
  return diff;
}

/**
 * Makes the owned folders under `root` hold exactly `files`, touching only what differs.
 *
 * All new content is first written to a staging folder beside the tree; only when every file is
 * staged are they renamed into place and stale files removed. A failure while staging leaves the
 * previous tree as it was. Unchanged files keep their bytes and modification times.
 */
export function writeTree(root: string, dirs: readonly string[], files: ReadonlyMap<string, string>): WriteStats {
  for (const rel of files.keys()) {
    if (!dirs.some((d) => rel.startsWith(`${d}/`)) || rel.split('/').includes('..')) {
      throw new Error(`refusing to write ${rel}: outside ${dirs.join(', ')}`);
    }
  }
  const diff = diffTree(root, dirs, files);
  const toWrite = [...diff.added, ...diff.changed];
  const staging = fs.mkdtempSync(path.join(root, '.synth-staging-'));
  // Staged flat, by number: no staging folders to create and remove (a big share of a full write).
  const staged = (i: number) => path.join(staging, String(i));
  try {
    toWrite.forEach((rel, i) => io.writeFile(staged(i), files.get(rel) as string));
    const made = new Set<string>();
    toWrite.forEach((rel, i) => {
      const target = path.join(root, rel);
      const dir = path.dirname(target);
      if (!made.has(dir)) fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
      fs.renameSync(staged(i), target);
    });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  for (const rel of diff.removed) fs.rmSync(path.join(root, rel));
  for (const d of dirs) removeEmptyDirs(path.join(root, d));
  return { written: diff.added.length, changed: diff.changed.length, removed: diff.removed.length, unchanged: diff.unchanged.length };
}

function removeEmptyDirs(dir: string): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const e of entries) {
    if (!e.isDirectory() || !removeEmptyDirs(path.join(dir, e.name))) empty = false;
  }
  if (empty) fs.rmdirSync(dir);
  return empty;
}
