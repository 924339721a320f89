// The stock cdk8s path the benchmark compares against: the fleet in a plain cdk8s App, written by
// `app.synth()` (one YAML file per chart into the folder the cdk8s CLI passes), run as
// `cdk8s synth --app "npx ts-node bench/stock-app.ts"`. In the benchmark's scratch copy, apps/fleet.ts
// builds the synthetic fleet BENCH_CLUSTERS asks for (see bench/bench.ts).
import { App } from 'cdk8s';
import { buildFleet } from '../apps/fleet';

const app = new App();
buildFleet(app);
app.synth();
