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

/**
 * The content of `file` if it is a regular file; undefined for anything else (none, a folder, a link: a
 * link is never read through, and the writer refuses it anyway, before it writes anything).
 */
export function regularFileContent(file: string): string | undefined {
  try {
    return fs.lstatSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}
