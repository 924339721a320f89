/**
 * cdk8s resolves every value of every object before it serializes it (`resolve` in cdk8s/lib/resolve.js),
 * allocating a context object and a copy of the key path for each value and asking each of the App's
 * resolvers about it: a third of rendering a big fleet. The App the synth builds has the default
 * resolvers only (lib/synth/render.ts), for which this walk gives the same result without the
 * allocations: Lazy values are produced, implicit tokens resolved, number-or-string unions unwrapped,
 * arrays and plain objects walked, anything else kept. An App with other resolvers, or another cdk8s
 * than the one this was checked against, keeps cdk8s' own walk.
 */
import { App, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import type { IConstruct } from 'constructs';

/** The cdk8s whose resolve this walk was compared with (the fleet tests compare the output of both). */
const CHECKED_CDK8S = /^2\.70\./;

type Resolve = (key: string[], value: unknown, apiObject: IConstruct) => unknown;

interface ResolveModule {
  resolve: Resolve;
}

let installed = false;

/** Installs the walk, once per process (or thread); a cdk8s whose version or module differs is left alone. */
export function installFastResolve(): void {
  if (installed) return;
  installed = true;
  let mod: ResolveModule;
  let version: string;
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    mod = require('cdk8s/lib/resolve') as ResolveModule;
    version = (require('cdk8s/package.json') as { version: string }).version;
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch {
    return;
  }
  if (!CHECKED_CDK8S.test(version) || typeof mod.resolve !== 'function') return;
  const original = mod.resolve;
  mod.resolve = (key, value, apiObject) => (hasDefaultResolvers(apiObject) ? resolveValue(value) : original(key, value, apiObject));
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
