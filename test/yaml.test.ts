import * as kplus from 'cdk8s-plus-34';
import fc from 'fast-check';
import { parseDocument, Scalar, stringify, visit } from 'yaml';
import { exampleFleet } from './fixtures/example-fleet';
import { synthesize } from '../lib/synth/pipeline';
import { fastYaml, toYaml, YAML_OPTIONS } from '../lib/synth/yaml';
import { demo } from './bad-inputs';
import { expectEqualInLoop } from './support/expect-in-loop';
import { goYamlV2, pyyaml, Reading, YAML_1_1_READERS } from './support/yaml11';

const viaYaml = (v: unknown) => stringify(v, YAML_OPTIONS);

/** Strings made of the characters and words that decide between plain, quoted and block scalars. */
const tricky = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'aZ09 -:#?{}[],&*!|>\'"%@`\t~._/\\+=éλ—\u00a0'.split('')), maxLength: 8 }),
  fc.constantFrom('true', 'False', 'NULL', 'null', '~', '', '42', '-1', '+3', '0o17', '0x1F', '1e3', '.5', '1.', '.inf', '-.Inf', '.nan',
    '---', '...', '%x', '- a', '? b', 'a: b', 'a #b', 'a#b', 'x:', 'y ', ' z', '*', '&a', '!t', '{{ request.object }}', 'cgr.dev/chainguard/*',
    '0 3 * * *', 'k'.repeat(1030), "it's", 'say "hi"', `"'both'"`, 'two\nlines', 'bell\u0007', 'line\n'),
  fc.string(),
  // Multi-line: what decides the block scalar's header, chomping and indentation.
  fc.string({ unit: fc.constantFrom(...'a-:# \t\n\n%.|>"\''.split(''), '---', '...'), maxLength: 12 }),
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
    fc.assert(fc.property(document, (doc) => expectEqualInLoop(toYaml(doc), viaYaml(doc))), { numRuns: 3000 });
  });

  it('handles most generated documents itself, so the property above tests the fast writer', () => {
    const docs = fc.sample(document, { numRuns: 1000, seed: 42 });
    expect(docs.filter((d) => fastYaml(d) !== undefined).length).toBeGreaterThan(300);
  });

  it('writes every object of the example clusters without falling back to yaml, the multi-line patch in each FluxInstance included', () => {
    const objects = synthesize(exampleFleet).objects;
    expect(objects.filter((o) => fastYaml(o.manifest) === undefined).map((o) => `${o.cluster}/${o.manifest.kind}/${o.manifest.metadata.name}`)).toEqual([]);
    expect(objects.filter((o) => o.manifest.kind === 'FluxInstance').every((o) => /\n {6}- patch: \|\n {10}- op: add\n/.test(fastYaml(o.manifest) ?? ''))).toBe(true);
  });

  it('quotes strings that would read back as something else, as yaml does', () => {
    expect(fastYaml({ a: 'true', b: '5', c: '', d: '{{ x }}', e: '"hi" she said', f: "'s", g: 'a: b', h: '0 3 * * *' })).toBe(
      'a: "true"\nb: "5"\nc: ""\nd: "{{ x }}"\ne: \'"hi" she said\'\nf: "\'s"\ng: "a: b"\nh: 0 3 * * *\n',
    );
  });

  it('nests lists under keys and maps under dashes', () => {
    expect(fastYaml({ spec: { list: [{ a: 1, b: [] }, ['x', 'z'], null], empty: {} } })).toBe(
      'spec:\n  list:\n    - a: 1\n      b: []\n    - - x\n      - z\n    - null\n  empty: {}\n',
    );
  });

  it('writes multi-line strings as literal block scalars, as yaml does, and leaves the rare ones to yaml', () => {
    expect(fastYaml({ data: { script: 'set -e\necho hi\n' } })).toBe('data:\n  script: |\n    set -e\n    echo hi\n');
    expect(fastYaml({ list: ['  indented\nthen not', 'no final newline\n\nblank above'] })).toBe(
      'list:\n  - |2-\n      indented\n    then not\n  - |-\n    no final newline\n\n    blank above\n',
    );
    // Trailing blank lines (keep chomping) and a last line of spaces: yaml's own.
    for (const doc of [{ a: 'x\n\n' }, { a: 'x\n  ' }, { 'multi\nline key': 1 }]) {
      expect(fastYaml(doc)).toBeUndefined();
      expect(toYaml(doc)).toBe(viaYaml(doc));
    }
  });
});

