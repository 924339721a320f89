import * as kplus from 'cdk8s-plus-34';

/** A workload given by reference, for kinds without a cdk8s-plus construct (anything with a /scale subresource). */
export interface ScaleTargetRef {
  /** API version, such as `argoproj.io/v1alpha1`. */
  readonly apiVersion: string;
  /** Kind, such as `Rollout`. */
  readonly kind: string;
  /** Object name. */
  readonly name: string;
  /** Namespace of the object. */
  readonly namespace: string;
}

/** What a ScaledObject can scale: a cdk8s-plus Deployment or StatefulSet (preferred), or a reference. */
export type ScaleTarget = kplus.Deployment | kplus.StatefulSet | ScaleTargetRef;

/** A scale target with everything the ScaledObject renders and checks, read from the object. */
export interface ResolvedScaleTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Undefined when a cdk8s-plus workload was given no namespace. */
  readonly namespace: string | undefined;
  /** The cdk8s-plus workload, when one was given. */
  readonly workload?: kplus.Deployment | kplus.StatefulSet;
}

export function isWorkload(t: unknown): t is kplus.Deployment | kplus.StatefulSet {
  return t instanceof kplus.Deployment || t instanceof kplus.StatefulSet;
}

/** Reads kind, apiVersion, name and namespace from the target, so they cannot drift from the workload. */
export function resolveScaleTarget(t: ScaleTarget): ResolvedScaleTarget {
  if (!isWorkload(t)) return { apiVersion: t.apiVersion, kind: t.kind, name: t.name, namespace: t.namespace };
  const { apiVersion, kind, name } = t.toScalingTarget();
  return { apiVersion, kind, name, namespace: t.metadata.namespace, workload: t };
}
