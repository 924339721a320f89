/**
 * The one string order of the project's output: by UTF-16 code units, as `sort()` without a comparator,
 * the same on every machine (unlike `localeCompare`), and usable inside a composed comparator.
 */

/** Comparator of two strings in code-unit order. */
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Comparator of map entries by their string keys. */
export const byKey = <V>([a]: readonly [string, V], [b]: readonly [string, V]): number => byString(a, b);

/** A copy of a record with its keys in order. */
export const sortedRecord = <V>(r: Readonly<Record<string, V>>): Record<string, V> => Object.fromEntries(Object.entries(r).sort(byKey));
