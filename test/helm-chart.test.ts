/**
 * The generic chart add-on (HelmChart): what it renders for an HTTP and an OCI repository, its namespace
 * counted as an add-on's (Kyverno exempts it), dependsOn, values checked against an imported values
 * schema, and the one warning when none is imported.
 */
import { App } from 'cdk8s';
import { AddOn } from '../lib/addon';
import { HelmChart, HelmChartProps } from '../lib/addons/helm-chart';
import { DisallowHostPath, Kyverno } from '../lib/addons/kyverno';
import { Cluster } from '../lib/cluster';
import { formatSummary, synthesize, synthToDisk } from '../lib/synth/pipeline';
import { runSynthCli } from '../lib/synth/cli';
import { clusterProps, configErrorOf, find, renderCluster, synthCluster, tempDir } from './helpers';

/** An add-on that installs no HelmRelease. */
class NoRelease extends AddOn {}

const CERT_MANAGER: HelmChartProps = {
  repository: 'https://charts.jetstack.io',
  chart: 'cert-manager',
  version: 'v1.21.1',
  namespace: 'cert-manager',
};

describe('HelmChart', () => {
  it('renders its namespace, a HelmRepository and a HelmRelease of the exact version in the controllers layer', () => {
    const result = synthCluster((cluster) => {
      new HelmChart(cluster, 'cert-manager', { ...CERT_MANAGER, values: { crds: { enabled: false } } });
    });
    const mine = result.objects.filter((o) => o.component === 'cert-manager');
    expect(mine.map((o) => `${o.destination} ${o.manifest.kind}`)).toEqual(['controllers Namespace', 'controllers HelmRepository', 'controllers HelmRelease']);
    const manifests = mine.map((o) => o.manifest);
    expect(find(manifests, 'Namespace', 'cert-manager').metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'talos-flux-synth',
      'app.kubernetes.io/part-of': 'cert-manager',
      'talos-flux-synth.dev/cluster': 'test',
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'latest',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'baseline',
    });
    expect(find(manifests, 'HelmRepository', 'cert-manager')).toMatchObject({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      metadata: { name: 'cert-manager', namespace: 'cert-manager' },
      spec: { url: 'https://charts.jetstack.io' },
    });
    expect(find(manifests, 'HelmRelease', 'cert-manager').spec).toEqual({
      interval: '30m',
      timeout: '10m',
      releaseName: 'cert-manager',
      chart: { spec: { chart: 'cert-manager', version: 'v1.21.1', interval: '1h', sourceRef: { kind: 'HelmRepository', name: 'cert-manager', namespace: 'cert-manager' } } },
      install: { crds: 'CreateReplace', remediation: { retries: 3 } },
      upgrade: { crds: 'CreateReplace', cleanupOnFail: true, remediation: { retries: 3, remediateLastFailure: true } },
      values: { crds: { enabled: false } },
    });
  });

  it('installs from an OCI registry path (the chart name appended), with its Pod Security level, CRD policy, release name and timeout', () => {
    const objects = renderCluster((cluster) => {
      new HelmChart(cluster, 'certs', {
        ...CERT_MANAGER,
        repository: 'oci://quay.io/jetstack/charts',
        podSecurity: 'restricted',
        crds: 'Skip',
        releaseName: 'certs',
        timeout: '5m',
      });
    });
    expect(find(objects, 'Namespace', 'cert-manager').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(find(objects, 'OCIRepository', 'certs').spec).toMatchObject({ url: 'oci://quay.io/jetstack/charts/cert-manager', ref: { tag: 'v1.21.1' } });
    expect(find(objects, 'HelmRelease', 'certs').spec).toMatchObject({
      releaseName: 'certs',
      timeout: '5m',
      chartRef: { kind: 'OCIRepository', name: 'certs', namespace: 'cert-manager' },
      install: { crds: 'Skip' },
      upgrade: { crds: 'Skip' },
    });
  });

  it('is an add-on: the cluster\'s Kyverno policies exempt its namespace', () => {
    const objects = renderCluster((cluster) => {
      const kyverno = new Kyverno(cluster, 'kyverno');
      new DisallowHostPath(kyverno, 'host-path', { mode: 'Deny' });
      new HelmChart(cluster, 'cert-manager', CERT_MANAGER);
    });
    const selector = (find(objects, 'ValidatingPolicy', 'disallow-host-path').spec as { matchConstraints: { namespaceSelector: unknown } }).matchConstraints.namespaceSelector;
    expect(selector).toEqual({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['cert-manager', 'flux-system', 'kube-system', 'kyverno'] }] });
  });

  it('waits for the HelmReleases of the add-ons it depends on', () => {
    const objects = renderCluster((cluster) => {
      const kyverno = new Kyverno(cluster, 'kyverno');
      const certManager = new HelmChart(cluster, 'cert-manager', CERT_MANAGER);
      new HelmChart(cluster, 'trust-manager', { ...CERT_MANAGER, chart: 'trust-manager', version: 'v0.20.3', namespace: 'trust-manager', dependsOn: [certManager, kyverno] });
    });
    expect(find(objects, 'HelmRelease', 'trust-manager').spec).toMatchObject({
      dependsOn: [{ name: 'cert-manager', namespace: 'cert-manager' }, { name: 'kyverno', namespace: 'kyverno' }],
    });
  });

  it('refuses a dependency with no HelmRelease, or of another cluster', () => {
    expect(configErrorOf(() => renderCluster((cluster) => {
      new HelmChart(cluster, 'cert-manager', { ...CERT_MANAGER, dependsOn: [new NoRelease(cluster, 'nothing')] });
    }))).toBe('test/HelmChart[cert-manager]: dependsOn[0]: NoRelease[nothing] installs no HelmRelease, so there is nothing to wait for; remove it');
    expect(configErrorOf(() => synthesize((app: App) => {
      const other = new Cluster(app, clusterProps({ name: 'other' }));
      const kyverno = new Kyverno(other, 'kyverno');
      new HelmChart(new Cluster(app, clusterProps({ name: 'test' })), 'cert-manager', { ...CERT_MANAGER, dependsOn: [kyverno] });
    }))).toBe('test/HelmChart[cert-manager]: dependsOn[0]: Kyverno[kyverno] is an add-on of cluster other; Flux can only wait for add-ons of test');
  });

  it('checks the values against the chart\'s values schema when one is imported (velero 12.1.0 is)', () => {
    const velero = { repository: 'https://vmware-tanzu.github.io/helm-charts', chart: 'velero', version: '12.1.0', namespace: 'backup' };
    expect(configErrorOf(() => renderCluster((cluster) => {
      new HelmChart(cluster, 'backup', { ...velero, values: { upgradeCRDs: 'yes' } });
    }))).toBe('test/controllers/HelmRelease/backup/velero: spec.values.upgradeCRDs: expected boolean, got string "yes"');
    const result = synthCluster((cluster) => {
      new HelmChart(cluster, 'backup', { ...velero, values: { upgradeCRDs: false } });
    });
    expect(result.warnings).toEqual([]);
  });

  it('warns once, without failing, when no values schema of the chart is imported', () => {
    const result = synthCluster((cluster) => {
      new HelmChart(cluster, 'cert-manager', { ...CERT_MANAGER, values: { crds: { enabled: true } } });
      new HelmChart(cluster, 'no-values', { ...CERT_MANAGER, namespace: 'other', releaseName: 'other' });
    });
    expect(result.warnings.map((w) => `${w.where}: ${w.message}`)).toEqual([
      'test/cert-manager: values (cert-manager@v1.21.1) are unchecked: no values schema of cert-manager is imported; add the chart\'s with npm run import -- --chart-schema cert-manager@v1.21.1 <values.schema.json> [values.yaml]',
    ]);
  });

  it('prints the warning as one line and counts it in the summary; the output is written', () => {
    const root = tempDir();
    const build = (app: App) => new HelmChart(new Cluster(app, clusterProps()), 'cert-manager', { ...CERT_MANAGER, values: { crds: { enabled: true } } });
    const summary = synthToDisk(build, root);
    expect(formatSummary(summary, 7)).toMatch(/unchanged; 1 warning; 7 ms$/);
    const errors: string[] = [];
    const error = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      runSynthCli(build, {}, root, []);
    } finally {
      error.mockRestore();
      log.mockRestore();
    }
    expect(errors).toEqual([
      'warning: test/cert-manager: values (cert-manager@v1.21.1) are unchecked: no values schema of cert-manager is imported; add the chart\'s with npm run import -- --chart-schema cert-manager@v1.21.1 <values.schema.json> [values.yaml]',
    ]);
    expect(process.exitCode ?? 0).toBe(0);
  });
});
