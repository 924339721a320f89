import { performance } from 'node:perf_hooks';
import { isConfigError } from '../errors';
import { runDriftCheck } from './drift';
import { debugRequested, describeException, mappedStack } from './exception';
import { isOutputError } from './output-error';
import { DiskOptions, FleetBuilder, formatSummary, synthToDisk } from './pipeline';
import { parseClusterFlags, SelectionError } from '../selection';
import { isMainThread, workerData } from 'node:worker_threads';
import { isShareTask, runShareTask, ShareTask } from './parallel';
import { renderShare, SynthOptions } from './pipeline';
import { buildFleetApp } from './render';
import { withPreviousOutput } from './previous';

const UNCHANGED = 'dist/ and clusters/ were left unchanged';

/**
 * The `npm run synth` entry: renders the fleet into the current directory's dist/ and clusters/.
 * A user mistake prints one line per problem and exits 1 with the previous output untouched; so does any
 * other exception (one line with the user's file:line; `--debug` or SYNTH_DEBUG=1 adds the stack).
 * With `--check`, writes nothing and exits 1 when the output on disk differs from a fresh render.
 * `--allow-empty` writes a fleet of no cluster; `--prune-foreign` deletes files synth did not write.
 * `--cluster a[,b]` (repeatable) renders, checks and writes only those clusters: dist/<c>/ and clusters/<c>/.
 * `--list-clusters` prints the fleet's cluster names, one a line (nothing rendered).
 */
export function runSynthCli(build: FleetBuilder, options: DiskOptions = {}, root = process.cwd(), argv = process.argv.slice(2)): void {
  const start = performance.now();
  try {
    if (isShareTask(workerData)) return runHelper(build, workerData, { ...options, clusters: parseClusterFlags(argv) });
    if (argv.includes('--list-clusters')) {
      // Built with no cluster selected: names only, nothing rendered (what a CI matrix splits into jobs).
      console.log(buildFleetApp(build, []).names.join('\n'));
      return;
    }
    const clusters = parseClusterFlags(argv);
    if (clusters) options = { ...options, clusters };
    // A helper thread runs this entry point again (lib/synth/parallel.ts): only a TypeScript entry run by scripts/run-ts.js.
    if (!options.parallel && isMainThread && /\.ts$/.test(process.argv[1] ?? '')) options = { ...options, parallel: { argv: process.argv.slice(1) } };
    if (argv.includes('--check')) {
      process.exitCode = runDriftCheck(build, root, options);
      return;
    }
    const flags = { allowEmpty: argv.includes('--allow-empty'), pruneForeign: argv.includes('--prune-foreign') };
    const summary = synthToDisk(build, root, { ...flags, ...options });
    console.log(formatSummary(summary, Math.round(performance.now() - start)));
  } catch (err) {
    process.exitCode = 1;
    if (isConfigError(err)) {
      for (const p of err.message.split('\n')) console.error(`error: ${p}`);
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
    const render = () => renderShare(buildFleetApp(build, options.clusters), take, options);
    return task.root ? withPreviousOutput(task.root, render) : render();
  });
}
