/**
 * The bad-input corpus: one user mistake per case, each with the exact message synth must give.
 * test/bad-inputs.test.ts runs every case through synthToDisk and checks that the previous output
 * stays byte-identical. To cover a new add-on, append its cases to BAD_INPUTS (a few lines each).
 */
import * as path from 'node:path';
import { ApiObject, App, Chart, Include, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Cluster, ClusterProps, Layer } from '../lib/cluster';
import { Component } from '../lib/component';
import { FluxHelmRelease, PinnedChart } from '../lib/flux/helm-release';
import { HelmRepositorySource } from '../lib/flux/helm-repository';
import { TalosNamespace } from '../lib/talos/namespace';
import { FleetBuilder } from '../lib/synth/pipeline';
import { CHARTS } from '../lib/versions';
import { helmRelease, schedule, veleroValues } from './fixtures/representative-fleet';
import { clusterProps } from './helpers';

export interface BadInput {
  /** What is wrong, in a few words. */
  readonly name: string;
  /** The fleet, mistake included. */
  readonly build: FleetBuilder;
  /** The exact message of the ConfigError, all lines. */
  readonly message: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Raw = { apiVersion: string; kind: string; metadata: Record<string, unknown>; [k: string]: any };

/** A cluster `demo` with a component `app` whose namespace `app` exists; `fn` adds the mistake. */
export function demo(fn: (c: { cluster: Cluster; app: Component }) => void, props: Partial<ClusterProps> = {}): FleetBuilder {
  return (a: App) => {
    const cluster = new Cluster(a, clusterProps({ name: 'demo', ...props }));
    const app = new Component(cluster, 'app');
    new TalosNamespace(app.scope('controllers'), 'namespace', { name: 'app' });
    fn({ cluster, app });
  };
}

/** An escape-hatch object: a raw ApiObject in a component's layer. */
export function raw(component: Component, layer: Layer, manifest: Raw): ApiObject {
  return new ApiObject(component.scope(layer), `${manifest.kind}-${String(manifest.metadata.name)}`, manifest);
}

/** A demo fleet with one raw object in the app namespace (configs layer unless said). */
const withObject = (manifest: Raw, layer: Layer = 'configs'): FleetBuilder => demo(({ app }) => raw(app, layer, manifest));

/** A demo fleet whose layers decrypt SOPS, with one raw object in the app namespace (configs layer). */
const withSops = (manifest: Raw): FleetBuilder => demo(({ app }) => raw(app, 'configs', manifest), { sops: { secretRef: 'sops-age' } });

/** A SOPS-encrypted Secret db in namespace app. */
const sopsSecret = (stringData: Record<string, string>): Raw => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'app' },
  stringData,
  sops: { mac: 'ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]', lastmodified: '2026-01-01T00:00:00Z', version: '3.9.0' },
});

const configMap = (data: Record<string, unknown>, extra: Record<string, unknown> = {}): Raw => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'app' }, data, ...extra });

const deployment = (podSpec: Record<string, unknown>, spec: Record<string, unknown> = {}): Raw => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'app' },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec }, ...spec },
});

const container = { name: 'web', image: 'ghcr.io/example/web:1.0.0' };

const scaledObject = (spec: Record<string, unknown>): Raw => ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'web', namespace: 'app' }, spec });

const cronTrigger = { type: 'cron', metadata: { timezone: 'Europe/Berlin', start: '0 8 * * *', end: '0 20 * * *', desiredReplicas: '1' } };

/** The demo pin: a chart in an https Helm repository. */
const DEMO_PIN = { repository: 'https://charts.example.com', chart: 'demo', version: '1.2.3' };

/** A PinnedChart of the demo chart in namespace app. */
const pinned = (app: Component, props: Record<string, unknown> = {}) =>
  new PinnedChart(app.scope('controllers'), String(props.name ?? 'chart'), { pin: DEMO_PIN, namespace: 'app', ...props } as never);

/** The velero add-on's shape: namespace, source and release with the given values, and `more` objects. */
function velero(values: object, { version = CHARTS.velero.version as string, more = [] as Raw[] } = {}): FleetBuilder {
  return demo(({ cluster }) => {
    const v = new Component(cluster, 'velero');
    new TalosNamespace(v.scope('controllers'), 'namespace', { name: 'velero', podSecurity: 'privileged' });
    new HelmRepositorySource(v.scope('controllers'), 'source', { name: 'velero', namespace: 'velero', url: CHARTS.velero.repository });
    raw(v, 'controllers', helmRelease('velero', 'velero', { chart: 'velero', version }, values));
    for (const m of more) raw(v, 'configs', m);
  });
}

const MINIO = veleroValues('velero', { region: 'minio', s3ForcePathStyle: 'true', s3Url: 'https://minio.example.lan:9000' });

/** A daily Velero Schedule with the given template. */
const dailyBackup = (template: Record<string, unknown>): Raw => {
  const s = schedule('daily', '0 3 * * *', ['*'], '720h');
  return { ...s, spec: { ...s.spec, template } };
};

const PLAINTEXT_ADVICE = 'reference an existing Secret instead, commit it SOPS-encrypted, or sync it with External Secrets';
const VALUES_ADVICE = "pass it through the chart's existingSecret or the HelmRelease's valuesFrom (a Secret reference), SOPS, or External Secrets";

