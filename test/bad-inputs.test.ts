import { buildFleet } from '../apps/fleet';
import { synthToDisk } from '../lib/synth/pipeline';
import { BAD_INPUTS } from './bad-inputs';
import { configErrorOf, snapshotTree, tempDir } from './helpers';

describe('bad input', () => {
  // The previous output every failing synth must leave exactly as it was.
  const root = tempDir();
  synthToDisk(buildFleet, root);
  const before = snapshotTree(root);

  it('has a corpus of at least 30 cases, each named once', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(BAD_INPUTS.map((c) => c.name)).size).toBe(BAD_INPUTS.length);
  });

  it.each(BAD_INPUTS.map((c) => [c.name, c] as const))('%s: one line per problem, dist/ unchanged', (_name, c) => {
    expect(configErrorOf(() => synthToDisk(c.build, root))).toBe(c.message);
    expect(snapshotTree(root)).toEqual(before);
  });
});
