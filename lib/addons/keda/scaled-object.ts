import { z } from 'zod';
import {
  ScaledObject as ScaledObjectResource,
  ScaledObjectSpec,
  ScaledObjectSpecFallbackBehavior,
  ScaledObjectSpecTriggers,
  ScaledObjectSpecTriggersAuthenticationRefKind,
} from '../../../imports/scaledobjects-keda.sh';
import { Cluster } from '../../cluster';
import { Component } from '../../component';
import { showValue } from '../../errors';
import { propError, validateProps } from '../../props';
import { dnsLabel, dnsSubdomain } from '../../validators';
import { ClusterTriggerAuthentication } from './cluster-trigger-authentication';
import { Keda } from './keda';
import { KedaResource, withDefaultName } from './keda-resource';
import { isWorkload, resolveScaleTarget, ResolvedScaleTarget, ScaleTarget } from './scale-target';
import { TriggerAuthentication } from './trigger-authentication';
import { AuthenticationRef, isResourceTrigger, metricTypeOf, renderTrigger, ScaledObjectTrigger, triggerSchema } from './triggers';

/** Replicas to run while the triggers keep failing (for example, Prometheus is unreachable). */
export interface ScaledObjectFallback {
  /** Failed polls in a row before the fallback applies. */
  readonly failureThreshold: number;
  /** Replicas during the fallback. */
  readonly replicas: number;
  /** How the replicas apply: exactly (static) or compared with the current count. @default static */
  readonly behavior?: 'static' | 'currentReplicas' | 'currentReplicasIfHigher' | 'currentReplicasIfLower';
}

/** One HPA scaling policy: at most `value` pods (or percent) per `periodSeconds`. */
export interface ScalingPolicy {
  /** Pods or Percent. */
  readonly type: 'Pods' | 'Percent';
  /** How many pods, or what percentage of the current replicas. */
  readonly value: number;
  /** The window the policy counts over, 1 to 1800 seconds. */
  readonly periodSeconds: number;
}

/** How fast the HPA may scale in one direction. */
export interface ScalingRules {
  /** Seconds of past recommendations considered, 0 to 3600. @default Kubernetes: 0 up, 300 down */
  readonly stabilizationWindowSeconds?: number;
  /** Which policy wins when several allow a change; Disabled stops scaling in this direction. @default Max */
  readonly selectPolicy?: 'Max' | 'Min' | 'Disabled';
  /** Limits on the rate of change. @default Kubernetes' defaults */
  readonly policies?: readonly ScalingPolicy[];
}

/** The HPA behavior KEDA puts on the HorizontalPodAutoscaler it manages. */
export interface ScalingBehavior {
  /** Scaling out. @default Kubernetes' defaults */
  readonly scaleUp?: ScalingRules;
  /** Scaling in. @default Kubernetes' defaults */
  readonly scaleDown?: ScalingRules;
}

export interface ScaledObjectProps {
  /**
   * The workload to scale: a cdk8s-plus Deployment or StatefulSet, from which the ScaledObject reads
   * name, namespace, kind and apiVersion (and which then leaves `replicas` to KEDA), or a ScaleTargetRef.
   */
  readonly scaleTarget: ScaleTarget;
  /** Object name. @default the construct id */
  readonly name?: string;
  /** Namespace; KEDA scales only workloads in the ScaledObject's own namespace. @default the target's namespace */
  readonly namespace?: string;
  /** Seconds between two polls of the triggers. @default 30 */
  readonly pollingInterval?: number;
  /** Seconds after the last active trigger before scaling to zero (or to idleReplicaCount). @default 300 */
  readonly cooldownPeriod?: number;
  /** Fewest replicas; 0 lets KEDA scale the workload to zero while no trigger is active. @default 0 */
  readonly minReplicaCount?: number;
  /** Most replicas: a required, deliberate cap (KEDA would default to 100). */
  readonly maxReplicaCount: number;
  /** Replicas while no trigger is active; KEDA supports only 0, below minReplicaCount. @default none */
  readonly idleReplicaCount?: number;
  /** Replicas to run while the triggers keep failing. @default no fallback */
  readonly fallback?: ScaledObjectFallback;
  /** HPA scaling behavior. @default Kubernetes' defaults */
  readonly behavior?: ScalingBehavior;
  /** Whether deleting the ScaledObject restores the workload's replica count from before it. @default false */
  readonly restoreToOriginalReplicaCount?: boolean;
  /** What to scale on; the highest demand of all triggers wins. */
  readonly triggers: readonly ScaledObjectTrigger[];
}

