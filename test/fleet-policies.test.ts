import { buildFleet } from '../apps/fleet';
import { admitWorkloads, formatAdmissionSummary } from '../lib/synth/admission/check';
import { synthesize } from '../lib/synth/pipeline';
import { evaluatePolicies, KubeObject, PolicyManifest } from './support/cel';

// The reference workloads must satisfy their own cluster's Kyverno policies, in every mode: an Audit
// finding today is a Deny failure on the day the policy is switched.
const result = synthesize(buildFleet);
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod']);

it('admission at synth: the reference fleet passes its own policies, every pod spec checked', () => {
  const report = admitWorkloads(result.objects);
  expect(report.findings).toEqual([]);
  expect(formatAdmissionSummary(report)).toBe('admission: 2 pod specs checked, 0 denied, 0 warnings');
});

describe.each(result.clusters)('Kyverno policies of %s', (cluster) => {
  const objects = result.objects.filter((o) => o.cluster === cluster);
  const policies = objects.map((o) => o.manifest).filter((m) => m.apiVersion === 'policies.kyverno.io/v1') as unknown as PolicyManifest[];
  const workloads = objects.filter((o) => o.destination === 'apps' && WORKLOAD_KINDS.has(o.manifest.kind));

  it('has policies and workloads to check', () => {
    expect(policies.filter((p) => p.kind === 'ValidatingPolicy').length).toBeGreaterThanOrEqual(5);
    expect(workloads.length).toBeGreaterThan(0);
  });

  it.each(workloads.map((w) => [`${w.manifest.kind}/${w.manifest.metadata.name}`, w.manifest]))('admits %s without a finding', (_, manifest) => {
    const verdict = evaluatePolicies(policies, manifest as unknown as KubeObject, { operation: 'CREATE' });
    expect(verdict.violations).toEqual([]);
    expect(verdict.admitted).toBe(true);
  });

  it('rejects the same workload once a container drops its limits (the policies do fire)', () => {
    const w = JSON.parse(JSON.stringify(workloads[0].manifest));
    delete w.spec.template.spec.containers[0].resources.limits;
    const verdict = evaluatePolicies(policies, w, { operation: 'CREATE' });
    expect(verdict.violations.some((v) => v.startsWith('require-requests-limits:'))).toBe(true);
  });
});
