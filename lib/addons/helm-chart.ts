import { z } from 'zod';
import { AddOn } from '../addon';
import { Cluster } from '../cluster';
import { chartName, FluxHelmRelease, PinnedChart, releaseName } from '../flux/helm-release';
import { FluxObjectRef } from '../flux/refs';
import { propError, SchemaMatches, validateProps } from '../props';
import { POD_SECURITY_LEVELS, PodSecurityLevel } from '../talos/pod-security';
import { TalosNamespace } from '../talos/namespace';
import { dnsLabel, duration, exactVersion, jsonObject } from '../validators';

/** What Flux does with the CRDs a chart ships, on install and on upgrade. */
export type HelmChartCrds = 'CreateReplace' | 'Skip';

export interface HelmChartProps<V extends object = Record<string, unknown>> {
  /**
   * Helm repository: an https:// chart repository (a HelmRepository), or an oci:// registry path without
   * the chart name (an OCIRepository of `<repository>/<chart>`, as `helm install oci://…/<chart>` takes it).
   */
  readonly repository: string;
  /** Chart name in the repository. */
  readonly chart: string;
  /** Exact chart version (for OCI, the tag). */
  readonly version: string;
  /** Namespace of the Flux objects, the release and the workloads it installs; the add-on creates it. */
  readonly namespace: string;
  /** Pod Security level enforced on the namespace; `privileged` only for charts whose pods need host access. @default baseline */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Chart values. Type them with the interface `npm run import -- --chart-schema` generates
   * (`new HelmChart<CertManagerValues>(…)`); with a schema imported the gate checks them, without one
   * synth warns that they are unchecked. @default {}
   */
  readonly values?: V;
  /** The chart's CRDs: created and replaced on upgrade, or left alone (installed some other way). @default CreateReplace */
  readonly crds?: HelmChartCrds;
  /** Add-ons of the same cluster whose HelmReleases must be ready first (Flux dependsOn). @default [] */
  readonly dependsOn?: readonly AddOn[];
  /** Name of the HelmRelease, its source and the Helm release. @default the chart name */
  readonly releaseName?: string;
  /** How long Helm actions may take. @default 10m */
  readonly timeout?: string;
}

const schema = z.strictObject({
  repository: z.string().regex(/^(https:\/\/[^\s/]+(\/\S*)?|oci:\/\/[^\s:/]+(:\d+)?(\/[^\s:@/]+)*\/?)$/, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a Helm repository URL (https://host/path for a chart repository, oci://registry/path for OCI)`,
  }),
  chart: chartName(),
  version: exactVersion(),
  namespace: dnsLabel(),
  podSecurity: z.enum(POD_SECURITY_LEVELS).optional(),
  values: jsonObject().optional(),
  crds: z.enum(['CreateReplace', 'Skip']).optional(),
  dependsOn: z.array(z.custom<AddOn>((v) => v instanceof AddOn, { error: (iss) => `${describe(iss.input)} is not an add-on (pass the add-on construct, such as a Kyverno or another HelmChart)` })).optional(),
  releaseName: releaseName().optional(),
  timeout: duration().optional(),
});

const describe = (v: unknown) => (v instanceof Object && 'node' in v ? `${v.constructor.name}[${(v as AddOn).node.id}]` : JSON.stringify(v) ?? String(v));

const propsMatchSchema: SchemaMatches<HelmChartProps, z.output<typeof schema>> = true;
void propsMatchSchema;

/**
 * Any tool installed from a Helm chart, as an add-on: its namespace (with an explicit Pod Security level),
 * a Flux source of the chart (HelmRepository or OCIRepository) and a HelmRelease of the exact version, in
 * the controllers layer. Being an `AddOn`, its namespace counts as a platform namespace (the cluster's
 * Kyverno policies exempt it, as they do the built-in add-ons'). Objects that need the chart's CRDs go in
 * the configs layer, which Flux applies after the controllers.
 */
export class HelmChart<V extends object = Record<string, unknown>> extends AddOn {
  readonly namespace: string;
  readonly release: FluxHelmRelease<V>;

  constructor(cluster: Cluster, id: string, props: HelmChartProps<V>) {
    super(cluster, id);
    const p = validateProps(this, schema, props);
    const dependsOn = (p.dependsOn ?? []).flatMap((addOn, i) => this.releaseOf(addOn, i));
    this.namespace = p.namespace;
    new TalosNamespace(this.scope('controllers'), 'namespace', { name: p.namespace, podSecurity: p.podSecurity });
    const chart = new PinnedChart<V>(this.scope('controllers'), 'chart', {
      pin: {
        repository: p.repository.startsWith('oci://') ? `${p.repository.replace(/\/$/, '')}/${p.chart}` : p.repository,
        chart: p.chart,
        version: p.version,
      },
      name: p.releaseName,
      namespace: p.namespace,
      values: props.values,
      crds: p.crds ?? 'CreateReplace',
      dependsOn: dependsOn.length ? dependsOn : undefined,
      timeout: p.timeout,
      expectValuesSchema: true,
    });
    this.release = chart.release;
  }

  /** The HelmReleases of an add-on this one waits for: of this cluster, and at least one. */
  private releaseOf(addOn: AddOn, i: number): FluxObjectRef[] {
    if (addOn.cluster !== this.cluster) {
      throw propError(this, `dependsOn[${i}]`, `${describe(addOn)} is an add-on of cluster ${addOn.cluster.clusterName}; Flux can only wait for add-ons of ${this.cluster.clusterName}`);
    }
    const releases = addOn.helmReleases;
    if (!releases.length) throw propError(this, `dependsOn[${i}]`, `${describe(addOn)} installs no HelmRelease, so there is nothing to wait for; remove it`);
    return releases;
  }
}