const count = (min: number) =>
  z.number({ error: (iss) => `${showValue(iss.input)} is not a whole number` })
    .int({ error: (iss) => `${showValue(iss.input)} is not a whole number` })
    .min(min, { error: (iss) => `${showValue(iss.input)} is below ${min}` });
const atMost = (max: number) => count(0).max(max, { error: (iss) => `${showValue(iss.input)} is above ${max}` });

const scaleTargetRef = z.strictObject({ apiVersion: z.string().min(1), kind: z.string().min(1), name: dnsSubdomain(), namespace: dnsLabel() });
const scaleTarget = z.any().superRefine((v, ctx) => {
  if (isWorkload(v)) return;
  if (typeof v !== 'object' || v === null) {
    ctx.addIssue({ code: 'custom', message: 'expected a cdk8s-plus Deployment or StatefulSet, or { apiVersion, kind, name, namespace }' });
    return;
  }
  for (const issue of scaleTargetRef.safeParse(v).error?.issues ?? []) ctx.addIssue({ code: 'custom', path: issue.path as PropertyKey[], message: issue.message });
});

const scalingRules = z.strictObject({
  stabilizationWindowSeconds: atMost(3600).optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(z.strictObject({ type: z.enum(['Pods', 'Percent']), value: count(1), periodSeconds: count(1).max(1800, { error: (iss) => `${showValue(iss.input)} is above 1800` }) }))
    .min(1).optional(),
});

const schema = z.strictObject({
  scaleTarget,
  name: dnsSubdomain(),
  namespace: dnsLabel().optional(),
  pollingInterval: count(1).optional(),
  cooldownPeriod: count(0).optional(),
  minReplicaCount: count(0).optional(),
  maxReplicaCount: count(1),
  idleReplicaCount: count(0).optional(),
  fallback: z.strictObject({
    failureThreshold: count(1),
    replicas: count(0),
    behavior: z.enum(['static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower']).optional(),
  }).optional(),
  behavior: z.strictObject({ scaleUp: scalingRules.optional(), scaleDown: scalingRules.optional() }).optional(),
  restoreToOriginalReplicaCount: z.boolean().optional(),
  triggers: z.array(triggerSchema).min(1, { error: 'give at least one trigger' }),
}).superRefine((p, ctx) => {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const min = p.minReplicaCount ?? 0;
  if (min > p.maxReplicaCount) issue(['minReplicaCount'], `${min} is greater than maxReplicaCount (${p.maxReplicaCount})`);
  if (p.idleReplicaCount !== undefined && p.idleReplicaCount !== 0) {
    issue(['idleReplicaCount'], `${p.idleReplicaCount} is not supported: KEDA can only scale an idle workload to 0`);
  } else if (p.idleReplicaCount === 0 && min === 0) {
    issue(['idleReplicaCount'], `0 must be below minReplicaCount (${min}); raise minReplicaCount to 1 or more, or leave idleReplicaCount out`);
  }
  if (min === 0 && p.triggers.every(isResourceTrigger)) {
    issue(['minReplicaCount'], '0 needs a trigger other than cpu or memory (they have no metrics at zero replicas); set minReplicaCount to 1 or more');
  }
  if (p.fallback) {
    if (p.fallback.replicas > p.maxReplicaCount) issue(['fallback', 'replicas'], `${p.fallback.replicas} is more than maxReplicaCount (${p.maxReplicaCount})`);
    p.triggers.forEach((t, i) => {
      if (isResourceTrigger(t)) issue(['fallback'], `KEDA has no fallback for cpu and memory triggers (triggers[${i}] is ${t.type}); drop the fallback or that trigger`);
      else if (metricTypeOf(t) !== 'AverageValue') issue(['fallback'], `KEDA applies a fallback only to AverageValue triggers (triggers[${i}] uses ${metricTypeOf(t)})`);
    });
  }
  const named = new Map<string, number>();
  p.triggers.forEach((t, i) => {
    if (t.name === undefined) return;
    const first = named.get(t.name);
    if (first !== undefined) issue(['triggers', i, 'name'], `${JSON.stringify(t.name)} is already the name of triggers[${first}]`);
    else named.set(t.name, i);
  });
});

