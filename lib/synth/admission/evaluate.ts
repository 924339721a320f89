/**
 * Evaluates rendered Kyverno CEL policies (policies.kyverno.io/v1) against objects, the way Kyverno's
 * admission controller does: what admission at synth runs over every pod spec a cluster renders, and
 * what the tests use to prove a policy fires on what it must reject and stays quiet on what it must admit.
 *
 * In Kyverno's order: match `spec.matchConstraints` (resourceRules with subresources, excludeResourceRules,
 * namespaceSelector, objectSelector; matchPolicy Equivalent is not modelled), then `spec.matchConditions`,
 * then the PolicyExceptions that reference the policy (by kind and name; all their matchConditions true),
 * then `spec.variables` in order, then the validations (message, or messageExpression when it yields a
 * string). MutatingPolicy: mutations apply in order (ApplyConfiguration merged into the object, lists
 * replaced atomically rather than merged by key; JSONPatch add/replace/remove applied).
 *
 * Bindings: `object`, `oldObject`, `request` (operation, namespace, name, kind, resource, subResource,
 * userInfo), `namespaceObject`, `variables`. Variables are evaluated once each, in order (not lazily);
 * one that fails is left unbound. The CEL is that of ./cel.ts (its header lists what it supports).
 *
 * A CEL error anywhere is thrown (CelEvaluationError) rather than read as a pass or a fail: in the
 * cluster it would fail the request or be ignored per failurePolicy, and either way the policy is wrong.
 */
import type { CelFunc, CelValue } from '@bufbuild/cel';
import { decodePointer } from '../validation/access';
import { CelBindings, CelEvaluationError, compileCel, fromCel, toCel } from './cel';

/** A Kubernetes object as plain JSON. */
export type KubeObject = Record<string, unknown>;

/** A rendered policy or exception (what the synth writes). */
export interface PolicyManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string };
  readonly spec?: unknown;
  readonly [key: string]: unknown;
}

/** The admission request around the object. */
export interface AdmissionOptions {
  /** Admission operation. @default CREATE */
  readonly operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /** The subresource the request is for, such as `ephemeralcontainers` (kubectl debug). @default none: the resource itself */
  readonly subResource?: string;
  /** The object before an UPDATE. @default null */
  readonly oldObject?: KubeObject | null;
  /** PolicyExceptions that may exempt the object (those referencing other policies are ignored). @default [] */
  readonly exceptions?: readonly PolicyManifest[];
  /** Labels of the object's namespace, for namespaceSelector and namespaceObject. @default { 'kubernetes.io/metadata.name': <namespace> } */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
}

/** The outcome of a validating policy for one object. */
export interface ValidationResult {
  /** The policy applies: resource rules, selectors and match conditions all match. */
  readonly matched: boolean;
  /** Names of the PolicyExceptions that exempt the object. */
  readonly exemptedBy: string[];
  /** The object passes the policy: it does not apply, an exception exempts it, or every validation holds. */
  readonly allowed: boolean;
  /** Messages of the failed validations, in order. */
  readonly messages: string[];
  /** What the API server does with the request: false only when a check fails and validationActions include Deny. */
  readonly admitted: boolean;
}

