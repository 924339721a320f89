/**
 * Field-level comparison of two parsed YAML documents, as dyff does it: maps key by key, lists of
 * named items matched by `name` (so a reordered or inserted container is not a change of every
 * container after it), other lists of objects by position, lists of scalars as a whole.
 */
import { byString } from '../order';

/** One step into a document: a map key, a list position, or the list item with this `name`. */
export type PathSegment = string | number | { readonly name: string };

/** What happened at one path. `changed` on a list of scalars carries both whole lists. */
export type FieldOp = 'added' | 'removed' | 'changed' | 'reordered';

export interface FieldChange {
  readonly path: readonly PathSegment[];
  readonly op: FieldOp;
  /** The value before (absent for `added`). For `reordered`, the item names in their old order. */
  readonly before?: unknown;
  /** The value after (absent for `removed`). For `reordered`, the item names in their new order. */
  readonly after?: unknown;
}

type Plain = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isScalar(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Every difference between two documents, in document order (keys sorted). Empty when they are equal. */
export function diffFields(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  diffValue(before, after, [], out);
  return out;
}

function diffValue(before: unknown, after: unknown, path: PathSegment[], out: FieldChange[]): void {
  if (deepEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) return diffMaps(before, after, path, out);
  if (Array.isArray(before) && Array.isArray(after)) return diffLists(before, after, path, out);
  out.push({ path, op: 'changed', before, after });
}

function diffMaps(before: Plain, after: Plain, path: PathSegment[], out: FieldChange[]): void {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(byString);
  for (const key of keys) {
    const at = [...path, key];
    if (!(key in after)) out.push({ path: at, op: 'removed', before: before[key] });
    else if (!(key in before)) out.push({ path: at, op: 'added', after: after[key] });
    else diffValue(before[key], after[key], at, out);
  }
}

/** The item names when every item is a map with a unique string `name`; undefined otherwise. */
export function namesOf(list: readonly unknown[]): string[] | undefined {
  const names = list.map((item) => (isPlainObject(item) && typeof item.name === 'string' ? item.name : undefined));
  if (names.some((n) => n === undefined)) return undefined;
  return new Set(names).size === names.length ? (names as string[]) : undefined;
}

function diffLists(before: unknown[], after: unknown[], path: PathSegment[], out: FieldChange[]): void {
  if (before.every(isScalar) && after.every(isScalar)) {
    out.push({ path, op: 'changed', before, after });
    return;
  }
  const namesBefore = namesOf(before);
  const namesAfter = namesOf(after);
  if (namesBefore && namesAfter) return diffNamedLists(before as Plain[], after as Plain[], namesBefore, namesAfter, path, out);
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    if (i >= after.length) out.push({ path: [...path, i], op: 'removed', before: before[i] });
    else if (i >= before.length) out.push({ path: [...path, i], op: 'added', after: after[i] });
    else diffValue(before[i], after[i], [...path, i], out);
  }
}

function diffNamedLists(before: Plain[], after: Plain[], namesBefore: string[], namesAfter: string[], path: PathSegment[], out: FieldChange[]): void {
  const oldByName = new Map(namesBefore.map((n, i) => [n, before[i]]));
  const kept = namesAfter.filter((n) => oldByName.has(n));
  const keptBefore = namesBefore.filter((n) => namesAfter.includes(n));
  if (kept.some((n, i) => n !== keptBefore[i])) out.push({ path, op: 'reordered', before: keptBefore, after: kept });
  namesBefore.forEach((name, i) => {
    if (!namesAfter.includes(name)) out.push({ path: [...path, { name }], op: 'removed', before: before[i] });
  });
  namesAfter.forEach((name, i) => {
    const at = [...path, { name }];
    if (oldByName.has(name)) diffValue(oldByName.get(name), after[i], at, out);
    else out.push({ path: at, op: 'added', after: after[i] });
  });
}

/** `spec.containers[name=app].image`, `metadata.labels["app.kubernetes.io/name"]`, `args[2]`. */
export function formatFieldPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'object') out += `[name=${seg.name}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(whole document)';
}

/** The map keys along a path (list positions and names left out): what rules about field names look at. */
export function keysOf(path: readonly PathSegment[]): string[] {
  return path.filter((s): s is string => typeof s === 'string');
}

/** Whether `path` is `prefix` or lies below it (`spec.selector` covers `spec.selector.matchLabels.app`). */
export function isUnder(path: readonly PathSegment[], prefix: readonly string[]): boolean {
  return path.length >= prefix.length && prefix.every((p, i) => path[i] === p);
}
