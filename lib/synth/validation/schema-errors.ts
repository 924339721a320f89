/**
 * ajv's errors in the words of this project: one problem per wrong field, with the field as a
 * TypeScript user writes it (`spec.template.spec.containers[0].image`) and what would be right.
 */
import type { ErrorObject } from 'ajv';
import { formatPath, showValue } from '../../errors';
import { QUANTITY } from '../../validators';
import { decodePointer } from './access';

/** A wrong field: its path from the object's root, and what is wrong with it. */
export interface FieldProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

export interface DescribeOptions {
  /** Leave values out of messages (Secrets). @default false */
  readonly redact?: boolean;
  /** The field names a schema allows at a path, for "did you mean". */
  readonly allowedFields?: (path: ReadonlyArray<string | number>) => readonly string[];
  /** Names the schema in "unknown field" messages, such as `apps/v1 Deployment`. */
  readonly schemaName: string;
}

/** Turns ajv's errors for `data` into one problem per wrong field, in the order ajv found them. */
export function describeErrors(errors: readonly ErrorObject[], data: unknown, options: DescribeOptions): FieldProblem[] {
  const branches = new Set<ErrorObject>();
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  // A failed anyOf/oneOf comes after the errors of its branches; it is reported once, as a whole.
  const ordered = [...errors];
  for (const e of ordered) {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') continue;
    for (const b of ordered) if (b !== e && b.schemaPath.startsWith(`${e.schemaPath}/`)) branches.add(b);
  }
  for (const e of ordered) {
    if (branches.has(e)) continue;
    const path = instancePath(e.instancePath, data);
    const p = problemOf(e, path, valueAt(data, path), ordered.filter((b) => branches.has(b) && b.schemaPath.startsWith(`${e.schemaPath}/`)), options);
    const key = `${formatPath(p.path)}\n${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** A JSON pointer as path segments; numbers where the data holds an array. */
export function instancePath(pointer: string, data: unknown): Array<string | number> {
  const out: Array<string | number> = [];
  let cur: unknown = data;
  for (const seg of decodePointer(pointer)) {
    const key = Array.isArray(cur) ? Number(seg) : seg;
    out.push(key);
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[key] : undefined;
  }
  return out;
}

function valueAt(data: unknown, path: ReadonlyArray<string | number>): unknown {
  let cur = data;
  for (const k of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[k] : undefined;
  return cur;
}

function show(value: unknown, redact: boolean | undefined): string {
  if (redact) return 'the value';
  if (typeof value === 'function') return 'a function';
  const s = typeof value === 'number' || typeof value === 'bigint' ? String(value) : showValue(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

const FORMAT_HINTS: Record<string, string> = {
  'date-time': 'an RFC 3339 date-time such as 2026-01-02T15:04:05Z',
  byte: 'base64-encoded data',
  int32: 'a 32-bit integer',
  int64: 'a 64-bit integer',
};

function problemOf(e: ErrorObject, path: Array<string | number>, value: unknown, branches: readonly ErrorObject[], o: DescribeOptions): FieldProblem {
  const p = e.params as Record<string, unknown>;
  const v = show(value, o.redact);
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      if (path.length === 0 && field === 'status') return { path: [field], message: 'unknown field: status is written by the cluster, never rendered' };
      const hint = suggestion(field, o.allowedFields?.(path) ?? []);
      return { path: [...path, field], message: `unknown field, not in the ${o.schemaName} schema${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''}` };
    }
    case 'required':
      return { path: [...path, String(p.missingProperty)], message: 'required field is missing' };
    case 'dependencies':
    case 'dependentRequired':
      return { path: [...path, String(p.missingProperty)], message: `required when ${String(p.property)} is set` };
    case 'type':
      return { path, message: `expected ${String(p.type).split(',').join(' or ')}, got ${typeOf(value)}${o.redact || typeof value === 'function' ? '' : ` ${v}`}` };
    case 'enum':
      return { path, message: `${v} is not one of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}` };
    case 'const':
      return { path, message: `${v} must be ${JSON.stringify(p.allowedValue)}` };
    case 'pattern':
      return p.pattern === QUANTITY.source
        ? { path, message: `${v} is not a Kubernetes quantity (for example 250m, 512Mi, 2Gi)` }
        : { path, message: `${v} does not match the pattern ${String(p.pattern)}` };
    case 'format':
      return { path, message: `${v} is not ${FORMAT_HINTS[String(p.format)] ?? `in the ${String(p.format)} format`}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `${v} must be ${String(p.comparison)} ${String(p.limit)}` };
    case 'multipleOf':
      return { path, message: `${v} must be a multiple of ${String(p.multipleOf)}` };
    case 'minLength':
      return { path, message: `${v} is shorter than ${String(p.limit)} characters` };
    case 'maxLength':
      return { path, message: `${v} is longer than ${String(p.limit)} characters` };
    case 'minItems':
      return { path, message: `needs at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}` };
    case 'maxItems':
      return { path, message: `allows at most ${String(p.limit)} item${p.limit === 1 ? '' : 's'}` };
    case 'minProperties':
      return { path, message: `needs at least ${String(p.limit)} field${p.limit === 1 ? '' : 's'}` };
    case 'maxProperties':
      return { path, message: `allows at most ${String(p.limit)} field${p.limit === 1 ? '' : 's'}` };
    case 'uniqueItems':
      return { path, message: `items ${String(p.j)} and ${String(p.i)} are equal; each item must be unique` };
    case 'anyOf':
    case 'oneOf':
      return { path, message: alternativesMessage(e, branches) };
    case 'not':
      return { path, message: 'has a combination of fields the schema forbids' };
    default:
      return { path, message: `fails the schema's ${e.keyword} rule` };
  }
}

/** "set one of: a, b" when every alternative only requires a field, as structural schemas do. */
function alternativesMessage(e: ErrorObject, branches: readonly ErrorObject[]): string {
  const passing = (e.params as { passingSchemas?: number[] | null }).passingSchemas;
  const required = branches.every((b) => b.keyword === 'required') ? [...new Set(branches.map((b) => String((b.params as { missingProperty: string }).missingProperty)))] : [];
  if (e.keyword === 'oneOf' && passing) return required.length ? `set only one of: ${required.join(', ')}` : 'matches more than one of the allowed forms; it must match exactly one';
  if (required.length) return `set ${e.keyword === 'oneOf' ? 'exactly ' : ''}one of: ${required.join(', ')}`;
  return 'matches none of the allowed forms';
}

/** The allowed name closest to a misspelt one, when it is close enough to be what was meant. */
export function suggestion(field: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const a of allowed) {
    const d = a.toLowerCase() === field.toLowerCase() ? 0 : editDistance(a, field);
    if (d < bestDistance) [best, bestDistance] = [a, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(field.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