interface ResourceRule {
  apiGroups?: string[];
  apiVersions?: string[];
  operations?: string[];
  resources?: string[];
  resourceNames?: string[];
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** The fields of a policy's spec the evaluator reads. */
export interface PolicySpec {
  matchConstraints?: { resourceRules?: ResourceRule[]; excludeResourceRules?: ResourceRule[]; namespaceSelector?: LabelSelector; objectSelector?: LabelSelector };
  matchConditions?: Array<{ name: string; expression: string }>;
  variables?: Array<{ name: string; expression: string }>;
  validations?: Array<{ expression: string; message?: string; messageExpression?: string }>;
  validationActions?: string[];
  failurePolicy?: string;
  mutations?: Array<{ patchType: string; applyConfiguration?: { expression: string }; jsonPatch?: { expression: string } }>;
  matchImageReferences?: Array<{ glob?: string; expression?: string }>;
  attestors?: Array<{ name: string } & Record<string, unknown>>;
  attestations?: Array<{ name: string }>;
  validationConfigurations?: { mutateDigest?: boolean; verifyDigest?: boolean; required?: boolean };
}

const KIND_RESOURCES: Record<string, string> = {
  Pod: 'pods', Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', ReplicaSet: 'replicasets',
  Job: 'jobs', CronJob: 'cronjobs', Namespace: 'namespaces', Service: 'services', ConfigMap: 'configmaps', Secret: 'secrets',
  ServiceAccount: 'serviceaccounts', PersistentVolumeClaim: 'persistentvolumeclaims', Ingress: 'ingresses', NetworkPolicy: 'networkpolicies',
};

/** The resource (plural) a kind is served as: the known ones, else Kubernetes' regular plural. */
export function resourceOf(kind: string): string {
  const known = KIND_RESOURCES[kind];
  if (known) return known;
  const lower = kind.toLowerCase();
  if (/(s|x|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

const covers = (list: readonly string[] | undefined, value: string) => !!list && (list.includes('*') || list.includes(value));

/**
 * Whether a rule's `resources` cover a resource or one of its subresources, as the API server reads
 * them: `*` is every resource but no subresource, `*\/*` everything, `pods/*` every subresource of
 * pods, `*\/scale` that subresource of every resource.
 */
function coversResource(list: readonly string[] | undefined, resource: string, subResource: string | undefined): boolean {
  if (!list) return false;
  if (!subResource) return list.includes('*') || list.includes(resource);
  return [`${resource}/${subResource}`, '*/*', `${resource}/*`, `*/${subResource}`].some((r) => list.includes(r));
}

function ruleMatches(rule: ResourceRule, group: string, version: string, resource: string, subResource: string | undefined, operation: string, name: string): boolean {
  return covers(rule.apiGroups, group) && covers(rule.apiVersions, version) && coversResource(rule.resources, resource, subResource) &&
    covers(rule.operations, operation) && (!rule.resourceNames?.length || rule.resourceNames.includes(name));
}

/** Whether labels satisfy a label selector (an absent selector selects everything). */
export function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return byLabel && (selector.matchExpressions ?? []).every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: throw new Error(`unknown selector operator ${String(e.operator)}`);
    }
  });
}

const metadataOf = (o: KubeObject) => (o.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };

function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

function namespaceLabels(namespace: string, options: AdmissionOptions): Record<string, string> {
  return { 'kubernetes.io/metadata.name': namespace, ...options.namespaceLabels };
}

/** An admission request's bindings, converted for CEL on first use: a policy whose resource rules do not match never needs them. */
export type LazyBindings = () => CelBindings;

/** The request's bindings (admissionBindings), built when first asked for and kept. */
export function lazyBindings(object: KubeObject, options: AdmissionOptions): LazyBindings {
  let bindings: CelBindings | undefined;
  return () => (bindings ??= admissionBindings(object, options));
}

/** The CEL bindings of an admission request, as Kyverno builds them, converted for CEL once. */
export function admissionBindings(object: KubeObject, options: AdmissionOptions): CelBindings {
  const meta = metadataOf(object);
  const [group, version] = splitApiVersion(String(object.apiVersion ?? ''));
  const operation = options.operation ?? 'CREATE';
  const namespace = meta.namespace ?? '';
  return toCel({
    object: operation === 'DELETE' ? null : object,
    oldObject: options.oldObject ?? null,
    request: {
      operation,
      namespace,
      name: meta.name ?? '',
      kind: { group, version, kind: String(object.kind ?? '') },
      resource: { group, version, resource: resourceOf(String(object.kind ?? '')) },
      subResource: options.subResource ?? '',
      userInfo: { username: 'talos-flux-synth', groups: ['system:authenticated'] },
      dryRun: false,
    },
    namespaceObject: namespace ? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: namespaceLabels(namespace, options) } } : null,
  }) as CelBindings;
}

