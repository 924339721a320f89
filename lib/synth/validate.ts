import { performance } from 'node:perf_hooks';
import { ConfigError, formatProblem, isWarning, Problem } from '../errors';
import { Check, DEFAULT_CHECKS, emptyNotes, summariesOf } from './checks';
import { cliSynthOptions, printNotes } from './cli';
import { readTree, TreeReading } from './read';

/** What `npm run validate` found in the committed trees. */
export interface ValidationReport extends TreeReading {
  /** Objects per cluster. */
  readonly objectsByCluster: Readonly<Record<string, number>>;
  /** Everything wrong, unreadable files first, then what the checks found. */
  readonly problems: readonly Problem[];
  /** What the checks found that fails nothing. */
  readonly warnings: readonly Problem[];
  /** One-line accounts the checks give of what they did. */
  readonly summaries: readonly string[];
}

/** Reads the committed dist/ and clusters/ under root and runs the checks over them, as synth does before writing. */
export function validateTree(root: string, checks: readonly Check[] = DEFAULT_CHECKS): ValidationReport {
  const tree = readTree(root);
  const objectsByCluster = Object.fromEntries(tree.clusters.map((c) => [c, tree.objects.filter((o) => o.cluster === c).length]));
  const notes = emptyNotes();
  const found = [...tree.problems, ...checks.flatMap((check) => check(tree.objects, notes))];
  return { ...tree, objectsByCluster, problems: found.filter((p) => !isWarning(p)), warnings: found.filter(isWarning), summaries: summariesOf(notes) };
}

/** The `npm run validate` entry: one line per problem, a count at the end, exit code 1 when anything is wrong. */
export function runValidateCli(root = process.cwd(), checks: readonly Check[] = DEFAULT_CHECKS): void {
  const start = performance.now();
  let report: ValidationReport;
  try {
    report = validateTree(root, cliSynthOptions({ checks }).checks);
  } catch (err) {
    // A check that meets a user mistake it cannot describe still reports it as one line.
    if (!(err instanceof ConfigError)) throw err;
    report = { clusters: [], objects: [], problems: err.problems, objectsByCluster: {}, warnings: [], summaries: [] };
  }
  const perCluster = Object.entries(report.objectsByCluster).map(([c, n]) => `${c} ${n}`).join(', ');
  const checked = `${report.objects.length} objects checked (${perCluster || 'no clusters'})`;
  const ms = Math.round(performance.now() - start);
  if (!report.problems.length) {
    printNotes(report.warnings, report.summaries);
    console.log(`validate: ${checked}; no problems; ${ms} ms`);
    return;
  }
  for (const p of report.problems) console.error(`error: ${formatProblem(p)}`);
  printNotes(report.warnings, report.summaries, console.error);
  const n = report.problems.length;
  console.error(`validate failed: ${n} problem${n === 1 ? '' : 's'}; ${checked}; ${ms} ms`);
  process.exitCode = 1;
}
