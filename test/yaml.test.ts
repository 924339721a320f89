import fc from 'fast-check';
import { stringify } from 'yaml';
import { exampleFleet } from './fixtures/example-fleet';
import { synthesize } from '../lib/synth/pipeline';
import { fastYaml, toYaml, YAML_OPTIONS } from '../lib/synth/yaml';

const viaYaml = (v: unknown) => stringify(v, YAML_OPTIONS);

/** Strings made of the characters and words that decide between plain, quoted and block scalars. */
const tricky = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'aZ09 -:#?{}[],&*!|>\'"%@`\t~._/\\+=éλ—\u00a0'.split('')), maxLength: 8 }),
  fc.constantFrom('true', 'False', 'NULL', 'null', '~', '', '42', '-1', '+3', '0o17', '0x1F', '1e3', '.5', '1.', '.inf', '-.Inf', '.nan',
    '---', '...', '%x', '- a', '? b', 'a: b', 'a #b', 'a#b', 'x:', 'y ', ' z', '*', '&a', '!t', '{{ request.object }}', 'cgr.dev/chainguard/*',
    '0 3 * * *', 'k'.repeat(1030), "it's", 'say "hi"', `"'both'"`, 'two\nlines', 'bell\u0007', 'line\n'),
  fc.string(),
);
const leaf = fc.oneof(tricky, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(-0), fc.constant(1e21), fc.constant(undefined));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('list'), tie('map')),
  list: fc.array(tie('tree'), { maxLength: 4 }),
  map: fc.dictionary(tricky, tie('tree'), { maxKeys: 4 }),
}));
const document = fc.oneof(fc.dictionary(tricky, tree, { maxKeys: 5 }), fc.array(tree, { maxLength: 5 }));

describe('toYaml', () => {
  it('writes exactly what yaml writes, for any JSON-like document', () => {
    fc.assert(fc.property(document, (doc) => expect(toYaml(doc)).toBe(viaYaml(doc))), { numRuns: 3000 });
  });

  it('handles most generated documents itself, so the property above tests the fast writer', () => {
    const docs = fc.sample(document, { numRuns: 1000, seed: 42 });
    expect(docs.filter((d) => fastYaml(d) !== undefined).length).toBeGreaterThan(300);
  });

  it('writes every object of the example clusters without falling back to yaml', () => {
    const manifests = synthesize(exampleFleet).objects.map((o) => o.manifest);
    expect(manifests.filter((m) => fastYaml(m) === undefined)).toEqual([]);
  });

  it('quotes strings that would read back as something else, as yaml does', () => {
    expect(fastYaml({ a: 'true', b: '5', c: '', d: '{{ x }}', e: '"hi" she said', f: "'s", g: 'a: b', h: '0 3 * * *' })).toBe(
      'a: "true"\nb: "5"\nc: ""\nd: "{{ x }}"\ne: \'"hi" she said\'\nf: "\'s"\ng: "a: b"\nh: 0 3 * * *\n',
    );
  });

  it('nests lists under keys and maps under dashes', () => {
    expect(fastYaml({ spec: { list: [{ a: 1, b: [] }, ['x', 'y'], null], empty: {} } })).toBe(
      'spec:\n  list:\n    - a: 1\n      b: []\n    - - x\n      - y\n    - null\n  empty: {}\n',
    );
  });

  it('leaves multi-line strings to yaml (block scalars)', () => {
    const doc = { data: { script: 'set -e\necho hi\n' } };
    expect(fastYaml(doc)).toBeUndefined();
    expect(toYaml(doc)).toBe('data:\n  script: |\n    set -e\n    echo hi\n');
  });
});
