import { buildFleet } from '../apps/fleet';
import { runDiffCli } from '../lib/review/cli';

// `npm run diff`: the reference fleet as the working tree renders it, against the committed output at the base.
process.exitCode = runDiffCli(buildFleet, process.argv.slice(2));
