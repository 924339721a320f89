import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { Cluster } from '../lib/cluster';
import { AddOn } from '../lib/addon';
import { Component } from '../lib/component';
import { PinnedChart } from '../lib/flux/helm-release';
import { LABEL_CLUSTER, LABEL_MANAGED_BY, LABEL_PART_OF } from '../lib/synth/labels';
import { TalosNamespace } from '../lib/talos/namespace';
import { synthesize } from '../lib/synth/pipeline';
import { FLUX_DISTRIBUTION, CHARTS } from '../lib/versions';
import { clusterProps, configErrorOf, find, renderCluster, tempDir } from './helpers';

describe('Cluster', () => {
  it('wires the layers controllers → configs → apps with dependsOn, each waiting for what it applies', () => {
    const objects = renderCluster();
    const k = (name: string) => find(objects, 'Kustomization', name).spec as Record<string, unknown>;
    const layer = (name: string) => ({
      interval: '10m', retryInterval: '1m', timeout: '5m', path: `./dist/test/${name}`, prune: true, wait: true,
      sourceRef: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' },
    });
    expect(k('controllers')).toEqual(layer('controllers'));
    expect(k('configs')).toEqual({ ...layer('configs'), dependsOn: [{ name: 'controllers', namespace: 'flux-system' }] });
    expect(k('apps')).toEqual({ ...layer('apps'), dependsOn: [{ name: 'configs', namespace: 'flux-system' }] });
    // The GitRepository flux-system is the one the Flux Operator creates from the FluxInstance's spec.sync.
  });

  it('gives a layer with HelmReleases a timeout that outlasts the longest of them: timeout × (1 + retries)', () => {
    const timeoutOf = (fn: (cluster: Cluster) => void, props = {}) =>
      (find(renderCluster(fn, props), 'Kustomization', 'controllers').spec as { timeout: string }).timeout;
    const chart = (cluster: Cluster, id: string, timeout?: string) => {
      const c = new Component(cluster, id);
      new TalosNamespace(c.scope('controllers'), 'ns', { name: id });
      new PinnedChart(c.scope('controllers'), 'chart', { pin: { repository: 'https://charts.example.com', chart: id, version: '1.0.0' }, namespace: id, timeout });
    };
    expect(timeoutOf((cluster) => chart(cluster, 'demo'))).toBe('40m');
    expect(timeoutOf((cluster) => { chart(cluster, 'demo'); chart(cluster, 'slow', '25m'); })).toBe('1h40m');
    expect(timeoutOf((cluster) => chart(cluster, 'quick', '1m'))).toBe('5m');
    // A timeout set outright wins when it is long enough, and is refused when it is not.
    expect(timeoutOf((cluster) => chart(cluster, 'demo'), { flux: { timeout: '1h' } })).toBe('1h');
    expect(configErrorOf(() => renderCluster((cluster) => { chart(cluster, 'demo'); chart(cluster, 'slow', '25m'); }, { flux: { timeout: '30m' } }))).toBe(
      'test/Cluster[test]: flux.timeout: "30m" is shorter than the 1h40m the controllers layer needs for HelmRelease slow/slow (its timeout 25m × (1 + 3 retries)), ' +
      'so Flux would fail the layer while Helm still remediates; set at least 1h40m or leave it out',
    );
  });

  it('has the GitRepository artifact hold only what Flux applies for the cluster (spec.ignore, read with git\'s own rules)', () => {
    // spec.sync has no ignore field: the FluxInstance patches the GitRepository the operator makes from it.
    const patches = (find(renderCluster(), 'FluxInstance', 'flux').spec as { kustomize: { patches: Array<{ target: object; patch: string }> } }).kustomize.patches;
    expect(patches.map((p) => p.target)).toEqual([{ kind: 'GitRepository', name: 'flux-system' }]);
    const [op] = parse(patches[0].patch) as Array<{ op: string; path: string; value: string }>;
    expect(op).toMatchObject({ op: 'add', path: '/spec/ignore' });
    const ignore = op.value;
    expect(ignore).toBe('/*\n!/clusters/\n/clusters/*\n!/clusters/test/\n!/dist/\n/dist/*\n!/dist/test/\n/dist/test/talos/\n/dist/test/bootstrap/\n');
    const repo = tempDir();
    execFileSync('git', ['init', '-q', repo]);
    fs.writeFileSync(path.join(repo, '.gitignore'), ignore);
    const ignored = (file: string) => {
      const r = spawnSync('git', ['check-ignore', '-q', '--no-index', file], { cwd: repo });
      return r.status === 0;
    };
    const kept = ['clusters/test/kustomization.yaml', 'dist/test/controllers/namespace_web.yaml', 'dist/test/apps/kustomization.yaml'];
    const left = ['clusters/other/kustomization.yaml', 'dist/other/apps/x.yaml', 'dist/test/talos/controlplane/patch.yaml', 'dist/test/bootstrap/main.tf.json',
      'lib/cluster.ts', 'package-lock.json', 'schemas/k8s/v1.34.json', 'dist/test-2/apps/x.yaml'];
    expect(kept.filter(ignored)).toEqual([]);
    expect(left.filter((f) => !ignored(f))).toEqual([]);
  });

  it('decrypts SOPS in every layer with the Secret sops.secretRef names, and nowhere without it', () => {
    const k = (objects: ReturnType<typeof renderCluster>, name: string) => find(objects, 'Kustomization', name).spec as Record<string, unknown>;
    const sops = renderCluster(undefined, { sops: { secretRef: 'sops-age' } });
    for (const name of ['controllers', 'configs', 'apps']) expect(k(sops, name).decryption).toEqual({ provider: 'sops', secretRef: { name: 'sops-age' } });
    const plain = renderCluster();
    for (const name of ['controllers', 'configs', 'apps']) expect(k(plain, name).decryption).toBeUndefined();
    expect(configErrorOf(() => renderCluster(undefined, { sops: { secretRef: 'SOPS key' } }))).toBe(
      'test/Cluster[test]: sops.secretRef: "SOPS key" is not a DNS subdomain (lowercase letters, digits, \'-\' and \'.\', at most 253 characters)',
    );
  });

  it('has the Flux Operator install Flux and sync ./clusters/<name> from the Git repository through one FluxInstance', () => {
    const objects = renderCluster(undefined, { git: { url: 'https://git.example.com/fleet.git', branch: 'prod', secretRef: 'git-creds' } });
    expect(find(objects, 'FluxInstance', 'flux')).toEqual({
      apiVersion: 'fluxcd.controlplane.io/v1',
      kind: 'FluxInstance',
      metadata: {
        name: 'flux',
        namespace: 'flux-system',
        annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled', 'talos-flux-synth.dev/kubernetes-version': '1.36', 'talos-flux-synth.dev/talos-version': '1.13' },
        labels: { 'app.kubernetes.io/managed-by': 'talos-flux-synth', 'app.kubernetes.io/part-of': 'flux-system', 'talos-flux-synth.dev/cluster': 'test' },
      },
      spec: {
        distribution: { version: '2.9.4', registry: 'ghcr.io/fluxcd' },
        components: ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'],
        cluster: { type: 'kubernetes', multitenant: false, networkPolicy: true, domain: 'cluster.local' },
        sync: { kind: 'GitRepository', url: 'https://git.example.com/fleet.git', ref: 'refs/heads/prod', path: './clusters/test', pullSecret: 'git-creds', interval: '1m' },
        kustomize: { patches: [{ target: { kind: 'GitRepository', name: 'flux-system' }, patch: expect.stringContaining('path: /spec/ignore') }] },
      },
    });
    // The operator creates the flux-system GitRepository and Kustomization itself: rendering them too would
    // give the same objects two owners.
    expect(objects.filter((o) => o.kind === 'GitRepository' || (o.kind === 'Kustomization' && o.metadata.name === 'flux-system'))).toEqual([]);
  });

  it('pins a Flux distribution the pinned operator bundles for every supported Kubernetes minor', () => {
    expect(FLUX_DISTRIBUTION.versions).toEqual({ '1.34': '2.9.4', '1.35': '2.9.4', '1.36': '2.9.4' });
    expect(CHARTS.fluxOperator.version).toBe('0.58.1');
  });

  it('labels every object with managed-by, part-of (its component) and the cluster', () => {
    const objects = renderCluster((cluster) => {
      const web = new Component(cluster, 'web');
      new TalosNamespace(web.scope('controllers'), 'ns', { name: 'web' });
    });
    expect(find(objects, 'Namespace', 'web').metadata.labels).toMatchObject({ [LABEL_MANAGED_BY]: 'talos-flux-synth', [LABEL_PART_OF]: 'web', [LABEL_CLUSTER]: 'test' });
    for (const o of objects) expect(Object.keys(o.metadata.labels ?? {})).toEqual(expect.arrayContaining([LABEL_MANAGED_BY, LABEL_PART_OF, LABEL_CLUSTER]));
  });

  it('rejects bad cluster props with one line naming cluster, construct and field', () => {
    expect(configErrorOf(() => renderCluster(undefined, { name: 'Bad_Name' }))).toBe(
      'Bad_Name/Cluster[Bad_Name]: name: "Bad_Name" is not a DNS label (lowercase letters, digits and \'-\', at most 63 characters)',
    );
    expect(configErrorOf(() => renderCluster(undefined, { nodes: [{ name: 'w', role: 'worker' }] }))).toBe(
      'test/Cluster[test]: nodes: a cluster needs at least one controlplane node',
    );
    expect(configErrorOf(() => renderCluster(undefined, { flux: { interval: '1 day' } }))).toBe(
      'test/Cluster[test]: flux.interval: "1 day" is not a duration (use h, m, s as in 720h or 5m30s)',
    );
    expect(configErrorOf(() => renderCluster(undefined, { git: { url: 'git.example.com:fleet' } }))).toBe(
      'test/Cluster[test]: git.url: "git.example.com:fleet" is not a Git URL Flux can clone (ssh:// or https://)',
    );
    expect(configErrorOf(() => renderCluster(undefined, { cni: 'calico' as 'cilium' }))).toBe(
      'test/Cluster[test]: cni: "calico" is not a CNI the bootstrap can set up (flannel, Talos\' own, or cilium)',
    );
    // A value JSON cannot print (a BigInt) still gets its one line, not a TypeError from the message.
    expect(configErrorOf(() => renderCluster(undefined, { cni: BigInt(1) as unknown as 'cilium' }))).toBe(
      'test/Cluster[test]: cni: 1n is not a CNI the bootstrap can set up (flannel, Talos\' own, or cilium)',
    );
    expect(configErrorOf(() => renderCluster(undefined, { nodes: [{ name: 'cp-0', role: 'controlplane', group: 'GPU' }] }))).toBe(
      'test/Cluster[test]: nodes[0].group: "GPU" is not a DNS label (lowercase letters, digits and \'-\', at most 63 characters)',
    );
  });

  it('rejects two objects with one identity, naming both components', () => {
    const message = configErrorOf(() => renderCluster((cluster) => {
      new TalosNamespace(new Component(cluster, 'a').scope('controllers'), 'ns', { name: 'shared' });
      new TalosNamespace(new Component(cluster, 'b').scope('configs'), 'ns', { name: 'shared' });
    }));
    expect(message).toBe('test/configs/Namespace/shared: defined by a and by b (also at test/controllers/Namespace/shared); each object must be defined once');
  });

  it('keeps objects of different clusters apart', () => {
    const result = synthesize((app: App) => {
      new Cluster(app, clusterProps({ name: 'one' }));
      new Cluster(app, clusterProps({ name: 'two' }));
    });
    expect(result.clusters).toEqual(['one', 'two']);
    expect([...result.files.keys()]).toEqual(expect.arrayContaining(['clusters/one/kustomization.yaml', 'clusters/two/kustomization.yaml', 'dist/two/apps/kustomization.yaml']));
  });
});

