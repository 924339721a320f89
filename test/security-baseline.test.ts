/** The reference fleet's security baseline and Kata runtime, run through the evaluator as Kyverno would. */
import { buildFleet } from '../apps/fleet';
import { CHAINGUARD_SIGNER } from '../apps/security-baseline';
import { KATA_RUNTIME_CLASS } from '../lib/addons/kata';
import { synthesize } from '../lib/synth/pipeline';
import { Manifest } from '../lib/synth/manifest';
import { evaluatePolicies, PolicyManifest, withoutNamespaceSelector } from './support/cel';
import { deployment, placed } from './support/workloads';

const fleet = synthesize(buildFleet);
const manifestsOf = (cluster: string): Manifest[] => fleet.objects.filter((o) => o.cluster === cluster).map((o) => o.manifest);
const policiesOf = (cluster: string) => manifestsOf(cluster).filter((m) => m.apiVersion === 'policies.kyverno.io/v1') as PolicyManifest[];
const actions = (cluster: string) => Object.fromEntries(policiesOf(cluster).filter((m) => m.kind.endsWith('ValidatingPolicy'))
  .map((m) => [m.metadata.name, (m.spec as { validationActions: string[] }).validationActions.join()]));

const signed = { 'cgr.dev/chainguard/nginx:1.27': [CHAINGUARD_SIGNER] };
const offending = () => deployment((s) => {
  s.containers[0].image = 'nginx:1.27';
  s.securityContext = {};
  s.volumes = [{ name: 'host', hostPath: { path: '/' } }];
}, { labels: {} });

describe('security baseline of the reference fleet', () => {
  it('renders the engine and the same policy library on both clusters', () => {
    for (const cluster of ['catalyst', 'hybrid-llm']) {
      expect(manifestsOf(cluster).filter((m) => m.kind === 'HelmRelease').map((m) => m.metadata.name)).toContain('kyverno');
      expect(policiesOf(cluster).map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
        'ImageValidatingPolicy/verify-chainguard-images',
        'MutatingPolicy/add-default-labels',
        'PolicyException/system-namespaces',
        'ValidatingPolicy/disallow-host-namespaces',
        'ValidatingPolicy/disallow-host-path',
        'ValidatingPolicy/disallow-privileged-containers',
        'ValidatingPolicy/require-labels',
        'ValidatingPolicy/require-requests-limits',
        'ValidatingPolicy/require-run-as-nonroot',
        'ValidatingPolicy/restrict-image-registries',
      ]);
    }
  });

  it('audits everything on catalyst; hybrid-llm denies images from outside the allow-list', () => {
    expect(new Set(Object.values(actions('catalyst')))).toEqual(new Set(['Audit']));
    expect(actions('hybrid-llm')).toMatchObject({ 'restrict-image-registries': 'Deny', 'require-labels': 'Audit', 'verify-chainguard-images': 'Audit' });
  });

  it('admits a compliant workload without a finding, and labels it with its cluster', () => {
    for (const cluster of ['catalyst', 'hybrid-llm']) {
      const result = evaluatePolicies(policiesOf(cluster), deployment(), { signatures: signed });
      expect(result).toMatchObject({ violations: [], admitted: true });
      expect((result.mutated.metadata as { labels: object }).labels).toEqual({ team: 'ml', 'talos-flux-synth.dev/cluster': cluster });
    }
  });

  it('reports every finding of an offending workload; only hybrid-llm rejects it', () => {
    const catalyst = evaluatePolicies(policiesOf('catalyst'), offending());
    expect(catalyst.violations.map((v) => v.split(':')[0]).sort()).toEqual(['disallow-host-path', 'require-labels', 'require-run-as-nonroot', 'restrict-image-registries']);
    expect(catalyst.admitted).toBe(true);
    expect(evaluatePolicies(policiesOf('hybrid-llm'), offending()).admitted).toBe(false);
  });

  it("does not govern the add-ons' own namespaces", () => {
    const result = evaluatePolicies(policiesOf('hybrid-llm'), placed(offending(), 'kyverno'));
    expect(result).toMatchObject({ violations: [], admitted: true });
    expect(Object.values(result.results).map((r) => r.matched)).toEqual(Object.values(result.results).map(() => false));
    // Outside the webhook (background scans), the system-namespaces PolicyException exempts them.
    const scanned = evaluatePolicies(policiesOf('hybrid-llm').map(withoutNamespaceSelector), placed(offending(), 'kyverno'));
    expect(scanned).toMatchObject({ violations: [], admitted: true });
    expect(Object.values(scanned.results).every((r) => r.exemptedBy.includes('system-namespaces'))).toBe(true);
  });

  it('gives catalyst the Kata RuntimeClass, on talos01 only', () => {
    expect(manifestsOf('catalyst').find((m) => m.kind === 'RuntimeClass')).toMatchObject({
      metadata: { name: KATA_RUNTIME_CLASS },
      handler: 'kata',
      scheduling: { nodeSelector: { 'runtime.talos-flux-synth.dev/kata': 'true' } },
    });
    expect(manifestsOf('hybrid-llm').filter((m) => m.kind === 'RuntimeClass')).toEqual([]);
  });
});
