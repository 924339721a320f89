/**
 * zod building blocks for the things TypeScript types cannot say: DNS names, cron, durations,
 * quantities, pinned versions. Every add-on validates its props with these, so the same mistake
 * gets the same message everywhere.
 */
import { z } from 'zod';
import { showValue } from './errors';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True for a DNS label (RFC 1123): lowercase letters, digits and '-', at most 63 characters. */
export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

/** True for a DNS subdomain (RFC 1123): labels joined by '.', at most 253 characters. */
export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN.test(s);
}

/** An RFC 1123 label: namespaces, most object names. */
export const dnsLabel = () =>
  z.string().refine(isDnsLabel, {
    error: (iss) => `${showValue(iss.input)} is not a DNS label (lowercase letters, digits and '-', at most 63 characters)`,
  });

/** An RFC 1123 subdomain: names of ConfigMaps, Secrets, most custom resources. */
export const dnsSubdomain = () =>
  z.string().refine(isDnsSubdomain, {
    error: (iss) => `${showValue(iss.input)} is not a DNS subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)`,
  });

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** True for a valid label key: optional DNS-subdomain prefix and a name of at most 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** A map of Kubernetes labels, keys and values checked. */
export const labels = () =>
  z.record(z.string(), z.string()).superRefine((map, ctx) => {
    for (const [k, v] of Object.entries(map)) {
      if (!isLabelKey(k)) ctx.addIssue({ code: 'custom', path: [k], message: `${JSON.stringify(k)} is not a valid label key` });
      else if (!isLabelValue(v)) ctx.addIssue({ code: 'custom', path: [k], message: `${JSON.stringify(v)} is not a valid label value` });
    }
  });

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

/** A Kubernetes LabelSelector with its operators spelled out (imports/k8s types `operator` as any string). */
export interface LabelSelector {
  /** Labels a match must carry. @default {} */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** Requirements a match must meet, all of them. @default [] */
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: (typeof SELECTOR_OPERATORS)[number]; readonly values?: readonly string[] }>;
}

/** A Kubernetes LabelSelector (`matchLabels`, `matchExpressions`), as Velero, the descheduler and policies take it. */
export const labelSelector = () =>
  z.strictObject({
    matchLabels: labels().optional(),
    matchExpressions: z.array(z.strictObject({
      key: z.string().refine(isLabelKey, { error: (iss) => `${showValue(iss.input)} is not a valid label key` }),
      operator: z.enum(SELECTOR_OPERATORS),
      values: z.array(z.string()).optional(),
    }).superRefine((req, ctx) => {
      const takesValues = req.operator === 'In' || req.operator === 'NotIn';
      if (takesValues && !req.values?.length) ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${req.operator} needs at least one value` });
      if (!takesValues && req.values?.length) ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${req.operator} takes no values` });
    })).optional(),
  });

// Go's time.ParseDuration, as Flux, Velero and Kubernetes read durations: "1h30m", "720h", "90s".
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export function isDuration(s: string): boolean {
  return s === '0' || GO_DURATION.test(s);
}

/** A Go duration such as `720h` or `5m30s` (no days: Go has none). */
export const duration = () =>
  z.string().refine(isDuration, {
    error: (iss) => `${showValue(iss.input)} is not a duration (use h, m, s as in 720h or 5m30s)`,
  });

/** Kubernetes resource.Quantity: a signed decimal with an optional binary or decimal suffix, or an exponent. */
export const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

export function isQuantity(s: string): boolean {
  return QUANTITY.test(s);
}

const NOT_A_QUANTITY = 'is not a Kubernetes quantity (for example 250m, 512Mi, 2Gi)';

const QUANTITY_SUFFIX: Readonly<Record<string, number>> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a quantity (bytes, for memory and storage); NaN when it is not one. */
export function quantityBytes(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = QUANTITY.exec(q);
  if (!m) return NaN;
  const suffix = m[3] ?? '';
  // parseFloat reads the number, and an exponent suffix (1e3) with it; the other suffixes are factors.
  return parseFloat(q) * (/^[eE]./.test(suffix) ? 1 : QUANTITY_SUFFIX[suffix]);
}

