import { exampleFleet } from './fixtures/example-fleet';
import { AddOn } from '../lib/addon';
import { synthToDisk } from '../lib/synth/pipeline';
import { BAD_INPUTS } from './bad-inputs';
import { ADDON_BAD_INPUTS } from './bad-inputs-addons';
import { configErrorOf, snapshotTree, tempDir } from './helpers';
import { addOnConstructs } from './support/addons';

const CORPUS = [...BAD_INPUTS, ...Object.values(ADDON_BAD_INPUTS).flat()];

describe('bad input', () => {
  // The previous output every failing synth must leave exactly as it was.
  const root = tempDir();
  synthToDisk(exampleFleet, root);
  const before = snapshotTree(root);

  it('has a corpus of at least 30 cases, each named once', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
  });

  it('has mistakes with every add-on', () => {
    const addOns = addOnConstructs().filter((c) => c.prototype instanceof AddOn).map((c) => c.name);
    expect(Object.keys(ADDON_BAD_INPUTS).sort()).toEqual(addOns);
  });

  it.each(Object.entries(ADDON_BAD_INPUTS))('has at least three mistakes with %s', (_addOn, cases) => {
    expect(cases.length).toBeGreaterThanOrEqual(3);
  });

  it.each(CORPUS.map((c) => [c.name, c] as const))('%s: one line per problem, dist/ unchanged', (_name, c) => {
    expect(configErrorOf(() => synthToDisk(c.build, root))).toBe(c.message);
    expect(snapshotTree(root)).toEqual(before);
  });
});
