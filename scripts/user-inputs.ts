/**
 * A user's own upstream inputs, added by `npm run import`:
 *
 *   --crd <file or https URL> [--version <v>] [--no-binding]
 *       copies the CRD file to schemas/upstream/crds/user/, lists it under `crds:` in schemas/sources.yaml
 *       (its kinds are validated) and, unless --no-binding, under `imports:` in cdk8s.yaml (a typed binding
 *       in imports/);
 *   --chart-schema <chart>@<version> <values.schema.json file or https URL> [<values.yaml file or URL>]
 *       copies the chart's values schema (and default values) to schemas/upstream/charts/user/<chart>-<version>/
 *       and lists it under `charts:` in schemas/sources.yaml: HelmRelease values of that chart version are
 *       checked, and imports/values-<chart>.ts gets a TypeScript interface of them.
 *
 * The copies are what `npm run import` reads afterwards, so a plain clone regenerates the same output with
 * no network. Provenance (the file or URL given, and the version) is kept in the entry's `source` and
 * `version`. Every mistake is a UsageError: one line, nothing changed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, isMap, isSeq, parseAllDocuments, parseDocument, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { newAjv } from '../lib/synth/validation/ajv';
import { isExactVersion } from '../lib/validators';

/** A mistake in the command or its inputs, reported in one line. */
export class UsageError extends Error {}

/** Where the copies of a user's inputs go, below the repository root. */
export const USER_CRDS = 'schemas/upstream/crds/user';
export const USER_CHARTS = 'schemas/upstream/charts/user';

const TOSTRING = { lineWidth: 0, flowCollectionPadding: false } as const;

/** A file's text, from a local path (relative to the working directory) or an https:// URL. */
export async function readInput(location: string, what: string): Promise<string> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    if (!location.startsWith('https://')) throw new UsageError(`${location}: only https:// URLs are downloaded (or give a local file)`);
    let res: Response;
    try {
      res = await fetch(location, { redirect: 'follow' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new UsageError(`cannot download ${what} from ${location}: network error (${cause?.code ?? cause?.message ?? (err as Error).message})`);
    }
    if (!res.ok) throw new UsageError(`cannot download ${what} from ${location}: HTTP ${res.status} ${res.statusText}`.trimEnd());
    return res.text();
  }
  const file = path.resolve(location);
  if (!fs.existsSync(file)) throw new UsageError(`${location}: no such file (give the path of the ${what} or its https:// URL)`);
  if (!fs.statSync(file).isFile()) throw new UsageError(`${location}: not a file (give the path of the ${what} or its https:// URL)`);
  return fs.readFileSync(file, 'utf8');
}

/** A version in the URL (`.../v1.21.1/...`, `...-1.2.3.yaml`), if it names one. */
export function versionInUrl(location: string): string | undefined {
  if (!location.startsWith('https://')) return undefined;
  return /[/@_-](v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?=[/]|\.ya?ml$|\.json$)/.exec(location)?.[1];
}

const fileNameOf = (location: string) => decodeURIComponent(location.replace(/[?#].*$/, '').replace(/\/+$/, '').split('/').pop() ?? '');

interface CrdInfo {
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
}

/** The CustomResourceDefinitions of a YAML text; a UsageError when it holds anything else. */
export function crdsOf(text: string, location: string): CrdInfo[] {
  const docs = parseAllDocuments(text);
  const out: CrdInfo[] = [];
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length) throw new UsageError(`${location}: not YAML (${doc.errors[0].message.split('\n')[0]})`);
    const obj = doc.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown }; spec?: { group?: unknown; names?: { kind?: unknown; plural?: unknown }; versions?: unknown } } | null;
    if (obj === null || obj === undefined) continue;
    const what = docs.length > 1 ? `document ${i + 1}` : 'it';
    if (typeof obj !== 'object' || obj.kind !== 'CustomResourceDefinition') {
      const kind = typeof obj === 'object' && typeof obj.kind === 'string' ? `a ${obj.kind}` : 'no Kubernetes object';
      throw new UsageError(`${location}: not a CustomResourceDefinition (${what} is ${kind})`);
    }
    if (obj.apiVersion !== 'apiextensions.k8s.io/v1') throw new UsageError(`${location}: ${what} is a CustomResourceDefinition of ${String(obj.apiVersion)}; only apiextensions.k8s.io/v1 is served`);
    const spec = obj.spec;
    if (typeof spec?.group !== 'string' || typeof spec.names?.kind !== 'string' || typeof spec.names.plural !== 'string' || !Array.isArray(spec.versions)) {
      throw new UsageError(`${location}: ${what} is not a complete CustomResourceDefinition (spec.group, spec.names.kind, spec.names.plural and spec.versions are needed)`);
    }
    out.push({ name: String(obj.metadata?.name ?? ''), group: spec.group, kind: spec.names.kind, plural: spec.names.plural });
  }
  if (!out.length) throw new UsageError(`${location}: no CustomResourceDefinition in it`);
  return out;
}

