import { z } from 'zod';
import { AddOn } from '../../addon';
import { Cluster } from '../../cluster';
import { ChartService, FluxHelmRelease, PinnedChart } from '../../flux/helm-release';
import { FluxObjectRef } from '../../flux/refs';
import { validateProps } from '../../props';
import { TalosNamespace } from '../../talos/namespace';
import { dnsLabel, dnsSubdomain, quantity, quantityBytes } from '../../validators';
import { CHARTS } from '../../versions';
import { PROMETHEUS_SIZE, promDuration, promSize, sizeBytes } from './prometheus-units';

/** Release name and fullnameOverride: the chart names its objects after it (`<name>-prometheus`, …). */
const RELEASE = 'kube-prometheus-stack';
/** Port of the Prometheus HTTP API (prometheus.service.port). */
export const PROMETHEUS_PORT = 9090;

/** Where Prometheus keeps its data. */
export type MonitoringStorage =
  /** An emptyDir of the node: lost when the pod moves, which the autoscalers reading recent samples tolerate. */
  | { readonly kind: 'emptyDir'; readonly size: string }
  /** A PersistentVolumeClaim of a StorageClass the cluster has. */
  | { readonly kind: 'persistentVolumeClaim'; readonly size: string; readonly storageClassName: string };

export interface MonitoringProps {
  /** Namespace of Prometheus, the operator and kube-state-metrics (created, Pod Security baseline). @default monitoring */
  readonly namespace?: string;
  /** How long Prometheus keeps samples, as a Prometheus duration (12h, 3d, 2w). @default 3d */
  readonly retention?: string;
  /** Size at which Prometheus drops its oldest blocks (B, KB, MB, GB, TB; powers of 1024); below the storage size. @default 3GB */
  readonly retentionSize?: string;
  /** Prometheus' data volume. @default { kind: 'emptyDir', size: '4Gi' } */
  readonly storage?: MonitoringStorage;
  /** How often Prometheus scrapes every target, as a Prometheus duration. @default 30s */
  readonly scrapeInterval?: string;
  /** Memory request and limit of Prometheus (its use grows with the number of series). @default { request: '512Mi', limit: '1Gi' } */
  readonly prometheusMemory?: { readonly request: string; readonly limit: string };
}

type Resources = { readonly requests: { readonly cpu: string; readonly memory: string }; readonly limits: { readonly cpu: string; readonly memory: string } };
type Enabled = { readonly enabled: boolean };

/** The kube-prometheus-stack chart values we set: a subset of its values.yaml (88.5.3), same key names (the chart has no values.schema.json). */
export interface KubePrometheusStackValues {
  readonly fullnameOverride: string;
  readonly crds: Enabled;
  readonly defaultRules: { readonly create: boolean };
  readonly alertmanager: Enabled;
  readonly grafana: Enabled;
  readonly nodeExporter: Enabled;
  readonly kubeControllerManager: Enabled;
  readonly kubeScheduler: Enabled;
  readonly kubeEtcd: Enabled;
  readonly kubeProxy: Enabled;
  readonly kubeStateMetrics: Enabled;
  readonly 'kube-state-metrics': { readonly resources: Resources };
  readonly prometheusOperator: { readonly resources: Resources };
  readonly prometheus: {
    readonly service: { readonly port: number };
    readonly prometheusSpec: {
      readonly replicas: number;
      readonly scrapeInterval: string;
      readonly retention: string;
      readonly retentionSize: string;
      readonly resources: Resources;
      readonly serviceMonitorSelectorNilUsesHelmValues: boolean;
      readonly podMonitorSelectorNilUsesHelmValues: boolean;
      readonly ruleSelectorNilUsesHelmValues: boolean;
      readonly probeSelectorNilUsesHelmValues: boolean;
      readonly scrapeConfigSelectorNilUsesHelmValues: boolean;
      readonly storageSpec: { readonly emptyDir: { readonly sizeLimit: string } } | {
        readonly volumeClaimTemplate: { readonly spec: { readonly storageClassName: string; readonly accessModes: readonly string[]; readonly resources: { readonly requests: { readonly storage: string } } } };
      };
    };
  };
}

const schema = z.strictObject({
  namespace: dnsLabel().optional(),
  retention: promDuration().optional(),
  retentionSize: promSize().optional(),
  storage: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('emptyDir'), size: quantity() }),
    z.strictObject({ kind: z.literal('persistentVolumeClaim'), size: quantity(), storageClassName: dnsSubdomain() }),
  ]).optional(),
  scrapeInterval: promDuration().optional(),
  prometheusMemory: z.strictObject({ request: quantity(), limit: quantity() }).optional(),
}).superRefine((p, ctx) => {
  const size = p.storage?.size ?? DEFAULT_STORAGE.size;
  const keep = p.retentionSize ?? DEFAULT_RETENTION_SIZE;
  if (typeof size === 'string' && PROMETHEUS_SIZE.test(keep) && sizeBytes(keep) >= quantityBytes(size)) {
    ctx.addIssue({ code: 'custom', path: ['retentionSize'], message: `${JSON.stringify(keep)} does not fit in the ${size} of storage; keep it below (Prometheus also needs room for its WAL)` });
  }
  const memory = p.prometheusMemory;
  if (memory && typeof memory.request === 'string' && typeof memory.limit === 'string' && quantityBytes(memory.request) > quantityBytes(memory.limit)) {
    ctx.addIssue({ code: 'custom', path: ['prometheusMemory', 'request'], message: `${memory.request} is above the limit ${memory.limit}` });
  }
});

