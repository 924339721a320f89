import { z } from 'zod';
import { AddOn } from '../../addon';
import { Cluster } from '../../cluster';
import { FluxHelmRelease, PinnedChart } from '../../flux/helm-release';
import { validateProps } from '../../props';
import { TalosNamespace } from '../../talos/namespace';
import { CHARTS } from '../../versions';

/** Namespace of the KEDA engine; ClusterTriggerAuthentications read their Secrets from it. */
export const KEDA_NAMESPACE = 'keda';

export type KedaLogLevel = 'debug' | 'info' | 'error';

export interface KedaProps {
  /** Replicas of the KEDA operator: one leads, more only shorten a failover. @default 1 */
  readonly operatorReplicas?: number;
  /** Log level of the operator, the metrics server and the admission webhooks. @default info */
  readonly logLevel?: KedaLogLevel;
}

/** The keda chart values we set: a subset of charts/keda/values.yaml (2.20.2), same key names. */
export interface KedaValues {
  readonly clusterName: string;
  readonly crds: { readonly install: boolean };
  readonly image: { readonly pullPolicy: 'Always' | 'IfNotPresent' };
  readonly operator: { readonly replicaCount: number };
  readonly logging: {
    readonly operator: { readonly level: KedaLogLevel };
    readonly metricServer: { readonly zapLevel: KedaLogLevel };
    readonly webhooks: { readonly level: KedaLogLevel };
  };
  readonly enableServiceLinks: boolean;
  /** Metrics of the operator, the metrics server and the webhooks, with a ServiceMonitor each: on when the cluster has a monitoring add-on. */
  readonly prometheus?: {
    readonly metricServer: KedaMetricsValues;
    readonly operator: KedaMetricsValues;
    readonly webhooks: KedaMetricsValues;
  };
}

interface KedaMetricsValues {
  readonly enabled: boolean;
  readonly serviceMonitor: { readonly enabled: boolean };
}

const schema = z.strictObject({
  operatorReplicas: z.number().int().min(1, { error: (iss) => `${iss.input} is not a replica count of 1 or more` }).optional(),
  logLevel: z.enum(['debug', 'info', 'error']).optional(),
});

/**
 * The KEDA engine (keda.sh): operator, metrics API server and admission webhooks, with the keda.sh
 * CRDs, installed from the pinned chart into the `keda` namespace. ScaledObjects need it in their cluster.
 */
export class Keda extends AddOn {
  /** The Keda add-on of a cluster, if it has one. */
  static of(cluster: Cluster): Keda | undefined {
    return cluster.node.children.find((c): c is Keda => c instanceof Keda);
  }

  readonly namespace = KEDA_NAMESPACE;
  readonly release: FluxHelmRelease<KedaValues>;

  constructor(cluster: Cluster, id: string, props: KedaProps = {}) {
    super(cluster, id);
    const p = validateProps(this, schema, props);
    const logLevel = p.logLevel ?? 'info';

    // KEDA's chart runs every pod non-root, without privilege escalation, capabilities dropped and the
    // RuntimeDefault seccomp profile: it passes the restricted level.
    new TalosNamespace(this.scope('controllers'), 'namespace', { name: KEDA_NAMESPACE, podSecurity: 'restricted' });
    const chart = new PinnedChart<KedaValues>(this.scope('controllers'), 'chart', {
      pin: CHARTS.keda,
      namespace: KEDA_NAMESPACE,
      values: {
        clusterName: cluster.clusterName,
        crds: { install: true },
        // The image tags follow the pinned chart version; pulling them again on every start buys nothing.
        image: { pullPolicy: 'IfNotPresent' },
        operator: { replicaCount: p.operatorReplicas ?? 1 },
        logging: { operator: { level: logLevel }, metricServer: { zapLevel: logLevel }, webhooks: { level: logLevel } },
        enableServiceLinks: false,
      },
      late: this.whenMonitored<KedaValues>({
        prometheus: {
          metricServer: { enabled: true, serviceMonitor: { enabled: true } },
          operator: { enabled: true, serviceMonitor: { enabled: true } },
          webhooks: { enabled: true, serviceMonitor: { enabled: true } },
        },
      }),
    });
    this.release = chart.release;
  }
}
