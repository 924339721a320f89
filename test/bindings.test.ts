/** scripts/bindings.ts: the converters' undefined-value filters, written as one pass by npm run import. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transformSync } from 'esbuild';
import { linearFilters } from '../scripts/bindings';

/** Converters as cdk8s import writes them: a props object, a map of strings, of quantities, of lists, of objects. */
const CONVERTERS = `
export function toJson_Thing(obj: any): Record<string, any> | undefined {
  if (obj === undefined) { return undefined; }
  const result = {
    'name': obj.name,
    'labels': ((obj.labels) === undefined) ? undefined : (Object.entries(obj.labels).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})),
    'limits': ((obj.limits) === undefined) ? undefined : (Object.entries(obj.limits).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1]?.value }), {})),
    'params': ((obj.params) === undefined) ? undefined : (Object.entries(obj.params).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1]?.map(y => y) }), {})),
    'parts': ((obj.parts) === undefined) ? undefined : (Object.entries(obj.parts).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: toJson_Part(i[1]) }), {})),
    '10': obj.ten,
    'a-b': obj.aB,
  };
  // filter undefined values
  return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});
}
export function toJson_Part(obj: any): Record<string, any> | undefined {
  if (obj === undefined) { return undefined; }
  const result = {
    'x': obj.x,
  };
  // filter undefined values
  return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});
}
`;

/** The module's exports, compiled as the bundle compiles it. */
function load(source: string): { toJson_Thing: (o: unknown) => unknown } {
  const { code } = transformSync(source, { loader: 'ts', format: 'cjs', target: 'es2022' });
  const module = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', code)(module, module.exports);
  return module.exports as { toJson_Thing: (o: unknown) => unknown };
}

/** Key order, values, undefined values kept as keys, and which keys are own properties. */
const shape = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(shape);
  if (v === null || typeof v !== 'object') return v;
  return Object.getOwnPropertyNames(v).map((k) => [k, shape((v as Record<string, unknown>)[k])]);
};

describe('linearFilters (npm run import)', () => {
  const transformed = linearFilters(CONVERTERS);

  it('assigns a converter\'s fields one by one and writes every spread filter as one pass, with one helper', () => {
    expect(transformed).not.toMatch(/reduce\(/);
    expect(transformed).not.toMatch(/const result = \{/);
    expect(transformed.match(/^ {2}if \(value !== undefined\) result\['[^']+'\] = value;$/gm)).toHaveLength(8); // Thing's 7 fields, Part's 1
    expect(transformed).toContain('definedEntries(obj.labels, (v) => v)'); // labels: the values as they are
    expect(transformed.match(/definedEntries\(/g)).toHaveLength(4); // labels, limits, params, parts
    expect(transformed.match(/^function defined\w+</gm)).toEqual(['function definedEntries<']);
    expect(linearFilters('export const x = 1;\n')).toBe('export const x = 1;\n');
  });

  it('gives what the spread filters give: keys, order, values', () => {
    const before = load(CONVERTERS);
    const after = load(transformed);
    const inputs = [
      {},
      { name: 'n', labels: { b: '1', a: '2', gone: undefined, '2': 'two', '1': 'one' }, limits: { cpu: { value: '1' }, none: undefined }, params: { p: ['x', 'y'] }, parts: { q: { x: 1 }, r: {} }, ten: 10, aB: 'ab' },
      { labels: JSON.parse('{"__proto__": "own", "z": "last"}'), parts: JSON.parse('{"__proto__": {"x": 2}}'), name: undefined },
    ];
    for (const input of inputs) expect(shape(after.toJson_Thing(input))).toEqual(shape(before.toJson_Thing(input)));
    expect(Object.getPrototypeOf(after.toJson_Thing(inputs[2]) as object)).toBe(Object.prototype);
  });

  it('is applied to every committed binding (what npm run import writes)', () => {
    const dir = path.join(__dirname, '..', 'imports');
    for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = fs.readFileSync(path.join(dir, name), 'utf8');
      expect([name, /\.reduce\(\(r, i\) =>/.test(source)]).toEqual([name, false]);
    }
  });
});
