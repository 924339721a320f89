/**
 * Per-cluster Kubernetes and Talos minors: each cluster's objects are validated against its own minor's
 * schemas, and its node groups get the machine-config form of its Talos minor (fixture fleets only).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Cluster, ClusterProps } from '../lib/cluster';
import { Component } from '../lib/component';
import { ConfigError } from '../lib/errors';
import { synthesize } from '../lib/synth/pipeline';
import { validateTree } from '../lib/synth/validate';
import { writeTree } from '../lib/synth/write';
import { OUTPUT_DIRS } from '../lib/synth/files';
import { talosConfigErrors } from '../lib/talos/config-schema';
import { patchYaml } from '../lib/talos/machine-config';
import { EXTENSION_FOLDERS_1_14, EXTENSIONS, SHIPPED_EXTENSIONS } from '../lib/talos/extensions';
import { TalosNamespace } from '../lib/talos/namespace';
import { KUBERNETES_VERSION, KUBERNETES_VERSIONS, TALOS_VERSIONS } from '../lib/versions';
import { clusterProps, configErrorOf, tempDir } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Raw = { apiVersion: string; kind: string; metadata: Record<string, unknown>; [k: string]: any };

/** `fixture-134`, `fixture-135`, `fixture-136`: one cluster per minor, each rendering `objects` in its apps layer. */
function fixtureFleet(objects: (minor: string) => Raw[], props: Partial<ClusterProps> = {}) {
  return (app: App) => {
    for (const minor of KUBERNETES_VERSIONS) {
      const cluster = new Cluster(app, clusterProps({ name: `fixture-${minor.replace('.', '')}`, kubernetesVersion: minor, ...props }));
      const apps = new Component(cluster, 'apps');
      new TalosNamespace(apps.scope('controllers'), 'namespace', { name: 'apps' });
      objects(minor).forEach((o, i) => new ApiObject(apps.scope('apps'), `o${i}`, o));
    }
  };
}

/** The problems of a fleet, one line each ([] when it synthesizes). */
function problemsOf(build: (app: App) => void): string[] {
  try {
    synthesize(build);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
}

const only = (minor: string, o: Raw) => (m: string) => (m === minor ? [o] : []);

const deployment = (podSpec: Record<string, unknown>): Raw => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'apps' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'ghcr.io/example/web:1.0.0' }], ...podSpec } },
  },
});

// Only Kubernetes 1.36 serves it: MutatingAdmissionPolicy went GA in 1.36.
const MUTATING_POLICY: Raw = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingAdmissionPolicy', metadata: { name: 'add-label' }, spec: { failurePolicy: 'Fail' } };
// Only Kubernetes 1.35 serves it: the v1alpha1 Workload API arrived in 1.35 and moved to v1alpha2 in 1.36.
const WORKLOAD: Raw = { apiVersion: 'scheduling.k8s.io/v1alpha1', kind: 'Workload', metadata: { name: 'training', namespace: 'apps' }, spec: { podGroups: [{ name: 'workers', policy: { basic: {} } }] } };

