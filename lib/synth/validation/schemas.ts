/**
 * The generated schemas under schemas/ (see scripts/schemas.ts), loaded on demand: a kind's
 * validator is loaded (precompiled) or compiled (any other kind) the first time an object of that
 * kind is validated, and kept for the life of the process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';

/** One kind in schemas/index.json. */
export interface KindEntry {
  /** `$ref` of the kind's schema: `<file>#/$defs/<name>`, the file relative to schemas/. */
  readonly ref: string;
  /** Every schema file the kind needs, its own first. */
  readonly files: readonly string[];
  /** Whether objects of the kind live in a namespace; absent when no source says (a new alpha kind). */
  readonly namespaced?: boolean;
  /** The precompiled validator module, relative to schemas/; absent when compiled at run time. */
  readonly validator?: string;
}

/** One chart version in schemas/index.json. */
export interface ChartEntry {
  /** The values schema and defaults (a ChartValuesFile), relative to schemas/. */
  readonly file: string;
  /** The precompiled validator of the values, relative to schemas/. */
  readonly validator: string;
}

/** schemas/index.json */
export interface SchemaIndex {
  /** Custom resources (the same for every Kubernetes minor): apiVersion → kind → entry. */
  readonly kinds: Readonly<Record<string, Readonly<Record<string, KindEntry>>>>;
  /** Built-in kinds: Kubernetes minor → apiVersion → kind → entry. */
  readonly kubernetes: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, KindEntry>>>>>>;
  /** Helm chart name → chart version → entry. */
  readonly charts: Readonly<Record<string, Readonly<Record<string, ChartEntry>>>>;
  /** Talos minor version → its machine-configuration schema. */
  readonly talos: Readonly<Record<string, TalosEntry>>;
}

/** One Talos version in schemas/index.json. */
export interface TalosEntry {
  /** The config schema (a SchemaFile), relative to schemas/. */
  readonly file: string;
  /** `$ref` of a `v1alpha1` config document. */
  readonly ref: string;
  /** The precompiled validator of a config document, relative to schemas/. */
  readonly validator: string;
  /** The multi-document kinds (KernelModuleConfig, ...): `$ref` and, when precompiled, validator. */
  readonly documents?: Readonly<Record<string, { readonly ref: string; readonly validator?: string }>>;
}

/** A generated schema file: where it came from, and its definitions. */
export interface SchemaFile {
  /** Upstream location of the file it was generated from. */
  readonly source: string;
  /** Upstream version. */
  readonly version: string;
  readonly schema: { readonly $defs: Record<string, unknown> };
}

/** A generated chart file: the chart's values.schema.json and the defaults of its values.yaml. */
export interface ChartValuesFile {
  readonly source: string;
  readonly chart: string;
  readonly version: string;
  readonly schema: object;
  readonly defaults: Record<string, unknown>;
}

/** The chart values a HelmRelease is checked against. */
export interface ChartValues {
  readonly chart: string;
  readonly version: string;
  /** Validates values merged over the chart defaults, as Helm does. */
  readonly validate: ValidateFunction;
  readonly defaults: Record<string, unknown>;
}

/** Where an apiVersion and kind is served: the minors that serve it, oldest first. */
export type ServedIn = readonly string[];

/** Where `npm run import` writes the schemas. */
export const SCHEMA_DIR = path.resolve(__dirname, '../../../schemas');

interface SchemaNode {
  readonly $ref?: string;
  readonly properties?: Record<string, SchemaNode>;
  readonly items?: SchemaNode;
  readonly additionalProperties?: SchemaNode | boolean;
}

type Resolver = (ref: string, from: string) => { file: string; node: SchemaNode } | undefined;

/** Walks a schema along a path, following `$ref`s; the properties it allows at the end. */
function fieldsAt(resolve: Resolver, rootRef: string, path: ReadonlyArray<string | number>): string[] {
  let at = resolve(rootRef, '');
  const deref = () => {
    while (at?.node.$ref !== undefined) at = resolve(at.node.$ref, at.file);
  };
  for (const seg of path) {
    deref();
    if (!at) return [];
    const { node, file } = at;
    const next = typeof seg === 'number' ? node.items : node.properties?.[seg] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    at = next ? { file, node: next } : undefined;
  }
  deref();
  return Object.keys(at?.node.properties ?? {});
}

