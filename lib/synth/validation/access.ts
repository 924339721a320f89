/**
 * Safe reads from rendered objects. The cross-reference checks run on objects the schema check may
 * already have rejected, so every read tolerates any shape: a wrong one reads as absent.
 */

export type Path = ReadonlyArray<string | number>;

/** The segments of a JSON pointer (RFC 6901), unescaped: `/a~1b/0` → `['a/b', '0']`; `''` → `[]`. */
export function decodePointer(pointer: string): string[] {
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at a path, or undefined when any step is missing or of the wrong type. */
export function at(value: unknown, ...path: Path): unknown {
  let cur = value;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (typeof k === 'number' ? !Array.isArray(cur) : Array.isArray(cur)) return undefined;
    if (!Object.hasOwn(cur, k)) return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** A non-empty string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An array, or an empty one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A plain object, or undefined. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
