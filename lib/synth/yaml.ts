/**
 * YAML for plain JSON data, byte for byte what `yaml`'s `stringify(value, YAML_OPTIONS)` writes, some
 * twenty times faster (4,100 objects: 20-50 ms instead of 0.6-0.8 s; serialization was the largest cost
 * of a big fleet's synth after start-up). It writes block collections and single-line scalars itself and
 * hands every document with something rarer (a multi-line string, a control character, a non-finite
 * number, a non-plain object) to `yaml` as a whole, so what it does not know it never guesses.
 * test/yaml.test.ts checks the two agree on generated data.
 */
import { stringify } from 'yaml';

/** Keys as given (cdk8s sorts them), no line folding, no anchors. */
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** Deterministic YAML of one document. */
export function toYaml(value: unknown): string {
  return fastYaml(value) ?? stringify(value, YAML_OPTIONS);
}

/** The YAML of a plain JSON map or list, or undefined when it holds anything this writer leaves to `yaml`. */
export function fastYaml(value: unknown): string | undefined {
  try {
    if (Array.isArray(value)) return value.length ? seq(value, '') : '[]\n';
    if (isPlainObject(value)) return map(value, '') || '{}\n';
    return undefined;
  } catch (err) {
    if (err === UNSUPPORTED) return undefined;
    throw err;
  }
}

const UNSUPPORTED = new Error('left to yaml');

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The entries of a non-empty map at `indent`, one `key: value` per line (nested collections below). */
function map(obj: Record<string, unknown>, indent: string): string {
  let out = '';
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v === undefined) continue; // as yaml: a key without a value is left out
    out += `${indent}${str(key, true)}:${afterKey(v, indent)}`;
  }
  return out;
}

function afterKey(v: unknown, indent: string): string {
  if (Array.isArray(v)) return v.length ? `\n${seq(v, `${indent}  `)}` : ' []\n';
  if (isPlainObject(v)) {
    const body = map(v, `${indent}  `);
    return body ? `\n${body}` : ' {}\n';
  }
  return ` ${scalar(v)}\n`;
}

/** The items of a non-empty list at `indent`; a nested collection starts on the dash's line. */
function seq(items: readonly unknown[], indent: string): string {
  let out = '';
  const inner = `${indent}  `;
  for (const v of items) {
    if (Array.isArray(v)) out += v.length ? `${indent}- ${seq(v, inner).slice(inner.length)}` : `${indent}- []\n`;
    else if (isPlainObject(v)) {
      const body = map(v, inner);
      out += body ? `${indent}- ${body.slice(inner.length)}` : `${indent}- {}\n`;
    } else out += `${indent}- ${scalar(v)}\n`;
  }
  return out;
}

function scalar(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return str(v, false);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw UNSUPPORTED;
      return Object.is(v, -0) ? '-0' : JSON.stringify(v);
    case 'object':
      if (v === null) return 'null';
      throw UNSUPPORTED;
    default:
      throw UNSUPPORTED; // undefined in a list, bigint, function, symbol
  }
}

/** Needs yaml's block scalars, escapes or indentation-dependent rules: newlines, control characters, document markers. */
const RARE = /[\n\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]|^(?:%|---|\.\.\.)/u;
/** Cannot be a plain scalar (yaml's plainString): indicators at the start, `: ` and ` #` inside, space or `:` at the end. */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Would read back as null, a boolean or a number (the YAML 1.2 core schema), so a string must be quoted. */
const OTHER_TYPE = /^(?:~|[Nn]ull|NULL)?$|^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$|^0o[0-7]+$|^[-+]?[0-9]+$|^0x[0-9a-fA-F]+$|^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$|^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$|^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
/** yaml writes longer keys as explicit `? key` entries. */
const MAX_IMPLICIT_KEY = 1024;

/** A single-line string: plain if it reads back as itself, else quoted the way yaml quotes it. */
function str(s: string, isKey: boolean): string {
  if (RARE.test(s) || (isKey && s.length > MAX_IMPLICIT_KEY)) throw UNSUPPORTED;
  if (!NOT_PLAIN.test(s) && !OTHER_TYPE.test(s)) return s;
  // yaml prefers double quotes, and single quotes for a string with only double quotes in it.
  return s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s);
}
