import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import {
  HelmRelease,
  HelmReleaseSpec,
  HelmReleaseSpecChartRefKind,
  HelmReleaseSpecChartSpecSourceRefKind,
  HelmReleaseSpecInstallCrds,
  HelmReleaseSpecUpgradeCrds,
} from '../../imports/helmreleases-helm.toolkit.fluxcd.io';
import { validateProps } from '../props';
import { dnsLabel, dnsSubdomain, duration, exactVersion, jsonCopy, jsonObject } from '../validators';
import { ChartPin } from '../versions';
import { durationSeconds } from './duration';
import { HelmRepositorySource } from './helm-repository';
import { OciChartSource } from './oci-repository';
import { ChartSource, FluxObjectRef } from './refs';

/** Chart values with every level optional: what late settings add to the values. */
export type PartialValues<V> = { readonly [K in keyof V]?: V[K] extends readonly unknown[] ? V[K] : V[K] extends object ? PartialValues<V[K]> : V[K] };

/** Settings known only once the whole cluster is defined (such as whether it has a monitoring add-on). */
export interface LateReleaseSettings<V extends object> {
  /** Values merged over the release's values (maps merge, anything else replaces). @default none */
  readonly values?: PartialValues<V>;
  /** More HelmReleases that must be ready first. @default none */
  readonly dependsOn?: readonly FluxObjectRef[];
}

/** A Service a chart creates, which in-cluster addresses (http://<name>.<namespace>.svc:<port>) may name. */
export interface ChartService {
  /** Service name, as the chart's templates make it from the release name. */
  readonly name: string;
  /** Namespace. @default the release's */
  readonly namespace?: string;
  /** Ports it serves. */
  readonly ports: readonly number[];
}

/**
 * Annotation of a HelmRelease listing the Services its chart creates, for the gate's address check
 * (`name:port,port`, `namespace/name:port` outside the release's namespace, separated by spaces).
 */
export const CHART_SERVICES_ANNOTATION = 'talos-flux-synth.dev/chart-services';

/** What Flux does with the chart's CRDs on install and upgrade. */
export type CrdPolicy = 'Skip' | 'Create' | 'CreateReplace';

/**
 * Construct metadata on a rendered HelmRelease whose values a user wrote without a type checked against
 * the chart (a generic chart add-on): the validation gate warns when no values schema checks them.
 */
export const VALUES_SCHEMA_EXPECTED = 'talos-flux-synth:values-schema-expected';

export interface FluxHelmReleaseProps<V extends object> {
  /** Object name; also the Helm release name. */
  readonly name: string;
  /** Namespace of the HelmRelease and of the release it installs. */
  readonly namespace: string;
  /** Where the chart comes from. */
  readonly source: ChartSource;
  /** Chart name in a HelmRepository (ignored for an OCIRepository, which holds one chart). */
  readonly chart: string;
  /** Exact chart version (for an OCIRepository, the tag pinned there). */
  readonly version: string;
  /** Chart values, typed by the add-on that installs the chart. */
  readonly values?: V;
  /** CRD policy on install and upgrade. Flux's own default skips CRD upgrades. @default CreateReplace */
  readonly crds?: CrdPolicy;
  /** HelmReleases that must be ready first. @default [] */
  readonly dependsOn?: readonly FluxObjectRef[];
  /** How often Flux reconciles the release. @default 30m */
  readonly interval?: string;
  /** How long Helm actions may take. @default 10m */
  readonly timeout?: string;
  /** Retries before Flux gives up on a failed install or upgrade. @default 3 */
  readonly retries?: number;
  /** Settings read when the release renders, after every construct of the cluster exists. @default none */
  readonly late?: () => LateReleaseSettings<V>;
  /** Services the chart creates that in-cluster addresses may name (see CHART_SERVICES_ANNOTATION). @default none */
  readonly services?: readonly ChartService[];
  /** Warn at synth when no values schema of the chart checks the values. @default false (the add-on types its values by hand) */
  readonly expectValuesSchema?: boolean;
}

/** Helm release names end up in labels and object names: at most 53 characters (helm's own limit). */
export const releaseName = () =>
  dnsLabel().refine((s) => s.length <= 53, { error: (iss) => `${JSON.stringify(iss.input)} is longer than the 53 characters Helm allows for a release name` });

