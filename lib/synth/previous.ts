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
  const file = path.join(previousRoot, rel);
  try {
    // A link is never read through (the writer refuses it anyway, before it writes anything).
    return fs.lstatSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}