/** Evaluates a CEL expression that must yield a bool. */
export function evaluateBool(expression: string, bindings: CelBindings, funcs: readonly CelFunc[] | undefined, where: string): boolean {
  const out = compileCel(expression, funcs, where)(bindings);
  if (typeof out !== 'boolean') throw new CelEvaluationError(where, expression, `yields ${JSON.stringify(fromCel(out))}, not a bool`);
  return out;
}

/** Whether the policy's matchConstraints and matchConditions select the object. */
export function policyMatches(policy: PolicyManifest, spec: PolicySpec, object: KubeObject, options: AdmissionOptions, bindings: LazyBindings): boolean {
  const meta = metadataOf(object);
  const [group, version] = splitApiVersion(String(object.apiVersion ?? ''));
  const resource = resourceOf(String(object.kind ?? ''));
  const operation = options.operation ?? 'CREATE';
  const mc = spec.matchConstraints ?? {};
  const rule = (r: ResourceRule) => ruleMatches(r, group, version, resource, options.subResource, operation, meta.name ?? '');
  if (!(mc.resourceRules ?? []).some(rule) || (mc.excludeResourceRules ?? []).some(rule)) return false;
  if (meta.namespace && !selectorMatches(mc.namespaceSelector, namespaceLabels(meta.namespace, options))) return false;
  if (!selectorMatches(mc.objectSelector, meta.labels ?? {})) return false;
  const conditions = spec.matchConditions ?? [];
  return !conditions.length || conditionsHold(conditions, bindings(), `${policy.kind} ${policy.metadata.name} matchConditions`);
}

function conditionsHold(conditions: ReadonlyArray<{ name: string; expression: string }>, bindings: CelBindings, where: string): boolean {
  return conditions.every((c) => evaluateBool(c.expression, bindings, undefined, `${where}[${c.name}]`));
}

/** Names of the exceptions that reference the policy and whose matchConditions all hold. */
export function exemptions(policy: PolicyManifest, exceptions: readonly PolicyManifest[], bindings: CelBindings): string[] {
  return exceptions.filter((ex) => {
    const spec = (ex.spec ?? {}) as { policyRefs?: Array<{ kind: string; name: string }>; matchConditions?: Array<{ name: string; expression: string }> };
    const refers = (spec.policyRefs ?? []).some((r) => r.kind === policy.kind && r.name === policy.metadata.name);
    return refers && conditionsHold(spec.matchConditions ?? [], bindings, `PolicyException ${ex.metadata.name} matchConditions`);
  }).map((ex) => String(ex.metadata.name));
}

/** The bindings with `variables`: spec.variables evaluated in order; one that fails is left unbound. */
export function withVariables(spec: PolicySpec, bindings: CelBindings, funcs?: readonly CelFunc[]): CelBindings {
  const variables: Record<string, CelValue> = {};
  const scope = { ...bindings, variables } as CelBindings;
  for (const v of spec.variables ?? []) {
    try {
      variables[v.name] = compileCel(v.expression, funcs)(scope);
    } catch (err) {
      if (!(err instanceof CelEvaluationError)) throw err;
    }
  }
  return scope;
}

/** The spec of a policies.kyverno.io/v1 policy of a kind; throws on another kind. */
export function policySpec(policy: PolicyManifest, kind: string): PolicySpec {
  if (policy.kind !== kind || policy.apiVersion !== 'policies.kyverno.io/v1') {
    throw new Error(`expected a policies.kyverno.io/v1 ${kind}, got ${policy.apiVersion} ${policy.kind}`);
  }
  return (policy.spec ?? {}) as PolicySpec;
}