/** Strings made of what YAML 1.1 readers take for booleans, nulls, numbers and timestamps. */
const yaml11Word = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789_:.-+eExXbBoOtTZ yYnN<=~'.split('')), maxLength: 10 }),
  fc.constantFrom('y', 'Y', 'n', 'N', 'yes', 'Yes', 'YES', 'yEs', 'no', 'No', 'NO', 'on', 'On', 'ON', 'oN', 'off', 'Off', 'OFF', 'true', 'True', 'tRUE',
    'false', 'FALSE', '~', 'null', 'Null', 'NULL', '', '1_000', '-_1', '1:20', '-1:20:30.5', '0o17', '0O17', '0x1F', '0X_1f', '0b101', '-0b1', '017', '09',
    '.5', '._5', '1.', '1e3', '1_0e1_0', '.inf', '-.Inf', '.nan', '2001-12-14', '2001-1-2', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5',
    '2001-12-14T21:59:43Z', '<<', '=', '1.2.3', 'v1', '250m', '2Gi', '0 3 * * *'),
  fc.string(),
);
const { tree11 } = fc.letrec((tie) => ({
  tree11: fc.oneof({ depthSize: 'small' }, yaml11Word, fc.integer(), fc.boolean(), fc.constant(null), tie('list11'), tie('map11')),
  list11: fc.array(tie('tree11'), { maxLength: 4 }),
  map11: fc.dictionary(yaml11Word, tie('tree11'), { maxKeys: 4 }),
}));

/** What the `yaml` library (YAML 1.2 core schema) made of a scalar, in the readers' terms. */
const reading12 = (value: unknown): Reading => (value === null ? 'null' : typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? 'number' : 'str');

describe('YAML that 1.1 and 1.2 readers read the same', () => {
  it('quotes strings YAML 1.1 reads as booleans, numbers, timestamps, merge or value keys', () => {
    const words = ['yes', 'No', 'on', 'OFF', 'y', 'N', '1_000', '1:20', '0b101', '-0o17', '.5', '1.', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '='];
    expect(toYaml({ team: words })).toBe(`team:\n${words.map((w) => `  - "${w}"\n`).join('')}`);
    expect(toYaml({ yes: 'v1.2.3', labels: ['1.2.3', 'web', 'yEs', '250m'] })).toBe('"yes": v1.2.3\nlabels:\n  - 1.2.3\n  - web\n  - yEs\n  - 250m\n');
  });

  it('writes a label team: yes quoted into the rendered file', () => {
    const files = synthesize(demo(({ app }) => new kplus.ConfigMap(app.scope('configs'), 'settings', {
      metadata: { name: 'settings', namespace: 'app', labels: { team: 'yes' } }, data: { retries: '1_000', window: '1:20', enabled: 'on' },
    }))).files;
    const content = files.get('dist/demo/configs/configmap_app_settings.yaml') ?? [...files.keys()].join(', ');
    expect(content).toContain('  enabled: "on"\n  retries: "1_000"\n  window: "1:20"\n');
    expect(content).toContain('    team: "yes"\n');
  });

  it('reads the readers as PyYAML and go-yaml v2 do', () => {
    const cases: Array<[string, Reading, Reading]> = [
      ['yes', 'bool', 'bool'], ['y', 'str', 'bool'], ['1_000', 'number', 'number'], ['1:20', 'number', 'str'], ['0o17', 'str', 'number'],
      ['1e3', 'str', 'number'], ['2001-12-14', 'timestamp', 'timestamp'], ['2001-13-14', 'timestamp', 'str'], ['<<', 'merge', 'merge'], ['=', 'value', 'str'], ['1.2.3', 'str', 'str'],
    ];
    expect(cases.map(([s]) => [s, pyyaml(s), goYamlV2(s)])).toEqual(cases);
  });

  it('writes every scalar so that PyYAML, go-yaml v2 and yaml (1.2) read the same type', () => {
    fc.assert(
      fc.property(fc.dictionary(yaml11Word, tree11, { maxKeys: 5 }), (doc) => {
        const text = toYaml(doc);
        const disagreements: string[] = [];
        visit(parseDocument(text), {
          Scalar(_key, node) {
            if (node.type !== Scalar.PLAIN) return; // quoted: a string to every reader
            const plain = String(node.source);
            for (const [reader, read] of Object.entries(YAML_1_1_READERS)) {
              if (read(plain) !== reading12(node.value)) disagreements.push(`${JSON.stringify(plain)}: ${reader} reads ${read(plain)}, yaml ${reading12(node.value)}`);
            }
          },
        });
        expectEqualInLoop(disagreements, []);
      }),
      { numRuns: 3000, seed: 20261201 },
    );
  });
});