const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

export class SchemaStore {
  private indexCache?: SchemaIndex;
  private ajvCache?: Ajv;
  private readonly added = new Set<string>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly charts = new Map<string, ChartValues>();
  private readonly files = new Map<string, unknown>();

  constructor(readonly dir: string = SCHEMA_DIR) {}

  get index(): SchemaIndex {
    this.indexCache ??= this.read<SchemaIndex>('index.json');
    return this.indexCache;
  }

  /**
   * The index entry of a kind on a Kubernetes minor (a built-in kind of that minor, or a custom resource),
   * or undefined when neither knows it. Without a minor: the newest that has a schema for it.
   */
  kind(apiVersion: string, kind: string, minor?: string): KindEntry | undefined {
    const crds = own(this.index.kinds, apiVersion);
    const crd = crds && own(crds, kind);
    if (crd) return crd;
    const minors = minor === undefined ? Object.keys(this.index.kubernetes).reverse() : [minor];
    for (const m of minors) {
      const apis = own(this.index.kubernetes, m);
      const kinds = apis && own(apis, apiVersion);
      const entry = kinds && own(kinds, kind);
      if (entry) return entry;
    }
    return undefined;
  }

  /** The apiVersions that serve a kind on a Kubernetes minor (custom resources on every minor). */
  versionsOf(kind: string, minor: string): string[] {
    const builtins = own(this.index.kubernetes, minor) ?? {};
    return [...Object.keys(builtins), ...Object.keys(this.index.kinds)].filter((v) => this.kind(v, kind, minor) !== undefined).sort();
  }

  /** The Kubernetes minors whose built-in kinds include an apiVersion and kind, oldest first. */
  servedIn(apiVersion: string, kind: string): ServedIn {
    return Object.keys(this.index.kubernetes).filter((m) => {
      const kinds = own(this.index.kubernetes[m], apiVersion);
      return kinds !== undefined && own(kinds, kind) !== undefined;
    });
  }

  /** The validator of a kind on a minor, loaded or compiled once; undefined when no schema of that minor knows the kind. */
  validator(apiVersion: string, kind: string, minor?: string): ValidateFunction | undefined {
    const entry = this.kind(apiVersion, kind, minor);
    if (!entry) return undefined;
    // Keyed by the schema, not the minor: minors that share a kind's schema share its validator.
    const cached = this.validators.get(entry.ref);
    if (cached) return cached;
    const validate = entry.validator ? this.load(entry.validator) : this.compile(entry.files, entry.ref);
    this.validators.set(entry.ref, validate);
    return validate;
  }

  /** The validator of a Talos `v1alpha1` config document (or patch), loaded once; undefined without a schema for the version. */
  talosConfig(version: string): ValidateFunction | undefined {
    const key = `talos ${version}`;
    const entry = own(this.index.talos ?? {}, version);
    if (!entry) return undefined;
    const validate = this.validators.get(key) ?? this.load(entry.validator);
    this.validators.set(key, validate);
    return validate;
  }

  /** The validator of a Talos multi-document kind (KernelModuleConfig, ...); undefined when the version has no such kind. */
  talosDocument(version: string, kind: string): ValidateFunction | undefined {
    const entry = own(this.index.talos ?? {}, version);
    const doc = entry?.documents && own(entry.documents, kind);
    if (!entry || !doc) return undefined;
    const cached = this.validators.get(doc.ref);
    if (cached) return cached;
    const validate = doc.validator ? this.load(doc.validator) : this.compile([entry.file], doc.ref);
    this.validators.set(doc.ref, validate);
    return validate;
  }

  /** The multi-document kinds of a Talos version's config schema. */
  talosDocumentKinds(version: string): string[] {
    return Object.keys(own(this.index.talos ?? {}, version)?.documents ?? {});
  }

  /** Versions of a chart that have a values schema. */
  chartVersions(chart: string): string[] {
    return Object.keys(own(this.index.charts, chart) ?? {});
  }

