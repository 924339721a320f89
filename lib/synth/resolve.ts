/**
 * cdk8s serializes an object in two walks over all of its values (ApiObject.toJson in cdk8s/lib/api-object.js,
 * and the same for its metadata): `resolve` (cdk8s/lib/resolve.js) copies the values with every token
 * resolved, allocating a context object and a copy of the key path for each value and asking each of the
 * App's resolvers about it; `sanitizeValue` (cdk8s/lib/_util.js) then copies that copy with its keys
 * sorted and empty values dropped. Together: a third of rendering a big fleet.
 *
 * The App the synth builds has the default resolvers only (lib/synth/render.ts). For those, this module
 * does both walks as one, which gives the same JSON: Lazy values are produced, implicit tokens resolved,
 * number-or-string unions unwrapped, arrays and plain objects walked, anything else left to
 * `sanitizeValue`. Values are resolved in the order cdk8s resolves them (a Lazy runs in the same order),
 * and anything that fails is serialized again by cdk8s' own code, so the error is cdk8s' own. An App with
 * other resolvers, or another cdk8s than the one this was checked against, keeps cdk8s' own walks.
 */
import { ApiObject, ApiObjectMetadataDefinition, App, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import type { IConstruct } from 'constructs';

/** The cdk8s whose serialization this was compared with (test/resolve.test.ts, and the fleet tests compare the output). */
const CHECKED_CDK8S = /^2\.70\./;

type Resolve = (key: string[], value: unknown, apiObject: IConstruct) => unknown;

interface SanitizeOptions {
  readonly filterEmptyArrays?: boolean;
  readonly filterEmptyObjects?: boolean;
  readonly sortKeys?: boolean;
}

type Sanitize = (value: unknown, options?: SanitizeOptions) => unknown;

/** What ApiObject.toJson reads of an ApiObject beyond its public API (private in cdk8s' types). */
interface ApiObjectInternals {
  readonly props: Record<string, unknown>;
  readonly patches: JsonPatch[];
}

/** What ApiObjectMetadataDefinition.toJson reads (private in cdk8s' types). */
interface MetadataInternals {
  readonly _additionalAttributes: Record<string, unknown>;
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations: Record<string, string>;
  readonly finalizers: string[];
  readonly ownerReferences: unknown[];
  readonly labels: Record<string, string>;
  readonly apiObject: ApiObject;
}

let installed = false;
let sanitizeValue: Sanitize;

/** Installs the walk, once per process (or thread); a cdk8s whose version or modules differ is left alone. */
export function installFastResolve(): void {
  if (installed) return;
  installed = true;
  let resolveModule: { resolve: Resolve };
  let utilModule: { sanitizeValue: Sanitize };
  let version: string;
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    resolveModule = require('cdk8s/lib/resolve') as { resolve: Resolve };
    utilModule = require('cdk8s/lib/_util') as { sanitizeValue: Sanitize };
    version = (require('cdk8s/package.json') as { version: string }).version;
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch {
    return;
  }
  if (!CHECKED_CDK8S.test(version) || typeof resolveModule.resolve !== 'function' || typeof utilModule.sanitizeValue !== 'function') return;
  sanitizeValue = utilModule.sanitizeValue;
  // Anything else that calls cdk8s' resolve (it is exported) gets the same values, without the allocations.
  const originalResolve = resolveModule.resolve;
  resolveModule.resolve = (key, value, apiObject) => (hasDefaultResolvers(apiObject) ? resolveValue(value) : originalResolve(key, value, apiObject));
  installToJson();
}

function installToJson(): void {
  const objectToJson = ApiObject.prototype.toJson;
  ApiObject.prototype.toJson = function (this: ApiObject) {
    if (!hasDefaultResolvers(this)) return objectToJson.call(this);
    try {
      const self = this as unknown as ApiObjectInternals;
      const data = { ...self.props, metadata: this.metadata.toJson() };
      const json = resolveSanitized(data, { sortKeys: !process.env.CDK8S_DISABLE_SORT }) as Record<string, unknown>;
      const patched = JsonPatch.apply(json, ...self.patches) as Record<string, unknown>;
      const result: Record<string, unknown> = {};
      for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) if (k in patched) result[k] = patched[k];
      return result;
    } catch {
      // cdk8s' own walks, which throw the error cdk8s throws.
      return objectToJson.call(this);
    }
  };
  const metadataToJson = ApiObjectMetadataDefinition.prototype.toJson;
  ApiObjectMetadataDefinition.prototype.toJson = function (this: ApiObjectMetadataDefinition) {
    const self = this as unknown as MetadataInternals;
    if (!hasDefaultResolvers(self.apiObject)) return metadataToJson.call(this);
    try {
      return resolveSanitized({
        ...self._additionalAttributes,
        name: self.name,
        namespace: self.namespace,
        annotations: self.annotations,
        finalizers: self.finalizers,
        ownerReferences: self.ownerReferences,
        labels: self.labels,
      }, { filterEmptyArrays: true, filterEmptyObjects: true });
    } catch {
      return metadataToJson.call(this);
    }
  };
}

