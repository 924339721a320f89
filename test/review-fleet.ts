import { execFileSync } from 'node:child_process';
import { ApiObject, App } from 'cdk8s';
import { Construct } from 'constructs';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { FluxHelmRelease, PinnedChart } from '../lib/flux/helm-release';
import { HelmRepositorySource } from '../lib/flux/helm-repository';
import { FleetBuilder, synthToDisk } from '../lib/synth/pipeline';
import { TalosNamespace } from '../lib/talos/namespace';
import { clusterProps, tempDir } from './helpers';

/**
 * A small two-cluster fleet in two versions. Version 2 makes one change of every kind the review
 * diff flags; `beta` only gains a namespace.
 */
export function reviewFleet(version: 1 | 2): FleetBuilder {
  const v2 = version === 2;
  return (app: App) => {
    const alpha = new Cluster(app, clusterProps({ name: 'alpha' }));
    const web = new Component(alpha, 'web');
    const controllers = web.scope('controllers');
    new TalosNamespace(controllers, 'ns', { name: 'web', podSecurity: v2 ? 'baseline' : 'restricted' });
    if (!v2) new TalosNamespace(controllers, 'legacy', { name: 'legacy' });
    new PinnedChart(controllers, 'engine', {
      pin: { repository: 'https://charts.example.com', chart: 'engine', version: v2 ? '1.1.0' : '1.0.0' },
      namespace: 'web',
      values: { image: { repository: 'example/engine', tag: v2 ? 'v2' : 'v1', pullPolicy: v2 ? 'Always' : 'IfNotPresent' }, replicas: 2 },
    });
    if (!v2) new PinnedChart(controllers, 'old-engine', { pin: { repository: 'https://charts.example.com', chart: 'old-engine', version: '0.9.0' }, namespace: 'web' });
    new PinnedChart(controllers, 'oci-engine', { pin: { repository: 'oci://ghcr.io/example/charts/oci-engine', chart: 'oci-engine', version: v2 ? '2.1.0' : '2.0.0' }, namespace: 'web' });
    const tools = new HelmRepositorySource(controllers, 'tools-repo', { name: 'tools', namespace: 'web', url: 'https://charts.example.com' });
    new FluxHelmRelease(controllers, 'tools', { name: 'tools', namespace: 'web', source: tools, chart: 'tools', version: '3.0.0', crds: v2 ? 'Skip' : 'CreateReplace' });

    const configs = web.scope('configs');
    policy(configs, 'require-labels', 'ValidatingPolicy', v2 ? ['Audit'] : ['Deny']);
    policy(configs, 'verify-images', 'ImageValidatingPolicy', ['Deny']);
    if (!v2) policy(configs, 'disallow-latest', 'ValidatingPolicy', ['Deny', 'Audit']);
    configMap(v2 ? web.scope('apps') : configs, 'moved', { key: 'value' });

    const apps = web.scope('apps');
    new ApiObject(apps, 'shop', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', namespace: 'web' },
      spec: {
        replicas: v2 ? 3 : 2,
        selector: { matchLabels: { app: 'shop', ...(v2 ? { tier: 'web' } : {}) } },
        template: {
          metadata: { labels: { app: 'shop', tier: 'web' } },
          spec: {
            containers: [
              ...(v2 ? [{ name: 'metrics', image: 'example/exporter:0.5' }] : []),
              { name: 'app', image: v2 ? 'example/shop:1.1' : 'example/shop:1.0', env: [{ name: 'MODE', value: 'prod' }, { name: 'LOG', value: v2 ? 'debug' : 'info' }] },
              { name: 'proxy', image: 'example/proxy:2.0', args: v2 ? ['--port=8080', '--tls'] : ['--port=8080', '--verbose'] },
            ],
          },
        },
      },
    });
    new ApiObject(apps, 'shop-svc', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop', namespace: 'web' },
      spec: { clusterIP: v2 ? '10.96.0.11' : '10.96.0.10', selector: { app: 'shop' }, ports: [{ name: 'http', port: 80 }] },
    });
    new ApiObject(apps, 'migrate', {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'web' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: v2 ? 'example/shop:1.1' : 'example/shop:1.0' }] } } },
    });
    new ApiObject(apps, 'db', {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'web' },
      spec: { serviceName: 'db', selector: { matchLabels: { app: v2 ? 'database' : 'db' } }, template: { metadata: { labels: { app: v2 ? 'database' : 'db' } }, spec: { containers: [{ name: 'db', image: 'example/db:16' }] } } },
    });
    configMap(apps, 'shop-config', { 'app.conf': v2 ? 'listen 8080\nworkers 8\ntimeout 30\n' : 'listen 8080\nworkers 4\ntimeout 30\n' });
    if (!v2) configMap(apps, 'obsolete', { key: 'value' });
    if (v2) {
      new ApiObject(apps, 'worker', {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker', namespace: 'web' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'worker' } }, template: { metadata: { labels: { app: 'worker' } }, spec: { containers: [{ name: 'worker', image: 'example/worker:1.0' }] } } },
      });
    }
    alpha.addArtifact('talos/schematic.yaml', `customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/iscsi-tools\n${v2 ? '      - siderolabs/kata-containers\n' : ''}`);

    const beta = new Cluster(app, clusterProps({ name: 'beta' }));
    const base = new Component(beta, 'base');
    new TalosNamespace(base.scope('controllers'), 'ns', { name: 'base' });
    if (v2) new TalosNamespace(base.scope('controllers'), 'extra', { name: 'extra' });
  };
}

function policy(scope: Construct, name: string, kind: string, validationActions: string[]): void {
  new ApiObject(scope, name, {
    apiVersion: 'policies.kyverno.io/v1', kind, metadata: { name },
    spec: {
      validationActions,
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
      validations: [{ expression: 'true', message: 'always admitted' }],
      ...(kind === 'ImageValidatingPolicy' ? { attestors: [{ name: 'sigstore', cosign: { keyless: { identities: [{ issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/example/ci' }] } } }] } : {}),
    },
  });
}

function configMap(scope: Construct, name: string, data: Record<string, string>): void {
  new ApiObject(scope, name, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'web' }, data });
}

/** Runs git in `cwd` with a fixed identity, so commits work on any machine. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A git repository with the output of `first` committed on main and, when given, the output of
 * `second` committed on branch `feature` (checked out). Returns its path.
 */
export function repoWith(first: FleetBuilder, second?: FleetBuilder): string {
  const root = tempDir('review-repo-');
  git(root, 'init', '--quiet', '--initial-branch=main');
  synthToDisk(first, root);
  git(root, 'add', '-A');
  git(root, 'commit', '--quiet', '-m', 'first');
  if (second) {
    git(root, 'checkout', '--quiet', '-b', 'feature');
    synthToDisk(second, root);
    git(root, 'add', '-A');
    git(root, 'commit', '--quiet', '-m', 'second');
  }
  return root;
}