/** A Kubernetes quantity of at least 0 (what requests, limits and overheads take), such as `250m`, `512Mi` or `2`. */
export const quantity = () =>
  z.union([z.number(), z.string()], { error: (iss) => `${showValue(iss.input)} ${NOT_A_QUANTITY}` }).superRefine((q, ctx) => {
    if (typeof q === 'string' && !isQuantity(q)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(q)} ${NOT_A_QUANTITY}` });
    else if (typeof q === 'number' ? q < 0 : q.startsWith('-')) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(q)} is negative; use a quantity of 0 or more` });
  });

/** A whole percentage, 0 to 100. */
export const percentage = () =>
  z.number({ error: (iss) => `expected a number from 0 to 100, got ${showValue(iss.input)}` })
    .min(0, { error: (iss) => `${iss.input} is not a percentage from 0 to 100` })
    .max(100, { error: (iss) => `${iss.input} is not a percentage from 0 to 100` });

/** An http(s) URL. */
export const httpUrl = () =>
  z.string().refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, { error: (iss) => `${showValue(iss.input)} is not an http(s) URL` });

// An exact SemVer, optionally with a leading "v": no ranges, no wildcards, so Flux installs what was reviewed.
const EXACT_SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export function isExactVersion(s: string): boolean {
  return EXACT_SEMVER.test(s);
}

/** A pinned chart or app version: exact SemVer, never a range. */
export const exactVersion = () =>
  z.string().refine(isExactVersion, {
    error: (iss) => `${showValue(iss.input)} is not a pinned version (an exact SemVer such as 1.2.3, not a range)`,
  });

// ---- cron -----------------------------------------------------------------------------------------
// The standard five-field syntax as Kubernetes CronJobs, Velero and KEDA parse it (robfig/cron's standard
// parser): minute hour day-of-month month day-of-week, with *, ?, ranges, steps, lists and names, plus the
// @yearly/@monthly/@weekly/@daily/@hourly descriptors.

const CRON_FIELDS: ReadonlyArray<{ name: string; min: number; max: number; names?: readonly string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];
const CRON_DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Why a cron expression is invalid, or undefined when it is valid. */
export function cronError(expr: string): string | undefined {
  const trimmed = expr.trim();
  if (trimmed.startsWith('@')) return CRON_DESCRIPTORS.has(trimmed) ? undefined : `unknown descriptor ${trimmed}`;
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) return `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`;
  for (let i = 0; i < 5; i++) {
    const err = cronFieldError(parts[i], CRON_FIELDS[i]);
    if (err) return `${CRON_FIELDS[i].name}: ${err}`;
  }
  return undefined;
}

function cronFieldError(field: string, spec: (typeof CRON_FIELDS)[number]): string | undefined {
  for (const item of field.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) return `${JSON.stringify(item)} has more than one '/'`;
    if (step !== undefined && !/^\d+$/.test(step)) return `step ${JSON.stringify(step)} is not a number`;
    if (step !== undefined && Number(step) === 0) return 'step must be at least 1';
    if (step !== undefined && Number(step) > spec.max) return `step ${step} is larger than the field's maximum ${spec.max}`;
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${JSON.stringify(range)} is not a value or a range`;
    const values = bounds.map((b) => cronValue(b, spec));
    for (let i = 0; i < values.length; i++) {
      if (values[i] === undefined) return `${JSON.stringify(bounds[i])} is not a value from ${spec.min} to ${spec.max}`;
    }
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) return `range ${JSON.stringify(range)} runs backwards`;
  }
  return undefined;
}

function cronValue(token: string, spec: (typeof CRON_FIELDS)[number]): number | undefined {
  const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d+$/.test(token)) return undefined;
  const n = Number(token);
  return n >= spec.min && n <= spec.max ? n : undefined;
}

/** A five-field cron expression or an @descriptor. */
export const cron = () =>
  z.string().superRefine((s, ctx) => {
    const err = cronError(s);
    if (err) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not a valid cron expression: ${err}` });
  });

