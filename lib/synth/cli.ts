import { performance } from 'node:perf_hooks';
import { isConfigError } from '../errors';
import { runDriftCheck } from './drift';
import { debugRequested, describeException, mappedStack } from './exception';
import { isOutputError } from './output-error';
import { DiskOptions, FleetBuilder, formatSummary, synthToDisk } from './pipeline';
import { parseClusterFlags, SelectionError } from '../selection';

const UNCHANGED = 'dist/ and clusters/ were left unchanged';

/**
 * The `npm run synth` entry: renders the fleet into the current directory's dist/ and clusters/.
 * A user mistake prints one line per problem and exits 1 with the previous output untouched; so does any
 * other exception (one line with the user's file:line; `--debug` or SYNTH_DEBUG=1 adds the stack).
 * With `--check`, writes nothing and exits 1 when the output on disk differs from a fresh render.
 * `--allow-empty` writes a fleet of no cluster; `--prune-foreign` deletes files synth did not write.
 * `--cluster a[,b]` (repeatable) renders, checks and writes only those clusters: dist/<c>/ and clusters/<c>/.
 */
export function runSynthCli(build: FleetBuilder, options: DiskOptions = {}, root = process.cwd(), argv = process.argv.slice(2)): void {
  const start = performance.now();
  try {
    const clusters = parseClusterFlags(argv);
    if (clusters) options = { ...options, clusters };
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
