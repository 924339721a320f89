// The stock cdk8s path the benchmark compares against: the same fleet in a plain cdk8s App, written by
// `app.synth()` (one YAML file per chart into the folder the cdk8s CLI passes), run as
// `cdk8s synth --app "npx ts-node bench/stock-app.ts"`.
import { App } from 'cdk8s';
import { buildFleet } from '../apps/fleet';
import { fleetFromEnv } from './fleet';

const app = new App();
fleetFromEnv(buildFleet)(app);
app.synth();