export interface CrdOptions {
  readonly location: string;
  readonly version?: string;
  readonly binding: boolean;
}

/** The changes an import makes, applied together after every input has been read and checked. */
export interface Edits {
  /** Repository-relative path → new content. */
  readonly files: Map<string, string>;
  /** One line per input, for the summary. */
  readonly added: string[];
}

/** Reads and checks a CRD, and plans its copy and its entries in schemas/sources.yaml and cdk8s.yaml. */
export async function addCrd(root: string, opts: CrdOptions, edits: Edits): Promise<void> {
  const text = await readInput(opts.location, 'CRD');
  const crds = crdsOf(text, opts.location);
  let base = fileNameOf(opts.location).replace(/[^A-Za-z0-9._-]/g, '-');
  if (!/\.ya?ml$/.test(base)) base = `${crds.length === 1 ? `${crds[0].group}_${crds[0].plural}` : base || 'crds'}.yaml`;
  const copy = `${USER_CRDS}/${base}`;
  const version = opts.version ?? versionInUrl(opts.location);
  const source = sourceOf(root, opts.location);
  edits.files.set(copy, text);

  const sources = loadYaml(root, 'schemas/sources.yaml', edits);
  const crdsSeq = sources.get('crds');
  if (!isSeq(crdsSeq)) throw new UsageError('schemas/sources.yaml: no crds: list');
  removeWhere(crdsSeq, (item) => {
    const files = item.get('files');
    return isSeq(files) && files.items.some((f) => String((f as Scalar).value ?? f) === copy);
  });
  const entry = sources.createNode({ source, ...(version ? { version } : {}), files: [copy] }) as YAMLMap;
  (entry.get('files', true) as unknown as YAMLSeq).flow = true;
  crdsSeq.add(entry);
  edits.files.set('schemas/sources.yaml', sources.toString(TOSTRING));

  if (opts.binding) {
    const config = loadYaml(root, 'cdk8s.yaml', edits);
    const imports = config.get('imports');
    if (!isSeq(imports)) throw new UsageError('cdk8s.yaml: no imports: list');
    removeWhere(imports, (item) => String(item.value).endsWith(`:=${copy}`) || String(item.value) === copy);
    const prefix = crds.length === 1 ? crds[0].plural : base.replace(/\.ya?ml$/, '').toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const spec = new Scalar(`${prefix}:=${copy}`);
    spec.commentBefore = ` ${source}${version ? ` (${version})` : ''}; added by npm run import -- --crd`;
    imports.add(spec);
    edits.files.set('cdk8s.yaml', config.toString(TOSTRING));
  }
  const kinds = crds.map((c) => `${c.group} ${c.kind}`).join(', ');
  edits.added.push(`CRD ${kinds} from ${source}${version ? ` (${version})` : ''} → ${copy}${opts.binding ? ' (validated, typed binding in imports/)' : ' (validated)'}`);
}

export interface ChartSchemaOptions {
  /** `<chart>@<version>` */
  readonly chart: string;
  readonly schema: string;
  readonly values?: string;
}

const CHART_NAME = /^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/;

