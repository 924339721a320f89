import { performance } from 'node:perf_hooks';
import { isConfigError } from '../errors';
import { FleetBuilder, formatSummary, SynthOptions, synthToDisk } from './pipeline';

/**
 * The `npm run synth` entry: renders the fleet into the current directory's dist/ and clusters/.
 * A user mistake prints one line per problem and exits 1 with the previous output untouched.
 */
export function runSynthCli(build: FleetBuilder, options: SynthOptions = {}, root = process.cwd()): void {
  const start = performance.now();
  try {
    const summary = synthToDisk(build, root, options);
    console.log(formatSummary(summary, Math.round(performance.now() - start)));
  } catch (err) {
    if (!isConfigError(err)) throw err;
    for (const p of err.message.split('\n')) console.error(`error: ${p}`);
    console.error(`synth failed: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; dist/ and clusters/ were left unchanged`);
    process.exitCode = 1;
  }
}
