/**
 * `npm run diff` on version changes: chart versions (major bumps high), a cluster's Kubernetes or Talos
 * minor (read from its FluxInstance; high when it skips a minor or goes back), the Flux distribution,
 * the bootstrap's charts, and an object whose apiVersion changes. Temporary git repositories, as in
 * test/review.test.ts.
 */
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { PinnedChart } from '../lib/flux/helm-release';
import { diffAgainstBase, runDiffCli } from '../lib/review/cli';
import { describeChange, diffTrees } from '../lib/review/diff';
import { formatFieldPath } from '../lib/review/field-diff';
import { versionChange } from '../lib/review/risks';
import { FleetBuilder, synthesize } from '../lib/synth/pipeline';
import { KUBERNETES_VERSION_ANNOTATION, TALOS_VERSION_ANNOTATION } from '../lib/synth/labels';
import { TalosNamespace } from '../lib/talos/namespace';
import { clusterProps } from './helpers';
import { repoWith } from './review-fleet';

interface FleetVersions {
  /** Chart versions of alpha's releases. */
  readonly engine: string;
  readonly tools: string;
  readonly ociEngine: string;
  /** apiVersion of alpha's ValidatingPolicy. */
  readonly policyApi: string;
  /** Kubernetes and Talos minors recorded on each cluster's FluxInstance, and the Flux distribution. */
  readonly alpha: { readonly kubernetes: string; readonly talos: string; readonly flux?: string };
  readonly beta: { readonly kubernetes: string; readonly talos: string };
}

/**
 * The FluxInstance records the minors the cluster was rendered for; until this branch renders other
 * Kubernetes minors (the Cluster prop accepts 1.34 only here), a fleet stands in for another one by
 * rewriting what the FluxInstance records, exactly the fields a real version change rewrites.
 */
function recordVersions(cluster: Cluster, v: { readonly kubernetes: string; readonly talos: string; readonly flux?: string }): void {
  const instance = cluster.fluxChart.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'FluxInstance');
  if (!instance) throw new Error(`no FluxInstance in ${cluster.clusterName}`);
  instance.metadata.addAnnotation(KUBERNETES_VERSION_ANNOTATION, v.kubernetes);
  instance.metadata.addAnnotation(TALOS_VERSION_ANNOTATION, v.talos);
  if (v.flux) instance.addJsonPatch(JsonPatch.replace('/spec/distribution/version', v.flux));
}

function policy(scope: Construct, apiVersion: string): void {
  new ApiObject(scope, 'require-labels', {
    apiVersion, kind: 'ValidatingPolicy', metadata: { name: 'require-labels' },
    spec: {
      validationActions: ['Deny'],
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
      validations: [{ expression: 'true', message: 'always admitted' }],
    },
  });
}

function versionFleet(v: FleetVersions): FleetBuilder {
  return (app: App) => {
    const alpha = new Cluster(app, clusterProps({ name: 'alpha' }));
    const web = new Component(alpha, 'web');
    const controllers = web.scope('controllers');
    new TalosNamespace(controllers, 'ns', { name: 'web' });
    new PinnedChart(controllers, 'engine', { pin: { repository: 'https://charts.example.com', chart: 'engine', version: v.engine }, namespace: 'web' });
    new PinnedChart(controllers, 'tools', { pin: { repository: 'https://charts.example.com', chart: 'tools', version: v.tools }, namespace: 'web' });
    new PinnedChart(controllers, 'oci-engine', { pin: { repository: 'oci://ghcr.io/example/charts/oci-engine', chart: 'oci-engine', version: v.ociEngine }, namespace: 'web' });
    policy(web.scope('configs'), v.policyApi);
    recordVersions(alpha, v.alpha);
    const beta = new Cluster(app, clusterProps({ name: 'beta', cni: 'cilium' }));
    new TalosNamespace(new Component(beta, 'base').scope('controllers'), 'ns', { name: 'base' });
    recordVersions(beta, v.beta);
  };
}

const BEFORE: FleetVersions = {
  engine: '1.4.2',
  tools: '3.0.0',
  ociEngine: '2.1.0',
  policyApi: 'policies.kyverno.io/v1beta1',
  alpha: { kubernetes: '1.34', talos: '1.13' },
  beta: { kubernetes: '1.34', talos: '1.13' },
};
const AFTER: FleetVersions = {
  engine: '2.0.0',
  tools: '3.0.1',
  ociEngine: '2.0.5',
  policyApi: 'policies.kyverno.io/v1',
  alpha: { kubernetes: '1.35', talos: '1.14', flux: '2.10.0' },
  beta: { kubernetes: '1.36', talos: '1.12' },
};

const capture = (root: string) => {
  const out = { stdout: '', stderr: '' };
  return { out, io: { root, env: {}, isTTY: false, stdout: (t: string) => { out.stdout += t; }, stderr: (t: string) => { out.stderr += t; } } };
};