export const BAD_INPUTS: readonly BadInput[] = [
  // ---- construct props (zod, at construction time) ----
  {
    name: 'cluster name that is not a DNS label',
    build: (a) => new Cluster(a, clusterProps({ name: 'Edge_2' })),
    message: 'Edge_2/Cluster[Edge_2]: name: "Edge_2" is not a DNS label (lowercase letters, digits and \'-\', at most 63 characters)',
  },
  {
    name: 'cluster without a control plane',
    build: (a) => new Cluster(a, clusterProps({ nodes: [{ name: 'w-0', role: 'worker' }] })),
    message: 'test/Cluster[test]: nodes: a cluster needs at least one controlplane node',
  },
  {
    name: 'Kubernetes version the schemas do not cover',
    build: (a) => new Cluster(a, clusterProps({ kubernetesVersion: '1.30' })),
    message: 'test/Cluster[test]: kubernetesVersion: "1.30" is not a supported Kubernetes version; use one of 1.34, 1.35, 1.36 (the minors whose schemas this release validates against)',
  },
  {
    name: 'Talos version the project renders no machine config for',
    build: (a) => new Cluster(a, clusterProps({ talosVersion: '1.15' })),
    message: 'test/Cluster[test]: talosVersion: "1.15" is not a supported Talos version; use one of 1.13, 1.14 (the minors whose machine config this release renders)',
  },
  {
    name: 'extension the Talos version does not ship',
    build: (a) => new Cluster(a, clusterProps({ talosVersion: '1.14', nodes: [{ name: 'cp-0', role: 'controlplane', extensions: ['siderolabs/nvidia-container-toolkit-beta'] }] })),
    message: 'test/Cluster[test]: nodes[0].extensions[0]: "siderolabs/nvidia-container-toolkit-beta" is not an extension Talos 1.14 ships (its NVIDIA, Kata and gVisor extensions: ' +
      'siderolabs/kata-containers, siderolabs/nonfree-kmod-nvidia-production, siderolabs/nonfree-kmod-nvidia-lts, siderolabs/nvidia-open-gpu-kernel-modules-production, ' +
      'siderolabs/nvidia-open-gpu-kernel-modules-lts, siderolabs/nvidia-container-toolkit-production, siderolabs/nvidia-container-toolkit-lts, siderolabs/kata-containers-snp, ' +
      'siderolabs/gvisor, siderolabs/gvisor-debug, siderolabs/nvidia-fabricmanager-lts, siderolabs/nvidia-fabricmanager-production, siderolabs/nvidia-gdrdrv-device)',
  },
  {
    name: 'kind the cluster\'s Kubernetes version does not serve',
    build: demo(({ app }) => new ApiObject(app.scope('configs'), 'policy', { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingAdmissionPolicy', metadata: { name: 'add-label' }, spec: { failurePolicy: 'Fail' } }), { kubernetesVersion: '1.35' }),
    message: 'demo/configs/MutatingAdmissionPolicy/add-label: apiVersion: admissionregistration.k8s.io/v1 MutatingAdmissionPolicy is not served by Kubernetes 1.35 (served from 1.36); use admissionregistration.k8s.io/v1alpha1 or admissionregistration.k8s.io/v1beta1',
  },
  {
    name: 'object created straight in a component, not in a layer',
    build: demo(({ app }) => new ApiObject(app, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'app' } })),
    message: "demo/ApiObject[settings]: objects go in a layer: create them in component.scope('controllers' | 'configs' | 'apps')",
  },
  {
    name: 'cdk8s-plus workload created straight in a cluster',
    build: demo(({ cluster }) => new kplus.Deployment(cluster, 'web', { metadata: { name: 'web', namespace: 'app' }, containers: [{ image: 'ghcr.io/example/web:1.0.0' }] })),
    message: "demo/Deployment[web]: objects go in a layer: create them in component.scope('controllers' | 'configs' | 'apps')",
  },
  {
    name: 'object in a chart of no cluster',
    build: (a) => {
      new Cluster(a, clusterProps());
      new ApiObject(new Chart(a, 'loose'), 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' } });
    },
    message: "(no cluster)/ApiObject[settings]: ConfigMap \"settings\" is in no cluster, so it would be rendered nowhere; create it in a component of a Cluster, in component.scope('controllers' | 'configs' | 'apps')",
  },
  {
    name: 'Flux interval in days',
    build: (a) => new Cluster(a, clusterProps({ flux: { interval: '1d' } })),
    message: 'test/Cluster[test]: flux.interval: "1d" is not a duration (use h, m, s as in 720h or 5m30s)',
  },
  {
    // Flux would call the layer failed while Helm is still retrying the install.
    name: 'Flux timeout shorter than the HelmReleases of a layer need',
    build: demo(({ app }) => new PinnedChart(app.scope('controllers'), 'chart', { pin: { repository: 'https://charts.example.com', chart: 'demo', version: '1.2.3' }, namespace: 'app' }), { flux: { timeout: '10m' } }),
    message: 'demo/Cluster[demo]: flux.timeout: "10m" is shorter than the 40m the controllers layer needs for HelmRelease app/demo (its timeout 10m × (1 + 3 retries)), ' +
      'so Flux would fail the layer while Helm still remediates; set at least 40m or leave it out',
  },
  {
    name: 'Git URL in scp form',
    build: (a) => new Cluster(a, clusterProps({ git: { url: 'git@github.com:org/fleet.git' } })),
    message: 'test/Cluster[test]: git.url: "git@github.com:org/fleet.git" is not a Git URL Flux can clone (ssh:// or https://)',
  },
  {
    name: 'two clusters with one name',
    build: (a) => {
      new Cluster(a, clusterProps());
      new Cluster(a, clusterProps());
    },
    message: 'test/Cluster[test]: name: "test" is the name of another cluster; each cluster needs its own (it names dist/test/ and clusters/test/)',
  },
  {
    name: 'unknown cluster prop',
    build: (a) => new Cluster(a, { ...clusterProps(), region: 'eu' } as ClusterProps),
    message: 'test/Cluster[test]: region: unknown property; remove it or check its spelling',
  },
  {
    name: 'no cluster props at all',
    build: (a) => new Cluster(a, undefined as unknown as ClusterProps),
    message: '(unnamed)/Cluster[(unnamed)]: Invalid input: expected object, received undefined',
  },
  {
    name: 'node label value with a space',
    build: (a) => new Cluster(a, clusterProps({ nodes: [{ name: 'cp-0', role: 'controlplane', labels: { zone: 'rack 1' } }] })),
    message: 'test/Cluster[test]: nodes[0].labels.zone: "rack 1" is not a valid label value',
  },
  {
    name: 'node listed twice',
    build: (a) => new Cluster(a, clusterProps({ nodes: [{ name: 'cp-0', role: 'controlplane' }, { name: 'cp-0', role: 'worker' }] })),
    message: 'test/Cluster[test]: nodes[1].name: node "cp-0" is listed twice',
  },
  {
    name: 'component id that is not a DNS label',
    build: (a) => new Component(new Cluster(a, clusterProps()), 'My App'),
    message: 'test/Component[My App]: id: "My App" is not a DNS label; a component id names files and the part-of label',
  },
  {
    name: 'two components with one id',
    build: (a) => {
      const cluster = new Cluster(a, clusterProps());
      new Component(cluster, 'web');
      new Component(cluster, 'web');
    },
    message: 'test/Component[web]: id: "web" is the id of another component of cluster test; each needs its own (it is their part-of label)',
  },
  {
    name: 'two constructs with one id in one scope',
    build: demo(({ app }) => new TalosNamespace(app.scope('controllers'), 'namespace', { name: 'other' })),
    message: 'demo/Construct[app]: id: "namespace" is the id of another construct in the same scope; give each its own',
  },
  {
    name: 'Pod Security level that does not exist',
    build: demo(({ app }) => new TalosNamespace(app.scope('controllers'), 'gpu', { name: 'gpu', podSecurity: 'lenient' as never })),
    message: 'demo/TalosNamespace[gpu]: podSecurity: Invalid option: expected one of "privileged"|"baseline"|"restricted"',
  },
  {
    name: 'chart version range instead of a pin',
    build: demo(({ app }) => new PinnedChart(app.scope('controllers'), 'chart', { pin: { ...DEMO_PIN, version: '^1.2.0' }, namespace: 'app' })),
    message: 'demo/PinnedChart[chart]: pin.version: "^1.2.0" is not a pinned version (an exact SemVer such as 1.2.3, not a range)',
  },
  {
    name: 'chart repository over plain http',
    build: demo(({ app }) => new PinnedChart(app.scope('controllers'), 'chart', { pin: { ...DEMO_PIN, repository: 'http://charts.example.com' }, namespace: 'app' })),
    message: 'demo/PinnedChart[chart]: pin.repository: "http://charts.example.com" is not a chart repository URL (https:// or oci://)',
  },
  {
    name: 'chart values that are not plain data',
    build: demo(({ app }) => pinned(app, { values: { replicas: Number.NaN, hook: () => 1 } })),
    message: [
      'demo/PinnedChart[chart]: values.replicas: NaN is not a finite number; use strings, numbers, booleans, null, arrays and objects',
      'demo/PinnedChart[chart]: values.hook: a function is not plain data; use strings, numbers, booleans, null, arrays and objects',
    ].join('\n'),
  },
  {
    name: 'negative Helm retries',
    build: demo(({ app }) => {
      const source = new HelmRepositorySource(app.scope('controllers'), 'source', { name: 'demo', namespace: 'app', url: DEMO_PIN.repository });
      new FluxHelmRelease(app.scope('controllers'), 'release', { name: 'demo', namespace: 'app', source, chart: 'demo', version: '1.2.3', retries: -1 });
    }),
    message: 'demo/FluxHelmRelease[release]: retries: Too small: expected number to be >=0',
  },
  {
    name: 'release name longer than Helm allows',
    build: demo(({ app }) => pinned(app, { name: 'a-release-name-that-goes-on-and-on-well-past-helm-limit' })),
    message: 'demo/PinnedChart[a-release-name-that-goes-on-and-on-well-past-helm-limit]: name: "a-release-name-that-goes-on-and-on-well-past-helm-limit" is longer than the 53 characters Helm allows for a release name',
  },

  // ---- schemas: every object against Kubernetes 1.34 or its CRD ----
  {
    name: 'unknown field in a core kind',
    build: withObject(configMap({ mode: 'fast' }, { dat: { other: 'x' } })),
    message: 'demo/configs/ConfigMap/app/settings: dat: unknown field, not in the Kubernetes 1.36 v1 ConfigMap schema; did you mean "data"?',
  },
  {
    name: 'misspelt field deep in a pod template',
    build: withObject(deployment({ containers: [{ ...container, imagePullPolicie: 'Always' }] }), 'apps'),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.containers[0].imagePullPolicie: unknown field, not in the Kubernetes 1.36 apps/v1 Deployment schema; did you mean "imagePullPolicy"?',
  },
  {
    name: 'unknown field set through an escape hatch on a typed object',
    build: demo(({ app }) => {
      ApiObject.of(pinned(app).release.node.findChild('resource')).addJsonPatch(JsonPatch.add('/spec/valuez', { replicas: 2 }));
    }),
    message: 'demo/controllers/HelmRelease/app/demo: spec.valuez: unknown field, not in the helm.toolkit.fluxcd.io/v2 HelmRelease schema, so its typed binding left out what addJsonPatch set; did you mean "values"?',
  },
  {
    name: 'misspelt field in a custom resource',
    build: velero(MINIO, { more: [dailyBackup({ includeNamespaces: ['llm'], storageLocation: 'default' })] }),
    message: 'demo/configs/Schedule/velero/daily: spec.template.includeNamespaces: unknown field, not in the velero.io/v1 Schedule schema; did you mean "includedNamespaces"?',
  },
  {
    name: 'unknown metadata field in a custom resource',
    build: withObject({ ...schedule('daily', '0 3 * * *', ['*'], '720h'), metadata: { name: 'daily', namespace: 'app', label: { team: 'ops' } } }),
    message: [
      'demo/configs/Schedule/app/daily: metadata.label: unknown field, not in the velero.io/v1 Schedule schema; did you mean "labels"?',
      'demo/configs/Schedule/app/daily: spec.template.storageLocation: BackupStorageLocation app/default does not exist in cluster demo; name a location of the velero chart values (configuration.backupStorageLocation[].name) or a BackupStorageLocation object',
    ].join('\n'),
  },
  {
    name: 'missing required field',
    build: withObject({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'kata' }, overhead: { podFixed: { memory: '130Mi' } } }),
    message: 'demo/configs/RuntimeClass/kata: handler: required field is missing',
  },
  {
    name: 'wrong type',
    build: withObject(deployment({ containers: [container] }, { replicas: 'two' }), 'apps'),
    message: 'demo/apps/Deployment/app/web: spec.replicas: expected integer, got string "two"',
  },
  {
    name: 'value outside an enum, through an escape hatch',
    build: demo(({ app }) => {
      ApiObject.of(pinned(app).release.node.findChild('resource')).addJsonPatch(JsonPatch.replace('/spec/install/crds', 'Always'));
    }),
    message: 'demo/controllers/HelmRelease/app/demo: spec.install.crds: "Always" is not one of "Skip", "Create", "CreateReplace"',
  },
  {
    name: 'quantity with a space',
    build: withObject(deployment({ containers: [{ ...container, resources: { limits: { memory: '2 GB' } } }] }), 'apps'),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.containers[0].resources.limits.memory: "2 GB" is not a Kubernetes quantity (for example 250m, 512Mi, 2Gi)',
  },
  {
    name: 'kind without a schema',
    build: withObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'app' }, spec: { size: 3 } }),
    message: 'demo/configs/Widget/app/w: kind: no schema for example.com/v1 Widget, so it cannot be checked; add its CRD with npm run import -- --crd <file or https URL of the CRD>',
  },
  {
    name: 'apiVersion the cluster does not serve',
    build: withObject({ ...deployment({ containers: [container] }), apiVersion: 'apps/v1beta2' }, 'apps'),
    message: 'demo/apps/Deployment/app/web: apiVersion: Deployment is not served as apps/v1beta2; use apps/v1',
  },
  {
    name: 'escape-hatch data cdk8s cannot render',
    build: withObject(configMap({ since: new Date(0) as unknown as string })),
    message: "demo/ApiObject[ConfigMap-settings]: cannot be rendered (Error: can't render non-simple object of type 'Date'); give it plain data: strings, numbers, booleans, null, arrays and plain objects",
  },
  {
    name: 'a function where a string belongs',
    build: withObject(configMap({ mode: () => 'fast' })),
    message: 'demo/configs/ConfigMap/app/settings: data.mode: expected string, got function',
  },
  {
    name: 'status in a rendered object',
    build: withObject({ ...configMap({ a: 'b' }), status: { ready: true } }),
    message: 'demo/configs/ConfigMap/app/settings: status: unknown field: status is written by the cluster, never rendered',
  },
  {
    name: 'included YAML file with a misspelt field',
    build: demo(({ app }) => new Include(app.scope('apps'), 'legacy', { url: path.join(__dirname, 'fixtures/legacy-service.yaml') })),
    message: 'demo/apps/Service/app/legacy: spec.ports[0].targetPorts: unknown field, not in the Kubernetes 1.36 v1 Service schema; did you mean "targetPort"?',
  },

  // ---- what the API server refuses beyond the schemas: names, labels, annotations, quantities ----
  {
    name: 'Deployment name with capitals',
    build: demo(({ app }) => new kplus.Deployment(app.scope('apps'), 'vllm', { metadata: { name: 'vLLM', namespace: 'app' }, containers: [{ image: 'ghcr.io/example/vllm:1.0.0' }] })),
    message: `demo/apps/Deployment/app/vLLM: metadata.name: "vLLM" is not a valid name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)`,
  },
  {
    name: 'Service name starting with a digit',
    build: withObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: '1web', namespace: 'app' }, spec: { ports: [{ port: 80 }] } }, 'apps'),
    message: 'demo/apps/Service/app/1web: metadata.name: "1web" is not a valid Service name (a DNS-1035 label: lowercase letters, digits and \'-\', starting with a letter and ending with a letter or digit)',
  },
  {
    name: 'CronJob name too long for the Jobs it creates',
    build: withObject({
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: `nightly-${'report'.repeat(8)}`, namespace: 'app' },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } } },
    }, 'apps'),
    message: `demo/apps/CronJob/app/nightly-${'report'.repeat(8)}: metadata.name: "nightly-${'report'.repeat(8)}" has 56 characters; a CronJob name has at most 52 (the names of its Jobs add 11)`,
  },
  {
    name: '64-character name that becomes a 64-character label value',
    build: demo(({ app }) => {
      const name = `inference-${'x'.repeat(54)}`;
      const labels = { 'app.kubernetes.io/name': name };
      const web = new kplus.Deployment(app.scope('apps'), 'web', { metadata: { name, namespace: 'app', labels }, podMetadata: { labels }, select: false, containers: [container] });
      web.select(kplus.LabelSelector.of({ labels }));
    }),
    message: [
      `demo/apps/Deployment/app/inference-${'x'.repeat(54)}: metadata.labels["app.kubernetes.io/name"]: "inference-${'x'.repeat(54)}" has 64 characters; a label value has at most 63`,
      `demo/apps/Deployment/app/inference-${'x'.repeat(54)}: spec.template.metadata.labels["app.kubernetes.io/name"]: "inference-${'x'.repeat(54)}" has 64 characters; a label value has at most 63`,
      `demo/apps/Deployment/app/inference-${'x'.repeat(54)}: spec.selector.matchLabels["app.kubernetes.io/name"]: "inference-${'x'.repeat(54)}" has 64 characters; a label value has at most 63`,
    ].join('\n'),
  },
  {
    name: 'label values YAML and Kubernetes cannot take',
    build: withObject({ ...configMap({ a: 'b' }), metadata: { name: 'settings', namespace: 'app', labels: { owner: '~', team: 'équipe', 'Cost Center': 'r-d' } } }),
    message: [
      'demo/configs/ConfigMap/app/settings: metadata.labels["Cost Center"]: "Cost Center" is not a valid label key (an optional DNS subdomain prefix and \'/\', then a name of at most 63 letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit)',
      'demo/configs/ConfigMap/app/settings: metadata.labels.owner: "~" is not a valid label value (letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit, or empty)',
      'demo/configs/ConfigMap/app/settings: metadata.labels.team: "équipe" is not a valid label value (letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit, or empty)',
    ].join('\n'),
  },
  {
    name: 'annotation key with a space and a pod template label that is too long',
    build: withObject(deployment({ containers: [container] }, {
      template: { metadata: { labels: { app: 'web', commit: 'f'.repeat(64) }, annotations: { 'example.com/release notes': 'x' } }, spec: { containers: [container] } },
    }), 'apps'),
    message: [
      `demo/apps/Deployment/app/web: spec.template.metadata.labels.commit: "${'f'.repeat(64)}" has 64 characters; a label value has at most 63`,
      'demo/apps/Deployment/app/web: spec.template.metadata.annotations["example.com/release notes"]: "example.com/release notes" is not a valid annotation key (an optional DNS subdomain prefix and \'/\', then a name of at most 63 letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit)',
    ].join('\n'),
  },
  {
    name: 'selector value that no label can have',
    build: withObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'app' }, spec: { selector: { app: 'web server' }, ports: [{ port: 80 }] } }, 'apps'),
    message: 'demo/apps/Service/app/web: spec.selector.app: "web server" is not a valid label value (letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit, or empty)',
  },
  {
    name: 'negative CPU request from cdk8s-plus',
    build: demo(({ app }) => new kplus.Deployment(app.scope('apps'), 'web', {
      metadata: { name: 'web', namespace: 'app' },
      containers: [{ image: container.image, resources: { cpu: { request: kplus.Cpu.millis(-500), limit: kplus.Cpu.units(1) } } }],
    })),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.containers[0].resources.requests.cpu: "-500m" is negative; requests, limits and overheads are 0 or more',
  },
  {
    name: 'half a GPU',
    build: withObject(deployment({ containers: [{ ...container, resources: { requests: { 'nvidia.com/gpu': '0.5' }, limits: { 'nvidia.com/gpu': '0.5' } } }] }), 'apps'),
    message: [
      'demo/apps/Deployment/app/web: spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]: "0.5" is not a whole number; nvidia.com/gpu is an extended resource, which pods get in whole units',
      'demo/apps/Deployment/app/web: spec.template.spec.containers[0].resources.requests["nvidia.com/gpu"]: "0.5" is not a whole number; nvidia.com/gpu is an extended resource, which pods get in whole units',
      'demo/apps/Deployment/app/web: spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]: requests nvidia.com/gpu, which none of the nodes it may run on (cp-0) advertises; GpuOperator advertises it on the nodes it selects',
    ].join('\n'),
  },
  {
    name: 'extended resource requested above its limit, memory request above its limit',
    build: withObject(deployment({
      initContainers: [{ ...container, name: 'migrate', resources: { requests: { memory: '4Gi' }, limits: { memory: '2Gi' } } }],
      containers: [{ ...container, resources: { requests: { 'example.com/fpga': 2 }, limits: { 'example.com/fpga': 1 } } }],
    }), 'apps'),
    message: [
      'demo/apps/Deployment/app/web: spec.template.spec.initContainers[0].resources.requests.memory: "4Gi" is above the limit "2Gi"; a request is at most its limit',
      'demo/apps/Deployment/app/web: spec.template.spec.containers[0].resources.requests["example.com/fpga"]: 2 differs from the limit 1; example.com/fpga cannot be overcommitted: set both to the same amount',
      'demo/apps/Deployment/app/web: spec.template.spec.containers[0].resources.limits["example.com/fpga"]: requests example.com/fpga, which none of the nodes it may run on (cp-0) advertises; ' +
        'no add-on of the cluster declares that its nodes advertise it (NodeRequirement.resources)',
    ].join('\n'),
  },
  {
    name: 'negative pod overhead in a RuntimeClass',
    build: withObject({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runsc', overhead: { podFixed: { memory: '-64Mi' } } }),
    message: [
      'demo/configs/RuntimeClass/gvisor: overhead.podFixed.memory: "-64Mi" is negative; requests, limits and overheads are 0 or more',
      'demo/configs/RuntimeClass/gvisor: handler: runsc is provided by no node of demo; no add-on of the cluster declares that its nodes provide it (NodeRequirement.runtimeHandlers)',
    ].join('\n'),
  },

  {
    name: 'ephemeral container in a pod template',
    build: withObject(deployment({ containers: [container], ephemeralContainers: [{ name: 'debug', image: 'busybox:1.37' }] }), 'apps'),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.ephemeralContainers: the API server refuses ephemeral containers in the pods and pod templates it creates; ' +
      'add them to a running pod (kubectl debug), or make this an init or sidecar container',
  },
  {
    name: 'image without a tag',
    build: demo(({ app }) => new kplus.Deployment(app.scope('apps'), 'web', { metadata: { name: 'web', namespace: 'app' }, containers: [{ image: 'ghcr.io/example/web' }] })),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.containers[0].image: "ghcr.io/example/web" has no tag, so it runs whatever :latest is at pull time; ' +
      'pin a version tag (ghcr.io/example/web:1.2.3) or a digest (ghcr.io/example/web@sha256:…) so the output is reproducible',
  },
  {
    name: 'image tagged latest in an init container, image volume without a tag',
    build: withObject(deployment({
      initContainers: [{ ...container, name: 'migrate', image: 'registry.example.com:5000/web/migrate:latest' }],
      containers: [container],
      volumes: [{ name: 'model', image: { reference: 'ghcr.io/example/model' } }],
    }), 'apps'),
    message: [
      'demo/apps/Deployment/app/web: spec.template.spec.initContainers[0].image: "registry.example.com:5000/web/migrate:latest" is tagged latest, which moves; ' +
        'pin a version tag (registry.example.com:5000/web/migrate:1.2.3) or a digest (registry.example.com:5000/web/migrate@sha256:…) so the output is reproducible',
      'demo/apps/Deployment/app/web: spec.template.spec.volumes[0].image.reference: "ghcr.io/example/model" has no tag, so it runs whatever :latest is at pull time; ' +
        'pin a version tag (ghcr.io/example/model:1.2.3) or a digest (ghcr.io/example/model@sha256:…) so the output is reproducible',
    ].join('\n'),
  },
  {
    name: 'chart values asking for a latest image',
    build: demo(({ app }) => pinned(app, { values: { image: { repository: 'ghcr.io/example/demo', tag: 'latest' }, sidecar: { image: 'busybox:latest' } } })),
    message: [
      'demo/controllers/HelmRelease/app/demo: spec.values.image.tag: "latest" asks the chart for a latest image, which moves; pin a version tag or a digest, or leave the tag to the chart\'s pinned appVersion',
      'demo/controllers/HelmRelease/app/demo: spec.values.sidecar.image: "busybox:latest" asks the chart for a latest image, which moves; pin a version tag or a digest, or leave the tag to the chart\'s pinned appVersion',
    ].join('\n'),
  },
  {
    name: 'container without an image',
    build: withObject(deployment({ containers: [{ name: 'web' }] }), 'apps'),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.containers[0].image: no image; name one with a version tag or a digest',
  },

  // ---- cross-references within the cluster ----
  {
    name: 'namespace that no one creates',
    build: withObject({ ...configMap({ a: 'b' }), metadata: { name: 'settings', namespace: 'payments' } }),
    message: 'demo/configs/ConfigMap/payments/settings: metadata.namespace: Namespace payments does not exist in cluster demo (existing: app); create it (TalosNamespace) or use a system namespace (default, kube-node-lease, kube-public, kube-system, flux-system)',
  },
  {
    name: 'namespace created in a later layer',
    build: demo(({ app }) => {
      new TalosNamespace(app.scope('apps'), 'late', { name: 'late' });
      raw(app, 'controllers', { ...configMap({ a: 'b' }), metadata: { name: 'settings', namespace: 'late' } });
    }),
    message: 'demo/controllers/ConfigMap/late/settings: metadata.namespace: Namespace late is created in the apps layer, which Flux applies after the controllers layer; move it to the controllers layer or earlier',
  },
  {
    name: 'namespaced kind without a namespace',
    build: withObject({ ...configMap({ a: 'b' }), metadata: { name: 'settings' } }),
    message: 'demo/configs/ConfigMap/settings: metadata.namespace: ConfigMap is namespaced; set the namespace (without one, it lands in whatever namespace Flux applies it to)',
  },
  {
    name: 'cluster-scoped kind with a namespace',
    build: withObject({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'kata', namespace: 'app' }, handler: 'kata' }),
    message: [
      'demo/configs/RuntimeClass/app/kata: metadata.namespace: RuntimeClass is cluster-scoped; remove the namespace',
      // The cross-layer checks (lib/talos/cross-layer.ts) report with the others: demo has no Kata node.
      'demo/configs/RuntimeClass/app/kata: handler: kata is provided by no node of demo; KataRuntime puts siderolabs/kata-containers, which registers it, on the nodes it selects',
    ].join('\n'),
  },
  {
    name: 'HelmRelease whose chart source does not exist',
    build: demo(({ app }) => {
      const source = { ref: { kind: 'HelmRepository', name: 'charts', namespace: 'flux-system' } };
      new FluxHelmRelease(app.scope('controllers'), 'release', { name: 'demo', namespace: 'app', source, chart: 'demo', version: '1.2.3' });
    }),
    message: 'demo/controllers/HelmRelease/app/demo: spec.chart.spec.sourceRef: HelmRepository flux-system/charts does not exist in cluster demo',
  },
  {
    name: 'HelmRelease whose OCI chart does not exist',
    build: demo(({ app }) => {
      const source = { ref: { kind: 'OCIRepository', name: 'demo', namespace: 'app' } };
      new FluxHelmRelease(app.scope('controllers'), 'release', { name: 'demo', namespace: 'app', source, chart: 'demo', version: '1.2.3' });
    }),
    message: 'demo/controllers/HelmRelease/app/demo: spec.chartRef: OCIRepository app/demo does not exist in cluster demo',
  },
  {
    name: 'dangling dependsOn',
    build: demo(({ app }) => pinned(app, { dependsOn: [{ kind: 'HelmRelease', name: 'cert-manager', namespace: 'app' }] })),
    message: 'demo/controllers/HelmRelease/app/demo: spec.dependsOn[0]: HelmRelease app/cert-manager does not exist in cluster demo (existing in app: demo)',
  },
  {
    name: 'dependsOn cycle',
    build: demo(({ app }) => {
      const ref = (name: string) => [{ kind: 'HelmRelease', name, namespace: 'app' }];
      new PinnedChart(app.scope('controllers'), 'a', { pin: DEMO_PIN, name: 'a', namespace: 'app', dependsOn: ref('b') });
      new PinnedChart(app.scope('controllers'), 'b', { pin: DEMO_PIN, name: 'b', namespace: 'app', dependsOn: ref('a') });
    }),
    message: 'demo/controllers/HelmRelease/app/a: spec.dependsOn: dependency cycle app/a → app/b → app/a; Flux would wait forever',
  },
  {
    name: 'Kustomization whose source does not exist',
    build: withObject({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'extra', namespace: 'flux-system' },
      spec: { interval: '10m', path: './extra', prune: true, sourceRef: { kind: 'GitRepository', name: 'extras' } },
    }, 'apps'),
    message: 'demo/apps/Kustomization/flux-system/extra: spec.sourceRef: GitRepository flux-system/extras does not exist in cluster demo (existing in flux-system: flux-system)',
  },
  {
    name: 'ScaledObject whose target does not exist',
    build: withObject(scaledObject({ scaleTargetRef: { name: 'api' }, triggers: [cronTrigger] }), 'apps'),
    message: 'demo/apps/ScaledObject/app/web: spec.scaleTargetRef: Deployment app/api does not exist in cluster demo; a ScaledObject scales a workload in its own namespace',
  },
  {
    name: 'ScaledObject whose TriggerAuthentication does not exist',
    build: demo(({ app }) => {
      raw(app, 'apps', deployment({ containers: [container] }));
      raw(app, 'apps', scaledObject({ scaleTargetRef: { name: 'web' }, triggers: [{ ...cronTrigger, authenticationRef: { name: 'prometheus' } }] }));
    }),
    message: 'demo/apps/ScaledObject/app/web: spec.triggers[0].authenticationRef: TriggerAuthentication app/prometheus does not exist in cluster demo',
  },
  {
    name: 'KEDA trigger reading a Prometheus no cluster Service serves',
    build: demo(({ app }) => {
      raw(app, 'apps', deployment({ containers: [container] }));
      raw(app, 'apps', scaledObject({ scaleTargetRef: { name: 'web' }, triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(up)', threshold: '5' } }] }));
    }),
    message: 'demo/apps/ScaledObject/app/web: spec.triggers[0].metadata.serverAddress: http://prometheus.monitoring:9090 names no Service of the cluster (services: default/kubernetes:443)',
  },
  {
    name: 'KEDA trigger on a port the Service does not serve',
    build: demo(({ app }) => {
      raw(app, 'apps', deployment({ containers: [container] }));
      raw(app, 'apps', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'prometheus', namespace: 'app' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 9090 }] } });
      raw(app, 'apps', scaledObject({ scaleTargetRef: { name: 'web' }, triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus.app.svc.cluster.local:9091/', query: 'sum(up)', threshold: '5' } }] }));
    }),
    message: 'demo/apps/ScaledObject/app/web: spec.triggers[0].metadata.serverAddress: http://prometheus.app.svc.cluster.local:9091/ names Service app/prometheus, which serves no port 9091 (ports: 9090)',
  },
  {
    name: 'Velero chart values backing up to an in-cluster MinIO that does not exist',
    build: velero(veleroValues('velero', { region: 'minio', s3ForcePathStyle: 'true', s3Url: 'http://minio.minio.svc:9000' })),
    message: 'demo/controllers/HelmRelease/velero/velero: spec.values.configuration.backupStorageLocation[0].config.s3Url: http://minio.minio.svc:9000 names no Service of the cluster (services: default/kubernetes:443)',
  },
  {
    name: 'BackupStorageLocation object naming a Service nothing renders or declares',
    build: velero(MINIO, {
      more: [{ apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'local', namespace: 'velero' }, spec: { provider: 'aws', objectStorage: { bucket: 'velero' }, config: { region: 'minio', s3Url: 'http://minio.velero.svc:9000' } } }],
    }),
    message: 'demo/configs/BackupStorageLocation/velero/local: spec.config.s3Url: http://minio.velero.svc:9000 names no Service of the cluster (services: default/kubernetes:443)',
  },
  {
    name: 'container env naming a Service of another namespace',
    build: demo(({ app }) => {
      raw(app, 'apps', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'app' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } });
      raw(app, 'apps', deployment({ containers: [{ ...container, env: [{ name: 'SELF', value: 'http://api.app' }, { name: 'API_URL', value: 'https://api.backend.svc/v1' }] }] }));
    }),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.containers[0].env[1].value: https://api.backend.svc/v1 names no Service of the cluster (services: app/api:80, default/kubernetes:443)',
  },
  {
    name: 'Helm values naming a Service the chart does not declare on that port',
    build: demo(({ app }) => void pinned(app, { values: { upstream: 'http://search.app.svc:9200' }, services: [{ name: 'search', ports: [9300] }] })),
    message: 'demo/controllers/HelmRelease/app/demo: spec.values.upstream: http://search.app.svc:9200 names Service app/search, which serves no port 9200 (ports: 9300)',
  },
  {
    name: 'chart Service declared without ports',
    build: demo(({ app }) => void pinned(app, { services: [{ name: 'search', ports: [] }] })),
    message: 'demo/PinnedChart[chart]: services[0].ports: list the ports the Service serves (at least one)',
  },
  {
    name: 'RuntimeClass that does not exist',
    build: withObject(deployment({ runtimeClassName: 'kata', containers: [container] }), 'apps'),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.runtimeClassName: RuntimeClass kata does not exist in cluster demo; render one (node.k8s.io/v1) or install the add-on that creates it',
  },
  {
    name: 'Velero schedule naming a storage location the chart does not create',
    build: velero(MINIO, { more: [dailyBackup({ includedNamespaces: ['*'], storageLocation: 'offsite' })] }),
    message: 'demo/configs/Schedule/velero/daily: spec.template.storageLocation: BackupStorageLocation velero/offsite does not exist in cluster demo (existing in velero: default); name a location of the velero chart values (configuration.backupStorageLocation[].name) or a BackupStorageLocation object',
  },
  {
    name: 'Velero schedule without a storage location where none exists',
    build: velero({ ...MINIO, backupsEnabled: false }, { more: [dailyBackup({ includedNamespaces: ['*'] })] }),
    message: 'demo/configs/Schedule/velero/daily: spec.template.storageLocation: not set, and namespace velero has no BackupStorageLocation for Velero to use; name a location of the velero chart values (configuration.backupStorageLocation[].name) or a BackupStorageLocation object',
  },
  {
    name: 'identity defined twice',
    build: demo(({ cluster }) => new TalosNamespace(new Component(cluster, 'other').scope('configs'), 'namespace', { name: 'app' })),
    message: 'demo/configs/Namespace/app: defined by app and by other (also at demo/controllers/Namespace/app); each object must be defined once',
  },

  // ---- the secret guard ----
  {
    name: 'plain-text Secret data',
    build: withObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'app' }, data: { password: 'aHVudGVyMg==' } }),
    message: `demo/configs/Secret/app/db: data: Secret with plain-text values (password), rendered by demo/#configs/app/Secret-db; ${PLAINTEXT_ADVICE}`,
  },
  {
    name: 'plain-text Secret stringData',
    build: withObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'app' }, stringData: { username: 'app', password: 'hunter2' } }),
    message: `demo/configs/Secret/app/db: stringData: Secret with plain-text values (password, username), rendered by demo/#configs/app/Secret-db; ${PLAINTEXT_ADVICE}`,
  },
  {
    name: 'SOPS-encrypted Secret in a cluster whose layers do not decrypt',
    build: withObject(sopsSecret({ password: 'ENC[AES256_GCM,data:c2VjcmV0,iv:aXY=,tag:dGFn,type:str]' })),
    message: "demo/configs/Secret/app/db: sops: SOPS-encrypted, but Kustomization flux-system/configs does not decrypt, so Flux would apply the ciphertext; set sops: { secretRef: '<Secret in flux-system with the SOPS keys>' } on Cluster demo",
  },
  {
    name: 'SOPS-encrypted Secret with a value left in plain text',
    build: withSops({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'app' },
      stringData: { username: 'app', password: 'ENC[AES256_GCM,data:c2VjcmV0,iv:aXY=,tag:dGFn,type:str]' },
      sops: { mac: 'ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]', lastmodified: '2026-01-01T00:00:00Z', version: '3.9.0', encrypted_regex: '^password$' },
    }),
    message: 'demo/configs/Secret/app/db: stringData.username: not encrypted, although the Secret is SOPS-encrypted (check encrypted_regex), rendered by demo/#configs/app/Secret-db; encrypt every value',
  },
  {
    name: 'password in HelmRelease values',
    build: demo(({ app }) => pinned(app, { values: { auth: { adminPassword: 'hunter2' } } })),
    message: `demo/controllers/HelmRelease/app/demo: spec.values.auth.adminPassword: literal credential in Helm values, rendered by demo/#controllers/app/chart/release/resource; ${VALUES_ADVICE}`,
  },
  {
    name: 'private key in a ConfigMap',
    build: withObject(configMap({ 'tls.key': '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n' })),
    message: `demo/configs/ConfigMap/app/settings: data["tls.key"]: holds a private key in plain text, rendered by demo/#configs/app/ConfigMap-settings; ${PLAINTEXT_ADVICE}`,
  },
  {
    name: 'AWS access key id in chart values',
    build: demo(({ app }) => pinned(app, { values: { s3: { accessKeyID: 'AKIAIOSFODNN7EXAMPLE', bucket: 'logs' } } })),
    message: `demo/controllers/HelmRelease/app/demo: spec.values.s3.accessKeyID: holds an AWS access key id in plain text, rendered by demo/#controllers/app/chart/release/resource; ${VALUES_ADVICE}`,
  },
  {
    name: 'password inside a URL',
    build: withObject(configMap({ DATABASE_URL: 'postgres://app:hunter2@db.app.svc:5432/app' })),
    message: `demo/configs/ConfigMap/app/settings: data.DATABASE_URL: holds a URL with a password in plain text, rendered by demo/#configs/app/ConfigMap-settings; ${PLAINTEXT_ADVICE}`,
  },

  {
    name: 'literal password in a container environment variable',
    build: demo(({ app }) => new kplus.Deployment(app.scope('apps'), 'web', {
      metadata: { name: 'web', namespace: 'app' },
      containers: [{ image: container.image, envVariables: { DB_HOST: kplus.EnvValue.fromValue('db.app.svc'), DB_PASSWORD: kplus.EnvValue.fromValue('hunter2') } }],
    })),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.containers[0].env[1].value: literal value of DB_PASSWORD, rendered by demo/#apps/app/web/Resource; ' +
      'take it from a Secret (valueFrom.secretKeyRef; EnvValue.fromSecretValue in cdk8s-plus), committed SOPS-encrypted or synced with External Secrets',
  },
  {
    name: 'literal API key in an init container of a CronJob',
    build: withObject({
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'report', namespace: 'app' },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: {
        restartPolicy: 'Never', initContainers: [{ ...container, name: 'fetch', env: [{ name: 'apiKey', value: 'k-123' }, { name: 'API_KEY_FILE', value: '/run/key' }] }], containers: [container],
      } } } } },
    }, 'apps'),
    message: 'demo/apps/CronJob/app/report: spec.jobTemplate.spec.template.spec.initContainers[0].env[0].value: literal value of apiKey, rendered by demo/#apps/app/CronJob-report; ' +
      'take it from a Secret (valueFrom.secretKeyRef; EnvValue.fromSecretValue in cdk8s-plus), committed SOPS-encrypted or synced with External Secrets',
  },
  {
    name: 'literal password in an annotation',
    build: withObject({ ...configMap({ a: 'b' }), metadata: { name: 'settings', namespace: 'app', annotations: { 'example.com/password': 'hunter2', 'example.com/password-secret-name': 'db' } } }),
    message: `demo/configs/ConfigMap/app/settings: metadata.annotations["example.com/password"]: literal credential in an annotation, rendered by demo/#configs/app/ConfigMap-settings; ${PLAINTEXT_ADVICE}`,
  },

  // ---- Helm values against the chart's values.schema.json ----
  {
    name: 'velero values of the wrong type',
    build: velero({ ...MINIO, snapshotsEnabled: 'no' }),
    message: 'demo/controllers/HelmRelease/velero/velero: spec.values.snapshotsEnabled: expected boolean, got string "no"',
  },
  {
    name: 'velero version with no values schema',
    build: velero(MINIO, { version: '12.0.0' }),
    message: 'demo/controllers/HelmRelease/velero/velero: spec.chart.spec.version: no values schema for velero 12.0.0 (schemas/ has 12.1.0); pin one of those, or add its values schema with npm run import -- --chart-schema velero@12.0.0 <values.schema.json> [values.yaml]',
  },

  // ---- Talos layer against the manifests (lib/talos/cross-layer.ts) ----
  {
    name: 'pod requesting a GPU on a cluster without GPU nodes',
    build: withObject(deployment({ containers: [{ ...container, resources: { limits: { 'nvidia.com/gpu': 1 } } }] }), 'apps'),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]: requests nvidia.com/gpu, ' +
      'which none of the nodes it may run on (cp-0) advertises; GpuOperator advertises it on the nodes it selects',
  },
  {
    name: 'pod selecting a label no node carries',
    build: withObject(deployment({ nodeSelector: { 'accelerator.example.dev/tpu': 'true' }, containers: [container] }), 'apps'),
    message: 'demo/apps/Deployment/app/web: spec.template.spec: no node of demo that runs workloads matches nodeSelector accelerator.example.dev/tpu=true; ' +
      'set the labels it selects on in the cluster spec (nodes[].labels)',
  },
  {
    name: 'hostPath pod in a baseline namespace',
    build: withObject(deployment({ containers: [container], volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }] }), 'apps'),
    message: 'demo/apps/Deployment/app/web: spec.template.spec.volumes[0].hostPath: mounts a hostPath volume, which Pod Security baseline in namespace app rejects; ' +
      "label it pod-security.kubernetes.io/enforce: privileged (TalosNamespace with podSecurity: 'privileged')",
  },

  // ---- The writer: what synth would write or delete (lib/synth/pipeline.ts, lib/cluster.ts) ----
  {
    name: 'a fleet of no cluster, which would delete all of dist/ and clusters/',
    build: () => undefined,
    message: 'fleet: builds no cluster, so synth would delete every file under dist/ and clusters/; add a Cluster to the fleet, or run synth with --allow-empty if that is what you want',
  },
  {
    name: 'an artifact path that climbs out of the cluster folder',
    build: demo(({ cluster }) => cluster.addArtifact('notes/../../evil.txt', 'pwned\n')),
    message: 'demo/Cluster[demo]: addArtifact(path): "notes/../../evil.txt" must be a relative path (no "..", no leading "/") in a folder other than the layers, as in notes/README.md',
  },
  {
    name: 'an artifact added twice',
    build: demo(({ cluster }) => {
      cluster.addArtifact('notes/README.md', 'a\n');
      cluster.addArtifact('notes/README.md', 'b\n');
    }),
    message: 'demo/Cluster[demo]: addArtifact(path): "notes/README.md" is added twice',
  },
];
