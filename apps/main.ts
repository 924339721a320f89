import { runSynthCli } from '../lib/synth/cli';
import { buildFleet } from './fleet';

runSynthCli(buildFleet);
