import { App } from 'cdk8s';
import { catalyst } from '../apps/catalyst';
import { hybridLlm } from '../apps/hybrid-llm';
import { Cluster } from '../lib/cluster';

/** The reference clusters the synthetic fleets are stamped from, by name (every add-on is in one of them). */
export const SHAPES: ReadonlyArray<readonly [string, (app: App, name: string) => Cluster]> = [
  ['catalyst', catalyst],
  ['hybrid-llm', hybridLlm],
];

/**
 * A fleet of `size` clusters built by the reference fleet's own functions, so every add-on that lands in
 * apps/ is in it: the shapes alternate (catalyst-000, hybrid-llm-001, catalyst-002, ...) and only the
 * name differs from the reference cluster. One cluster is a catalyst.
 */
export function syntheticFleet(size: number): (app: App) => void {
  if (!Number.isInteger(size) || size < 1) throw new Error(`fleet size must be a positive integer, not ${size}`);
  return (app) => {
    for (let i = 0; i < size; i++) {
      const [shape, build] = SHAPES[i % SHAPES.length];
      build(app, `${shape}-${String(i).padStart(3, '0')}`);
    }
  };
}

/** The fleet an entry point builds: `BENCH_CLUSTERS` synthetic clusters, or the reference fleet when unset. */
export function fleetFromEnv(reference: (app: App) => void, env = process.env): (app: App) => void {
  const size = env.BENCH_CLUSTERS;
  return size ? syntheticFleet(Number(size)) : reference;
}