function hasDefaultResolvers(apiObject: IConstruct): boolean {
  const r = App.of(apiObject).resolvers;
  return r.length === 3 && r[0] instanceof LazyResolver && r[1] instanceof ImplicitTokenResolver && r[2] instanceof NumberStringUnionResolver;
}

/** cdk8s' resolve with the default resolvers, in their order: the first that replaces a value wins, and its result is resolved again. */
function resolveValue(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (value instanceof Lazy) return resolveValue(value.produce());
  const v = value as { resolve?: unknown; value?: unknown; constructor?: unknown };
  if (typeof v.resolve === 'function') return resolveValue((v.resolve as () => unknown).call(value));
  if (v.constructor !== Object && (typeof v.value === 'number' || typeof v.value === 'string')) return resolveValue({ value: v.value });
  if (Array.isArray(value)) return value.map(resolveValue);
  if (v.constructor == Object) {
    const result: Record<string, unknown> = {};
    for (const k of Object.keys(value)) result[k] = resolveValue((value as Record<string, unknown>)[k]);
    return result;
  }
  return value;
}

/** `sanitizeValue(resolveValue(value), options)` in one walk. */
function resolveSanitized(value: unknown, options: SanitizeOptions): unknown {
  // Most values: a string, number or boolean has no resolve and no value to unwrap (unless their prototypes were given one).
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return value;
  // The resolve steps of resolveValue, until the value is data.
  for (;;) {
    if (value === null || value === undefined) return undefined;
    if (value instanceof Lazy) {
      value = value.produce();
      continue;
    }
    const v = value as { resolve?: unknown; value?: unknown; constructor?: unknown };
    if (typeof v.resolve === 'function') {
      value = (v.resolve as () => unknown).call(value);
      continue;
    }
    if (v.constructor !== Object && (typeof v.value === 'number' || typeof v.value === 'string')) {
      value = { value: v.value };
      continue;
    }
    break;
  }
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (options.filterEmptyArrays && value.length === 0) return undefined;
    return value.map((x) => resolveSanitized(x, options));
  }
  // Not plain data (resolve keeps it as it is): sanitizeValue throws for it, as it does after resolve.
  if ((value as { constructor?: unknown }).constructor != Object) return sanitizeValue(value, options);
  const keys = Object.keys(value);
  // A `__proto__` key is set through an assignment by both walks: left to them.
  if (keys.includes('__proto__')) return sanitizeValue(resolveValue(value), options);
  // Resolved in the order of the keys (a Lazy runs when cdk8s runs it), then kept in sorted order.
  const n = keys.length;
  const sort = (options.sortKeys ?? true) && !isSorted(keys);
  const result: Record<string, unknown> = {};
  let kept = 0;
  if (!sort) {
    for (let i = 0; i < n; i++) {
      const r = resolveSanitized((value as Record<string, unknown>)[keys[i]], options);
      if (r === undefined) continue;
      result[keys[i]] = r;
      kept++;
    }
    return options.filterEmptyObjects && kept === 0 ? undefined : result;
  }
  const resolved = new Array<unknown>(n);
  for (let i = 0; i < n; i++) resolved[i] = resolveSanitized((value as Record<string, unknown>)[keys[i]], options);
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Array.prototype.sort's default order: UTF-16 code units.
  order.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  for (const i of order) {
    const r = resolved[i];
    if (r === undefined) continue;
    result[keys[i]] = r;
    kept++;
  }
  return options.filterEmptyObjects && kept === 0 ? undefined : result;
}

/** Whether the keys are in Array.prototype.sort's default order already. */
function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}
