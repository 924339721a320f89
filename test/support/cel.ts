/**
 * Evaluates rendered Kyverno CEL policies (policies.kyverno.io/v1) against objects, the way Kyverno's
 * admission controller does, so a test can prove a policy fires on what it must reject and stays quiet
 * on what it must admit.
 *
 * What it does, in Kyverno's order: match `spec.matchConstraints` (resourceRules, excludeResourceRules,
 * namespaceSelector, objectSelector; matchPolicy Equivalent is not modelled), then `spec.matchConditions`,
 * then the PolicyExceptions that reference the policy (by kind and name; all their matchConditions true),
 * then `spec.variables` in order, then the validations (message, or messageExpression when it yields a
 * string). ImageValidatingPolicy: images are extracted per kind as Kyverno's built-in extractors do
 * (containers, initContainers, ephemeralContainers, imageVolumes of a Pod or pod template), filtered
 * by `matchImageReferences` (globs and CEL expressions over `ref`). MutatingPolicy: mutations apply in
 * order (ApplyConfiguration merged into the object, JSONPatch add/replace/remove applied).
 *
 * The CEL is evaluated by @bufbuild/cel, an implementation of the CEL spec (the language cel-go, and
 * so Kubernetes and Kyverno, implement), without a type-check: a type error cel-go would reject when
 * the policy is created shows here only when evaluated. Bindings: `object`, `oldObject`,
 * `request` (operation, namespace, name, kind, userInfo), `namespaceObject`, `variables`, and for image
 * policies `images`, `attestors`, `attestations`. JSON integers become CEL ints, as Kubernetes decodes them.
 *
 * Supported: standard CEL with its macros (has, all, exists, exists_one, map, filter) and functions,
 * the strings extension (Kubernetes' `split`, `join`, `lowerAscii`, …), Kubernetes' `Object{…}` /
 * `Object.<path>{…}` and `JSONPatch{…}` constructors (rewritten into maps before planning), and the
 * image library's `verifyImageSignatures(image, attestors)` backed by a table of signatures the test
 * provides (a signature counts for an attestor when one of its keyless identities matches: issuer
 * equal, subject equal or subjectRegExp found in it, as cosign checks).
 * Not supported: the optional syntax (`?.`, `[?…]`, `orValue`), Kubernetes' quantity, url, ip/cidr,
 * sets, lists and authorizer libraries, Kyverno's http/resource/globalContext/image data libraries,
 * keyed list merges of ApplyConfiguration (lists are replaced atomically), and lazy variables (each
 * variable is evaluated once, in order; one that fails is left unbound). Digest resolution is not
 * modelled: with mutateDigest on, images count as pinned. `matches()` and subjectRegExp use
 * JavaScript regular expressions, not RE2 (the same for the patterns the library writes).
 *
 * A CEL error anywhere is thrown (CelEvaluationError) rather than read as a pass or a fail: in the
 * cluster it would fail the request or be ignored per failurePolicy, and either way the policy is wrong.
 */
import { celEnv, CelScalar, celFunc, isCelError, isCelList, isCelMap, isCelUint, listType, parse, plan } from '@bufbuild/cel';
import type { CelFunc, CelInput, CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { compileGlob } from '../../lib/addons/kyverno/glob';
import { decodePointer } from '../../lib/synth/validation/access';

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
  /** The object before an UPDATE. @default null */
  readonly oldObject?: KubeObject | null;
  /** PolicyExceptions that may exempt the object (those referencing other policies are ignored). @default [] */
  readonly exceptions?: readonly PolicyManifest[];
  /** Labels of the object's namespace, for namespaceSelector. @default { 'kubernetes.io/metadata.name': <namespace> } */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
}

/** The outcome of a validating or image-validating policy for one object. */
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

/** A keyless signature of an image: the identity its Fulcio certificate names. */
export interface KeylessSignature {
  readonly issuer: string;
  readonly subject: string;
}

export interface ImageAdmissionOptions extends AdmissionOptions {
  /** The signatures each image reference carries in its registry. @default {} (nothing is signed) */
  readonly signatures?: Readonly<Record<string, readonly KeylessSignature[]>>;
}

/** A CEL expression failed to parse or evaluate. */
export class CelEvaluationError extends Error {
  constructor(where: string, expression: string, cause: string) {
    super(`${where}: ${cause}\n  in: ${expression}`);
    this.name = 'CelEvaluationError';
  }
}

// ---- CEL core ------------------------------------------------------------------------------------------

/** Plain JSON as CEL input: integral numbers become ints (bigint), as Kubernetes decodes JSON. */
export function toCel(value: unknown): CelInput {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object' && !isCelMap(value) && !isCelList(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  }
  return value as CelInput;
}