describe('TalosNamespace', () => {
  it('states its Pod Security level explicitly, baseline by default', () => {
    const objects = renderCluster((cluster) => {
      const c = new Component(cluster, 'x');
      new TalosNamespace(c.scope('controllers'), 'plain', { name: 'plain' });
      new TalosNamespace(c.scope('controllers'), 'gpu', { name: 'gpu', podSecurity: 'privileged' });
    });
    expect(find(objects, 'Namespace', 'plain').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'baseline',
    });
    expect(find(objects, 'Namespace', 'gpu').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/warn': 'privileged' });
  });

  it('rejects a level that does not exist', () => {
    expect(configErrorOf(() => renderCluster((cluster) => {
      new TalosNamespace(new Component(cluster, 'x').scope('controllers'), 'ns', { name: 'x', podSecurity: 'lenient' as never });
    }))).toBe('test/TalosNamespace[ns]: podSecurity: Invalid option: expected one of "privileged"|"baseline"|"restricted"');
  });
});

describe('PinnedChart', () => {
  it('installs a pinned chart with CRDs created and replaced, and remediation', () => {
    const objects = renderCluster((cluster) => {
      const demo = new Component(cluster, 'demo');
      new TalosNamespace(demo.scope('controllers'), 'namespace', { name: 'demo' });
      new PinnedChart(demo.scope('controllers'), 'chart', {
        pin: { repository: 'https://charts.example.com', chart: 'demo', version: '1.2.3' },
        namespace: 'demo',
        values: { replicas: 2 },
      });
    });
    expect(find(objects, 'HelmRepository', 'demo')).toMatchObject({ apiVersion: 'source.toolkit.fluxcd.io/v1', spec: { url: 'https://charts.example.com', interval: '1h' } });
    expect(find(objects, 'HelmRelease', 'demo')).toMatchObject({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      metadata: { namespace: 'demo' },
      spec: {
        chart: { spec: { chart: 'demo', version: '1.2.3', sourceRef: { kind: 'HelmRepository', name: 'demo', namespace: 'demo' } } },
        install: { crds: 'CreateReplace', remediation: { retries: 3 } },
        upgrade: { crds: 'CreateReplace', cleanupOnFail: true, remediation: { retries: 3, remediateLastFailure: true } },
        values: { replicas: 2 },
      },
    });
  });

  it('uses an OCIRepository and chartRef for an oci:// chart', () => {
    const objects = renderCluster((cluster) => {
      const demo = new Component(cluster, 'demo');
      new TalosNamespace(demo.scope('controllers'), 'namespace', { name: 'demo' });
      new PinnedChart(demo.scope('controllers'), 'chart', {
        pin: { repository: 'oci://ghcr.io/example/charts/demo', chart: 'demo', version: '1.2.3' },
        namespace: 'demo',
      });
    });
    expect(find(objects, 'OCIRepository', 'demo').spec).toMatchObject({ url: 'oci://ghcr.io/example/charts/demo', ref: { tag: '1.2.3' } });
    expect(find(objects, 'HelmRelease', 'demo').spec).toMatchObject({ chartRef: { kind: 'OCIRepository', name: 'demo', namespace: 'demo' } });
    expect((find(objects, 'HelmRelease', 'demo').spec as Record<string, unknown>).chart).toBeUndefined();
  });
});

