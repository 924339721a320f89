// The benchmark's fast path: the synthetic fleet through `npm run synth`'s own pipeline, into the current folder.
import { buildFleet } from '../apps/fleet';
import { runSynthCli } from '../lib/synth/cli';
import { fleetFromEnv } from './fleet';

runSynthCli(fleetFromEnv(buildFleet));