/** A CEL value as plain JSON: ints become numbers, lists arrays, maps objects. */
export function fromCel(value: CelValue | unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (isCelUint(value)) return Number(value.value);
  if (isCelList(value)) return [...value].map(fromCel);
  if (isCelMap(value)) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(fromCel(k)), fromCel(v)]));
  return value;
}

type Expr = ReturnType<typeof parse>['expr'];

// Kubernetes' typed object constructors (Object{…}, Object.spec{…}, JSONPatch{…}) build what is, for
// an unstructured object, a map with those fields: rewrite them into map literals before planning.
const OBJECT_TYPE = /^(Object(\.[A-Za-z_][\w]*)*|JSONPatch)$/;

function rewriteObjectConstructors(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(rewriteObjectConstructors);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const expr = node as Partial<Expr>;
  if (expr.exprKind?.case === 'structExpr' && OBJECT_TYPE.test(expr.exprKind.value.messageName)) {
    const struct = expr.exprKind.value;
    struct.messageName = '';
    for (const entry of struct.entries) {
      if (entry.keyKind.case !== 'fieldKey') continue;
      const key = entry.keyKind.value;
      entry.keyKind = {
        case: 'mapKey',
        value: { $typeName: 'cel.expr.Expr', id: entry.id, exprKind: { case: 'constExpr', value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'stringValue', value: key } } } } as Expr,
      };
    }
  }
  for (const child of Object.values(node)) rewriteObjectConstructors(child);
}

/** Evaluates one CEL expression with bindings; throws CelEvaluationError on any error. */
export function evaluateCel(expression: string, bindings: Record<string, unknown>, funcs: readonly CelFunc[] = [], where = 'CEL'): unknown {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (err) {
    throw new CelEvaluationError(where, expression, `does not parse: ${(err as Error).message}`);
  }
  rewriteObjectConstructors(parsed);
  const input = Object.fromEntries(Object.entries(bindings).map(([k, v]) => [k, toCel(v)]));
  let result: unknown;
  try {
    result = plan(celEnv({ funcs: [...strings, ...funcs] }), parsed)(input);
  } catch (err) {
    throw new CelEvaluationError(where, expression, (err as Error).message);
  }
  if (isCelError(result)) throw new CelEvaluationError(where, expression, result.message);
  return fromCel(result);
}

function evaluateBool(expression: string, bindings: Record<string, unknown>, funcs: readonly CelFunc[], where: string): boolean {
  const out = evaluateCel(expression, bindings, funcs, where);
  if (typeof out !== 'boolean') throw new CelEvaluationError(where, expression, `yields ${JSON.stringify(out)}, not a bool`);
  return out;
}

// ---- matching ----------------------------------------------------------------------------------------

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

interface PolicySpec {
  matchConstraints?: { resourceRules?: ResourceRule[]; excludeResourceRules?: ResourceRule[]; namespaceSelector?: LabelSelector; objectSelector?: LabelSelector };
  matchConditions?: Array<{ name: string; expression: string }>;
  variables?: Array<{ name: string; expression: string }>;
  validations?: Array<{ expression: string; message?: string; messageExpression?: string }>;
  validationActions?: string[];
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

function ruleMatches(rule: ResourceRule, group: string, version: string, resource: string, operation: string, name: string): boolean {
  return covers(rule.apiGroups, group) && covers(rule.apiVersions, version) && covers(rule.resources, resource) && covers(rule.operations, operation) &&
    (!rule.resourceNames?.length || rule.resourceNames.includes(name));
}

function selectorMatches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
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

/** The CEL bindings of an admission request, as Kyverno builds them. */
function admissionBindings(object: KubeObject, options: AdmissionOptions): Record<string, unknown> {
  const meta = metadataOf(object);
  const [group, version] = splitApiVersion(String(object.apiVersion ?? ''));
  const operation = options.operation ?? 'CREATE';
  const namespace = meta.namespace ?? '';
  return {
    object: operation === 'DELETE' ? null : object,
    oldObject: options.oldObject ?? null,
    request: {
      operation,
      namespace,
      name: meta.name ?? '',
      kind: { group, version, kind: String(object.kind ?? '') },
      resource: { group, version, resource: resourceOf(String(object.kind ?? '')) },
      userInfo: { username: 'test-user', groups: ['system:authenticated'] },
      dryRun: false,
    },
    namespaceObject: namespace ? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: namespaceLabels(namespace, options) } } : null,
  };
}

