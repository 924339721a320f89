/**
 * Random props for every construct: synth either renders output that passes every check, or fails
 * with a clean ConfigError (one line per problem, naming where and what), never anything else.
 * To cover a new add-on, append one entry to CONSTRUCTS: an arbitrary of its props (mostly valid
 * values, sometimes anything) and how to build it in a cluster.
 */
import { ApiObject, App } from 'cdk8s';
import * as fc from 'fast-check';
import { Cluster, ClusterProps } from '../lib/cluster';
import { Component } from '../lib/component';
import { ConfigError } from '../lib/errors';
import { FluxHelmRelease, PinnedChart } from '../lib/flux/helm-release';
import { HelmRepositorySource } from '../lib/flux/helm-repository';
import { OciChartSource } from '../lib/flux/oci-repository';
import { DEFAULT_CHECKS } from '../lib/synth/checks';
import { synthesize } from '../lib/synth/pipeline';
import { record } from '../lib/synth/validation/access';
import { schemas } from '../lib/synth/validation/schemas';
import { TalosNamespace } from '../lib/talos/namespace';
import { CHARTS } from '../lib/versions';
import { clusterProps } from './helpers';

/**
 * Props of a construct: valid ones, the same with one field replaced by anything (or removed), or
 * anything at all. About half render, the rest must be rejected cleanly.
 */
function propsOf<T extends object>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  const mutated = valid.chain((p) => {
    const keys = Object.keys(p);
    if (!keys.length) return fc.constant(p);
    return fc.tuple(fc.constantFrom(...keys), fc.option(fc.anything(), { nil: undefined })).map(([key, value]) => ({ ...p, [key]: value }));
  });
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: fc.anything() });
}

