import { ApiObject, App, Chart, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { IntOrString, KubeDeployment, Quantity } from '../imports/k8s';
import { installFastResolve } from '../lib/synth/resolve';
import { exampleFleet } from './fixtures/example-fleet';

/** The order in which the Lazy values of serializeAll's odd objects were produced. */
let produced: string[] = [];
const lazy = (name: string, value: unknown = name) => Lazy.any({ produce: () => (produced.push(name), value) });

/**
 * Every object of the example fleet (and of a chart of odd values) serialized by cdk8s' ApiObject.toJson,
 * with the order in which the odd values' Lazy values ran.
 */
function serializeAll(app = new App()): { json: unknown[]; produced: string[] } {
  produced = [];
  exampleFleet(app);
  const odd = new Chart(app, 'odd');
  const cm = new ApiObject(odd, 'odd', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'odd',
      labels: { lazy: Lazy.any({ produce: () => Lazy.any({ produce: () => 'twice lazy' }) }) as never, b: 'x', a: 'y' },
      annotations: {},
      finalizers: [],
      extra: lazy('metadata-extra', { nested: [], empty: {}, kept: lazy('metadata-kept') }),
    },
    data: {
      token: { resolve: () => ({ nested: Lazy.any({ produce: () => [1, null, undefined, 'x'] }) }) },
      union: IntOrString.fromNumber(8080),
      quantity: Quantity.fromString('2Gi'),
      nothing: null,
      sparse: [1, , 3], // eslint-disable-line no-sparse-arrays
      zeta: lazy('zeta'),
      alpha: lazy('alpha', { y: lazy('alpha.y'), x: [lazy('alpha.x0'), { d: lazy('alpha.x1.d'), c: lazy('alpha.x1.c', undefined) }] }),
      numbered: { 10: 'ten', 9: 'nine', b: 'b', a: 'a', '': 'empty key' },
      emptyThings: { list: [], map: {}, both: [{}, []] },
      proto: JSON.parse('{"__proto__": {"polluted": true}, "b": 1, "a": 2}'),
      notThere: undefined,
    },
  });
  cm.addJsonPatch(JsonPatch.add('/data/patched', 'yes'), JsonPatch.remove('/data/nothing'));
  new KubeDeployment(odd, 'deploy', { spec: { selector: {}, template: { spec: { containers: [{ name: 'c', image: 'i:1', ports: [{ containerPort: 80 }] }] } } } });
  const json = app.node.findAll().filter(ApiObject.isApiObject).map((o) => o.toJson());
  return { json, produced };
}

/** serializeAll with its keys sorted (as the synth does), then with CDK8S_DISABLE_SORT set. */
function serializeBothWays() {
  const sorted = serializeAll();
  process.env.CDK8S_DISABLE_SORT = '1';
  try {
    return { sorted, unsorted: serializeAll() };
  } finally {
    delete process.env.CDK8S_DISABLE_SORT;
  }
}

/** What toJson throws for data cdk8s cannot serialize (the synth reports it as a user mistake). */
function failures(): string[] {
  const chart = new Chart(new App(), 'bad');
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  // A Date, an object without prototype (taken for a number-or-string union), a Lazy that throws, a
  // BigInt, a cycle, and mistakes in metadata.
  const bad = [
    { data: { value: new Date(0) } },
    { data: { value: Object.assign(Object.create(null) as object, { value: 'no prototype' }) } },
    { data: { value: { failing: Lazy.any({ produce: () => { throw new Error('produce failed'); } }) } } },
    { data: { value: 10n } },
    { data: { value: cycle } },
    { metadata: { labels: { bad: Lazy.any({ produce: () => { throw new Error('label failed'); } }) as never } } },
    { metadata: { extra: new Map() } },
    { metadata: { extra: Object.create(null) as object } },
  ];
  return bad.map((props, i) => {
    try {
      return JSON.stringify(new ApiObject(chart, `bad-${i}`, { apiVersion: 'v1', kind: 'ConfigMap', ...props }).toJson());
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    }
  });
}

describe('the synth\'s walk over values (lib/synth/resolve.ts)', () => {
  it('serializes every object exactly as cdk8s\' own resolve does', () => {
    const before = serializeBothWays();
    const failed = failures();
    installFastResolve();
    const after = serializeBothWays();
    // Key order (JSON text), and undefined values and holes (toStrictEqual), and the order Lazy values ran in.
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));
    expect(after).toStrictEqual(before);
    expect(before.sorted.produced).toContain('alpha.x1.d');
    expect(failures()).toEqual(failed);
    // All but the object without prototype (unwrapped as a union) and the BigInt (which JSON.stringify refuses).
    expect(failed.filter((m) => m.startsWith('Error: Failed serializing construct'))).toHaveLength(6);
  });

  it('leaves an App with resolvers of its own to cdk8s\' walk', () => {
    installFastResolve();
    const seen: string[] = [];
    const app = new App({ resolvers: [{ resolve: (c: ResolutionContext) => void (c.key.join('.') === 'data.greeting' && seen.push(String(c.value))) }] });
    const chart = new Chart(app, 'own');
    const cm = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { greeting: 'hi' } });
    expect(cm.toJson()).toMatchObject({ data: { greeting: 'hi' } });
    expect(seen).toEqual(['hi']);
  });
});