function namespaceLabels(namespace: string, options: AdmissionOptions): Record<string, string> {
  return { 'kubernetes.io/metadata.name': namespace, ...options.namespaceLabels };
}

function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** Whether the policy's matchConstraints and matchConditions select the object. */
function policyMatches(policy: PolicyManifest, spec: PolicySpec, object: KubeObject, options: AdmissionOptions, bindings: Record<string, unknown>): boolean {
  const meta = metadataOf(object);
  const [group, version] = splitApiVersion(String(object.apiVersion ?? ''));
  const resource = resourceOf(String(object.kind ?? ''));
  const operation = options.operation ?? 'CREATE';
  const mc = spec.matchConstraints ?? {};
  const rule = (r: ResourceRule) => ruleMatches(r, group, version, resource, operation, meta.name ?? '');
  if (!(mc.resourceRules ?? []).some(rule) || (mc.excludeResourceRules ?? []).some(rule)) return false;
  if (meta.namespace && !selectorMatches(mc.namespaceSelector, namespaceLabels(meta.namespace, options))) return false;
  if (!selectorMatches(mc.objectSelector, meta.labels ?? {})) return false;
  return conditionsHold(spec.matchConditions ?? [], bindings, `${policy.kind} ${policy.metadata.name} matchConditions`);
}

function conditionsHold(conditions: ReadonlyArray<{ name: string; expression: string }>, bindings: Record<string, unknown>, where: string): boolean {
  return conditions.every((c) => evaluateBool(c.expression, bindings, [], `${where}[${c.name}]`));
}

/** Names of the exceptions that reference the policy and whose matchConditions all hold. */
function exemptions(policy: PolicyManifest, exceptions: readonly PolicyManifest[], bindings: Record<string, unknown>): string[] {
  return exceptions.filter((ex) => {
    const spec = (ex.spec ?? {}) as { policyRefs?: Array<{ kind: string; name: string }>; matchConditions?: Array<{ name: string; expression: string }> };
    const refers = (spec.policyRefs ?? []).some((r) => r.kind === policy.kind && r.name === policy.metadata.name);
    return refers && conditionsHold(spec.matchConditions ?? [], bindings, `PolicyException ${ex.metadata.name} matchConditions`);
  }).map((ex) => String(ex.metadata.name));
}

/** Evaluates spec.variables in order into a `variables` map; one that fails is left unbound. */
function evaluateVariables(spec: PolicySpec, bindings: Record<string, unknown>, funcs: readonly CelFunc[] = []): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const v of spec.variables ?? []) {
    try {
      variables[v.name] = evaluateCel(v.expression, { ...bindings, variables }, funcs);
    } catch (err) {
      if (!(err instanceof CelEvaluationError)) throw err;
    }
  }
  return variables;
}

function specOf(policy: PolicyManifest, kind: string): PolicySpec {
  if (policy.kind !== kind || policy.apiVersion !== 'policies.kyverno.io/v1') {
    throw new Error(`expected a policies.kyverno.io/v1 ${kind}, got ${policy.apiVersion} ${policy.kind}`);
  }
  return (policy.spec ?? {}) as PolicySpec;
}

const NOT_MATCHED: ValidationResult = { matched: false, exemptedBy: [], allowed: true, messages: [], admitted: true };

/** Runs the validations; every failure contributes its message. */
function runValidations(policy: PolicyManifest, spec: PolicySpec, bindings: Record<string, unknown>, funcs: readonly CelFunc[] = []): ValidationResult {
  const messages: string[] = [];
  (spec.validations ?? []).forEach((v, i) => {
    const where = `${policy.kind} ${policy.metadata.name} validations[${i}]`;
    if (evaluateBool(v.expression, bindings, funcs, where)) return;
    messages.push(messageOf(v, bindings, funcs, i));
  });
  return verdict(spec, messages);
}

function messageOf(v: { expression: string; message?: string; messageExpression?: string }, bindings: Record<string, unknown>, funcs: readonly CelFunc[], i: number): string {
  if (v.messageExpression) {
    const out = evaluateCel(v.messageExpression, bindings, funcs, `messageExpression of validations[${i}]`);
    if (typeof out === 'string' && out !== '') return out;
  }
  return v.message || `failed expression: ${v.expression}`;
}

function verdict(spec: PolicySpec, messages: string[]): ValidationResult {
  const allowed = messages.length === 0;
  return { matched: true, exemptedBy: [], allowed, messages, admitted: allowed || !(spec.validationActions ?? []).includes('Deny') };
}

// ---- ValidatingPolicy --------------------------------------------------------------------------------

