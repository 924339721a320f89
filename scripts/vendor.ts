/**
 * Copies upstream data files (CRDs, chart values and schemas, Kubernetes OpenAPI documents, Talos
 * config schemas) from a folder laid out as `<area>/<...>` into schemas/upstream/, the repository's
 * own copy that `npm run import` reads. Run it when a new upstream version arrives:
 *
 *   npm run vendor -- <upstream folder>              refresh every file already vendored
 *   npm run vendor -- <upstream folder> <path>...    add these files or folders (paths below the folder)
 *
 * Schemas used only for validation are made compact (string `description`s dropped, JSON minified, CRD
 * YAML re-dumped; chart files stay as they are): the schema compiler drops descriptions anyway. Files cdk8s.yaml imports as bindings
 * are copied byte for byte, so the generated bindings keep their doc comments. The provenance rows of
 * the folder's SOURCES.md for every vendored file are kept in schemas/upstream/SOURCES.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { byString } from '../lib/order';

const root = path.resolve(__dirname, '..');
const vendorDir = path.join(root, 'schemas', 'upstream');

/** Copies of a user's inputs, added by `npm run import` (scripts/user-inputs.ts), not by this script. */
const USER_FILES = /^(crds|charts)\/user\//;

/** Folders never vendored: prose, read by people, not by the tool. */
const SKIPPED = [/(^|\/)docs\//, /(^|\/)release\.toml$/];

/* eslint-disable @typescript-eslint/no-explicit-any */
function stripDescriptions(node: any): any {
  if (Array.isArray(node)) return node.map(stripDescriptions);
  if (node === null || typeof node !== 'object') return node;
  const out: any = {};
  // A string `description` is documentation; an object one is a property that happens to be named so.
  for (const [k, v] of Object.entries(node)) if (!(k === 'description' && typeof v === 'string')) out[k] = stripDescriptions(v);
  return out;
}

/** Files cdk8s.yaml imports as bindings: copied unchanged. */
function bindingSources(): Set<string> {
  const config = parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')) as { imports?: string[] };
  const out = new Set<string>();
  for (const spec of config.imports ?? []) {
    const source = spec.includes(':=') ? spec.slice(spec.indexOf(':=') + 2) : spec;
    const k8s = /^k8s@([\d.]+)$/.exec(source);
    if (k8s) out.add(`kubernetes/cdk8s-kubernetes-schemas/v${k8s[1]}/_definitions.json`);
    else out.add(path.relative(vendorDir, path.resolve(root, source)).split(path.sep).join('/'));
  }
  return out;
}

function compact(rel: string, text: string): string {
  if (/^(kubernetes|talos)\/.*\.json$/.test(rel)) return JSON.stringify(stripDescriptions(JSON.parse(text))) + '\n';
  if (/^crds\/.*\.ya?ml$/.test(rel)) {
    return parseAllDocuments(text).map((d) => stringify(stripDescriptions(d.toJS()), { lineWidth: 0 })).join('---\n');
  }
  return text;
}

function listFiles(dir: string, rel = ''): string[] {
  const abs = path.join(dir, rel);
  if (!fs.existsSync(abs)) throw new Error(`${abs} does not exist`);
  if (fs.statSync(abs).isFile()) return [rel];
  return fs.readdirSync(abs).flatMap((name) => listFiles(dir, rel ? `${rel}/${name}` : name));
}

/** The rows of a SOURCES.md table (`| \`file\` | ... |`) keyed by file, and the text before the table. */
function sourceRows(text: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\| `([^`]+)` \|/.exec(line);
    if (m && !rows.has(m[1])) rows.set(m[1], line);
  }
  return rows;
}

function main(): void {
  const [from, ...wanted] = process.argv.slice(2);
  if (!from) throw new Error('usage: npm run vendor -- <upstream folder> [path ...]');
  const source = path.resolve(from);
  // A user's own CRDs and chart schemas (`npm run import -- --crd`, `--chart-schema`) are not upstream
  // files of the folder; their provenance is in schemas/sources.yaml.
  const existing = fs.existsSync(vendorDir) ? listFiles(vendorDir).filter((f) => f !== 'SOURCES.md' && !USER_FILES.test(f)) : [];
  const files = [...new Set([...existing, ...wanted.flatMap((w) => listFiles(source, w.replace(/\/$/, '')))])]
    .filter((f) => !SKIPPED.some((re) => re.test(f)))
    .sort(byString);
  const bindings = bindingSources();
  for (const rel of files) {
    const text = fs.readFileSync(path.join(source, rel), 'utf8');
    const target = path.join(vendorDir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, bindings.has(rel) ? text : compact(rel, text));
  }
  const upstreamSources = path.join(source, 'SOURCES.md');
  const rows = fs.existsSync(upstreamSources) ? sourceRows(fs.readFileSync(upstreamSources, 'utf8')) : new Map<string, string>();
  const previous = fs.existsSync(path.join(vendorDir, 'SOURCES.md')) ? sourceRows(fs.readFileSync(path.join(vendorDir, 'SOURCES.md'), 'utf8')) : new Map<string, string>();
  const summary = fs.existsSync(upstreamSources) ? /## Version summary\n[\s\S]*?(?=\n## )/.exec(fs.readFileSync(upstreamSources, 'utf8'))?.[0] : undefined;
  const previousSummary = fs.existsSync(path.join(vendorDir, 'SOURCES.md')) ? /## Version summary\n[\s\S]*?(?=\n## )/.exec(fs.readFileSync(path.join(vendorDir, 'SOURCES.md'), 'utf8'))?.[0] : undefined;
  const table = files.map((f) => rows.get(f) ?? previous.get(f) ?? `| \`${f}\` | (no provenance recorded) | | | | | | |`);
  fs.writeFileSync(path.join(vendorDir, 'SOURCES.md'), [
    '# Vendored upstream files: where they came from',
    '',
    'Written by `npm run vendor` (scripts/vendor.ts); `npm run import` reads these files and nothing outside the repository.',
    'Each file was copied from its upstream repository at the version below. Files that cdk8s.yaml imports as bindings are',
    'byte-identical to upstream (the blob id checks them); the others are compact: string `description` fields removed, JSON',
    'minified, CRD YAML re-dumped. Compacting changes nothing the schema compiler keeps.',
    '',
    ...(summary ?? previousSummary ? [(summary ?? previousSummary) as string, ''] : []),
    '## Files',
    '',
    '| File (under schemas/upstream/) | Upstream repository | Upstream path | Version (ref) | Commit | Commit date | Licence | Blob |',
    '|---|---|---|---|---|---|---|---|',
    ...table,
    '',
  ].join('\n'));
  console.log(`vendor: ${files.length} files in schemas/upstream/`);
}

try {
  main();
} catch (err) {
  console.error(`vendor failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
