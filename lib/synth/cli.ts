import { performance } from 'node:perf_hooks';
import { formatProblem, isConfigError } from '../errors';
import { runDriftCheck } from './drift';
import { FleetBuilder, formatSummary, SynthOptions, synthToDisk } from './pipeline';

/**
 * The `npm run synth` entry: renders the fleet into the current directory's dist/ and clusters/.
 * A user mistake prints one line per problem and exits 1 with the previous output untouched.
 * With `--check`, writes nothing and exits 1 when the output on disk differs from a fresh render.
 */
export function runSynthCli(build: FleetBuilder, options: SynthOptions = {}, root = process.cwd(), argv = process.argv.slice(2)): void {
  const start = performance.now();
  try {
    if (argv.includes('--check')) {
      process.exitCode = runDriftCheck(build, root, options);
      return;
    }
    const summary = synthToDisk(build, root, options);
    for (const w of summary.warnings) console.error(`warning: ${formatProblem(w)}`);
    console.log(formatSummary(summary, Math.round(performance.now() - start)));
  } catch (err) {
    if (!isConfigError(err)) throw err;
    for (const p of err.message.split('\n')) console.error(`error: ${p}`);
    console.error(`synth failed: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; dist/ and clusters/ were left unchanged`);
    process.exitCode = 1;
  }
}