/** Applies a ValidatingPolicy to an object in an admission request. */
export function evaluateValidation(policy: PolicyManifest, object: KubeObject, options: AdmissionOptions = {}): ValidationResult {
  const spec = specOf(policy, 'ValidatingPolicy');
  const bindings = admissionBindings(object, options);
  if (!policyMatches(policy, spec, object, options, bindings)) return NOT_MATCHED;
  const exemptedBy = exemptions(policy, options.exceptions ?? [], bindings);
  if (exemptedBy.length) return { ...NOT_MATCHED, matched: true, exemptedBy };
  return runValidations(policy, spec, { ...bindings, variables: evaluateVariables(spec, bindings) });
}

// ---- ImageValidatingPolicy ---------------------------------------------------------------------------

const IMAGE_CATEGORIES = ['containers', 'initContainers', 'ephemeralContainers', 'imageVolumes'] as const;

/** The pod spec Kyverno's built-in image extractors read for a kind, or undefined for other kinds. */
function podSpecOf(object: KubeObject): KubeObject | undefined {
  const spec = object.spec as KubeObject | undefined;
  switch (object.kind) {
    case 'Pod': return spec;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      return (spec?.template as KubeObject | undefined)?.spec as KubeObject | undefined;
    case 'CronJob':
      return (((spec?.jobTemplate as KubeObject | undefined)?.spec as KubeObject | undefined)?.template as KubeObject | undefined)?.spec as KubeObject | undefined;
    default: return undefined;
  }
}

/** Images by category, as Kyverno extracts them from a pod or pod template. */
export function extractImages(object: KubeObject): Record<(typeof IMAGE_CATEGORIES)[number], string[]> {
  const spec = podSpecOf(object) ?? {};
  const images = (field: string) => ((spec[field] ?? []) as Array<{ image: string }>).map((c) => c.image);
  const volumes = ((spec.volumes ?? []) as Array<{ image?: { reference: string } }>).filter((v) => v.image).map((v) => String(v.image?.reference));
  return { containers: images('containers'), initContainers: images('initContainers'), ephemeralContainers: images('ephemeralContainers'), imageVolumes: volumes };
}

function imageMatches(image: string, refs: PolicySpec['matchImageReferences']): boolean {
  if (!refs?.length) return true;
  return refs.some((r) => {
    if (r.glob !== undefined) {
      const compiled = compileGlob(r.glob);
      if ('error' in compiled) throw new Error(`matchImageReferences glob ${JSON.stringify(r.glob)}: ${compiled.error}`);
      return compiled.regexp.test(image);
    }
    return r.expression !== undefined && evaluateBool(r.expression, { ref: image }, [], 'matchImageReferences');
  });
}

interface KeylessIdentitySpec {
  issuer?: string;
  issuerRegExp?: string;
  subject?: string;
  subjectRegExp?: string;
}

function identityMatches(id: KeylessIdentitySpec, sig: KeylessSignature): boolean {
  // cosign: exact issuer/subject, or a Go regexp found in them (not anchored).
  const issuer = id.issuer !== undefined ? id.issuer === sig.issuer : id.issuerRegExp !== undefined && new RegExp(id.issuerRegExp).test(sig.issuer);
  const subject = id.subject !== undefined ? id.subject === sig.subject : id.subjectRegExp !== undefined && new RegExp(id.subjectRegExp).test(sig.subject);
  return issuer && subject;
}

/** `verifyImageSignatures(image, attestors)`: how many of the attestors accept one of the image's signatures. */
function verifyImageSignaturesFunc(signatures: Readonly<Record<string, readonly KeylessSignature[]>>): CelFunc {
  return celFunc('verifyImageSignatures', [CelScalar.STRING, listType(CelScalar.DYN)], CelScalar.INT, (image, attestors) => {
    const accepting = [...attestors].map((a) => fromCel(a) as { cosign?: { keyless?: { identities?: KeylessIdentitySpec[] } } })
      .filter((a) => (signatures[image] ?? []).some((sig) => (a.cosign?.keyless?.identities ?? []).some((id) => identityMatches(id, sig))));
    return BigInt(accepting.length);
  });
}

