import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import { z } from 'zod';
import { PolicyException } from '../../../imports/policyexceptions-policies.kyverno.io';
import { AddOn } from '../../addon';
import { Cluster } from '../../cluster';
import { showValue } from '../../errors';
import { PinnedChart } from '../../flux/helm-release';
import { FluxObjectRef } from '../../flux/refs';
import { byString } from '../../order';
import { describeConstruct, propError, validateProps } from '../../props';
import { TalosNamespace } from '../../talos/namespace';
import { dnsLabel } from '../../validators';
import { CHARTS } from '../../versions';
import { celList } from './cel';
import { PolicyMode, policyMode } from './mode';
import { webhookTimeout } from './validators';

/** Replica counts of the four Kyverno controllers. */
export interface KyvernoReplicas {
  /** Admission controller (serves the webhooks; Kyverno's minimum for HA is 3). @default 3, or one per workload node when fewer */
  readonly admission?: number;
  /** Background controller (mutate-existing and generate; leader-elected). @default 2, or 1 on a single workload node */
  readonly background?: number;
  /** Cleanup controller. @default 2, or 1 on a single workload node */
  readonly cleanup?: number;
  /** Reports controller (leader-elected). @default 2, or 1 on a single workload node */
  readonly reports?: number;
}

export interface KyvernoProps {
  /** Mode of every policy that sets none. @default Audit */
  readonly mode?: PolicyMode;
  /** Namespace of the engine and of its PolicyExceptions. @default kyverno */
  readonly namespace?: string;
  /** Controller replicas. @default HA-aware: see KyvernoReplicas */
  readonly replicas?: KyvernoReplicas;
  /**
   * Timeout of Kyverno's webhooks, in seconds (1 to 30): the engine's `--webhookTimeout` and
   * `spec.webhookConfiguration.timeoutSeconds` of every policy (the CRD's default is 10), except image
   * verification, which defaults to 30 as it calls the registry and the transparency log. @default 15
   */
  readonly webhookTimeoutSeconds?: number;
  /** Namespaces exempt from every policy, besides flux-system, kube-system and the add-ons' own. @default [] */
  readonly exemptNamespaces?: readonly string[];
}

/** Namespaces always exempt from the cluster's policies: the control plane's and Flux's. */
export const ALWAYS_EXEMPT_NAMESPACES = ['flux-system', 'kube-system'] as const;

/** `spec.matchConstraints.namespaceSelector` of a policy: every namespace but the exempt ones. */
export interface ExemptNamespaceSelector {
  readonly matchExpressions: Array<{ readonly key: string; readonly operator: string; readonly values: string[] }>;
}

/** Kinds of the policies this add-on renders. */
export type PolicyKind = 'ValidatingPolicy' | 'ImageValidatingPolicy' | 'MutatingPolicy';

/** A policy as the add-on tracks it: its name, kind and construct. */
export interface ClaimedPolicy extends IConstruct {
  readonly name: string;
  readonly kind: PolicyKind;
}

/** `spec.policyRefs[]` of a PolicyException. */
export interface PolicyRef {
  readonly kind: PolicyKind;
  readonly name: string;
}

/** The kyverno chart values this add-on sets (key names as in the chart's values.yaml). */
export interface KyvernoChartValues {
  readonly admissionController: KyvernoControllerValues & { readonly container: { readonly extraArgs: Record<string, string> } };
  readonly backgroundController: KyvernoControllerValues;
  readonly cleanupController: KyvernoControllerValues;
  readonly reportsController: KyvernoControllerValues;
  readonly features: { readonly policyExceptions: { readonly enabled: boolean; readonly namespace: string } };
}

interface KyvernoControllerValues {
  readonly replicas: number;
  readonly podDisruptionBudget: { readonly enabled: boolean };
  /** A ServiceMonitor for the controller's metrics: on when the cluster has a monitoring add-on. */
  readonly serviceMonitor?: { readonly enabled: boolean };
}

const replicaCount = () =>
  z.number({ error: (iss) => `${showValue(iss.input)} is not a replica count (a whole number of at least 1)` })
    .int({ error: (iss) => `${iss.input} is not a replica count (a whole number of at least 1)` })
    .min(1, { error: (iss) => `${iss.input} is not a replica count (a whole number of at least 1)` });

const schema = z.strictObject({
  mode: policyMode().optional(),
  namespace: dnsLabel().optional(),
  replicas: z.strictObject({
    admission: replicaCount().optional(),
    background: replicaCount().optional(),
    cleanup: replicaCount().optional(),
    reports: replicaCount().optional(),
  }).optional(),
  webhookTimeoutSeconds: webhookTimeout().optional(),
  exemptNamespaces: z.array(dnsLabel()).optional(),
});

/**
 * The Kyverno policy engine (kyverno chart, pinned) and the registry of the cluster's policies.
 *
 * Policies of the library (RequireLabels, RestrictImageRegistries, …) are constructs created with
 * the Kyverno add-on as their scope; they land in the configs layer, after the engine and its CRDs.
 * Every policy leaves out the system namespaces — kube-system, flux-system and every add-on's
 * namespace, read when the cluster renders, so add-ons defined after Kyverno are exempt too — with a
 * namespaceSelector, so the API server does not even call Kyverno for them: Flux and the add-ons
 * (Kyverno included) start while Kyverno is down, which a failurePolicy Fail would otherwise block.
 * The first validating policy also brings a PolicyException over the same namespaces, for Kyverno's
 * own evaluations outside the webhook (background scans and their PolicyReports, the CLI).
 */