describe('npm run diff on version changes', () => {
  const root = repoWith(versionFleet(BEFORE), versionFleet(AFTER));
  const { diff } = diffAgainstBase(versionFleet(AFTER), root);
  const risks = diff.risks.map((r) => `${r.severity} ${r.kind} ${describeChange(r.change)}: ${r.message}`);

  it('flags chart, Flux, Kubernetes, Talos and apiVersion changes, the severe ones first', () => {
    expect(risks).toEqual([
      'high platform-version-skip beta/flux/FluxInstance/flux-system/flux: Kubernetes 1.34 → 1.36: skips 1 minor; Kubernetes upgrades one minor at a time (1.34 → 1.35 first)',
      'high platform-version-skip beta/flux/FluxInstance/flux-system/flux: Talos 1.13 → 1.12: goes backwards; Talos does not downgrade (restore the nodes or rebuild the cluster)',
      'high chart-major-version alpha/controllers/HelmRelease/web/engine: spec.chart.spec.version: 1.4.2 → 2.0.0 (major upgrade: read the release notes for breaking changes)',
      'warn platform-version alpha/flux/FluxInstance/flux-system/flux: Kubernetes 1.34 → 1.35: one minor up; upgrade the nodes (talosctl upgrade-k8s) in step with this commit',
      'warn platform-version alpha/flux/FluxInstance/flux-system/flux: Talos 1.13 → 1.14: one minor up; upgrade the nodes (talosctl upgrade) in step with this commit',
      'warn chart-version alpha/controllers/HelmRelease/web/tools: spec.chart.spec.version: 3.0.0 → 3.0.1 (patch upgrade)',
      'warn chart-version alpha/controllers/OCIRepository/web/oci-engine: spec.ref.tag: 2.1.0 → 2.0.5 (minor downgrade)',
      'warn chart-version alpha/flux/FluxInstance/flux-system/flux: spec.distribution.version: 2.9.4 → 2.10.0 (minor upgrade)',
      'warn api-version alpha/configs/ValidatingPolicy/require-labels: policies.kyverno.io/v1beta1 → policies.kyverno.io/v1: check that every cluster version serves it and that moved fields came along',
    ]);
  });

  it('shows the flags first in the terminal output', () => {
    const { out, io } = capture(root);
    expect(runDiffCli(versionFleet(AFTER), ['--no-color'], io)).toBe(0);
    const lines = out.stdout.split('\n');
    const start = lines.findIndex((l) => l.startsWith('Risks ('));
    expect(lines[start]).toBe('Risks (9)');
    expect(lines.slice(start + 1, start + 4).map((l) => l.trim().split(/\s{2,}/).slice(0, 2))).toEqual([
      ['HIGH', 'Kubernetes/Talos minor skipped or lowered'],
      ['HIGH', 'Kubernetes/Talos minor skipped or lowered'],
      ['HIGH', 'Major version changed'],
    ]);
  });

  it('diffs the Helm values of the bootstrap field by field (they are YAML text in the Terraform JSON)', () => {
    const file = diff.changes.find((c) => c.cluster === 'alpha' && c.kind === 'File' && c.name === 'bootstrap/main.tf.json');
    expect(file?.fields.map((f) => `${formatFieldPath(f.path)}: ${JSON.stringify(f.before)} → ${JSON.stringify(f.after)}`)).toEqual([
      'resource.helm_release.flux_instance.values[0].objects[0].metadata.annotations["talos-flux-synth.dev/kubernetes-version"]: "1.34" → "1.35"',
      'resource.helm_release.flux_instance.values[0].objects[0].metadata.annotations["talos-flux-synth.dev/talos-version"]: "1.13" → "1.14"',
      'resource.helm_release.flux_instance.values[0].objects[0].spec.distribution.version: "2.9.4" → "2.10.0"',
    ]);
  });

  it('flags nothing when no version changes', () => {
    const same = synthesize(versionFleet(BEFORE)).files;
    expect(diffTrees(same, same).risks).toEqual([]);
  });

  it('flags a chart of the bootstrap changing version (Cilium, the Flux Operator)', () => {
    const before = synthesize(versionFleet(BEFORE)).files;
    const after = new Map(before);
    const file = 'dist/beta/bootstrap/main.tf.json';
    const stack = JSON.parse(before.get(file) ?? '');
    stack.resource.helm_release.flux_operator.version = '1.0.0';
    stack.resource.helm_release.cilium.version = '1.19.3';
    after.set(file, `${JSON.stringify(stack, null, 2)}\n`);
    expect(diffTrees(before, after).risks.map((r) => `${r.severity} ${r.kind} ${describeChange(r.change)}: ${r.message}`)).toEqual([
      'high chart-major-version beta/bootstrap/main.tf.json: helm_release.flux_operator.version: 0.58.1 → 1.0.0 (major upgrade: read the release notes for breaking changes; the bootstrap applies it: tofu apply)',
      'warn chart-version beta/bootstrap/main.tf.json: helm_release.cilium.version: 1.19.2 → 1.19.3 (patch upgrade; the bootstrap applies it: tofu apply)',
    ]);
  });

  it('classifies versions: major (high) against minor, patch and downgrade; ranges and tags it cannot read are a plain change', () => {
    expect(versionChange('v26.7.0', 'v27.0.0')).toEqual({ kind: 'chart-major-version', what: 'major upgrade: read the release notes for breaking changes' });
    expect(versionChange('2.0.0', '1.9.9')).toEqual({ kind: 'chart-major-version', what: 'major downgrade: read the release notes for breaking changes' });
    expect(versionChange('0.36.0', '0.37.0')).toEqual({ kind: 'chart-version', what: 'minor upgrade' });
    expect(versionChange('1.2.3', '1.2.4-rc.1')).toEqual({ kind: 'chart-version', what: 'patch upgrade' });
    expect(versionChange('1.2.3-rc.1', '1.2.3')).toEqual({ kind: 'chart-version', what: 'pre-release or build changed' });
    expect(versionChange('2.9.x', '2.10.x')).toEqual({ kind: 'chart-version', what: 'changed' });
  });
});