/** Applies an ImageValidatingPolicy to an object, with a table of the signatures images carry. */
export function evaluateImageValidation(policy: PolicyManifest, object: KubeObject, options: ImageAdmissionOptions = {}): ValidationResult {
  const spec = specOf(policy, 'ImageValidatingPolicy');
  const bindings = admissionBindings(object, options);
  if (!policyMatches(policy, spec, object, options, bindings)) return NOT_MATCHED;
  const exemptedBy = exemptions(policy, options.exceptions ?? [], bindings);
  if (exemptedBy.length) return { ...NOT_MATCHED, matched: true, exemptedBy };

  const extracted = extractImages(object);
  const images = Object.fromEntries(IMAGE_CATEGORIES.map((c) => [c, extracted[c].filter((i) => imageMatches(i, spec.matchImageReferences))]));
  const cfg = spec.validationConfigurations ?? {};
  if ((cfg.verifyDigest ?? true) && cfg.mutateDigest === false) {
    const unpinned = Object.values(images).flat().find((i) => !i.includes('@'));
    if (unpinned) return verdict(spec, [`image ${unpinned} does not have a digest`]);
  }
  const funcs = [verifyImageSignaturesFunc(options.signatures ?? {})];
  const full = {
    ...bindings,
    images,
    attestors: Object.fromEntries((spec.attestors ?? []).map((a) => [a.name, a])),
    attestations: Object.fromEntries((spec.attestations ?? []).map((a) => [a.name, a.name])),
  };
  const withVariables = { ...full, variables: evaluateVariables(spec, full, funcs) };
  // Kyverno stops at the first failed validation of an image policy.
  for (const [i, v] of (spec.validations ?? []).entries()) {
    if (!evaluateBool(v.expression, withVariables, funcs, `${policy.kind} ${policy.metadata.name} validations[${i}]`)) {
      return verdict(spec, [messageOf(v, withVariables, funcs, i)]);
    }
  }
  return verdict(spec, []);
}

// ---- MutatingPolicy ----------------------------------------------------------------------------------

/** Applies a MutatingPolicy to an object; returns the mutated copy (the object itself when the policy does not apply). */
export function evaluateMutation(policy: PolicyManifest, object: KubeObject, options: AdmissionOptions = {}): KubeObject {
  const spec = specOf(policy, 'MutatingPolicy');
  let current = structuredClone(object);
  const bindings = admissionBindings(current, options);
  if (!policyMatches(policy, spec, current, options, bindings)) return current;
  if (exemptions(policy, options.exceptions ?? [], bindings).length) return current;
  (spec.mutations ?? []).forEach((m, i) => {
    const where = `${policy.kind} ${policy.metadata.name} mutations[${i}]`;
    const request = admissionBindings(current, options);
    const b = { ...request, variables: evaluateVariables(spec, request) };
    if (m.patchType === 'ApplyConfiguration' && m.applyConfiguration) {
      current = mergeApply(current, evaluateCel(m.applyConfiguration.expression, b, [], where)) as KubeObject;
    } else if (m.patchType === 'JSONPatch' && m.jsonPatch) {
      current = applyJsonPatch(current, evaluateCel(m.jsonPatch.expression, b, [], where) as JsonPatchOp[]);
    } else {
      throw new Error(`${where}: unsupported patchType ${m.patchType}`);
    }
  });
  return current;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Server-side-apply-like merge: maps merge key by key, everything else (lists included) is replaced. */
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
  /** The result of each validating and image-validating policy, by policy name. */
  readonly results: Readonly<Record<string, ValidationResult>>;
  /** Messages of every failed check, as `<policy>: <message>`, in policy order. */
  readonly violations: string[];
  /** False when a failing policy denies. */
  readonly admitted: boolean;
}

/**
 * Runs an object through every policy among `manifests` (a rendered cluster, say) as Kyverno's
 * webhooks do: the MutatingPolicies first, then each ValidatingPolicy and ImageValidatingPolicy on
 * the mutated object, with the PolicyExceptions among `manifests` applied.
 */
export function evaluatePolicies(manifests: readonly PolicyManifest[], object: KubeObject, options: ImageAdmissionOptions = {}): AdmissionResult {
  const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind && m.apiVersion === 'policies.kyverno.io/v1');
  const exceptions = [...(options.exceptions ?? []), ...ofKind('PolicyException')];
  const mutated = ofKind('MutatingPolicy').reduce((o, p) => evaluateMutation(p, o, { ...options, exceptions }), object);
  const results: Record<string, ValidationResult> = {};
  for (const p of ofKind('ValidatingPolicy')) results[String(p.metadata.name)] = evaluateValidation(p, mutated, { ...options, exceptions });
  for (const p of ofKind('ImageValidatingPolicy')) results[String(p.metadata.name)] = evaluateImageValidation(p, mutated, { ...options, exceptions });
  const entries = Object.entries(results);
  return {
    mutated,
    results,
    violations: entries.flatMap(([name, r]) => r.messages.map((m) => `${name}: ${m}`)),
    admitted: entries.every(([, r]) => r.admitted),
  };
}
