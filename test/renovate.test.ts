/**
 * Renovate-ready pins: every version pinned in lib/versions.ts is extracted by one of the custom managers
 * of renovate.json (run here as Renovate runs them: each matchString as a global regex over the file),
 * and the generated chart-values schemas agree with the pinned charts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CHARTS, FLUX_DISTRIBUTION, IMAGES, KUBERNETES_VERSION, TALOS_VERSION, TERRAFORM_PROVIDERS } from '../lib/versions';

const root = path.resolve(__dirname, '..');
const VERSIONS_FILE = 'lib/versions.ts';
const versionsSource = fs.readFileSync(path.join(root, VERSIONS_FILE), 'utf8');

interface CustomManager {
  readonly customType: string;
  readonly managerFilePatterns: readonly string[];
  readonly matchStrings: readonly string[];
  readonly datasourceTemplate?: string;
  readonly depNameTemplate?: string;
  readonly versioningTemplate?: string;
}

const renovate = JSON.parse(fs.readFileSync(path.join(root, 'renovate.json'), 'utf8')) as { customManagers: CustomManager[] };

/** A managerFilePatterns entry: `/regex/` (a regular expression) or a glob, which none of ours is. */
const filePattern = (p: string) => {
  const m = /^\/(.*)\/$/.exec(p);
  if (!m) throw new Error(`managerFilePatterns entry ${p} is not a /regex/`);
  return new RegExp(m[1]);
};

/** One dependency a manager extracted: what Renovate would look up, and the line its version is on. */
interface Extracted {
  readonly manager: number;
  readonly datasource: string;
  readonly depName: string;
  readonly currentValue: string;
  readonly registryUrl?: string;
  readonly extractVersion?: string;
  /** 1-based line of currentValue. */
  readonly line: number;
}

/** What the managers of renovate.json that apply to `file` extract from `source`. */
function extract(managers: readonly CustomManager[], file: string, source: string): Extracted[] {
  const out: Extracted[] = [];
  managers.forEach((manager, index) => {
    if (manager.customType !== 'regex' || !manager.managerFilePatterns.some((p) => filePattern(p).test(file))) return;
    for (const matchString of manager.matchStrings) {
      for (const m of source.matchAll(new RegExp(matchString, 'g'))) {
        const g = m.groups ?? {};
        const valueAt = (m.index ?? 0) + m[0].lastIndexOf(g.currentValue ?? '');
        out.push({
          manager: index,
          datasource: g.datasource ?? manager.datasourceTemplate ?? '',
          depName: g.depName ?? manager.depNameTemplate ?? '',
          currentValue: g.currentValue ?? '',
          registryUrl: g.registryUrl,
          extractVersion: g.extractVersion,
          line: source.slice(0, valueAt).split('\n').length,
        });
      }
    }
  });
  return out;
}

/** The comment that marks the next line's versions as no pin (a set of supported versions, say): `// not a pin: <why>`. */
const NOT_A_PIN = /^\s*\/\/ not a pin: \S/;

/**
 * Every version-like quoted value on a code line of the source (not a comment, not an object key, not
 * after a `// not a pin: <why>` line): a version (`1.34`, `v26.7.0`) or an image's tag. Returns
 * `line: value` for each one no manager extracts.
 */
function unextractedPins(source: string, extracted: readonly Extracted[]): string[] {
  const missing: string[] = [];
  const lines = source.split('\n');
  lines.forEach((text, i) => {
    if (/^\s*(\/\/|\/\*|\*)/.test(text) || (i > 0 && NOT_A_PIN.test(lines[i - 1]))) return;
    for (const m of text.matchAll(/'([^'\n]+)'(?!\s*:)/g)) {
      const quoted = m[1];
      const version = /^v?\d+(\.\d+)+$/.test(quoted) ? quoted : /^[^\s:]+(:\d+)?[^\s:]*:([\w.-]+)$/.exec(quoted)?.[2];
      if (version === undefined || /^https?:|^oci:/.test(quoted)) continue;
      if (!extracted.some((e) => e.line === i + 1 && e.currentValue === version)) missing.push(`${i + 1}: ${quoted}`);
    }
  });
  return missing;
}

const extracted = extract(renovate.customManagers, VERSIONS_FILE, versionsSource);
const byValue = (depName: string) => extracted.filter((e) => e.depName === depName);