/** The result of a policy that does not apply. */
export const NOT_MATCHED: ValidationResult = { matched: false, exemptedBy: [], allowed: true, messages: [], admitted: true };

/** The message of a failed validation: its messageExpression when that yields a string, else its message. */
export function messageOf(v: { expression: string; message?: string; messageExpression?: string }, bindings: CelBindings, funcs: readonly CelFunc[] | undefined, i: number): string {
  if (v.messageExpression) {
    const out = compileCel(v.messageExpression, funcs, `messageExpression of validations[${i}]`)(bindings);
    if (typeof out === 'string' && out !== '') return out;
  }
  return v.message || `failed expression: ${v.expression}`;
}

/** The result of a matched policy whose checks produced these messages. */
export function verdict(spec: PolicySpec, messages: string[]): ValidationResult {
  const allowed = messages.length === 0;
  return { matched: true, exemptedBy: [], allowed, messages, admitted: allowed || !(spec.validationActions ?? []).includes('Deny') };
}

// ---- ValidatingPolicy --------------------------------------------------------------------------------

/**
 * Applies a ValidatingPolicy to an object in an admission request. `bindings`: the request's, when the
 * caller runs several policies over one request (converting the object for CEL is most of a policy's cost).
 */
export function evaluateValidation(policy: PolicyManifest, object: KubeObject, options: AdmissionOptions = {}, bindings = lazyBindings(object, options)): ValidationResult {
  const spec = policySpec(policy, 'ValidatingPolicy');
  if (!policyMatches(policy, spec, object, options, bindings)) return NOT_MATCHED;
  const exemptedBy = exemptions(policy, options.exceptions ?? [], bindings());
  if (exemptedBy.length) return { ...NOT_MATCHED, matched: true, exemptedBy };
  const scope = withVariables(spec, bindings());
  const messages: string[] = [];
  (spec.validations ?? []).forEach((v, i) => {
    if (!evaluateBool(v.expression, scope, undefined, `${policy.kind} ${policy.metadata.name} validations[${i}]`)) messages.push(messageOf(v, scope, undefined, i));
  });
  return verdict(spec, messages);
}

// ---- MutatingPolicy ----------------------------------------------------------------------------------

/** Applies a MutatingPolicy to an object; returns the mutated copy (the object itself when the policy does not apply). */
export function evaluateMutation(policy: PolicyManifest, object: KubeObject, options: AdmissionOptions = {}): KubeObject {
  const spec = policySpec(policy, 'MutatingPolicy');
  let current = object;
  const bindings = lazyBindings(current, options);
  if (!policyMatches(policy, spec, current, options, bindings)) return current;
  if (exemptions(policy, options.exceptions ?? [], bindings()).length) return current;
  (spec.mutations ?? []).forEach((m, i) => {
    const where = `${policy.kind} ${policy.metadata.name} mutations[${i}]`;
    // The first mutation sees the object as matched; each later one the result of those before it.
    const scope = withVariables(spec, current === object ? bindings() : admissionBindings(current, options));
    if (m.patchType === 'ApplyConfiguration' && m.applyConfiguration) {
      current = mergeApply(current, fromCel(compileCel(m.applyConfiguration.expression, undefined, where)(scope))) as KubeObject;
    } else if (m.patchType === 'JSONPatch' && m.jsonPatch) {
      current = applyJsonPatch(current, fromCel(compileCel(m.jsonPatch.expression, undefined, where)(scope)) as JsonPatchOp[]);
    } else {
      throw new Error(`${where}: unsupported patchType ${m.patchType}`);
    }
  });
  return current;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Server-side-apply-like merge into a copy: maps merge key by key, everything else (lists included) is replaced. */
function mergeApply(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch) || !isPlainObject(target)) return structuredClone(patch);
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) out[k] = k in target ? mergeApply(target[k], v) : structuredClone(v);
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
}

