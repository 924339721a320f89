import { ownedDirs } from './files';
import { FleetBuilder, planFleet, SynthOptions } from './pipeline';
import { withOutputLock } from './lock';
import { diffTree } from './write';

/** How the output folders on disk differ from a fresh render. */
export interface Drift {
  /** Files a fresh render has. */
  readonly files: number;
  /** Files whose content differs (edited by hand, or the code changed without a re-synth). */
  readonly changed: readonly string[];
  /** Files a fresh render has that are not on disk. */
  readonly missing: readonly string[];
  /** Files on disk that a fresh render no longer has. */
  readonly extra: readonly string[];
}

/**
 * Renders the fleet in memory and compares it with dist/ and clusters/ under `root`; writes nothing.
 * The rendered map holds exactly the bytes `npm run synth` would write, so comparing it with the
 * disk is the same as rendering into a temporary directory and comparing the two trees.
 */
export function checkDrift(build: FleetBuilder, root: string, options: SynthOptions = {}): Drift {
  const { files } = planFleet(build, options);
  // Under the lock: a synth writing meanwhile would show a tree that is half old, half new.
  const diff = withOutputLock(root, () => diffTree(root, ownedDirs(options.clusters), files));
  return { files: files.size, changed: diff.changed, missing: diff.added, extra: diff.removed };
}

export const isStale = (d: Drift) => d.changed.length + d.missing.length + d.extra.length > 0;

/** The report of `npm run check`: one line when fresh; otherwise every stale file and what to do. */
export function formatDrift(d: Drift): string[] {
  if (!isStale(d)) return [`check: dist/ and clusters/ match a fresh render (${d.files} files)`];
  const count = d.changed.length + d.missing.length + d.extra.length;
  return [
    `check: dist/ and clusters/ differ from a fresh render in ${count} file${count === 1 ? '' : 's'}:`,
    ...d.changed.map((f) => `  changed  ${f}`),
    ...d.missing.map((f) => `  missing  ${f}  (rendered, not on disk)`),
    ...d.extra.map((f) => `  extra    ${f}  (on disk, no longer rendered)`),
    'check failed: run `npm run synth` and commit dist/ and clusters/ with the change that produced them',
  ];
}

/** `npm run check` / `npm run synth -- --check`: prints the report; returns the exit code (1 when stale). */
export function runDriftCheck(build: FleetBuilder, root: string, options: SynthOptions = {}): number {
  const drift = checkDrift(build, root, options);
  const lines = formatDrift(drift);
  if (!isStale(drift)) {
    console.log(lines.join('\n'));
    return 0;
  }
  console.error(lines.join('\n'));
  return 1;
}