/** Reads and checks a chart's values schema (and values.yaml), and plans their copies and their `charts:` entry. */
export async function addChartSchema(root: string, opts: ChartSchemaOptions, edits: Edits): Promise<void> {
  const at = opts.chart.lastIndexOf('@');
  const chart = at < 0 ? opts.chart : opts.chart.slice(0, at);
  const version = at < 0 ? '' : opts.chart.slice(at + 1);
  if (at < 0 || !CHART_NAME.test(chart)) throw new UsageError(`${JSON.stringify(opts.chart)} is not <chart>@<version> (as in cert-manager@v1.21.1)`);
  if (!isExactVersion(version)) throw new UsageError(`${JSON.stringify(version)} is not a pinned chart version (an exact SemVer such as 1.2.3, not a range)`);

  const schemaText = await readInput(opts.schema, 'values.schema.json');
  let schema: unknown;
  try {
    schema = JSON.parse(schemaText);
  } catch (err) {
    throw new UsageError(`${opts.schema}: not JSON (${(err as Error).message})`);
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new UsageError(`${opts.schema}: not a JSON schema (a JSON object is expected)`);
  try {
    const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
    newAjv().compile(rest);
  } catch (err) {
    throw new UsageError(`${opts.schema}: not a JSON schema the gate can use (${(err as Error).message.split('\n')[0]})`);
  }
  const dir = `${USER_CHARTS}/${chart}-${version}`;
  edits.files.set(`${dir}/values.schema.json`, schemaText);
  if (opts.values !== undefined) {
    const valuesText = await readInput(opts.values, 'values.yaml');
    const doc = parseDocument(valuesText);
    if (doc.errors.length) throw new UsageError(`${opts.values}: not YAML (${doc.errors[0].message.split('\n')[0]})`);
    const values = doc.toJS();
    if (values !== null && (typeof values !== 'object' || Array.isArray(values))) throw new UsageError(`${opts.values}: not a values.yaml (a YAML mapping is expected)`);
    edits.files.set(`${dir}/values.yaml`, valuesText);
  }

  const sources = loadYaml(root, 'schemas/sources.yaml', edits);
  let charts = sources.get('charts');
  if (charts === undefined || charts === null) {
    charts = sources.createNode([]);
    sources.set('charts', charts);
  }
  if (!isSeq(charts)) throw new UsageError('schemas/sources.yaml: charts: is not a list');
  removeWhere(charts, (item) => item.get('chart') === chart && String(item.get('version')) === version);
  const source = sourceOf(root, opts.schema);
  charts.add(sources.createNode({
    chart,
    version,
    source,
    schema: `${dir}/values.schema.json`,
    ...(opts.values !== undefined ? { values: `${dir}/values.yaml`, valuesSource: sourceOf(root, opts.values) } : {}),
  }));
  edits.files.set('schemas/sources.yaml', sources.toString(TOSTRING));
  edits.added.push(`values schema of ${chart}@${version} from ${source} → ${dir}/ (HelmRelease values checked, interface in imports/values-${chart}.ts)`);
}

/** An input's provenance as recorded: the URL, or the local path relative to the repository root. */
function sourceOf(root: string, location: string): string {
  if (location.startsWith('https://')) return location;
  const rel = path.relative(root, path.resolve(location)).split(path.sep).join('/');
  return rel.startsWith('..') ? path.resolve(location) : rel;
}

/** A YAML file of the repository, as planned so far (an import may edit it twice). */
function loadYaml(root: string, rel: string, edits: Edits): Document {
  const text = edits.files.get(rel) ?? fs.readFileSync(path.join(root, rel), 'utf8');
  return parseDocument(text);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function removeWhere(seq: YAMLSeq, match: (item: any) => boolean): void {
  seq.items = seq.items.filter((item) => !((isMap(item) || item instanceof Scalar) && match(item)));
}

/**
 * Writes the planned files; returns a function that puts back what was there before (used when the
 * regeneration that follows fails, so a failed import changes nothing).
 */
export function applyEdits(root: string, edits: Edits): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [rel, content] of edits.files) {
    const abs = path.join(root, rel);
    previous.set(rel, fs.existsSync(abs) ? fs.readFileSync(abs, 'utf8') : undefined);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
  return () => {
    for (const [rel, content] of previous) {
      const abs = path.join(root, rel);
      if (content === undefined) fs.rmSync(abs, { force: true });
      else fs.writeFileSync(abs, content);
    }
  };
}
