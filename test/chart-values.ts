/**
 * Checks of HelmRelease values against the repository's copy of the upstream chart files
 * (schemas/upstream/charts, see `npm run vendor`): the values a chart would see after Helm merges
 * ours over its values.yaml, and the keys we set that its values.yaml does not have.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

export const UPSTREAM = path.resolve(__dirname, '..', 'schemas', 'upstream');

/** The project's generated copy of a chart's values schema and defaults (schemas/charts/, see `npm run import`). */
export function projectChartSchema(chart: string, version: string): { schema: object; defaults: Record<string, unknown> } {
  return JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'schemas', 'charts', `${chart}-${version}.json`), 'utf8'));
}

export function readUpstream(rel: string): string {
  return fs.readFileSync(path.join(UPSTREAM, rel), 'utf8');
}

/** A chart's values.yaml, parsed. */
export function chartDefaults(chart: string): Record<string, unknown> {
  return parse(readUpstream(`charts/${chart}/values.yaml`)) as Record<string, unknown>;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's coalescing of user values over chart defaults: maps merge key by key, anything else (lists too) replaces. */
export function coalesce(defaults: unknown, values: unknown): unknown {
  if (!isMap(defaults) || !isMap(values)) return values === undefined ? defaults : values;
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(values)) out[k] = coalesce(defaults[k], v);
  return out;
}

/**
 * Paths of keys in `values` that the chart's defaults do not have. An empty or null default is a free
 * form the chart passes through (`config: {}`, `initContainers:`); list items are compared with the first
 * default item. `skip` names paths checked elsewhere (such as a policy with its own API types).
 */
export function unknownKeys(values: unknown, defaults: unknown, skip: readonly string[] = [], at = ''): string[] {
  if (skip.includes(at)) return [];
  if (Array.isArray(values)) {
    const template = Array.isArray(defaults) ? defaults[0] : undefined;
    return template === undefined ? [] : values.flatMap((v, i) => unknownKeys(v, template, skip, `${at}[${i}]`));
  }
  if (!isMap(values) || !isMap(defaults) || Object.keys(defaults).length === 0) return [];
  return Object.entries(values).flatMap(([k, v]) => {
    const child = at ? `${at}.${k}` : k;
    return k in defaults ? unknownKeys(v, defaults[k], skip, child) : [child];
  });
}

/** The JSON field names a Go types file declares (`json:"name,omitempty"`). */
export function goJsonFields(rel: string): Set<string> {
  const names = [...readUpstream(rel).matchAll(/json:"([A-Za-z0-9]+)[,"]/g)].map((m) => m[1]);
  return new Set(names);
}