export class Kyverno extends AddOn {
  readonly namespace: string;
  /** Mode of the policies that set none. */
  readonly mode: PolicyMode;
  readonly webhookTimeoutSeconds: number;
  /** The HelmRelease that installs the engine. */
  readonly release: FluxObjectRef;
  private readonly extraExemptNamespaces: readonly string[];
  private readonly claimed = new Map<string, ClaimedPolicy>();
  private systemException?: PolicyException;

  constructor(cluster: Cluster, id: string, props: KyvernoProps = {}) {
    super(cluster, id);
    const p = validateProps(this, schema, props);
    this.namespace = p.namespace ?? 'kyverno';
    this.mode = p.mode ?? 'Audit';
    this.webhookTimeoutSeconds = p.webhookTimeoutSeconds ?? 15;
    this.extraExemptNamespaces = p.exemptNamespaces ?? [];

    const controllers = this.scope('controllers');
    new TalosNamespace(controllers, 'namespace', { name: this.namespace });
    const chart = new PinnedChart<KyvernoChartValues>(controllers, 'chart', {
      pin: CHARTS.kyverno,
      namespace: this.namespace,
      values: this.chartValues(haReplicas(cluster, p.replicas)),
      late: this.whenMonitored<KyvernoChartValues>({
        admissionController: { serviceMonitor: { enabled: true } },
        backgroundController: { serviceMonitor: { enabled: true } },
        cleanupController: { serviceMonitor: { enabled: true } },
        reportsController: { serviceMonitor: { enabled: true } },
      }),
    });
    this.release = chart.release.ref;
  }

  /**
   * Namespaces exempt from the policies, sorted: kube-system, flux-system, every add-on's
   * (Kyverno's own included) and the configured ones. Complete only once the cluster is built.
   */
  get exemptNamespaces(): string[] {
    return [...new Set([...ALWAYS_EXEMPT_NAMESPACES, ...AddOn.namespacesOf(this.cluster), ...this.extraExemptNamespaces])].sort();
  }

  /**
   * `spec.matchConstraints.namespaceSelector` of every policy: the namespaces not exempt (by their
   * `kubernetes.io/metadata.name` label, which the API server sets), computed when the cluster renders.
   */
  get exemptNamespaceSelector(): ExemptNamespaceSelector {
    return {
      matchExpressions: [{
        key: 'kubernetes.io/metadata.name',
        operator: 'NotIn',
        values: Lazy.any({ produce: () => this.exemptNamespaces }) as unknown as string[],
      }],
    };
  }

  /** Every policy of the cluster, sorted by name. */
  get policies(): ClaimedPolicy[] {
    return [...this.claimed.values()].sort((a, b) => byString(a.name, b.name));
  }

  /** References to every validating and image-validating policy, sorted by name: what exceptions apply to. */
  get validatingPolicyRefs(): PolicyRef[] {
    return this.policies.filter((p) => p.kind !== 'MutatingPolicy').map((p) => ({ kind: p.kind, name: p.name }));
  }

  /** The policy of this cluster with a name, if any. */
  policy(name: string): ClaimedPolicy | undefined {
    return this.claimed.get(name);
  }

  /**
   * Claims a policy name for a policy construct; called by every policy of the library. Names are
   * unique across kinds, as PolicyReports and exceptions name policies without their kind.
   */
  claimPolicy(policy: ClaimedPolicy): void {
    const prior = this.claimed.get(policy.name);
    if (prior) {
      throw propError(policy, 'name', `${JSON.stringify(policy.name)} is already the name of ${describeConstruct(prior).split('/').slice(1).join('/')}; give each policy its own name`);
    }
    this.claimed.set(policy.name, policy);
    if (policy.kind !== 'MutatingPolicy' && !this.systemException) this.systemException = this.renderSystemException();
  }

  private renderSystemException(): PolicyException {
    return new PolicyException(this.scope('configs'), '#system-namespaces', {
      metadata: { name: 'system-namespaces', namespace: this.namespace },
      spec: {
        policyRefs: Lazy.any({ produce: () => this.validatingPolicyRefs }) as unknown as PolicyRef[],
        matchConditions: [{
          name: 'system-namespace',
          expression: Lazy.any({
            produce: () => `has(object.metadata.namespace) && object.metadata.namespace in ${celList(this.exemptNamespaces)}`,
          }) as unknown as string,
        }],
        properties: { reason: 'platform add-ons and system components are not workloads the cluster policies govern' },
      },
    });
  }

  private chartValues(r: Required<KyvernoReplicas>): KyvernoChartValues {
    const controller = (replicas: number): KyvernoControllerValues => ({ replicas, podDisruptionBudget: { enabled: replicas > 1 } });
    return {
      admissionController: { ...controller(r.admission), container: { extraArgs: { webhookTimeout: String(this.webhookTimeoutSeconds) } } },
      backgroundController: controller(r.background),
      cleanupController: controller(r.cleanup),
      reportsController: controller(r.reports),
      features: { policyExceptions: { enabled: true, namespace: this.namespace } },
    };
  }
}

/** Replicas that fit the cluster: as many as Kyverno's HA guide asks for, but no more than workload nodes. */
function haReplicas(cluster: Cluster, set: KyvernoReplicas | undefined): Required<KyvernoReplicas> {
  const nodes = Math.max(1, cluster.workloadNodes.length);
  return {
    admission: set?.admission ?? Math.min(3, nodes),
    background: set?.background ?? Math.min(2, nodes),
    cleanup: set?.cleanup ?? Math.min(2, nodes),
    reports: set?.reports ?? Math.min(2, nodes),
  };
}