describe('AddOn', () => {
  class Demo extends AddOn {
    constructor(cluster: Cluster, id: string, ns: string) {
      super(cluster, id);
      new TalosNamespace(this.scope('controllers'), 'ns', { name: ns });
    }
  }

  it('lists the namespaces add-ons create, not those of apps', () => {
    let seen: string[] = [];
    renderCluster((cluster) => {
      new Demo(cluster, 'zeta', 'zeta-system');
      new TalosNamespace(new Component(cluster, 'web').scope('controllers'), 'ns', { name: 'web' });
      new Demo(cluster, 'alpha', 'alpha-system');
      seen = AddOn.namespacesOf(cluster);
    });
    expect(seen).toEqual(['alpha-system', 'zeta-system']);
  });

  it('finds them once per render of the cluster, and anew after it (an add-on added later counts)', () => {
    const cluster = new Cluster(new App(), clusterProps());
    new Demo(cluster, 'alpha', 'alpha-system');
    const during = cluster.whileRendering(() => {
      const first = AddOn.namespacesOf(cluster);
      first.push('changed by its reader');
      new Demo(cluster, 'late', 'late-system'); // not done while rendering: the render takes the tree as it found it
      return [first, AddOn.namespacesOf(cluster)];
    });
    expect(during[1]).toEqual(['alpha-system']);
    expect(AddOn.namespacesOf(cluster)).toEqual(['alpha-system', 'late-system']);
    let computed = 0;
    const count = () => ++computed;
    cluster.remember('n', count);
    cluster.remember('n', count);
    cluster.whileRendering(() => [cluster.remember('n', count), cluster.remember('n', count)]);
    expect(computed).toBe(3);
  });
});