const DEFAULT_STORAGE: MonitoringStorage = { kind: 'emptyDir', size: '4Gi' };
const DEFAULT_RETENTION_SIZE = '3GB';

const resources = (cpu: [string, string], memory: [string, string]): Resources => ({ requests: { cpu: cpu[0], memory: memory[0] }, limits: { cpu: cpu[1], memory: memory[1] } });

/**
 * Prometheus for the cluster's own metrics: kube-prometheus-stack with the prometheus-operator (and its
 * CRDs: ServiceMonitor, PodMonitor, PrometheusRule), one Prometheus and kube-state-metrics, without
 * Alertmanager, Grafana or node-exporter. Prometheus reads every ServiceMonitor and PodMonitor of the
 * cluster, whatever its labels. Its in-cluster address is `prometheusUrl`, for KEDA's prometheus triggers.
 */
export class Monitoring extends AddOn {
  /** The Monitoring add-on of a cluster, if it has one. */
  static of(cluster: Cluster): Monitoring | undefined {
    return cluster.node.children.find((c): c is Monitoring => c instanceof Monitoring);
  }

  readonly namespace: string;
  /** Name of the Service in front of Prometheus. */
  readonly prometheusService = `${RELEASE}-prometheus`;
  /** The Prometheus HTTP API inside the cluster, such as `http://kube-prometheus-stack-prometheus.monitoring.svc:9090`. */
  readonly prometheusUrl: string;
  readonly release: FluxHelmRelease<KubePrometheusStackValues>;

  constructor(cluster: Cluster, id: string, props: MonitoringProps = {}) {
    super(cluster, id);
    const p = validateProps(this, schema, props);
    this.namespace = p.namespace ?? 'monitoring';
    this.prometheusUrl = `http://${this.prometheusService}.${this.namespace}.svc:${PROMETHEUS_PORT}`;
    const storage = p.storage ?? DEFAULT_STORAGE;
    const memory = p.prometheusMemory ?? { request: '512Mi', limit: '1Gi' };

    // With node-exporter off nothing here needs host access: Prometheus, the operator, its webhook
    // certificate Job and kube-state-metrics run non-root without privileges, which baseline admits.
    const controllers = this.scope('controllers');
    new TalosNamespace(controllers, 'namespace', { name: this.namespace, podSecurity: 'baseline' });
    const services: ChartService[] = [
      { name: this.prometheusService, ports: [PROMETHEUS_PORT, 8080] }, // http-web, reloader-web
      { name: `${RELEASE}-operator`, ports: [443] }, // https (prometheusOperator.tls.enabled)
      { name: `${RELEASE}-kube-state-metrics`, ports: [8080] }, // http
    ];
    this.release = new PinnedChart<KubePrometheusStackValues>(controllers, 'chart', {
      pin: CHARTS.kubePrometheusStack,
      name: RELEASE,
      namespace: this.namespace,
      services,
      values: {
        fullnameOverride: RELEASE,
        // The chart installs the CRDs (Flux creates and replaces them: PinnedChart's CRD policy) before the
        // configs and apps layers, which hold the monitors, are applied.
        crds: { enabled: true },
        // No Alertmanager, so alerting rules would fire into nothing; add both together.
        defaultRules: { create: false },
        alertmanager: { enabled: false },
        grafana: { enabled: false },
        // node-exporter needs the host's network, PID namespace and root file system: see README.
        nodeExporter: { enabled: false },
        // On Talos the controller manager and the scheduler serve metrics on localhost only, etcd wants
        // client certificates, and kube-proxy may be replaced (Cilium): their monitors would only fail.
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        kubeStateMetrics: { enabled: true },
        'kube-state-metrics': { resources: resources(['20m', '200m'], ['64Mi', '128Mi']) },
        prometheusOperator: { resources: resources(['50m', '200m'], ['64Mi', '128Mi']) },
        prometheus: {
          service: { port: PROMETHEUS_PORT },
          prometheusSpec: {
            replicas: 1,
            scrapeInterval: p.scrapeInterval ?? '30s',
            retention: p.retention ?? '3d',
            retentionSize: p.retentionSize ?? DEFAULT_RETENTION_SIZE,
            resources: resources(['100m', '1'], [String(memory.request), String(memory.limit)]),
            // Read every monitor and rule of the cluster, not only those labelled with this release.
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            probeSelectorNilUsesHelmValues: false,
            scrapeConfigSelectorNilUsesHelmValues: false,
            storageSpec: storage.kind === 'emptyDir'
              ? { emptyDir: { sizeLimit: String(storage.size) } }
              : { volumeClaimTemplate: { spec: { storageClassName: storage.storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: String(storage.size) } } } } },
          },
        },
      },
    }).release;
  }

  override get monitorsCollectedBy(): FluxObjectRef {
    return this.release.ref;
  }
}