  /** The values schema of one chart version, loaded once; undefined when it has none. */
  chartValues(chart: string, version: string): ChartValues | undefined {
    const key = `${chart}@${version}`;
    const cached = this.charts.get(key);
    if (cached) return cached;
    const versions = own(this.index.charts, chart);
    const entry = versions && own(versions, version);
    if (!entry) return undefined;
    const values: ChartValues = { chart, version, validate: this.load(entry.validator), defaults: this.read<ChartValuesFile>(entry.file).defaults };
    this.charts.set(key, values);
    return values;
  }

  /** The field names the schema of a kind allows at a path inside its objects (for "did you mean"). */
  fieldsAt(apiVersion: string, kind: string, path: ReadonlyArray<string | number>, minor?: string): string[] {
    const entry = this.kind(apiVersion, kind, minor);
    return entry ? fieldsAt((ref, from) => this.resolve(ref, from), entry.ref, path) : [];
  }

  /** The field names the Talos config schema of a version allows at a path inside a config document (of `kind`, else v1alpha1). */
  talosFieldsAt(version: string, path: ReadonlyArray<string | number>, kind?: string): string[] {
    const entry = own(this.index.talos ?? {}, version);
    const ref = kind === undefined ? entry?.ref : entry?.documents && own(entry.documents, kind)?.ref;
    return ref ? fieldsAt((r, from) => this.resolve(r, from), ref, path) : [];
  }

  /** The field names a chart's values schema allows at a path inside the values. */
  chartFieldsAt(chart: string, version: string, path: ReadonlyArray<string | number>): string[] {
    const versions = own(this.index.charts, chart);
    const entry = versions && own(versions, version);
    if (!entry) return [];
    const schema = this.read<ChartValuesFile>(entry.file).schema;
    // Chart schemas refer within themselves only (cert-manager's: `#/$defs/helm-values.crds`).
    const local = (ref: string) => {
      let node: unknown = schema;
      for (const seg of (ref.split('#')[1] ?? '').split('/').filter(Boolean)) node = (node as Record<string, unknown> | undefined)?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
      return node && typeof node === 'object' && (ref === '' || ref.startsWith('#')) ? { file: entry.file, node: node as SchemaNode } : undefined;
    };
    return fieldsAt(local, '', path);
  }

  /** A `$ref` (relative to the file holding it) as the file and the schema node it points at. */
  private resolve(ref: string, from: string): { file: string; node: SchemaNode } | undefined {
    const [target, pointer = ''] = ref.split('#');
    const file = target ? path.posix.normalize(path.posix.join(path.posix.dirname(from), target)) : from;
    let node: unknown = this.read<SchemaFile>(file).schema;
    for (const seg of pointer.split('/').filter(Boolean)) node = (node as Record<string, unknown> | undefined)?.[seg];
    return node && typeof node === 'object' ? { file, node: node as SchemaNode } : undefined;
  }

  /** A generated JSON file, parsed once. */
  read<T>(rel: string): T {
    if (!this.files.has(rel)) this.files.set(rel, JSON.parse(fs.readFileSync(path.join(this.dir, rel), 'utf8')));
    return this.files.get(rel) as T;
  }

  private load(rel: string): ValidateFunction {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(this.dir, rel)) as { default: ValidateFunction };
    return mod.default;
  }

  /** Kinds without a precompiled validator are compiled with the same ajv configuration. */
  private compile(files: readonly string[], ref: string): ValidateFunction {
    if (!this.ajvCache) {
      // Loaded only here: ajv itself takes longer to load than all precompiled validators together.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { newAjv } = require('./ajv') as typeof import('./ajv');
      this.ajvCache = newAjv();
    }
    const ajv = this.ajvCache;
    for (const file of files) {
      if (this.added.has(file)) continue;
      ajv.addSchema(this.read<SchemaFile>(file).schema, file);
      this.added.add(file);
    }
    return ajv.compile({ $ref: ref });
  }
}

/** The store every check uses: one per process, so each kind is loaded or compiled once. */
export const schemas = new SchemaStore();