// ---- time zones -----------------------------------------------------------------------------------
// Go's time.LoadLocation, as KEDA and Kubernetes CronJobs read a zone, opens a tzdata file by its exact
// name: ICU (Intl) knows the same names but matches them case-insensitively, so both are checked.
const IANA_ZONE_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** Names already checked: each Intl.DateTimeFormat costs ~0.1 ms, and a fleet names few zones many times. */
const knownZones = new Map<string, boolean>();

/** True for an IANA time zone name such as `America/New_York` or `UTC`, spelled as tzdata spells it. */
export function isTimeZone(tz: string): boolean {
  let known = knownZones.get(tz);
  if (known === undefined) knownZones.set(tz, (known = checkTimeZone(tz)));
  return known;
}

/** The canonical zone names ICU knows: listing them costs ~3 ms, the first Intl.DateTimeFormat ~40 ms. */
let canonicalZones: ReadonlySet<string> | undefined;

function checkTimeZone(tz: string): boolean {
  if (!IANA_ZONE_SHAPE.test(tz)) return false;
  // A canonical name resolves to itself (test/validators.test.ts checks every one), so it needs no DateTimeFormat.
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalZones.has(tz)) return true;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  // A name ICU resolves to itself in another case ("America/New_york") is not a tzdata file name.
  return resolved === tz || resolved.toLowerCase() !== tz.toLowerCase();
}

/** An IANA time zone name. */
export const timeZone = () =>
  z.string().refine(isTimeZone, {
    error: (iss) => `${showValue(iss.input)} is not an IANA time zone (for example America/New_York, Europe/Berlin or UTC)`,
  });

// ---- plain JSON ---------------------------------------------------------------------------------

/** Why a value is not plain JSON (what YAML and Helm carry unchanged), or undefined when it is. */
function notJson(value: unknown): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not a finite number`;
  if (Array.isArray(value)) return undefined;
  const proto = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) return undefined;
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'class'} instance is not plain data`;
  return `a ${typeof value} is not plain data`;
}

/**
 * A copy of data jsonObject accepts, as `JSON.parse(JSON.stringify(value))` gives it, in one walk: ordinary
 * objects and arrays (none without prototype), undefined properties left out, holes as null, -0 as 0.
 */
export function jsonCopy(value: unknown): unknown {
  if (typeof value === 'number') return value === 0 ? 0 : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = value[i] === undefined ? null : jsonCopy(value[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) setOwn(out, k, jsonCopy(v));
  }
  return out;
}

/** Sets `key` of `out` as JSON.parse does: a `__proto__` key becomes a property (an assignment would set the prototype). */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** An object of plain JSON values (chart values): no functions, NaN, class instances or cycles; undefined properties are absent keys. */
export const jsonObject = () =>
  z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), { error: 'expected an object of plain values' }).superRefine((root, ctx) => {
    const open = new Set<unknown>([root]);
    // One path, changed as the walk goes and copied only into an issue: chart values are big.
    const path: Array<string | number> = [];
    const walk = (value: unknown): void => {
      // Most values are strings, booleans and finite numbers: nothing to look up for them.
      if (typeof value === 'string' || typeof value === 'boolean' || value === null || (typeof value === 'number' && Number.isFinite(value))) return;
      const err = open.has(value) ? 'a value that contains itself is not plain data' : notJson(value);
      if (err) {
        ctx.addIssue({ code: 'custom', path: [...path], message: `${err}; use strings, numbers, booleans, null, arrays and objects` });
        return;
      }
      if (value === null || typeof value !== 'object') return;
      open.add(value);
      if (Array.isArray(value)) value.forEach((v, i) => walkAt(i, v));
      else walkEntries(value as object);
      open.delete(value);
    };
    const walkAt = (key: string | number, value: unknown): void => {
      path.push(key);
      walk(value);
      path.pop();
    };
    // An undefined property is an absent key (cdk8s drops it), the usual shape of optional values in TypeScript.
    const walkEntries = (value: object): void => {
      for (const k of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[k];
        if (v !== undefined) walkAt(k, v);
      }
    };
    walkEntries(root);
  });