const chartService = z.strictObject({
  name: dnsLabel(),
  namespace: dnsLabel().optional(),
  ports: z.array(z.number().int().min(1).max(65535), { error: (iss) => `${JSON.stringify(iss.input)} is not a list of port numbers` })
    .min(1, { error: 'list the ports the Service serves (at least one)' }),
});

const fluxRef = z.strictObject({ kind: z.string().min(1), name: dnsSubdomain(), namespace: dnsLabel() });

/** A chart name as Helm repositories index it. */
export const chartName = () =>
  z.string().regex(/^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a chart name (lowercase letters, digits, '-', '.' and '_')` });

const releaseSchema = z.strictObject({
  name: releaseName(),
  namespace: dnsLabel(),
  source: z.strictObject({ ref: fluxRef }),
  chart: chartName(),
  version: exactVersion(),
  values: jsonObject().optional(),
  crds: z.enum(['Skip', 'Create', 'CreateReplace']).optional(),
  dependsOn: z.array(fluxRef).optional(),
  interval: duration().optional(),
  timeout: duration().optional(),
  retries: z.number().int().min(0).optional(),
  late: z.function().optional(),
  services: z.array(chartService).optional(),
  expectValuesSchema: z.boolean().optional(),
});

/**
 * A HelmRelease (helm.toolkit.fluxcd.io/v2) with the settings a platform wants by default: a pinned
 * chart, CRDs created and replaced on upgrade, remediation with retries and rollback of a failed upgrade.
 */
export class FluxHelmRelease<V extends object = Record<string, unknown>> extends Construct {
  readonly ref: FluxObjectRef;
  /** How long one Helm action may take (`spec.timeout`). */
  readonly timeout: string;
  /** Retries of a failed install or upgrade (`spec.install/upgrade.remediation.retries`). */
  readonly retries: number;

  constructor(scope: Construct, id: string, props: FluxHelmReleaseProps<V>) {
    super(scope, id);
    // The source is a construct; only its reference is checked (and kept).
    validateProps(this, releaseSchema, { ...props, source: props?.source && { ref: props.source.ref } });
    const crds = props.crds ?? 'CreateReplace';
    const retries = props.retries ?? 3;
    // Checked to be plain JSON above; the copy gives cdk8s ordinary objects (no null prototypes).
    const values = props.values === undefined ? undefined : (jsonCopy(props.values) as Record<string, unknown>);
    const dependsOn = (late: readonly FluxObjectRef[]) => {
      const all = [...(props.dependsOn ?? []), ...late];
      return all.length || props.dependsOn ? all.map((d) => ({ name: d.name, namespace: d.namespace })) : undefined;
    };
    const late = props.late;
    this.timeout = props.timeout ?? '10m';
    this.retries = retries;
    const spec: HelmReleaseSpec = {
      interval: props.interval ?? '30m',
      timeout: this.timeout,
      releaseName: props.name,
      ...chartOf(props),
      dependsOn: late ? Lazy.any({ produce: () => dependsOn(late().dependsOn ?? []) }) : dependsOn([]),
      install: { crds: crds as HelmReleaseSpecInstallCrds, remediation: { retries } },
      upgrade: {
        crds: crds as HelmReleaseSpecUpgradeCrds,
        cleanupOnFail: true,
        remediation: { retries, remediateLastFailure: true },
      },
      values: late ? Lazy.any({ produce: () => mergeValues(values, late().values) }) : values,
    };
    const services = props.services?.map((s) => `${s.namespace && s.namespace !== props.namespace ? `${s.namespace}/` : ''}${s.name}:${s.ports.join(',')}`).join(' ');
    const annotations = services ? { [CHART_SERVICES_ANNOTATION]: services } : undefined;
    this.node.defaultChild = new HelmRelease(this, 'resource', { metadata: { name: props.name, namespace: props.namespace, annotations }, spec });
    if (props.expectValuesSchema) this.node.findChild('resource').node.addMetadata(VALUES_SCHEMA_EXPECTED, true);
    this.ref = { kind: 'HelmRelease', name: props.name, namespace: props.namespace };
  }

  /**
   * The longest the release can take to become Ready or give up, in seconds: its first install or
   * upgrade and every retry, each up to the timeout (timeout × (1 + retries)).
   */
  get longestRunSeconds(): number {
    return durationSeconds(this.timeout) * (1 + this.retries);
  }
}

type Values = Record<string, unknown>;
const isMap = (x: unknown): x is Values => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Late values over values: maps merge, anything else replaces (undefined leaves the value as it is). */
function mergeValues(values: Values | undefined, late: object | undefined): Values | undefined {
  if (late === undefined) return values;
  const out: Values = { ...(values ?? {}) };
  for (const [k, v] of Object.entries(late)) {
    if (v === undefined) continue;
    out[k] = isMap(v) && isMap(out[k]) ? mergeValues(out[k] as Values, v) : JSON.parse(JSON.stringify(v));
  }
  return out;
}

function chartOf(props: FluxHelmReleaseProps<object>): Pick<HelmReleaseSpec, 'chart' | 'chartRef'> {
  const src = props.source.ref;
  if (src.kind === 'OCIRepository') {
    return { chartRef: { kind: HelmReleaseSpecChartRefKind.OCI_REPOSITORY, name: src.name, namespace: src.namespace } };
  }
  return {
    chart: {
      spec: {
        chart: props.chart,
        version: props.version,
        interval: '1h',
        sourceRef: { kind: src.kind as HelmReleaseSpecChartSpecSourceRefKind, name: src.name, namespace: src.namespace },
      },
    },
  };
}

export interface PinnedChartProps<V extends object> {
  /** The pinned chart (from lib/versions.ts). */
  readonly pin: ChartPin;
  /** Name of the HelmRelease and its source. @default the chart name */
  readonly name?: string;
  /** Namespace of the source, the release and the workloads it installs. */
  readonly namespace: string;
  /** Chart values. */
  readonly values?: V;
  /** HelmReleases that must be ready first. @default [] */
  readonly dependsOn?: readonly FluxObjectRef[];
  /** How long Helm actions may take. @default 10m */
  readonly timeout?: string;
  /** Settings read when the release renders (see FluxHelmReleaseProps.late). @default none */
  readonly late?: () => LateReleaseSettings<V>;
  /** Services the chart creates (see FluxHelmReleaseProps.services). @default none */
  readonly services?: readonly ChartService[];
  /** CRD policy on install and upgrade. @default CreateReplace */
  readonly crds?: CrdPolicy;
  /** Warn at synth when no values schema of the chart checks the values. @default false */
  readonly expectValuesSchema?: boolean;
}

const pinnedChartSchema = z.strictObject({
  pin: z.strictObject({
    repository: z.string().regex(/^(https|oci):\/\/\S+$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a chart repository URL (https:// or oci://)` }),
    chart: chartName(),
    version: exactVersion(),
  }),
  name: releaseName().optional(),
  namespace: dnsLabel(),
  values: jsonObject().optional(),
  dependsOn: z.array(fluxRef).optional(),
  timeout: duration().optional(),
  late: z.function().optional(),
  services: z.array(chartService).optional(),
  crds: z.enum(['Skip', 'Create', 'CreateReplace']).optional(),
  expectValuesSchema: z.boolean().optional(),
});

/**
 * The usual way an add-on installs its engine: a source for the pinned chart (HelmRepository for an
 * https:// repository, OCIRepository for oci://) and a HelmRelease of it, side by side in one namespace.
 */
export class PinnedChart<V extends object = Record<string, unknown>> extends Construct {
  readonly release: FluxHelmRelease<V>;

  constructor(scope: Construct, id: string, props: PinnedChartProps<V>) {
    super(scope, id);
    validateProps(this, pinnedChartSchema, props);
    const name = props.name ?? props.pin.chart;
    const source: ChartSource = props.pin.repository.startsWith('oci://')
      ? new OciChartSource(this, 'source', { name, namespace: props.namespace, url: props.pin.repository, tag: props.pin.version })
      : new HelmRepositorySource(this, 'source', { name, namespace: props.namespace, url: props.pin.repository });
    this.release = new FluxHelmRelease(this, 'release', {
      name,
      namespace: props.namespace,
      source,
      chart: props.pin.chart,
      version: props.pin.version,
      values: props.values,
      dependsOn: props.dependsOn,
      timeout: props.timeout,
      late: props.late,
      services: props.services,
      crds: props.crds,
      expectValuesSchema: props.expectValuesSchema,
    });
  }
}