/**
 * A KEDA ScaledObject (keda.sh/v1alpha1) scaling a workload on typed triggers. It is rendered in the apps
 * layer of its component, beside the workload. Given a cdk8s-plus Deployment or StatefulSet, it takes
 * the target's name, namespace, kind and apiVersion from it and removes the workload's fixed replica
 * count, so Flux and KEDA never fight over `spec.replicas`.
 */
export class ScaledObject extends KedaResource {
  readonly name: string;
  readonly namespace: string;
  /** The workload it scales. */
  readonly target: ResolvedScaleTarget;

  constructor(scope: Component, id: string, props: ScaledObjectProps) {
    super(scope, 'apps', id);
    const p = validateProps(this, schema, withDefaultName(props, id));
    const triggers = p.triggers as ScaledObjectTrigger[];
    this.target = resolveScaleTarget(p.scaleTarget as ScaleTarget);
    this.namespace = this.checkTarget(this.target, p.namespace, triggers);
    this.name = p.name;
    triggers.forEach((t, i) => this.checkAuthObject(t, i));
    this.target.workload?.markHasAutoscaler();

    const spec: ScaledObjectSpec = {
      scaleTargetRef: { apiVersion: this.target.apiVersion, kind: this.target.kind, name: this.target.name },
      pollingInterval: p.pollingInterval ?? 30,
      cooldownPeriod: p.cooldownPeriod ?? 300,
      minReplicaCount: p.minReplicaCount ?? 0,
      maxReplicaCount: p.maxReplicaCount,
      idleReplicaCount: p.idleReplicaCount,
      fallback: p.fallback && { ...p.fallback, behavior: p.fallback.behavior as ScaledObjectSpecFallbackBehavior | undefined },
      advanced: advancedOf(p.behavior, p.restoreToOriginalReplicaCount),
      triggers: triggers.map(renderTriggerWithAuth),
    };
    this.node.defaultChild = new ScaledObjectResource(this, 'resource', { metadata: { name: this.name, namespace: this.namespace }, spec });

    // References by name and the engine may be defined after this construct: checked when the fleet is built.
    this.node.addValidation({ validate: () => this.lateProblems(triggers) });
  }

  /** Checks the target against this ScaledObject; returns the namespace. */
  private checkTarget(target: ResolvedScaleTarget, namespace: string | undefined, triggers: ScaledObjectTrigger[]): string {
    const what = `${target.kind} ${JSON.stringify(target.name)}`;
    const workload = target.workload;
    if (workload) {
      // A workload outside every cluster is a user mistake with its own message here.
      const owner = workload.node.scopes.find((s): s is Cluster => s instanceof Cluster);
      if (!owner) throw propError(this, 'scaleTarget', `${what} is in no cluster; create it in a component of cluster ${this.cluster.clusterName} (component.scope('apps'))`);
      if (owner !== this.cluster) throw propError(this, 'scaleTarget', `${what} belongs to cluster ${owner.clusterName}, not ${this.cluster.clusterName}`);
      if (workload.hasAutoscaler) throw propError(this, 'scaleTarget', `${what} already has an autoscaler; KEDA allows one ScaledObject (or HPA) per workload`);
      if (workload.replicas !== undefined) {
        throw propError(this, 'scaleTarget', `${what} sets replicas (${workload.replicas}); leave it unset, the ScaledObject owns the replica count`);
      }
      const containers = workload.containers.map((c) => c.name);
      triggers.forEach((t, i) => {
        if (isResourceTrigger(t) && t.containerName !== undefined && !containers.includes(t.containerName)) {
          throw propError(this, `triggers[${i}].containerName`, `${what} has no container ${JSON.stringify(t.containerName)} (it has ${containers.join(', ')})`);
        }
      });
    }
    if (target.namespace === undefined) throw propError(this, 'scaleTarget', `${what} has no namespace; set its metadata.namespace (the ScaledObject goes in the same one)`);
    if (namespace !== undefined && namespace !== target.namespace) {
      throw propError(this, 'namespace', `${JSON.stringify(namespace)} is not the namespace of ${what} (${JSON.stringify(target.namespace)}); KEDA scales only workloads in the ScaledObject's own namespace`);
    }
    return target.namespace;
  }