/** An optional field. */
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
const duration = fc.constantFrom('5m', '1h30m', '720h', '10s');
const labels = fc.dictionary(fc.stringMatching(/^[a-z]([-a-z0-9.]{0,8}[a-z0-9])?(\/[a-z]{1,5})?$/), fc.stringMatching(/^[a-z0-9]{0,8}$/), { maxKeys: 2 });
/** Chart values: plain JSON, sometimes with a credential-looking key. */
const values = fc.dictionary(fc.constantFrom('replicas', 'image', 'resources', 'nodeSelector', 'password', 'url'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
/** A namespace the test cluster has (app, or a system one), or one it lacks. */
const namespace = fc.constantFrom('app', 'app', 'kube-system', 'flux-system', 'missing');

/** A cluster `prop` whose component `app` has namespace `app`, with one construct added by `add`. */
function inCluster(add: (app: Component) => void): (a: App) => void {
  return (a) => {
    const cluster = new Cluster(a, clusterProps({ name: 'prop' }));
    const app = new Component(cluster, 'app');
    new TalosNamespace(app.scope('controllers'), 'namespace', { name: 'app' });
    add(app);
  };
}

interface ConstructArbitrary {
  readonly name: string;
  readonly props: fc.Arbitrary<unknown>;
  readonly build: (props: never) => (a: App) => void;
}

/** A Kubernetes kind the schemas know, to build escape-hatch objects with. */
const knownKind = fc.constantFrom(...Object.entries(schemas.index.kinds).flatMap(([apiVersion, kinds]) => Object.keys(kinds).map((kind) => ({ apiVersion, kind }))));

const CONSTRUCTS: readonly ConstructArbitrary[] = [
  {
    name: 'Cluster',
    props: propsOf(fc.record({
      name: label,
      nodes: fc.uniqueArray(fc.record({ name: label, role: fc.constantFrom('controlplane', 'worker'), schedulable: maybe(fc.boolean()), labels: maybe(labels), extensions: maybe(fc.constantFrom(['siderolabs/kata-containers'])) }), { minLength: 1, maxLength: 3, selector: (n) => n.name })
        .map((nodes) => [{ ...nodes[0], role: 'controlplane' as const }, ...nodes.slice(1)]),
      git: fc.record({ url: fc.constantFrom('ssh://git@example.com/fleet.git', 'https://example.com/fleet.git'), branch: maybe(fc.constantFrom('main', 'prod')), secretRef: maybe(label) }),
      kubernetesVersion: maybe(fc.constantFrom('1.34', '1.35')),
      flux: maybe(fc.record({ interval: maybe(duration), timeout: maybe(duration), retryInterval: maybe(duration) })),
    })),
    build: (props: ClusterProps) => (a) => new Cluster(a, props),
  },
  {
    name: 'Component',
    props: propsOf(fc.record({ id: label })),
    build: (p: { id: string }) => (a) => new Component(new Cluster(a, clusterProps({ name: 'prop' })), p?.id),
  },
  {
    name: 'TalosNamespace',
    props: propsOf(fc.record({ name: label, podSecurity: maybe(fc.constantFrom('privileged', 'baseline', 'restricted')), labels: maybe(labels) })),
    build: (props: never) => inCluster((app) => new TalosNamespace(app.scope('controllers'), 'ns', props)),
  },
  {
    name: 'PinnedChart',
    props: propsOf(fc.record({
      pin: fc.oneof(fc.constantFrom(...Object.values(CHARTS)), fc.record({ repository: fc.constantFrom('https://charts.example.com', 'oci://ghcr.io/example/charts/demo'), chart: label, version: fc.constantFrom('1.2.3', 'v0.1.0') })),
      name: maybe(label),
      namespace,
      values: maybe(values),
      timeout: maybe(duration),
    })),
    build: (props: never) => inCluster((app) => new PinnedChart(app.scope('controllers'), 'chart', props)),
  },
  {
    name: 'FluxHelmRelease',
    props: propsOf(fc.record({ name: label, namespace, chart: label, version: fc.constantFrom('1.2.3', '0.36.0'), values: maybe(values), crds: maybe(fc.constantFrom('Skip', 'Create', 'CreateReplace')), retries: maybe(fc.nat(5)), interval: maybe(duration) })),
    build: (props: Record<string, unknown>) => inCluster((app) => {
      const source = new HelmRepositorySource(app.scope('controllers'), 'source', { name: 'demo', namespace: 'app', url: 'https://charts.example.com' });
      new FluxHelmRelease(app.scope('controllers'), 'release', { ...props, source } as never);
    }),
  },
  {
    name: 'HelmRepositorySource',
    props: propsOf(fc.record({ name: label, namespace, url: fc.constantFrom('https://charts.example.com', 'https://kedacore.github.io/charts'), interval: maybe(duration) })),
    build: (props: never) => inCluster((app) => new HelmRepositorySource(app.scope('controllers'), 'source', props)),
  },
  {
    name: 'OciChartSource',
    props: propsOf(fc.record({ name: label, namespace, url: fc.constantFrom('oci://ghcr.io/example/charts/demo', 'oci://registry.example.com:5000/charts/app'), tag: fc.constantFrom('1.2.3', 'v26.7.0'), interval: maybe(duration) })),
    build: (props: never) => inCluster((app) => new OciChartSource(app.scope('controllers'), 'source', props)),
  },
  {
    // apiVersion and kind are what cdk8s itself needs (it splits the apiVersion); the type system
    // requires both as strings, so they vary among real kinds only.
    name: 'escape-hatch ApiObject',
    props: fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom({ apiVersion: 'v1', kind: 'ConfigMap' }, { apiVersion: 'v1', kind: 'ServiceAccount' }) }, { weight: 1, arbitrary: knownKind }),
      propsOf(fc.record({
        name: label,
        namespace: maybe(namespace),
        body: fc.oneof(fc.record({ data: maybe(fc.dictionary(label, fc.string({ maxLength: 5 }), { maxKeys: 2 })) }), fc.dictionary(fc.constantFrom('spec', 'data', 'stringData', 'handler', 'status'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 })),
      })),
    ),
    build: ([type, p]: [{ apiVersion: string; kind: string }, { name?: string; namespace?: string; body?: Record<string, unknown> } | undefined]) =>
      inCluster((app) => new ApiObject(app.scope('apps'), 'raw', { ...(record(p?.body) ?? {}), ...type, metadata: { name: p?.name, namespace: p?.namespace } } as never)),
  },
];

/** One line per problem: `where: field: message` or `where: message`, where names a cluster path. */
const PROBLEM_LINE = /^[^\s:/][^\n]*\/[^\n]*: [^\n]+$/;

describe('any props', () => {
  it.each(CONSTRUCTS.map((c) => [c.name, c] as const))('%s: valid output that passes every check, or a clean ConfigError', (_name, c) => {
    const outcomes = { rendered: 0, rejected: 0 };
    fc.assert(
      fc.property(c.props, (props) => {
        let result;
        try {
          result = synthesize(c.build(props as never));
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          expect(err.problems.length).toBeGreaterThan(0);
          for (const line of err.message.split('\n')) expect(line).toMatch(PROBLEM_LINE);
          outcomes.rejected++;
          return;
        }
        expect(DEFAULT_CHECKS.flatMap((check) => check(result.objects))).toEqual([]);
        outcomes.rendered++;
      }),
      { numRuns: 150 },
    );
    // Both outcomes occur, so neither half of the property holds vacuously.
    expect(outcomes.rendered).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});
