import { stringify } from 'yaml';
import { YAML_OPTIONS } from '../synth/yaml';
import type { ObjectChange } from './change';
import { FieldChange, formatFieldPath, isScalar } from './field-diff';

/** One line of a field diff, as both formats print it: ` `/`-`/`+` first, then the text at its depth. */
export interface DiffLine {
  readonly sign: ' ' | '-' | '+';
  readonly depth: number;
  readonly text: string;
}

const yaml = (v: unknown) => stringify(v, YAML_OPTIONS).replace(/\n$/, '');

/** A scalar on one line, quoted where YAML would read it as another type (`"20"`, `"true"`). */
export const scalarText = (v: unknown): string => (v === undefined ? '(unset)' : yaml(v).split('\n').join(' '));

function valueLines(v: unknown, sign: '-' | '+', depth = 1): DiffLine[] {
  return yaml(v).split('\n').map((text) => ({ sign, depth, text }));
}

/** Items of `a` not matched in `b`, as a multiset (a list that holds an item twice needs it twice). */
function missingFrom(a: readonly unknown[], b: readonly unknown[]): unknown[] {
  const left = [...b];
  return a.filter((x) => {
    const i = left.indexOf(x);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

const orderLines = (before: unknown, after: unknown): DiffLine[] =>
  [{ sign: ' ', depth: 1, text: 'order changed' }, ...valueLines(before, '-'), ...valueLines(after, '+')];

function scalarListLines(before: unknown[], after: unknown[]): DiffLine[] {
  const removed = missingFrom(before, after);
  const added = missingFrom(after, before);
  if (!removed.length && !added.length) return orderLines(before, after);
  return [...removed.map((v) => ({ sign: '-' as const, depth: 1, text: `- ${scalarText(v)}` })), ...added.map((v) => ({ sign: '+' as const, depth: 1, text: `- ${scalarText(v)}` }))];
}

/** Longest-common-subsequence line diff; beyond this many cells, the text is shown as removed and added whole. */
const MAX_LCS_CELLS = 4_000_000;
const CONTEXT = 2;

export function textLines(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > MAX_LCS_CELLS) return [...a.map((text) => ({ sign: '-' as const, depth: 1, text })), ...b.map((text) => ({ sign: '+' as const, depth: 1, text }))];
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const all: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      all.push({ sign: ' ', depth: 1, text: a[i++] });
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1][j] >= lcs[i][j + 1])) all.push({ sign: '-', depth: 1, text: a[i++] });
    else all.push({ sign: '+', depth: 1, text: b[j++] });
  }
  // Keep the changed lines and CONTEXT lines around them; mark each gap once.
  const keep = all.map((_, k) => all.slice(Math.max(0, k - CONTEXT), k + CONTEXT + 1).some((m) => m.sign !== ' '));
  const out: DiffLine[] = [];
  all.forEach((l, k) => {
    if (keep[k]) out.push(l);
    else if (k === 0 || keep[k - 1]) out.push({ sign: ' ', depth: 1, text: '…' });
  });
  return out;
}

const isMultiline = (v: unknown) => typeof v === 'string' && v.includes('\n');

/** The lines of one field change: its path, then what was removed and added there. */
export function fieldLines(f: FieldChange): DiffLine[] {
  const header: DiffLine = { sign: ' ', depth: 0, text: formatFieldPath(f.path) };
  const body = (): DiffLine[] => {
    switch (f.op) {
      case 'added': return valueLines(f.after, '+');
      case 'removed': return valueLines(f.before, '-');
      case 'reordered': return orderLines(f.before, f.after);
      case 'changed':
        if (Array.isArray(f.before) && Array.isArray(f.after) && [...f.before, ...f.after].every(isScalar)) return scalarListLines(f.before, f.after);
        if (isMultiline(f.before) && isMultiline(f.after)) return textLines(f.before as string, f.after as string);
        return [...valueLines(f.before, '-'), ...valueLines(f.after, '+')];
    }
  };
  return [header, ...body()];
}

/** What a format prints under one object: its field changes, or the whole object when it is new. */
export function changeLines(c: ObjectChange, options: { bodies: boolean }): DiffLine[] {
  if (c.status === 'changed') return c.fields.flatMap(fieldLines);
  if (c.status === 'added' && options.bodies) return valueLines(c.after?.value, '+', 0);
  return [];
}

/** `namespace/name`, or the name of a cluster-scoped object (the path of a file). */
export const objectLabel = (c: ObjectChange): string => (c.namespace ? `${c.namespace}/${c.name}` : c.name);

/** ` (moved from configs)` when the change moved the object to another layer. */
export const movedNote = (c: ObjectChange): string => (c.movedFrom ? ` (moved from ${c.movedFrom})` : '');

/** A diff line as text: the sign, then the text indented to its depth; no trailing blanks. */
export const lineText = (l: DiffLine): string => `${l.sign} ${'  '.repeat(l.depth)}${l.text}`.trimEnd();