  /** A TriggerAuthentication given as an object must be one KEDA can find from here. */
  private checkAuthObject(t: ScaledObjectTrigger, i: number): void {
    const ref = authRefOf(t);
    if (!(ref instanceof TriggerAuthentication || ref instanceof ClusterTriggerAuthentication)) return;
    const field = `triggers[${i}].authenticationRef`;
    const what = `${ref.constructor.name} ${JSON.stringify(ref.name)}`;
    if (ref.cluster !== this.cluster) throw propError(this, field, `${what} belongs to cluster ${ref.cluster.clusterName}, not ${this.cluster.clusterName}`);
    if (ref instanceof TriggerAuthentication && ref.namespace !== this.namespace) {
      throw propError(this, field, `${what} is in namespace ${JSON.stringify(ref.namespace)}; KEDA looks for it in the ScaledObject's namespace ${JSON.stringify(this.namespace)}`);
    }
  }

  /** Problems only the whole cluster shows: a missing KEDA engine, references to objects never defined. */
  private lateProblems(triggers: ScaledObjectTrigger[]): string[] {
    const problems: string[] = [];
    if (!Keda.of(this.cluster)) {
      problems.push(`no Keda add-on in cluster ${this.cluster.clusterName}: add one (new Keda(cluster, 'keda')) so the keda.sh CRDs and the operator exist`);
    }
    triggers.forEach((t, i) => {
      const ref = authRefOf(t);
      if (ref === undefined || ref instanceof TriggerAuthentication || ref instanceof ClusterTriggerAuthentication) return;
      if (ref.kind === 'ClusterTriggerAuthentication') {
        if (!ClusterTriggerAuthentication.allIn(this.cluster).some((a) => a.name === ref.name)) {
          problems.push(`triggers[${i}].authenticationRef: no ClusterTriggerAuthentication ${JSON.stringify(ref.name)} in cluster ${this.cluster.clusterName}`);
        }
      } else if (!TriggerAuthentication.allIn(this.cluster).some((a) => a.name === ref.name && a.namespace === this.namespace)) {
        problems.push(`triggers[${i}].authenticationRef: no TriggerAuthentication ${JSON.stringify(ref.name)} in namespace ${JSON.stringify(this.namespace)} of cluster ${this.cluster.clusterName}`);
      }
    });
    return problems;
  }
}

function authRefOf(t: ScaledObjectTrigger): AuthenticationRef | undefined {
  return 'authenticationRef' in t ? t.authenticationRef : undefined;
}

function renderTriggerWithAuth(t: ScaledObjectTrigger): ScaledObjectSpecTriggers {
  const ref = authRefOf(t);
  if (ref === undefined) return renderTrigger(t);
  const kind = ref instanceof ClusterTriggerAuthentication || (!(ref instanceof TriggerAuthentication) && ref.kind === 'ClusterTriggerAuthentication')
    ? ScaledObjectSpecTriggersAuthenticationRefKind.CLUSTER_TRIGGER_AUTHENTICATION
    : ScaledObjectSpecTriggersAuthenticationRefKind.TRIGGER_AUTHENTICATION;
  return { ...renderTrigger(t), authenticationRef: { kind, name: ref.name } };
}

function advancedOf(behavior: ScalingBehavior | undefined, restore: boolean | undefined): ScaledObjectSpec['advanced'] {
  if (behavior === undefined && restore === undefined) return undefined;
  return {
    restoreToOriginalReplicaCount: restore,
    horizontalPodAutoscalerConfig: behavior && {
      behavior: { scaleUp: rulesOf(behavior.scaleUp), scaleDown: rulesOf(behavior.scaleDown) },
    },
  };
}

function rulesOf(r: ScalingRules | undefined) {
  return r && { stabilizationWindowSeconds: r.stabilizationWindowSeconds, selectPolicy: r.selectPolicy, policies: r.policies?.map((x) => ({ ...x })) };
}

