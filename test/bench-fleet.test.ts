import { exampleFleet } from './fixtures/example-fleet';
import { LABEL_PART_OF } from '../lib/synth/labels';
import { synthesize } from '../lib/synth/pipeline';
import { fleetFromEnv, SHAPES, syntheticFleet } from '../bench/fleet';

/** What a fleet renders, whatever its clusters are called: component, API version and kind of each object. */
function contents(build: Parameters<typeof synthesize>[0]): string[] {
  const objects = synthesize(build).objects;
  return [...new Set(objects.map((o) => `${o.manifest.metadata.labels?.[LABEL_PART_OF]} ${o.manifest.apiVersion} ${o.manifest.kind}`))].sort();
}

describe('benchmark fleets', () => {
  it('stamp out the reference clusters under numbered names, alternating', () => {
    expect(synthesize(syntheticFleet(5)).clusters).toEqual(['catalyst-000', 'hybrid-llm-001', 'catalyst-002', 'hybrid-llm-003', 'catalyst-004']);
  });

  it('render every component and kind of the example clusters of apps/ (add a new example cluster to SHAPES)', () => {
    expect(contents(syntheticFleet(SHAPES.length))).toEqual(contents(exampleFleet));
  });

  it('grow linearly: n copies render n times the objects of one round of shapes', () => {
    const round = synthesize(syntheticFleet(SHAPES.length)).objects.length;
    expect(synthesize(syntheticFleet(10 * SHAPES.length)).objects.length).toBe(10 * round);
  });

  it('come from BENCH_CLUSTERS, or are the given fleet without it', () => {
    expect(fleetFromEnv(exampleFleet, {})).toBe(exampleFleet);
    expect(synthesize(fleetFromEnv(exampleFleet, { BENCH_CLUSTERS: '3' })).clusters).toHaveLength(3);
    expect(() => fleetFromEnv(exampleFleet, { BENCH_CLUSTERS: 'ten' })).toThrow('fleet size must be a positive integer, not NaN');
  });
});
