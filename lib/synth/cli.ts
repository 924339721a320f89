import { performance } from 'node:perf_hooks';
import { formatProblem, isConfigError, Problem } from '../errors';
import { DEFAULT_CHECKS, withoutAdmission } from './checks';
import { runDriftCheck } from './drift';
import { CheckFailure, FleetBuilder, formatSummary, SynthOptions, synthToDisk } from './pipeline';

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
 * A user mistake prints one line per problem and exits 1 with the previous output untouched.
 * With `--check`, writes nothing and exits 1 when the output on disk differs from a fresh render.
 */
export function runSynthCli(build: FleetBuilder, options: SynthOptions = {}, root = process.cwd(), argv = process.argv.slice(2)): void {
  const start = performance.now();
  const opts = cliSynthOptions(options);
  try {
    if (argv.includes('--check')) {
      process.exitCode = runDriftCheck(build, root, opts);
      return;
    }
    const summary = synthToDisk(build, root, opts);
    printNotes(summary.warnings, summary.summaries);
    console.log(formatSummary(summary, Math.round(performance.now() - start)));
  } catch (err) {
    if (!isConfigError(err)) throw err;
    for (const p of err.message.split('\n')) console.error(`error: ${p}`);
    if (err instanceof CheckFailure) printNotes(err.warnings, err.summaries, console.error);
    console.error(`synth failed: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; dist/ and clusters/ were left unchanged`);
    process.exitCode = 1;
  }
}
