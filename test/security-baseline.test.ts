/** The reference fleet's security baseline and Kata runtime, run through the evaluator as Kyverno would. */
import { exampleFleet } from './fixtures/example-fleet';
import { CHAINGUARD_SIGNER } from '../apps/security-baseline';
import { KATA_RUNTIME_CLASS } from '../lib/addons/kata';
import { synthesize } from '../lib/synth/pipeline';
import { Manifest } from '../lib/synth/manifest';
import { evaluatePolicies, PolicyManifest, withoutNamespaceSelector } from './support/cel';
import { policyFindings } from './support/fleet';
import { deployment, placed } from './support/workloads';

const fleet = synthesize(exampleFleet);
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

describe('security baseline of the example clusters', () => {
  it('renders the engine and the same policy library on both clusters', () => {
    for (const cluster of ['lab', 'gpu-cloud']) {
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

  it('audits everything on lab; gpu-cloud denies images from outside the allow-list', () => {
    expect(new Set(Object.values(actions('lab')))).toEqual(new Set(['Audit']));
    expect(actions('gpu-cloud')).toMatchObject({ 'restrict-image-registries': 'Deny', 'require-labels': 'Audit', 'verify-chainguard-images': 'Audit' });
  });

  it('admits a compliant workload without a finding, and labels it with its cluster', () => {
    for (const cluster of ['lab', 'gpu-cloud']) {
      const result = evaluatePolicies(policiesOf(cluster), deployment(), { signatures: signed });
      expect(result).toMatchObject({ violations: [], admitted: true });
      expect((result.mutated.metadata as { labels: object }).labels).toEqual({ team: 'ml', 'talos-flux-synth.dev/cluster': cluster });
    }
  });

  it('reports every finding of an offending workload; only gpu-cloud rejects it', () => {
    const audited = evaluatePolicies(policiesOf('lab'), offending());
    expect(audited.violations.map((v) => v.split(':')[0]).sort()).toEqual(['disallow-host-path', 'require-labels', 'require-run-as-nonroot', 'restrict-image-registries']);
    expect(audited.admitted).toBe(true);
    expect(evaluatePolicies(policiesOf('gpu-cloud'), offending()).admitted).toBe(false);
  });

  it("does not govern the add-ons' own namespaces", () => {
    const result = evaluatePolicies(policiesOf('gpu-cloud'), placed(offending(), 'kyverno'));
    expect(result).toMatchObject({ violations: [], admitted: true });
    expect(Object.values(result.results).map((r) => r.matched)).toEqual(Object.values(result.results).map(() => false));
    // Outside the webhook (background scans), the system-namespaces PolicyException exempts them.
    const scanned = evaluatePolicies(policiesOf('gpu-cloud').map(withoutNamespaceSelector), placed(offending(), 'kyverno'));
    expect(scanned).toMatchObject({ violations: [], admitted: true });
    expect(Object.values(scanned.results).every((r) => r.exemptedBy.includes('system-namespaces'))).toBe(true);
  });

  it('gives lab the Kata RuntimeClass, on talos01 only', () => {
    expect(manifestsOf('lab').find((m) => m.kind === 'RuntimeClass')).toMatchObject({
      metadata: { name: KATA_RUNTIME_CLASS },
      handler: 'kata',
      scheduling: { nodeSelector: { 'runtime.talos-flux-synth.dev/kata': 'true' } },
    });
    expect(manifestsOf('gpu-cloud').filter((m) => m.kind === 'RuntimeClass')).toEqual([]);
  });
});

// The fleet tests check that every workload passes its own cluster's policies; here, on the example
// clusters, that the check has something to check and that the policies do fire on those workloads.
describe.each(['lab', 'gpu-cloud'])('the example workloads of %s under its policies', (cluster) => {
  const workloads = fleet.objects.filter((o) => o.cluster === cluster && o.destination === 'apps' && o.manifest.kind === 'Deployment');

  it('pass them without a finding', () => {
    expect(policiesOf(cluster).filter((p) => p.kind === 'ValidatingPolicy').length).toBeGreaterThanOrEqual(5);
    expect(workloads.length).toBeGreaterThan(0);
    expect(policyFindings(fleet, cluster)).toEqual([]);
  });

  it('are refused once a container drops its limits', () => {
    const w = JSON.parse(JSON.stringify(workloads[0].manifest));
    delete w.spec.template.spec.containers[0].resources.limits;
    const verdict = evaluatePolicies(policiesOf(cluster), w, { operation: 'CREATE' });
    expect(verdict.violations.some((v) => v.startsWith('require-requests-limits:'))).toBe(true);
  });
});
