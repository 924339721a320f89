import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isConfigError } from '../errors';
import { CDK8S_OUTDIR, cdk8sOutputProblem, writeCdk8sOutput } from './cdk8s-output';
import { runDriftCheck } from './drift';
import { FleetBuilder, formatSummary, SynthOptions, synthToDisk } from './pipeline';

/**
 * The `npm run synth` entry: renders the fleet into the current directory's dist/ and clusters/.
 * A user mistake prints one line per problem and exits 1 with the previous output untouched.
 * With `--check`, writes nothing and exits 1 when the output on disk differs from a fresh render.
 * Run by the cdk8s CLI (`npx cdk8s synth`, which sets CDK8S_OUTDIR), it also fills the CLI's scratch folder.
 */
export function runSynthCli(build: FleetBuilder, options: SynthOptions = {}, root = process.cwd(), argv = process.argv.slice(2)): void {
  const start = performance.now();
  try {
    if (argv.includes('--check')) {
      process.exitCode = runDriftCheck(build, root, options);
      return;
    }
    const cdk8sOut = process.env[CDK8S_OUTDIR];
    const problem = cdk8sOut === undefined ? undefined : cdk8sOutputProblem(cdk8sOut, root);
    if (problem) {
      console.error(`error: ${problem}`);
      process.exitCode = 1;
      return;
    }
    const summary = synthToDisk(build, root, options);
    if (cdk8sOut !== undefined) writeCdk8sOutput(path.resolve(root, cdk8sOut), summary.files);
    // The cdk8s CLI keeps the app's stdout to itself: under it, the summary goes to stderr.
    (cdk8sOut === undefined ? console.log : console.error)(formatSummary(summary, Math.round(performance.now() - start)));
  } catch (err) {
    if (!isConfigError(err)) throw err;
    for (const p of err.message.split('\n')) console.error(`error: ${p}`);
    console.error(`synth failed: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; dist/ and clusters/ were left unchanged`);
    process.exitCode = 1;
  }
}
