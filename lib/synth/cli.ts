import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatProblem, isConfigError, Problem } from '../errors';
import { DEFAULT_CHECKS, withoutAdmission } from './checks';
import { CDK8S_OUTDIR, cdk8sOutputProblem, writeCdk8sOutput } from './cdk8s-output';
import { runDriftCheck } from './drift';
import { ownedDirs } from './files';
import { debugRequested, describeException, mappedStack } from './exception';
import { isOutputError } from './output-error';
import { CheckFailure, DiskOptions, FleetBuilder, formatSummary, renderShare, SynthOptions, synthToDisk } from './pipeline';
import { parseClusterFlags, SelectionError } from '../selection';
import { isMainThread, workerData } from 'node:worker_threads';
import { isShareTask, runShareTask, ShareTask } from './parallel';
import { buildFleetApp } from './render';
import { GateCache } from './gate-cache';
import { withPreviousOutput } from './previous';
import { Stager } from './write';

const UNCHANGED = 'dist/ and clusters/ were left unchanged';

/**
 * The options of a synth from the command line: with `SYNTH_ADMISSION=off` in the environment, the
 * checks leave admission at synth out (the benchmark measures what it costs this way).
 */
export function cliSynthOptions(options: SynthOptions, env: NodeJS.ProcessEnv = process.env): SynthOptions {
  return env.SYNTH_ADMISSION === 'off' ? { ...options, checks: withoutAdmission(options.checks ?? DEFAULT_CHECKS) } : options;
}

/** Prints the checks' warnings (stderr) and summaries. */
export function printNotes(warnings: readonly Problem[], summaries: readonly string[], summaryTo: (line: string) => void = console.log): void {
  for (const w of warnings) console.error(`warning: ${formatProblem(w)}`);
  for (const s of summaries) summaryTo(s);
}

/**
 * The `npm run synth` entry: renders the fleet into the current directory's dist/ and clusters/.
 * A user mistake prints one line per problem and exits 1 with the previous output untouched; so does any
 * other exception (one line with the user's file:line; `--debug` or SYNTH_DEBUG=1 adds the stack).
 * With `--check`, writes nothing and exits 1 when the output on disk differs from a fresh render.
 * `--allow-empty` writes a fleet of no cluster; `--prune-foreign` deletes files synth did not write.
 * Run by the cdk8s CLI (`npx cdk8s synth`, which sets CDK8S_OUTDIR), it also fills the CLI's scratch folder.
 * `--cluster a[,b]` (repeatable) renders, checks and writes only those clusters: dist/<c>/ and clusters/<c>/.
 * `--list-clusters` prints the fleet's cluster names, one a line (nothing rendered).
 */
export function runSynthCli(build: FleetBuilder, options: DiskOptions = {}, root = process.cwd(), argv = process.argv.slice(2)): void {
  const start = performance.now();
  try {
    if (isShareTask(workerData)) return runHelper(build, workerData, cliSynthOptions({ ...options, clusters: parseClusterFlags(argv) }));
    if (argv.includes('--list-clusters')) {
      // Built with no cluster selected: names only, nothing rendered (what a CI matrix splits into jobs).
      console.log(buildFleetApp(build, []).names.join('\n'));
      return;
    }
    const clusters = parseClusterFlags(argv);
    if (clusters) options = { ...options, clusters };
    // A helper thread runs this entry point again (lib/synth/parallel.ts): only a TypeScript entry run by scripts/run-ts.js.
    if (!options.parallel && isMainThread && /\.ts$/.test(process.argv[1] ?? '')) options = { ...options, parallel: { argv: process.argv.slice(1) } };
    const opts = cliSynthOptions(options);
    if (argv.includes('--check')) {
      process.exitCode = runDriftCheck(build, root, opts);
      return;
    }
    const cdk8sOut = process.env[CDK8S_OUTDIR];
    const problem = cdk8sOut === undefined ? undefined : cdk8sOutputProblem(cdk8sOut, root);
    if (problem) {
      console.error(`error: ${problem}`);
      process.exitCode = 1;
      return;
    }
    const flags = { allowEmpty: argv.includes('--allow-empty'), pruneForeign: argv.includes('--prune-foreign') };
    const summary = synthToDisk(build, root, { ...flags, ...opts });
    if (cdk8sOut !== undefined) writeCdk8sOutput(path.resolve(root, cdk8sOut), root, ownedDirs(opts.clusters));
    // The cdk8s CLI keeps the app's stdout to itself: under it, the summaries go to stderr.
    const out = cdk8sOut === undefined ? console.log : console.error;
    printNotes(summary.warnings, summary.summaries, out);
    out(formatSummary(summary, Math.round(performance.now() - start)));
  } catch (err) {
    process.exitCode = 1;
    if (isConfigError(err)) {
      for (const p of err.message.split('\n')) console.error(`error: ${p}`);
      if (err instanceof CheckFailure) printNotes(err.warnings, err.summaries, console.error);
      console.error(`synth failed: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; ${UNCHANGED}`);
      return;
    }
    if (isOutputError(err) || err instanceof SelectionError) {
      console.error(`error: ${err.message}; ${UNCHANGED}`);
      return;
    }
    if (debugRequested(argv)) console.error(mappedStack(err));
    console.error(`error: ${describeException(err)}; ${UNCHANGED}`);
  }
}

/** A helper thread of a parallel synth: builds the fleet and renders the clusters it takes (lib/synth/parallel.ts). */
function runHelper(build: FleetBuilder, task: ShareTask, options: SynthOptions): void {
  runShareTask(task, (take) => {
    const gate = task.root ? { ...options, gateCache: GateCache.open(task.root) } : options;
    const stager = task.root && task.staging ? new Stager(task.root, task.staging, `helper${task.helper}-`) : undefined;
    const render = () => renderShare(buildFleetApp(build, options.clusters), take, gate, stager);
    return task.root ? withPreviousOutput(task.root, render) : render();
  });
}
