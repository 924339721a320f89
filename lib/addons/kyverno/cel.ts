/**
 * CEL building blocks shared by the policy library. Expressions use standard CEL only (has(), the
 * all/exists/map/filter macros, `in`, startsWith), never the optional syntax (`?.`, orValue), so the
 * same text type-checks in Kyverno and evaluates in the project's tests.
 */

/** A CEL string literal. JSON's escapes are a subset of CEL's, so JSON quoting is exact. */
export function celString(s: string): string {
  return JSON.stringify(s);
}

/** A CEL list of string literals. */
export function celList(items: readonly string[]): string {
  return `[${items.map(celString).join(', ')}]`;
}

/** A resource rule of `spec.matchConstraints.resourceRules`. */
export interface ResourceRule {
  /** API groups ('' is the core group). */
  readonly apiGroups: string[];
  /** API versions. */
  readonly apiVersions: string[];
  /** Admission operations: CREATE, UPDATE, DELETE, CONNECT or *. */
  readonly operations: string[];
  /** Resources (plural, lowercase). */
  readonly resources: string[];
}

/** What workloadResourceRules match besides pods and their controllers. */
export interface WorkloadRuleOptions {
  /**
   * Also `pods/ephemeralcontainers`, the subresource `kubectl debug` updates to add a container to a
   * running pod: without it, a debug container skips every check of containers (as upstream's
   * policies that check containers match it). @default false
   */
  readonly ephemeralContainers?: boolean;
}

/** The subresource through which ephemeral containers are added to a pod. */
export const EPHEMERAL_CONTAINERS_RESOURCE = 'pods/ephemeralcontainers';

/**
 * Pods and every built-in controller that templates them (Kyverno's pod controllers). Matching them
 * explicitly, rather than pods alone, turns Kyverno's autogen off (it only rewrites pods-only
 * policies), so the CEL below is exactly what runs, and a bad Deployment is rejected itself
 * instead of failing later when its ReplicaSet creates pods.
 */
export function workloadResourceRules(operations: readonly string[] = ['CREATE', 'UPDATE'], options: WorkloadRuleOptions = {}): ResourceRule[] {
  return [
    { apiGroups: [''], apiVersions: ['v1'], operations: [...operations], resources: options.ephemeralContainers ? ['pods', EPHEMERAL_CONTAINERS_RESOURCE] : ['pods'] },
    { apiGroups: ['apps'], apiVersions: ['v1'], operations: [...operations], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'] },
    { apiGroups: ['batch'], apiVersions: ['v1'], operations: [...operations], resources: ['cronjobs', 'jobs'] },
  ];
}

/** A CEL variable of a policy (`spec.variables`), available as `variables.<name>`. */
export interface CelVariable {
  /** Name, a CEL identifier. */
  readonly name: string;
  /** CEL expression. */
  readonly expression: string;
}

/** `has(a.b.c)`, guarded at every level so a missing parent reads as false instead of an error. */
export function hasPath(root: string, ...fields: string[]): string {
  return fields.map((_, i) => `has(${[root, ...fields.slice(0, i + 1)].join('.')})`).join(' && ');
}

const podTemplate = 'variables.podTemplate';
const podSpec = 'variables.podSpec';
const optionalList = (path: string, field: string) => `(${hasPath(path, field)} ? ${path}.${field} : [])`;

/**
 * Variables every workload policy defines:
 * - `podTemplate`: the Pod itself, or the pod template of a controller (a CronJob's through its job template);
 * - `podSpec`: its spec;
 * - `containers`: containers, init containers and ephemeral containers;
 * - `images`: the images of all containers and of image volumes.
 */
export const WORKLOAD_VARIABLES: readonly CelVariable[] = [
  {
    name: 'podTemplate',
    expression: "object.kind == 'Pod' ? object : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template : object.spec.template)",
  },
  { name: 'podSpec', expression: `${podTemplate}.spec` },
  {
    name: 'containers',
    expression: `${podSpec}.containers + ${optionalList(podSpec, 'initContainers')} + ${optionalList(podSpec, 'ephemeralContainers')}`,
  },
  {
    name: 'images',
    expression: `variables.containers.map(c, c.image) + (${hasPath(podSpec, 'volumes')} ? ${podSpec}.volumes.filter(v, has(v.image)).map(v, v.image.reference) : [])`,
  },
];