describe('renovate.json custom managers over lib/versions.ts', () => {
  it('use only what RE2 (which Renovate runs them with) and JavaScript both accept: named groups, no lookaround, no backreferences', () => {
    for (const m of renovate.customManagers) {
      expect(m.customType).toBe('regex');
      for (const s of m.matchStrings) {
        expect(s).not.toMatch(/\(\?<?[=!]|\\[1-9]|\\k</);
        expect(s).toMatch(/\(\?<currentValue>/);
        expect(() => new RegExp(s, 'g')).not.toThrow();
      }
    }
  });

  it('extract every pinned version in the file', () => {
    expect(unextractedPins(versionsSource, extracted)).toEqual([]);
  });

  it('fail on a pin without an annotation, or with one no manager reads', () => {
    const added = versionsSource.replace(
      'export const CHARTS = {\n',
      "export const CHARTS = {\n  podinfo: { repository: 'https://stefanprodan.github.io/podinfo', chart: 'podinfo', version: '6.9.0' },\n" +
        "  // renovate: datasource=npm depName=podinfo\n  other: { repository: 'https://example.com/charts', chart: 'other', version: '1.2.3' },\n",
    );
    const line = (text: string) => added.split('\n').findIndex((l) => l.includes(text)) + 1;
    expect(unextractedPins(added, extract(renovate.customManagers, VERSIONS_FILE, added))).toEqual([
      `${line("chart: 'podinfo'")}: 6.9.0`,
      `${line("chart: 'other'")}: 1.2.3`,
    ]);
  });

  it('skip a line marked as no pin, such as a set of supported versions', () => {
    const sets = `${versionsSource}\n// not a pin: the minors the repository holds schemas for\nexport const SUPPORTED = ['1.34', '1.35'] as const;\nexport const OTHER = ['1.13', '1.14'] as const;\n`;
    const line = sets.split('\n').findIndex((l) => l.includes('OTHER')) + 1;
    expect(unextractedPins(sets, extract(renovate.customManagers, VERSIONS_FILE, sets))).toEqual([`${line}: 1.13`, `${line}: 1.14`]);
  });

  it('extract each pin once, with the datasource, name and registry Renovate looks it up by', () => {
    const keys = extracted.map((e) => `${e.line}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const pin of Object.values(CHARTS)) {
      const oci = pin.repository.startsWith('oci://');
      const depName = oci ? `${pin.repository.slice('oci://'.length)}/${pin.chart}` : pin.chart;
      expect(byValue(depName)).toEqual([expect.objectContaining({ datasource: oci ? 'docker' : 'helm', currentValue: pin.version, registryUrl: oci ? undefined : pin.repository })]);
    }
    for (const image of Object.values(IMAGES)) {
      const [, name, tag] = /^(.+):([^:]+)$/.exec(image) ?? [];
      expect(byValue(name)).toEqual([expect.objectContaining({ datasource: 'docker', currentValue: tag })]);
    }
    for (const provider of Object.values(TERRAFORM_PROVIDERS)) {
      expect(byValue(provider.source)).toEqual([expect.objectContaining({ datasource: 'terraform-provider', currentValue: provider.version })]);
    }
    expect(byValue('kubernetes/kubernetes')).toEqual([expect.objectContaining({ datasource: 'github-releases', currentValue: KUBERNETES_VERSION })]);
    expect(byValue('siderolabs/talos')).toEqual([expect.objectContaining({ datasource: 'github-releases', currentValue: TALOS_VERSION })]);
    expect(byValue('fluxcd/flux2').map((e) => e.currentValue)).toEqual(Object.values(FLUX_DISTRIBUTION.versions));
  });

  it('map release tags to the pinned form with extractVersion (v1.34.2 → 1.34, v2.9.4 → 2.9.4; no pre-releases)', () => {
    const version = (depName: string, tag: string) => {
      const e = byValue(depName)[0];
      // Renovate's extractVersion is a regex with a named group `version`, applied to each release's tag.
      return e.extractVersion ? new RegExp(e.extractVersion).exec(tag)?.groups?.version : tag;
    };
    expect(version('kubernetes/kubernetes', 'v1.35.2')).toBe('1.35');
    expect(version('kubernetes/kubernetes', 'v1.36.0-rc.1')).toBeUndefined();
    expect(version('siderolabs/talos', 'v1.14.0')).toBe('1.14');
    expect(version('fluxcd/flux2', 'v2.10.0')).toBe('2.10.0');
    expect(version('fluxcd/flux2', 'v2.10.0-rc.2')).toBeUndefined();
  });
});

// ---- pinned charts vs generated values schemas ----------------------------------------------------------

interface SchemaSources {
  readonly charts: ReadonlyArray<{ readonly chart: string; readonly version: string; readonly schema: string; readonly values: string }>;
}
interface SchemaIndex {
  readonly charts: Record<string, Record<string, { readonly file: string }>>;
}

/**
 * How the pinned charts and the generated values schemas disagree: a chart whose values are validated
 * must have its schema generated (schemas/sources.yaml → schemas/index.json → schemas/charts/) for exactly
 * the pinned version, from vendored chart files of that version; a generated schema must belong to a pin.
 */
function chartSchemaMismatches(
  charts: Readonly<Record<string, { readonly chart: string; readonly version: string }>>,
  sources: SchemaSources,
  index: SchemaIndex,
  readFile: (relative: string) => string | undefined,
): string[] {
  const fix = 'run npm run vendor (the new chart files into schemas/upstream/charts/), set the version in schemas/sources.yaml, then npm run import';
  const pins = new Map(Object.values(charts).map((p) => [p.chart, p.version]));
  const problems: string[] = [];
  const chartNames = [...new Set([...sources.charts.map((c) => c.chart), ...Object.keys(index.charts)])].sort();
  for (const chart of chartNames) {
    const pinned = pins.get(chart);
    const generated = Object.keys(index.charts[chart] ?? {}).sort();
    const listed = sources.charts.filter((c) => c.chart === chart).map((c) => c.version);
    if (pinned === undefined) {
      problems.push(`${chart}: schemas/index.json has values schemas (${generated.join(', ')}) for a chart lib/versions.ts does not pin; remove it from schemas/sources.yaml and run npm run import`);
      continue;
    }
    if (listed.join() !== pinned) {
      problems.push(`${chart}: pinned ${pinned} in lib/versions.ts, but schemas/sources.yaml lists ${listed.join(', ') || 'no version'}; ${fix}`);
    }
    if (generated.join() !== pinned) {
      problems.push(`${chart}: pinned ${pinned} in lib/versions.ts, but the generated values schema is for ${generated.join(', ') || 'no version'} (schemas/index.json); ${fix}`);
      continue;
    }
    const file = readFile(`schemas/${index.charts[chart][pinned].file}`);
    const content = file === undefined ? undefined : (JSON.parse(file) as { chart?: string; version?: string });
    if (content?.chart !== chart || content.version !== pinned) {
      problems.push(`${chart}: schemas/${index.charts[chart][pinned].file} is missing or not chart ${chart} ${pinned}; ${fix}`);
    }
    const source = sources.charts.find((c) => c.chart === chart);
    const vendored = source && readFile(path.join(path.dirname(source.values), 'Chart.yaml'));
    const vendoredVersion = vendored === undefined ? undefined : String((parse(vendored) as { version?: unknown }).version);
    if (vendoredVersion !== pinned) {
      problems.push(`${chart}: pinned ${pinned} in lib/versions.ts, but the vendored chart files are ${vendoredVersion ?? 'missing'} (${source ? path.dirname(source.values) : 'schemas/upstream/charts'}); ${fix}`);
    }
  }
  return problems;
}

describe('pinned charts and their generated values schemas', () => {
  const sources = parse(fs.readFileSync(path.join(root, 'schemas/sources.yaml'), 'utf8')) as SchemaSources;
  const index = JSON.parse(fs.readFileSync(path.join(root, 'schemas/index.json'), 'utf8')) as SchemaIndex;
  const readFile = (relative: string) => {
    const file = path.join(root, relative);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  };

  it('agree: every chart whose values are validated has its schema for exactly the pinned version', () => {
    expect(chartSchemaMismatches(CHARTS, sources, index, readFile)).toEqual([]);
    expect(Object.keys(index.charts)).toContain('velero');
  });

  it('disagree when a chart is bumped without npm run vendor and npm run import', () => {
    const bumped = { ...CHARTS, velero: { ...CHARTS.velero, version: '12.2.0' } };
    const fix = 'run npm run vendor (the new chart files into schemas/upstream/charts/), set the version in schemas/sources.yaml, then npm run import';
    expect(chartSchemaMismatches(bumped, sources, index, readFile)).toEqual([
      `velero: pinned 12.2.0 in lib/versions.ts, but schemas/sources.yaml lists 12.1.0; ${fix}`,
      `velero: pinned 12.2.0 in lib/versions.ts, but the generated values schema is for 12.1.0 (schemas/index.json); ${fix}`,
    ]);
    const { velero: _velero, ...unpinned } = CHARTS;
    expect(chartSchemaMismatches(unpinned, sources, index, readFile)).toEqual([
      'velero: schemas/index.json has values schemas (12.1.0) for a chart lib/versions.ts does not pin; remove it from schemas/sources.yaml and run npm run import',
    ]);
    // Sources bumped, import not run.
    const bumpedSources = { charts: sources.charts.map((c) => (c.chart === 'velero' ? { ...c, version: '12.2.0' } : c)) };
    expect(chartSchemaMismatches(bumped, bumpedSources, index, readFile)).toEqual([
      `velero: pinned 12.2.0 in lib/versions.ts, but the generated values schema is for 12.1.0 (schemas/index.json); ${fix}`,
    ]);
  });
});
