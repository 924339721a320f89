/**
 * Random props for every core construct: synth either renders output that passes every check, or fails
 * with a clean ConfigError (one line per problem, naming where and what), never anything else. The
 * add-ons have theirs in property-addons.test.ts; the property and the shared arbitraries are in
 * support/property.ts.
 */
import { ApiObject } from 'cdk8s';
import * as fc from 'fast-check';
import { Cluster, ClusterProps } from '../lib/cluster';
import { Component } from '../lib/component';
import { FluxHelmRelease, PinnedChart } from '../lib/flux/helm-release';
import { HelmRepositorySource } from '../lib/flux/helm-repository';
import { OciChartSource } from '../lib/flux/oci-repository';
import { record } from '../lib/synth/validation/access';
import { schemas } from '../lib/synth/validation/schemas';
import { TalosNamespace } from '../lib/talos/namespace';
import { CHARTS } from '../lib/versions';
import { clusterProps } from './helpers';
import { assertValidOutputOrCleanError, ConstructArbitrary, duration, inCluster, label, labels, maybe, namespace, propsOf } from './support/property';

/** Chart values: plain JSON, sometimes with a credential-looking key. */
const values = fc.dictionary(fc.constantFrom('replicas', 'image', 'resources', 'nodeSelector', 'password', 'url'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });

/**
 * Any value but the exotic ones: a metadata.name without prototype still crashes the escape hatch's
 * serialization (cdk8s's ApiObject.toJson throws a TypeError while formatting its own error, which
 * lib/synth/render.ts does not catch).
 */
const ORDINARY_VALUE = fc.anything();

/** A Kubernetes kind the schemas know, to build escape-hatch objects with. */
const knownKind = fc.constantFrom(...[schemas.index.kinds, ...Object.values(schemas.index.kubernetes)]
  .flatMap((index) => Object.entries(index).flatMap(([apiVersion, kinds]) => Object.keys(kinds).map((kind) => ({ apiVersion, kind })))));

const CONSTRUCTS: readonly ConstructArbitrary[] = [
  {
    name: 'Cluster',
    props: propsOf(fc.record({
      name: label,
      nodes: fc.uniqueArray(fc.record({ name: label, role: fc.constantFrom('controlplane', 'worker'), schedulable: maybe(fc.boolean()), labels: maybe(labels), extensions: maybe(fc.constantFrom(['siderolabs/kata-containers'])) }), { minLength: 1, maxLength: 3, selector: (n) => n.name })
        .map((nodes) => [{ ...nodes[0], role: 'controlplane' as const }, ...nodes.slice(1)]),
      git: fc.record({ url: fc.constantFrom('ssh://git@example.com/fleet.git', 'https://example.com/fleet.git'), branch: maybe(fc.constantFrom('main', 'prod')), secretRef: maybe(label) }),
      kubernetesVersion: maybe(fc.constantFrom('1.33', '1.34', '1.35', '1.36')),
      talosVersion: maybe(fc.constantFrom('1.13', '1.14', '1.15')),
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
      services: maybe(fc.array(fc.record({ name: label, namespace: maybe(fc.constantFrom('app', 'kube-system')), ports: fc.array(fc.integer({ min: 0, max: 70000 }), { maxLength: 2 }) }), { maxLength: 2 })),
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
      }), ORDINARY_VALUE),
    ),
    build: ([type, p]: [{ apiVersion: string; kind: string }, { name?: string; namespace?: string; body?: Record<string, unknown> } | undefined]) =>
      inCluster((app) => new ApiObject(app.scope('apps'), 'raw', { ...(record(p?.body) ?? {}), ...type, metadata: { name: p?.name, namespace: p?.namespace } } as never)),
  },
];

describe('any props', () => {
  it.each(CONSTRUCTS.map((c) => [c.name, c] as const))('%s: valid output that passes every check, or a clean ConfigError', (_name, c) => {
    // Every construct but the Cluster itself is built in cluster `prop`, so every problem must be placed there.
    assertValidOutputOrCleanError(c, { numRuns: 150, cluster: c.name === 'Cluster' ? undefined : 'prop' });
  }, 60_000);
});