function applyJsonPatch(object: KubeObject, ops: readonly JsonPatchOp[]): KubeObject {
  const doc = structuredClone(object);
  for (const op of ops) {
    const keys = decodePointer(op.path);
    const last = keys.pop();
    if (last === undefined) throw new Error(`JSONPatch path ${op.path} names the whole document`);
    let parent: unknown = doc;
    for (const k of keys) {
      parent = Array.isArray(parent) ? parent[Number(k)] : (parent as Record<string, unknown>)?.[k];
      if (parent === undefined) throw new Error(`JSONPatch ${op.op} ${op.path}: ${k} does not exist`);
    }
    const container = parent as Record<string, unknown> & unknown[];
    if (op.op === 'add' && Array.isArray(container)) container.splice(last === '-' ? container.length : Number(last), 0, op.value);
    else if (op.op === 'add' || op.op === 'replace') container[last as never] = op.value as never;
    else if (op.op === 'remove' && Array.isArray(container)) container.splice(Number(last), 1);
    else if (op.op === 'remove') delete container[last as never];
    else throw new Error(`JSONPatch op ${op.op} is not supported by this evaluator`);
  }
  return doc;
}

/**
 * A policy as Kyverno evaluates it outside the admission webhook (background scans, the CLI): without
 * `matchConstraints.namespaceSelector`, which the API server applies before calling the webhook.
 * Other manifests (PolicyExceptions) are returned as they are.
 */
export function withoutNamespaceSelector(manifest: PolicyManifest): PolicyManifest {
  const spec = manifest.spec as PolicySpec | undefined;
  if (!spec?.matchConstraints) return manifest;
  const { namespaceSelector: _, ...matchConstraints } = spec.matchConstraints;
  return { ...manifest, spec: { ...spec, matchConstraints } };
}

// ---- a cluster's policies ----------------------------------------------------------------------------

/** What a cluster's policies do to one object. */
export interface AdmissionResult {
  /** The object after the MutatingPolicies, in the order given. */
  readonly mutated: KubeObject;
  /** The result of each validating policy, by policy name. */
  readonly results: Readonly<Record<string, ValidationResult>>;
  /** Messages of every failed check, as `<policy>: <message>`, in policy order. */
  readonly violations: string[];
  /** False when a failing policy denies. */
  readonly admitted: boolean;
}

const isKyvernoPolicy = (kind: string) => (m: PolicyManifest) => m.kind === kind && m.apiVersion === 'policies.kyverno.io/v1';

/**
 * Runs an object through the MutatingPolicies and ValidatingPolicies among `manifests` (a rendered
 * cluster, say) as Kyverno's webhooks do: the mutations first, then each validation on the mutated
 * object, with the PolicyExceptions among `manifests` applied. ImageValidatingPolicies need the
 * registry and are left out (the tests' evaluator adds them).
 */
export function evaluatePolicies(manifests: readonly PolicyManifest[], object: KubeObject, options: AdmissionOptions = {}): AdmissionResult {
  const exceptions = [...(options.exceptions ?? []), ...manifests.filter(isKyvernoPolicy('PolicyException'))];
  const mutated = manifests.filter(isKyvernoPolicy('MutatingPolicy')).reduce((o, p) => evaluateMutation(p, o, { ...options, exceptions }), object);
  const results: Record<string, ValidationResult> = {};
  for (const p of manifests.filter(isKyvernoPolicy('ValidatingPolicy'))) results[String(p.metadata.name)] = evaluateValidation(p, mutated, { ...options, exceptions });
  return summarize(mutated, results);
}

/** The violations and verdict of a set of policy results. */
export function summarize(mutated: KubeObject, results: Record<string, ValidationResult>): AdmissionResult {
  const entries = Object.entries(results);
  return {
    mutated,
    results,
    violations: entries.flatMap(([name, r]) => r.messages.map((m) => `${name}: ${m}`)),
    admitted: entries.every(([, r]) => r.admitted),
  };
}
