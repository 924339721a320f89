import { ApiObject, App, Chart, Lazy, ResolutionContext } from 'cdk8s';
import { IntOrString, KubeDeployment, Quantity } from '../imports/k8s';
import { installFastResolve } from '../lib/synth/resolve';
import { exampleFleet } from './fixtures/example-fleet';

/** Every object of the example fleet (and of a chart of odd values) serialized by cdk8s' ApiObject.toJson. */
function serializeAll(app = new App()): unknown[] {
  exampleFleet(app);
  const odd = new Chart(app, 'odd');
  new ApiObject(odd, 'odd', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'odd', labels: { lazy: Lazy.any({ produce: () => Lazy.any({ produce: () => 'twice lazy' }) }) as never } },
    data: {
      token: { resolve: () => ({ nested: Lazy.any({ produce: () => [1, null, undefined, 'x'] }) }) },
      union: IntOrString.fromNumber(8080),
      quantity: Quantity.fromString('2Gi'),
      nothing: null,
      sparse: [1, , 3], // eslint-disable-line no-sparse-arrays
    },
  });
  new KubeDeployment(odd, 'deploy', { spec: { selector: {}, template: { spec: { containers: [{ name: 'c', image: 'i:1', ports: [{ containerPort: 80 }] }] } } } });
  return app.node.findAll().filter(ApiObject.isApiObject).map((o) => o.toJson());
}

/** What toJson throws for data cdk8s cannot serialize (the synth reports it as a user mistake). */
function failures(): string[] {
  const chart = new Chart(new App(), 'bad');
  // A Date, an object without prototype (taken for a number-or-string union), a Lazy that throws.
  const bad = [new Date(0), Object.assign(Object.create(null) as object, { value: 'no prototype' }), { failing: Lazy.any({ produce: () => { throw new Error('produce failed'); } }) }];
  return bad.map((value, i) => {
    try {
      new ApiObject(chart, `bad-${i}`, { apiVersion: 'v1', kind: 'ConfigMap', data: { value } }).toJson();
      return 'serialized';
    } catch (err) {
      return (err as Error).message;
    }
  });
}

describe('the synth\'s walk over values (lib/synth/resolve.ts)', () => {
  it('serializes every object exactly as cdk8s\' own resolve does', () => {
    const before = serializeAll();
    const failed = failures();
    installFastResolve();
    expect(JSON.stringify(serializeAll())).toBe(JSON.stringify(before));
    expect(failures()).toEqual(failed);
    expect(failed.filter((m) => m.startsWith('Failed serializing construct'))).toHaveLength(2);
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
