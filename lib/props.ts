/**
 * Props validation at construction time: zod checks what types cannot, and every issue becomes one
 * line naming the cluster, the construct and the field.
 */
import { IConstruct } from 'constructs';
import { z } from 'zod';
import { ConfigError, formatPath, Problem } from './errors';

/** Implemented by the construct that owns a cluster, so any construct below it can name its cluster. */
export interface ClusterScope extends IConstruct {
  readonly clusterName: string;
}

function isClusterScope(c: IConstruct): c is ClusterScope {
  return typeof (c as Partial<ClusterScope>).clusterName === 'string';
}

/** The name of the cluster a construct belongs to, or undefined outside any cluster. */
function clusterNameOf(scope: IConstruct): string | undefined {
  const owner = [...scope.node.scopes].reverse().find(isClusterScope);
  return owner?.clusterName;
}

/** `cluster/Construct[id]`: how problems name the construct that has them. */
export function describeConstruct(scope: IConstruct): string {
  const cluster = clusterNameOf(scope) ?? '(no cluster)';
  return `${cluster}/${scope.constructor.name}[${scope.node.id}]`;
}

/**
 * Context set while a synth of some clusters (`--cluster`) first builds the fleet: the props of the
 * constructs of the clusters it does not render are taken as they are, since nothing of those clusters
 * is rendered or checked (validating them was half of such a synth). A build that then fails is done
 * again without it, so every mistake is reported as validation finds it (lib/synth/render.ts).
 */
export const UNRENDERED_PROPS_UNCHECKED = 'talos-flux-synth:unrendered-props-unchecked';

/** Whether `scope` is inside a cluster this synth does not render, while its props go unchecked. */
function unrendered(scope: IConstruct): boolean {
  if (scope.node.tryGetContext(UNRENDERED_PROPS_UNCHECKED) !== true) return false;
  // Ancestors only: a cluster's own props are always checked (its name says what the selection means).
  return scope.node.scopes.slice(0, -1).some((s) => (s as { selected?: unknown }).selected === false);
}

/**
 * Without zod's fast path, which compiles a parser for each object schema (with `new Function`) the first
 * time it parses one: a synth parses most schemas once per cluster, and code made that way is not in V8's
 * code cache of the bundle, so every run compiled it again (a tenth of a warm synth of the reference
 * fleet). A 1,000-cluster fleet parses as fast either way.
 */
const PARSE = { jitless: true } as const;

/** Parses props with a zod schema; throws a ConfigError listing every issue, one line each. */
export function validateProps<S extends z.ZodType>(scope: IConstruct, schema: S, props: unknown): z.output<S> {
  if (unrendered(scope)) return props as z.output<S>;
  const result = schema.safeParse(props, PARSE);
  if (result.success) return result.data;
  throw new ConfigError(zodProblems(describeConstruct(scope), result.error));
}

function zodProblems(where: string, error: z.ZodError): Problem[] {
  return error.issues.flatMap((issue) =>
    // A strict object's unknown keys: one problem per key, named like any other field.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ where, field: formatPath([...issue.path, key]), message: 'unknown property; remove it or check its spelling' }))
      : [{ where, field: formatPath(issue.path), message: issue.message }],
  );
}

/** Throws a ConfigError for one problem of a construct's props found outside its zod schema. */
export function propError(scope: IConstruct, field: string, message: string): ConfigError {
  return ConfigError.single(describeConstruct(scope), field, message);
}

type Mutable<T> = T extends readonly (infer E)[] ? Mutable<E>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

/**
 * `true` when a hand-written props type and the output of its zod schema have exactly the same fields
 * and types (`readonly` aside). Assign it `true` next to a schema: a field added to one but not the
 * other then fails to compile, so the documented props and the validation cannot drift apart.
 */
export type SchemaMatches<Props, Output> = Same<Mutable<Props>, Mutable<Output>>;

/**
 * Props with `name` defaulting to the construct id, so validation checks the id as a name. Anything
 * but an object (null, undefined from untyped code) is passed on for validation to reject.
 */
export function withDefaultName(props: unknown, id: string): unknown {
  if (typeof props !== 'object' || props === null || Array.isArray(props)) return props;
  const p = props as { name?: unknown };
  return { ...p, name: p.name ?? id };
}
