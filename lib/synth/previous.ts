import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The tree a synth is about to replace, for renderers that can reuse an unchanged file instead of
 * producing it again (the bootstrap's Terraform JSON, lib/bootstrap/reuse.ts). Set only while
 * `npm run synth` renders; `npm run check`, `npm run diff` and the tests render everything afresh.
 */
let previousRoot: string | undefined;

/** Runs `fn` with the files under `root` readable through previousOutput. */
export function withPreviousOutput<T>(root: string, fn: () => T): T {
  const outer = previousRoot;
  previousRoot = root;
  try {
    return fn();
  } finally {
    previousRoot = outer;
  }
}

/** The content of the previous output's file `rel` (root-relative), if it is a regular file; else undefined. */
export function previousOutput(rel: string): string | undefined {
  if (!previousRoot) return undefined;
  return regularFileContent(path.join(previousRoot, rel));
}

/** Opening refuses a link (ELOOP) and never waits on a named pipe; reading a folder fails (EISDIR). */
const READ_NO_FOLLOW = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/**
 * The content of `file` if it is a regular file; undefined for anything else (none, a folder, a link: a
 * link is never read through, and the writer refuses it anyway, before it writes anything).
 */
export function regularFileContent(file: string): string | undefined {
  let fd: number | undefined;
  try {
    // Opened and read, no lstat first: a synth of a big fleet reads every file of its tree, and the lstat
    // cost almost as much as the read. Only an empty result needs a look at what was read (a pipe reads as empty).
    fd = fs.openSync(file, READ_NO_FOLLOW);
    const content = fs.readFileSync(fd, 'utf8');
    return content !== '' || fs.fstatSync(fd).isFile() ? content : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