describe('Kubernetes minor per cluster', () => {
  it('defaults to the newest supported minor, and records each cluster\'s in clusters/<cluster>/', () => {
    expect(KUBERNETES_VERSIONS).toEqual(['1.34', '1.35', '1.36']);
    expect(KUBERNETES_VERSION).toBe(KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]);
    const result = synthesize((app) => {
      new Cluster(app, clusterProps({ name: 'default' }));
      new Cluster(app, clusterProps({ name: 'older', kubernetesVersion: '1.34', talosVersion: '1.14' }));
    });
    // Whichever objects of clusters/<cluster>/ carry them (npm run validate reads the first), they agree.
    const recorded = (cluster: string) => new Set(result.objects.filter((o) => o.cluster === cluster && o.destination === 'flux' && o.manifest.metadata.annotations)
      .map((o) => JSON.stringify(o.manifest.metadata.annotations)));
    expect(recorded('default')).toEqual(new Set([JSON.stringify({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled', 'talos-flux-synth.dev/kubernetes-version': '1.36', 'talos-flux-synth.dev/talos-version': '1.13' })]));
    expect(recorded('older')).toEqual(new Set([JSON.stringify({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled', 'talos-flux-synth.dev/kubernetes-version': '1.34', 'talos-flux-synth.dev/talos-version': '1.14' })]));
  });

  it('accepts a kind only a newer minor serves on that minor, and refuses it on the older ones, naming the minor', () => {
    expect(problemsOf(fixtureFleet(only('1.36', MUTATING_POLICY)))).toEqual([]);
    expect(problemsOf(fixtureFleet(() => [MUTATING_POLICY]))).toEqual([
      'fixture-134/apps/MutatingAdmissionPolicy/add-label: apiVersion: admissionregistration.k8s.io/v1 MutatingAdmissionPolicy is not served by Kubernetes 1.34 (served from 1.36); use admissionregistration.k8s.io/v1alpha1 or admissionregistration.k8s.io/v1beta1',
      'fixture-135/apps/MutatingAdmissionPolicy/add-label: apiVersion: admissionregistration.k8s.io/v1 MutatingAdmissionPolicy is not served by Kubernetes 1.35 (served from 1.36); use admissionregistration.k8s.io/v1alpha1 or admissionregistration.k8s.io/v1beta1',
    ]);
  });

  it('refuses a kind a newer minor removed on that minor, and one an older minor does not have yet', () => {
    expect(problemsOf(fixtureFleet(only('1.35', WORKLOAD)))).toEqual([]);
    expect(problemsOf(fixtureFleet(() => [WORKLOAD]))).toEqual([
      'fixture-134/apps/Workload/apps/training: apiVersion: scheduling.k8s.io/v1alpha1 Workload is not served by Kubernetes 1.34 (served from 1.35)',
      'fixture-136/apps/Workload/apps/training: apiVersion: scheduling.k8s.io/v1alpha1 Workload is not served by Kubernetes 1.36 (served only in 1.35); use scheduling.k8s.io/v1alpha2',
    ]);
  });

  it('accepts a field only a newer minor serves on that minor, and refuses it on the older ones', () => {
    const withGroup = deployment({ schedulingGroup: { podGroupName: 'workers' } });
    expect(problemsOf(fixtureFleet(only('1.36', withGroup)))).toEqual([]);
    expect(problemsOf(fixtureFleet(() => [withGroup]))).toEqual([
      'fixture-134/apps/Deployment/apps/web: spec.template.spec.schedulingGroup: unknown field, not in the Kubernetes 1.34 apps/v1 Deployment schema; Kubernetes 1.36 serves it',
      'fixture-135/apps/Deployment/apps/web: spec.template.spec.schedulingGroup: unknown field, not in the Kubernetes 1.35 apps/v1 Deployment schema; Kubernetes 1.36 serves it',
    ]);
  });

  it('refuses a minor it holds no schemas for, naming the supported set', () => {
    expect(configErrorOf(() => synthesize((app) => new Cluster(app, clusterProps({ kubernetesVersion: '1.33' })))))
      .toBe('test/Cluster[test]: kubernetesVersion: "1.33" is not a supported Kubernetes version; use one of 1.34, 1.35, 1.36 (the minors whose schemas this release validates against)');
  });

  it('npm run validate checks each committed cluster against the minor recorded in its tree', () => {
    const root = tempDir('versions-');
    const withGroup = deployment({ schedulingGroup: { podGroupName: 'workers' } });
    writeTree(root, OUTPUT_DIRS, synthesize(fixtureFleet(only('1.36', withGroup))).files);
    expect(validateTree(root).problems).toEqual([]);
    // The same object in the 1.35 cluster's tree, as a hand edit would put it there.
    const file = path.join(root, 'dist/fixture-136/apps/deployment_apps_web.yaml');
    fs.copyFileSync(file, path.join(root, 'dist/fixture-135/apps/deployment_apps_web.yaml'));
    const kustomization = path.join(root, 'dist/fixture-135/apps/kustomization.yaml');
    fs.writeFileSync(kustomization, fs.readFileSync(kustomization, 'utf8').replace(/resources: \[\]\n|resources:\n/, 'resources:\n  - deployment_apps_web.yaml\n'));
    expect(validateTree(root).problems.map((p) => `${p.where}: ${p.field}: ${p.message}`)).toContain(
      'fixture-135/apps/Deployment/apps/web: spec.template.spec.schedulingGroup: unknown field, not in the Kubernetes 1.35 apps/v1 Deployment schema; Kubernetes 1.36 serves it',
    );
    // A recorded minor the release does not support is one line, and that cluster's objects are not judged against a guess.
    const dir = path.join(root, 'clusters/fixture-134');
    for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(dir, f), 'utf8').replace('kubernetes-version: "1.34"', 'kubernetes-version: "1.33"'));
    expect(validateTree(root).problems.map((p) => `${p.field}: ${p.message}`)).toContain(
      'metadata.annotations["talos-flux-synth.dev/kubernetes-version"]: "1.33" is not a supported Kubernetes version; use one of 1.34, 1.35, 1.36 (npm run synth records the cluster\'s)',
    );
  });
});

describe('Talos minor per cluster', () => {
  const gpuNodes: ClusterProps['nodes'] = [
    { name: 'cp-0', role: 'controlplane', schedulable: true },
    { name: 'gpu-0', role: 'worker', group: 'gpu', labels: { gpu: 'true' }, extensions: [EXTENSIONS.nvidiaOpenKmodLts, EXTENSIONS.nvidiaToolkitLts] },
  ];
  const patches = (talosVersion: string) => {
    const files = synthesize((app) => {
      const cluster = new Cluster(app, clusterProps({ name: 'talos', talosVersion, cni: 'cilium', nodes: gpuNodes }));
      // What GpuOperator declares for its nodes.
      cluster.talos.require(new Component(cluster, 'gpu'), 'nodes', { nodes: { labels: { gpu: 'true' } }, kernelModules: ['nvidia', 'nvidia_uvm'], whenNoNode: '' });
    }).files;
    return (group: string) => files.get(`dist/talos/talos/${group}/patch.yaml`) ?? '';
  };
  const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as Record<string, unknown>);

  it('on 1.14 renders the multi-document configs, and no v1alpha1 field they replace', () => {
    expect(TALOS_VERSIONS).toEqual(['1.13', '1.14']);
    const patch = patches('1.14');
    expect(docs(patch('gpu'))).toEqual([
      { apiVersion: 'v1alpha1', kind: 'KubeNodeConfig', labels: { gpu: 'true' } },
      { apiVersion: 'v1alpha1', kind: 'KubePrismConfig', port: 7445 },
      { apiVersion: 'v1alpha1', kind: 'KubeFlannelCNIConfig', $patch: 'delete' },
      { apiVersion: 'v1alpha1', kind: 'KubeProxyConfig', enabled: false },
      { apiVersion: 'v1alpha1', kind: 'KernelModuleConfig', name: 'nvidia' },
      { apiVersion: 'v1alpha1', kind: 'KernelModuleConfig', name: 'nvidia_uvm' },
    ]);
    expect(docs(patch('controlplane'))).toEqual([
      { apiVersion: 'v1alpha1', kind: 'KubeNodeConfig', taints: { 'node-role.kubernetes.io/control-plane': { $patch: 'delete' } } },
      { apiVersion: 'v1alpha1', kind: 'KubePrismConfig', port: 7445 },
      { apiVersion: 'v1alpha1', kind: 'KubeFlannelCNIConfig', $patch: 'delete' },
      { apiVersion: 'v1alpha1', kind: 'KubeProxyConfig', enabled: false },
    ]);
    for (const group of ['gpu', 'controlplane']) {
      expect(patch(group)).not.toMatch(/^(machine|cluster):/m);
      expect(docs(patch(group)).flatMap((d) => talosConfigErrors(d, '1.14'))).toEqual([]);
    }
  });

  it('on 1.13 renders the one v1alpha1 document it always has', () => {
    expect(docs(patches('1.13')('gpu'))).toEqual([{
      machine: { nodeLabels: { gpu: 'true' }, kernel: { modules: [{ name: 'nvidia' }, { name: 'nvidia_uvm' }] }, features: { kubePrism: { enabled: true, port: 7445 } } },
      cluster: { network: { cni: { name: 'none' } }, proxy: { disabled: true } },
    }]);
  });

  it('validates each 1.14 document against its kind', () => {
    expect(talosConfigErrors({ apiVersion: 'v1alpha1', kind: 'KernelModuleConfig', name: 'nvidia', parameter: ['x'] }, '1.14')).toEqual([
      { path: 'parameter', message: 'unknown field, not in the Talos 1.14 KernelModuleConfig schema; did you mean "parameters"?' },
    ]);
    expect(talosConfigErrors({ apiVersion: 'v1alpha1', kind: 'KernelModuleConfig' }, '1.14')).toEqual([{ path: 'name', message: 'required field is missing' }]);
    expect(talosConfigErrors({ apiVersion: 'v1alpha1', kind: 'KernelModuleConfig', name: 'nvidia' }, '1.13')).toEqual([{ path: 'kind', message: '"KernelModuleConfig" is not a document kind of Talos 1.13' }]);
    expect(talosConfigErrors({ apiVersion: 'v1alpha1', kind: 'KubeNodeConfig', labels: {} }, '1.13')).toEqual([{ path: 'kind', message: '"KubeNodeConfig" is not a document kind of Talos 1.13' }]);
  });

  it('fails the synth on a 1.14 document that breaks its kind, naming the file, the document and the field', () => {
    let message = '';
    synthesize((app) => {
      const cluster = new Cluster(app, clusterProps({ talosVersion: '1.14' }));
      const group = cluster.talos.groups[0];
      message = configErrorOf(() => patchYaml('test', cluster.talos.configOf(group), [
        { apiVersion: 'v1alpha1', kind: 'KubeNodeConfig', labels: { a: 'b' } },
        { apiVersion: 'v1alpha1', kind: 'KernelModuleConfig', name: 'nvidia', parameters: 'x=1' },
      ], '1.14'));
    });
    expect(message).toBe('test/talos/controlplane/patch.yaml[1] KernelModuleConfig: parameters: expected array, got string "x=1" (Talos config schema)');
  });

  it('refuses an extension the Talos minor does not ship, naming the minor', () => {
    expect(configErrorOf(() => synthesize((app) => new Cluster(app, clusterProps({ nodes: [{ name: 'cp-0', role: 'controlplane', extensions: ['siderolabs/gvisor'] }] })))))
      .toBe('test/Cluster[test]: nodes[0].extensions[0]: "siderolabs/gvisor" is not an extension Talos 1.13 ships; Talos 1.14 ships it (its NVIDIA, Kata and gVisor extensions: ' +
        `${SHIPPED_EXTENSIONS['1.13'].join(', ')})`);
    expect(() => synthesize((app) => new Cluster(app, clusterProps({ talosVersion: '1.14', nodes: [{ name: 'cp-0', role: 'controlplane', extensions: ['siderolabs/gvisor', 'siderolabs/iscsi-tools'] }] })))).not.toThrow();
  });

  it('names every 1.14 extension after a folder of the v1.14.0-rc.1 listing', () => {
    const listing = fs.readFileSync(path.join(__dirname, '../schemas/upstream/talos/extensions-v1.14.0-rc.1.txt'), 'utf8').split('\n');
    expect(Object.keys(EXTENSION_FOLDERS_1_14).sort()).toEqual([...SHIPPED_EXTENSIONS['1.14']].sort());
    for (const folder of Object.values(EXTENSION_FOLDERS_1_14)) expect({ folder, listed: listing.includes(folder) }).toEqual({ folder, listed: true });
  });
});
