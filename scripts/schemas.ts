/**
 * Compiles the schemas of the validation gate (lib/synth/validation) from the upstream files listed in
 * schemas/sources.yaml into compact JSON under schemas/, so validation needs no network.
 *
 * What changes on the way, and why:
 * - descriptions, defaults and examples are dropped (size); in a CRD, a field with a default is no longer
 *   required, because the API server fills it in before it validates (the defaults of built-in documents
 *   are Go zero values, which the API server's own validation rejects where the field is required);
 * - every object with `properties` is closed (`additionalProperties: false`) unless it says
 *   `x-kubernetes-preserve-unknown-fields`: an unknown field is an error, as with `kubeconform -strict`
 *   (the API server would prune or reject it);
 * - int-or-string becomes `type: [integer, string]` and Quantity `type: [string, number]` with the
 *   quantity pattern, the forms the API server accepts;
 * - `status` is dropped from each kind: the cluster writes it, a rendered object never carries one;
 * - the `metadata` of custom resources is the built-in ObjectMeta, as the API server validates it;
 * - built-in definitions are split by Go package, so validating a Namespace loads no Deployment schema;
 * - built-ins come per Kubernetes minor (generateKubernetes): OpenAPI v3 where vendored, cdk8s' Swagger 2
 *   definitions for the group-versions it lacks; a package the same in every minor is written once.
 * Talos config schemas are kept as they are (documentation dropped), one per Talos minor, with an index of
 * their multi-document kinds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import standaloneCode from 'ajv/dist/standalone';
import { transformSync } from 'esbuild';
import { byString } from '../lib/order';
import { FORMATS, newAjv } from '../lib/synth/validation/ajv';
import { ChartEntry, ChartValuesFile, KindEntry, SchemaFile, SchemaIndex, TalosEntry } from '../lib/synth/validation/schemas';
import { QUANTITY } from '../lib/validators';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** schemas/sources.yaml */
interface Sources {
  /** One entry per Kubernetes minor: its OpenAPI v3 documents, and Swagger 2 definitions for the group-versions they lack. */
  readonly kubernetes: ReadonlyArray<{ readonly source: string; readonly version: string; readonly files: readonly string[]; readonly definitions?: string }>;
  readonly crds: ReadonlyArray<{ readonly source: string; readonly version: string; readonly files: readonly string[] }>;
  /** `values`: the chart's values.yaml, whose defaults the values are merged over (none when absent). */
  readonly charts?: ReadonlyArray<{ readonly chart: string; readonly version: string; readonly source: string; readonly schema: string; readonly values?: string }>;
  /** Talos machine-configuration schemas, one per Talos minor version. */
  readonly talos: ReadonlyArray<{ readonly version: string; readonly source: string; readonly schema: string }>;
  /** Talos multi-document kinds whose validators are compiled ahead of time (those the node-group patches render). */
  readonly talosPrecompile?: readonly string[];
  /** `apiVersion kind` of the kinds whose validators are compiled ahead of time. */
  readonly precompile: readonly string[];
}

/** Formats the validator checks; any other format is dropped. */
const KEPT_FORMATS = new Set<string>(FORMATS);

/** Keywords copied as they are. */
const VALUE_KEYWORDS = new Set([
  'type', 'enum', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties',
]);

/** Keywords and extensions with no bearing on what a rendered object may contain. */
const DROPPED = new Set([
  'description', 'default', 'example', 'title', '$schema', 'discriminator',
  'x-kubernetes-group-version-kind', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
  'x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key', 'x-kubernetes-unions', 'x-kubernetes-embedded-resource',
  // CEL rules are not evaluated: they need a CEL runtime, and transition rules the object's old version.
  'x-kubernetes-validations',
]);

const QUANTITY_DEF = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

interface ConvertContext {
  /** `$ref` for a definition name of the source. */
  ref(name: string): Json;
  /** A CRD schema (structural, defaulted by the API server) rather than a built-in definition. */
  readonly crd: boolean;
  /** The upstream node's location, for errors. */
  readonly where: string;
}

const isIntOrStringPair = (alts: Json[] | undefined) =>
  Array.isArray(alts) && alts.length === 2 && alts.every((a) => Object.keys(a).length === 1 && (a.type === 'integer' || a.type === 'string')) && alts[0].type !== alts[1].type;

/**
 * Converts one OpenAPI v3 schema node to the compact, strict form. `valueValidation` is set inside
 * anyOf/oneOf/allOf/not, which in a structural schema only add constraints and must not close objects.
 */
export function convertNode(node: Json, ctx: ConvertContext, valueValidation = false): Json {
  if (typeof node !== 'object' || node === null) throw new Error(`${ctx.where}: not a schema: ${JSON.stringify(node)}`);
  if (node.$ref) return ctx.ref(refName(node.$ref));
  // Built-in documents wrap a reference in a one-element allOf to attach a description or default.
  if (Array.isArray(node.allOf) && node.allOf.length === 1 && node.allOf[0].$ref && Object.keys(node).every((k) => k === 'allOf' || DROPPED.has(k))) {
    return ctx.ref(refName(node.allOf[0].$ref));
  }
  const out: Json = {};
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = node['x-kubernetes-int-or-string'] === true || node.format === 'int-or-string';
  if (intOrString) out.type = ['integer', 'string'];
  const defaulted = new Set(ctx.crd ? Object.entries<Json>(node.properties ?? {}).filter(([, p]) => p && p.default !== undefined).map(([k]) => k) : []);

  for (const [key, value] of Object.entries<Json>(node)) {
    const at: ConvertContext = { ...ctx, where: `${ctx.where}.${key}` };
    if (DROPPED.has(key) || key === 'x-kubernetes-preserve-unknown-fields' || key === 'x-kubernetes-int-or-string') continue;
    if (VALUE_KEYWORDS.has(key)) {
      if (!(key === 'type' && intOrString)) out[key] = value;
    } else if (key === 'format') {
      if (KEPT_FORMATS.has(value)) out.format = value;
    } else if (key === 'nullable') {
      continue;
    } else if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries<Json>(value).map(([k, v]) => [k, convertNode(v, { ...at, where: `${at.where}.${k}` })]));
    } else if (key === 'items' || key === 'not') {
      out[key] = convertNode(value, at, valueValidation || key === 'not');
    } else if (key === 'additionalProperties') {
      out.additionalProperties = typeof value === 'boolean' ? value : convertNode(value, at, valueValidation);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      if (intOrString && isIntOrStringPair(value)) continue;
      out[key] = value.map((v: Json, i: number) => convertNode(v, { ...at, where: `${at.where}[${i}]` }, true));
    } else if (key === 'required') {
      const required = (value as string[]).filter((r) => !defaulted.has(r));
      if (required.length) out.required = required;
    } else {
      throw new Error(`${at.where}: unexpected schema keyword ${JSON.stringify(key)}`);
    }
  }
  // OpenAPI's nullable is JSON Schema's extra "null" type.
  if (node.nullable === true && out.type) out.type = [...new Set([out.type, 'null'].flat())];
  if (!valueValidation && !preserve && out.additionalProperties === undefined && (out.properties || isObjectType(node))) {
    out.additionalProperties = false;
  }
  return out;
}

const isObjectType = (node: Json) => node.type === 'object' && !node.properties && !node.additionalProperties && !node.allOf && !node.anyOf && !node.oneOf;

function refName(ref: string): string {
  const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
  if (!m) throw new Error(`unexpected $ref ${ref}`);
  return m[1];
}

// ---- Kubernetes built-ins ---------------------------------------------------------------------------

/** A definition whose whole content is a scalar (or a free-form object) is inlined where it is used. */
function inlineForm(name: string, def: Json): Json | undefined {
  if (name === QUANTITY_DEF) return { type: ['string', 'number'], pattern: QUANTITY.source };
  if (def.properties) return undefined;
  if (def.format === 'int-or-string') return { type: ['integer', 'string'] };
  // FieldsV1, RawExtension, Patch, Time, MicroTime: keep type and known format only; never closed.
  const out: Json = {};
  if (def.type) out.type = def.type;
  if (KEPT_FORMATS.has(def.format)) out.format = def.format;
  return out;
}

const packageOf = (name: string) => name.slice(0, name.lastIndexOf('.'));
const shortName = (name: string) => name.slice(name.lastIndexOf('.') + 1);
const kubernetesFile = (pkg: string) => `kubernetes/${pkg}.json`;

interface KubernetesResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly def: string;
  readonly namespaced: boolean;
}

/** The kinds one can create (a POST on a collection, not a subresource) and whether they are namespaced. */
function resourcesOf(doc: Json): KubernetesResource[] {
  const out = new Map<string, KubernetesResource>();
  const defs = doc.components.schemas as Record<string, Json>;
  for (const [p, ops] of Object.entries<Json>(doc.paths)) {
    const post = ops.post;
    const gvk = post?.['x-kubernetes-group-version-kind'];
    if (!gvk || post['x-kubernetes-action'] !== 'post' || p.includes('{name}')) continue;
    const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    const def = Object.entries<Json>(defs).find(([, d]) => (d['x-kubernetes-group-version-kind'] ?? []).some((g: Json) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind));
    if (!def) throw new Error(`no definition for ${apiVersion} ${gvk.kind}`);
    out.set(`${apiVersion} ${gvk.kind}`, { apiVersion, kind: gvk.kind, def: def[0], namespaced: p.includes('{namespace}') });
  }
  return [...out.values()];
}

/**
 * The kinds of Swagger 2 definitions (cdk8s' `_definitions.json`): each definition tagged with one
 * group-version-kind whose objects carry ObjectMeta, lists left out. The definitions have no paths, so
 * whether a kind is namespaced comes from `scopeOf` (the same kind in an OpenAPI v3 document), else is unknown.
 */
export function resourcesOfDefinitions(definitions: Record<string, Json>, scopeOf: (apiVersion: string, kind: string) => boolean | undefined): Array<Omit<KubernetesResource, 'namespaced'> & { namespaced?: boolean }> {
  const out = [];
  for (const [name, def] of Object.entries<Json>(definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'] ?? [];
    if (gvks.length !== 1 || gvks[0].kind.endsWith('List') || SUBRESOURCE_KINDS.has(gvks[0].kind) || def.properties?.metadata?.$ref !== `#/definitions/${OBJECT_META}`) continue;
    const gvk = gvks[0];
    const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    const namespaced = scopeOf(apiVersion, gvk.kind);
    out.push({ apiVersion, kind: gvk.kind as string, def: name, ...(namespaced === undefined ? {} : { namespaced }) });
  }
  return out;
}

/** Kinds that are only ever posted to a subresource of another kind (pods/eviction, the scale subresources, serviceaccounts/token). */
const SUBRESOURCE_KINDS = new Set(['Eviction', 'Scale', 'TokenRequest']);

/** Swagger 2 definitions in the shape of an OpenAPI v3 document's components, references rewritten. */
const asComponents = (definitions: Record<string, Json>): Record<string, Json> =>
  JSON.parse(JSON.stringify(definitions).replace(/"#\/definitions\//g, '"#/components/schemas/'));

/** The kinds of one Kubernetes minor and the definitions they use: OpenAPI v3 first, Swagger 2 definitions for the group-versions v3 lacks. */
export function kubernetesSources(docs: readonly Json[], definitions: Record<string, Json> | undefined, scopeOf: (apiVersion: string, kind: string) => boolean | undefined): { defs: Map<string, Json>; kinds: Array<Omit<KubernetesResource, 'namespaced'> & { namespaced?: boolean }> } {
  const defs = new Map<string, Json>();
  for (const doc of docs) {
    for (const [name, def] of Object.entries<Json>(doc.components.schemas)) {
      const prior = defs.get(name);
      if (prior && JSON.stringify(prior) !== JSON.stringify(def)) throw new Error(`definition ${name} differs between the documents`);
      defs.set(name, def);
    }
  }
  const kinds: Array<Omit<KubernetesResource, 'namespaced'> & { namespaced?: boolean }> = docs.flatMap(resourcesOf);
  if (definitions) {
    const covered = new Set(kinds.map((k) => k.apiVersion));
    const components = asComponents(definitions);
    // OpenAPI v3 is authoritative: a definition it has is never replaced by the Swagger 2 one.
    for (const [name, def] of Object.entries<Json>(components)) if (!defs.has(name)) defs.set(name, def);
    kinds.push(...resourcesOfDefinitions(definitions, scopeOf).filter((k) => !covered.has(k.apiVersion)));
  }
  return { defs, kinds };
}

/** Converts the built-in definitions of one minor: one file per Go package, and the index entries of their kinds. */
export function convertKubernetes(defs: ReadonlyMap<string, Json>, kinds: ReadonlyArray<Omit<KubernetesResource, 'namespaced'> & { namespaced?: boolean }>, source: string, version: string): { files: Map<string, SchemaFile> } {
  const kindDefs = new Set(kinds.map((k) => k.def));

  const converted = new Map<string, Json>();
  const pending = [...kindDefs];
  const refFrom = (fromPkg: string) => (name: string): Json => {
    const def = defs.get(name);
    if (!def) throw new Error(`dangling reference to ${name}`);
    const inline = inlineForm(name, def);
    if (inline) return inline;
    if (!converted.has(name) && !pending.includes(name)) pending.push(name);
    const pkg = packageOf(name);
    return { $ref: `${pkg === fromPkg ? '' : `${pkg}.json`}#/$defs/${shortName(name)}` };
  };
  while (pending.length) {
    const name = pending.shift() as string;
    if (converted.has(name)) continue;
    const def = { ...defs.get(name) };
    // The cluster writes status; a rendered object never carries one.
    if (kindDefs.has(name) && def.properties) def.properties = Object.fromEntries(Object.entries(def.properties).filter(([k]) => k !== 'status'));
    converted.set(name, convertNode(def, { ref: refFrom(packageOf(name)), crd: false, where: name }));
  }

  const files = new Map<string, SchemaFile>();
  for (const name of [...converted.keys()].sort()) {
    const file = kubernetesFile(packageOf(name));
    const entry = files.get(file) ?? { source, version, schema: { $defs: {} } };
    entry.schema.$defs[shortName(name)] = converted.get(name);
    files.set(file, entry);
  }
  return { files };
}

// ---- CRDs --------------------------------------------------------------------------------------------

const crdFile = (crd: Json) => `crds/${crd.spec.group}_${crd.spec.names.plural}.json`;
const OBJECT_META_REF = { $ref: `../${kubernetesFile(packageOf(OBJECT_META))}#/$defs/${shortName(OBJECT_META)}` };

/** Converts one CRD: a definition per served version, named by the version. */
export function convertCrd(crd: Json, source: string, version: string): { file: string; content: SchemaFile; kinds: Array<{ apiVersion: string; kind: string; def: string; namespaced: boolean }> } {
  const $defs: Record<string, Json> = {};
  const kinds = [];
  for (const v of crd.spec.versions as Json[]) {
    if (!v.served) continue;
    const root = { ...v.schema.openAPIV3Schema };
    root.properties = Object.fromEntries(Object.entries(root.properties ?? {}).filter(([k]) => k !== 'status' && k !== 'metadata'));
    const where = `${crd.metadata.name}@${v.name}`;
    const converted = convertNode(root, { ref: () => { throw new Error(`${where}: $ref in a CRD`); }, crd: true, where });
    converted.properties.metadata = OBJECT_META_REF;
    $defs[v.name] = converted;
    kinds.push({ apiVersion: `${crd.spec.group}/${v.name}`, kind: crd.spec.names.kind as string, def: v.name, namespaced: crd.spec.scope === 'Namespaced' });
  }
  return { file: crdFile(crd), content: { source, version, schema: { $defs } }, kinds };
}

// ---- Talos --------------------------------------------------------------------------------------------

/** The definition of a `v1alpha1` machine-config document, which a machine-config patch is a part of. */
export const TALOS_CONFIG_DEF = 'v1alpha1.Config';

/** Keywords of the Talos schema (JSON Schema, generated from the Talos source) kept as they are. */
const TALOS_KEYWORDS = new Set([...VALUE_KEYWORDS, 'required', 'additionalProperties', 'properties', 'patternProperties', 'items', 'oneOf', 'anyOf', 'allOf', '$ref']);

/** Keywords that only document the Talos schema. */
const TALOS_DOCUMENTATION = new Set(['description', 'markdownDescription', 'x-intellij-html-description', 'title']);

/**
 * Compacts the Talos config schema: documentation dropped, formats the validator does not check dropped
 * (as for the other schemas), everything else kept. Its objects are already closed upstream.
 */
export function convertTalos(upstream: Json, source: string, version: string): SchemaFile {
  const convert = (node: Json, where: string): Json => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new Error(`${where}: not a schema`);
    const out: Json = {};
    for (const [key, value] of Object.entries<Json>(node)) {
      if (TALOS_DOCUMENTATION.has(key)) continue;
      if (key === 'format') {
        if (KEPT_FORMATS.has(value)) out.format = value;
      } else if (key === 'properties' || key === 'patternProperties') {
        out[key] = Object.fromEntries(Object.entries<Json>(value).map(([k, v]) => [k, convert(v, `${where}.${k}`)]));
      } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
        out[key] = convert(value, `${where}.${key}`);
      } else if (key === 'oneOf' || key === 'anyOf' || key === 'allOf') {
        out[key] = value.map((v: Json, i: number) => convert(v, `${where}.${key}[${i}]`));
      } else if (TALOS_KEYWORDS.has(key)) {
        out[key] = value;
      } else {
        throw new Error(`${where}: unexpected schema keyword ${JSON.stringify(key)}`);
      }
    }
    return out;
  };
  const $defs = Object.fromEntries(Object.entries<Json>(upstream.$defs).map(([name, def]) => [name, convert(def, name)]));
  if (!$defs[TALOS_CONFIG_DEF]) throw new Error(`no ${TALOS_CONFIG_DEF} in the Talos schema`);
  return { source, version, schema: { $defs } };
}

// ---- Everything --------------------------------------------------------------------------------------

/** `dir/name_*.yaml` → the matching files, sorted; `*` matches within a file name only. */
export function expandPattern(root: string, pattern: string): string[] {
  const abs = path.resolve(root, pattern);
  const base = path.basename(abs);
  if (!base.includes('*')) return [abs];
  const re = new RegExp(`^${base.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  const matches = fs.readdirSync(path.dirname(abs)).filter((f) => re.test(f)).sort().map((f) => path.join(path.dirname(abs), f));
  if (!matches.length) throw new Error(`${pattern} matches no file`);
  return matches;
}

/** The files referenced, transitively, by a schema file's `$ref`s (relative to schemas/). */
function referencedFiles(file: string, content: SchemaFile): string[] {
  const out = new Set<string>();
  JSON.stringify(content.schema, (key, value) => {
    if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) out.add(path.posix.join(path.posix.dirname(file), value.slice(0, value.indexOf('#'))));
    return value;
  });
  return [...out];
}

function closure(file: string, files: ReadonlyMap<string, SchemaFile>): string[] {
  const seen = [file];
  for (let i = 0; i < seen.length; i++) {
    const content = files.get(seen[i]);
    if (!content) throw new Error(`${seen[i]} is referenced but not generated`);
    for (const f of referencedFiles(seen[i], content)) if (!seen.includes(f)) seen.push(f);
  }
  return seen;
}

/** Compact, stable JSON: one line per definition keeps diffs of a version bump readable. */
function serialize(content: SchemaFile | ChartValuesFile | SchemaIndex): string {
  const top = Object.entries(content).map(([k, v]) => {
    if (k === 'schema' && v && typeof v === 'object' && '$defs' in v && Object.keys(v).length === 1) {
      const defs = Object.entries(v.$defs as Record<string, Json>).map(([n, d]) => `${JSON.stringify(n)}:${JSON.stringify(d)}`);
      return `${JSON.stringify(k)}:{"$defs":{\n${defs.join(',\n')}\n}}`;
    }
    if (k === 'kubernetes') {
      // One line per minor and apiVersion.
      const rows = Object.entries(v as Record<string, Record<string, Json>>).flatMap(([minor, apis]) =>
        Object.entries(apis).map(([apiVersion, d], i, all) => `${i === 0 ? `${JSON.stringify(minor)}:{\n` : ''}${JSON.stringify(apiVersion)}:${JSON.stringify(d)}${i === all.length - 1 ? '}' : ''}`));
      return `${JSON.stringify(k)}:{\n${rows.join(',\n')}\n}`;
    }
    if (k === 'kinds' || k === 'charts' || k === 'talos') {
      const rows = Object.entries(v as Record<string, Json>).map(([n, d]) => `${JSON.stringify(n)}:${JSON.stringify(d)}`);
      return `${JSON.stringify(k)}:{\n${rows.join(',\n')}\n}`;
    }
    return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
  });
  return `{${top.join(',\n')}}\n`;
}

/**
 * A validator compiled ahead of time: ajv's standalone code for one schema, minified. Loading it is
 * about ten times faster than compiling the schema at run time.
 */
function precompiled(files: ReadonlyMap<string, { schema: object }>, needed: readonly string[], ref: string): string {
  const ajv = newAjv({ code: { source: true, lines: false } });
  // The files of one Kubernetes minor are compiled under one neutral folder name, so minors whose kind
  // reaches the same definitions get byte-identical code (and share one validator file).
  const neutral = (id: string) => id.replace(/^kubernetes\/\d+\.\d+\//, 'kubernetes/minor/');
  for (const f of needed) {
    const content = files.get(f);
    if (!content) throw new Error(`${f} is not generated`);
    ajv.addSchema(content.schema, neutral(f));
  }
  const code = standaloneCode(ajv, ajv.compile({ $ref: neutral(ref) }));
  return `// Generated by \`npm run import\` (scripts/schemas.ts) from ${neutral(ref)}; do not edit.\n${transformSync(code, { minify: true, format: 'cjs', target: 'es2022' }).code}`;
}

const validatorFile = (name: string) => `validators/${name.replace(/\//g, '.')}.js`;

interface BuiltinKind {
  readonly apiVersion: string;
  readonly kind: string;
  /** The kind's own file, relative to schemas/. */
  readonly file: string;
  readonly ref: string;
  /** Undefined when no source says (a kind only Swagger 2 definitions know, with no OpenAPI v3 twin). */
  readonly namespaced?: boolean;
}

/**
 * The built-in schemas of every Kubernetes minor. A package file that is the same in every minor (and
 * refers only to such files) is written once, as `kubernetes/<package>.json`; the others per minor, as
 * `kubernetes/<minor>/<package>.json`. So the CRDs' ObjectMeta is one file, and a kind whose schema did not
 * change between minors has one schema (and one precompiled validator).
 */
export function generateKubernetes(root: string, entries: Sources['kubernetes']): { files: Map<string, SchemaFile>; kinds: Record<string, Map<string, BuiltinKind>> } {
  const read = (f: string) => JSON.parse(fs.readFileSync(path.resolve(root, f), 'utf8'));
  const docsOf = new Map(entries.map((e) => [e.version, e.files.map(read)]));
  // A kind's scope as the OpenAPI v3 documents of any minor give it: by apiVersion and kind, else by group and kind.
  const scopes = new Map<string, boolean>();
  for (const docs of docsOf.values()) {
    for (const r of docs.flatMap(resourcesOf)) {
      scopes.set(`${r.apiVersion} ${r.kind}`, r.namespaced);
      scopes.set(`${apiGroupOf(r.apiVersion)} ${r.kind}`, r.namespaced);
    }
  }
  const scopeOf = (apiVersion: string, kind: string) => scopes.get(`${apiVersion} ${kind}`) ?? scopes.get(`${apiGroupOf(apiVersion)} ${kind}`) ?? (Object.hasOwn(KNOWN_SCOPES, `${apiGroupOf(apiVersion)} ${kind}`) ? KNOWN_SCOPES[`${apiGroupOf(apiVersion)} ${kind}`] : undefined);

  const perVersion = new Map<string, { files: Map<string, SchemaFile>; kinds: Array<Omit<KubernetesResource, 'namespaced'> & { namespaced?: boolean }> }>();
  for (const e of entries) {
    const { defs, kinds } = kubernetesSources(docsOf.get(e.version) ?? [], e.definitions ? read(e.definitions).definitions : undefined, scopeOf);
    perVersion.set(e.version, { files: convertKubernetes(defs, kinds, e.source, e.version).files, kinds });
  }

  // Shared: a package file whose definitions are the same in every minor that has them (the file then holds
  // the union of them), referring only to shared files (a fixpoint).
  const versions = [...perVersion.keys()];
  const union = new Map<string, SchemaFile>();
  const conflicting = new Set<string>();
  for (const converted of perVersion.values()) {
    for (const [file, content] of converted.files) {
      const merged = union.get(file) ?? { source: entries.map((e) => e.source).join('; '), version: versions.join(', '), schema: { $defs: {} } };
      for (const [name, def] of Object.entries(content.schema.$defs)) {
        const prior = merged.schema.$defs[name];
        if (prior !== undefined && JSON.stringify(prior) !== JSON.stringify(def)) conflicting.add(file);
        merged.schema.$defs[name] = def;
      }
      union.set(file, merged);
    }
  }
  const same = new Set([...union.keys()].filter((f) => !conflicting.has(f)));
  for (let changed = true; changed;) {
    changed = false;
    for (const f of same) {
      if (referencedFiles(f, union.get(f) as SchemaFile).some((r) => !same.has(r))) {
        same.delete(f);
        changed = true;
      }
    }
  }
  const files = new Map<string, SchemaFile>();
  const kinds: Record<string, Map<string, BuiltinKind>> = {};
  const placed = (version: string, file: string) => (same.has(file) ? file : file.replace(/^kubernetes\//, `kubernetes/${version}/`));
  for (const [version, converted] of perVersion) {
    for (const [file, content] of converted.files) {
      if (same.has(file)) {
        const merged = union.get(file) as SchemaFile;
        files.set(file, { ...merged, schema: { $defs: Object.fromEntries(Object.entries(merged.schema.$defs).sort(([a], [b]) => byString(a, b))) } });
        continue;
      }
      // Version-specific files sit one folder deeper: their references to shared files go up one.
      const schema = JSON.parse(JSON.stringify(content.schema), (key, value) => {
        if (key !== '$ref' || typeof value !== 'string' || value.startsWith('#')) return value;
        return same.has(`kubernetes/${value.slice(0, value.indexOf('#'))}`) ? `../${value}` : value;
      });
      files.set(placed(version, file), { ...content, schema });
    }
    kinds[version] = new Map(converted.kinds.map((k) => {
      const file = placed(version, kubernetesFile(packageOf(k.def)));
      return [`${k.apiVersion} ${k.kind}`, { apiVersion: k.apiVersion, kind: k.kind, file, ref: `${file}#/$defs/${shortName(k.def)}`, ...(k.namespaced === undefined ? {} : { namespaced: k.namespaced }) }];
    }));
  }
  if (!same.has(kubernetesFile(packageOf(OBJECT_META)))) throw new Error('ObjectMeta differs between the Kubernetes minors; the CRD schemas refer to one');
  return { files, kinds };
}

const apiGroupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');

/**
 * Scopes of kinds that only Swagger 2 definitions know and no OpenAPI v3 document has a twin of (new
 * alpha and beta APIs), from the Kubernetes API reference. A kind missing here is left unchecked for scope.
 */
const KNOWN_SCOPES: Readonly<Record<string, boolean>> = {
  ' ComponentStatus': false,
  'admissionregistration.k8s.io MutatingAdmissionPolicy': false,
  'admissionregistration.k8s.io MutatingAdmissionPolicyBinding': false,
  'apiregistration.k8s.io APIService': false,
  'authentication.k8s.io SelfSubjectReview': false,
  'authentication.k8s.io TokenReview': false,
  'authorization.k8s.io LocalSubjectAccessReview': true,
  'authorization.k8s.io SelfSubjectAccessReview': false,
  'authorization.k8s.io SelfSubjectRulesReview': false,
  'authorization.k8s.io SubjectAccessReview': false,
  'certificates.k8s.io CertificateSigningRequest': false,
  'certificates.k8s.io ClusterTrustBundle': false,
  'certificates.k8s.io PodCertificateRequest': true,
  'coordination.k8s.io LeaseCandidate': true,
  'events.k8s.io Event': true,
  'flowcontrol.apiserver.k8s.io FlowSchema': false,
  'flowcontrol.apiserver.k8s.io PriorityLevelConfiguration': false,
  'internal.apiserver.k8s.io StorageVersion': false,
  'resource.k8s.io DeviceTaintRule': false,
  'scheduling.k8s.io PodGroup': true,
  'scheduling.k8s.io Workload': true,
  'storagemigration.k8s.io StorageVersionMigration': false,
};

/**
 * Generates schemas/ from schemas/sources.yaml (upstream paths relative to root); returns the files
 * written, relative to outdir. A test writes elsewhere to check that the committed files are fresh.
 */
export function generateSchemas(root: string, outdir = path.join(root, 'schemas')): string[] {
  const sources = parse(fs.readFileSync(path.join(root, 'schemas', 'sources.yaml'), 'utf8')) as Sources;
  const files = new Map<string, SchemaFile>();
  // `apiVersion kind` → the kind's own file and its entry without the files it needs.
  const kinds = new Map<string, { apiVersion: string; kind: string; file: string; ref: string; namespaced: boolean }>();
  const addKind = (apiVersion: string, kind: string, entry: { file: string; ref: string; namespaced: boolean }) => {
    const key = `${apiVersion} ${kind}`;
    if (kinds.has(key)) throw new Error(`${apiVersion} ${kind} has two schemas`);
    kinds.set(key, { apiVersion, kind, ...entry });
  };

  const builtins = generateKubernetes(root, sources.kubernetes);
  for (const [file, content] of builtins.files) files.set(file, content);

  for (const group of sources.crds) {
    for (const f of group.files.flatMap((p) => expandPattern(root, p))) {
      for (const doc of parseAllDocuments(fs.readFileSync(f, 'utf8'))) {
        const crd = doc.toJS();
        if (!crd) continue;
        if (crd.kind !== 'CustomResourceDefinition') throw new Error(`${f}: not a CustomResourceDefinition`);
        const converted = convertCrd(crd, `${group.source}/${path.basename(f)}`, group.version);
        if (files.has(converted.file)) throw new Error(`${f}: ${crd.metadata.name} is listed twice`);
        files.set(converted.file, converted.content);
        for (const k of converted.kinds) addKind(k.apiVersion, k.kind, { file: converted.file, ref: `${converted.file}#/$defs/${k.def}`, namespaced: k.namespaced });
      }
    }
  }

  const generated = new Map<string, string>();
  const precompile = new Set(sources.precompile);
  for (const key of precompile) if (!kinds.has(key) && !Object.values(builtins.kinds).some((v) => v.has(key))) throw new Error(`precompile: no schema for ${key}`);
  // Built-in kinds, per minor. A minor whose kind has the same schema files as an older minor's gets the same
  // precompiled validator (one file), so supporting another minor adds only the validators that differ.
  const kubernetes: Record<string, Record<string, Record<string, KindEntry>>> = {};
  const validatorsByCode = new Map<string, string>();
  for (const [version, versionKinds] of Object.entries(builtins.kinds)) {
    const sorted: Record<string, Record<string, KindEntry>> = {};
    for (const k of [...versionKinds.values()].sort((a, b) => byString(a.apiVersion, b.apiVersion) || byString(a.kind, b.kind))) {
      const needed = closure(k.file, files);
      let entry: KindEntry = { ref: k.ref, files: needed, ...(k.namespaced === undefined ? {} : { namespaced: k.namespaced }) };
      if (precompile.has(`${k.apiVersion} ${k.kind}`)) {
        const code = precompiled(files, needed, k.ref);
        const validator = validatorsByCode.get(code) ?? validatorFile(`${version}/${k.apiVersion}/${k.kind}`);
        if (!validatorsByCode.has(code)) {
          validatorsByCode.set(code, validator);
          generated.set(validator, code);
        }
        entry = { ...entry, validator };
      }
      sorted[k.apiVersion] ??= {};
      sorted[k.apiVersion][k.kind] = entry;
    }
    kubernetes[version] = sorted;
  }
  const sortedKinds: Record<string, Record<string, KindEntry>> = {};
  for (const k of [...kinds.values()].sort((a, b) => byString(a.apiVersion, b.apiVersion) || byString(a.kind, b.kind))) {
    const needed = closure(k.file, files);
    const entry: KindEntry = { ref: k.ref, files: needed, namespaced: k.namespaced };
    sortedKinds[k.apiVersion] ??= {};
    sortedKinds[k.apiVersion][k.kind] = entry;
    if (!precompile.has(`${k.apiVersion} ${k.kind}`)) continue;
    const validator = validatorFile(`${k.apiVersion}/${k.kind}`);
    generated.set(validator, precompiled(files, needed, k.ref));
    sortedKinds[k.apiVersion][k.kind] = { ...entry, validator };
  }

  const charts: Record<string, Record<string, ChartEntry>> = {};
  for (const c of sources.charts ?? []) {
    const file = `charts/${c.chart}-${c.version}.json`;
    const schema = JSON.parse(fs.readFileSync(path.resolve(root, c.schema), 'utf8'));
    delete schema.$schema;
    const content: ChartValuesFile = { source: c.source, chart: c.chart, version: c.version, schema, defaults: (c.values && parse(fs.readFileSync(path.resolve(root, c.values), 'utf8'))) || {} };
    generated.set(file, serialize(content));
    const validator = validatorFile(`charts/${c.chart}-${c.version}`);
    generated.set(validator, precompiled(new Map([[file, { schema }]]), [file], file));
    charts[c.chart] = { ...charts[c.chart], [c.version]: { file, validator } };
  }
  const talos: Record<string, TalosEntry> = {};
  const talosPrecompile = new Set(sources.talosPrecompile ?? []);
  for (const t of sources.talos) {
    const file = `talos/config-${t.version}.json`;
    const upstream = JSON.parse(fs.readFileSync(path.resolve(root, t.schema), 'utf8'));
    const content = convertTalos(upstream, t.source, t.version);
    generated.set(file, serialize(content));
    const ref = `${file}#/$defs/${TALOS_CONFIG_DEF}`;
    const validator = validatorFile(`talos/config-${t.version}`);
    generated.set(validator, precompiled(new Map([[file, content]]), [file], ref));
    // The multi-document kinds (KernelModuleConfig, KubeNodeConfig, ...): the top-level oneOf, by their `kind`.
    const documents: Record<string, { ref: string; validator?: string }> = {};
    for (const alt of (upstream.oneOf ?? []) as Json[]) {
      const def = /^#\/\$defs\/(.+)$/.exec(alt.$ref ?? '')?.[1];
      const kind = def && upstream.$defs[def]?.properties?.kind?.enum?.[0];
      if (!def || typeof kind !== 'string' || def === TALOS_CONFIG_DEF) continue;
      const docRef = `${file}#/$defs/${def}`;
      if (!talosPrecompile.has(kind)) {
        documents[kind] = { ref: docRef };
        continue;
      }
      const docValidator = validatorFile(`talos/${t.version}/${kind}`);
      generated.set(docValidator, precompiled(new Map([[file, content]]), [file], docRef));
      documents[kind] = { ref: docRef, validator: docValidator };
    }
    talos[t.version] = { file, ref, validator, documents: Object.fromEntries(Object.entries(documents).sort(([a], [b]) => byString(a, b))) };
  }
  for (const [rel, content] of files) generated.set(rel, serialize(content));
  generated.set('index.json', serialize({ kinds: sortedKinds, kubernetes, charts, talos }));

  for (const sub of ['kubernetes', 'crds', 'charts', 'talos', 'validators']) fs.rmSync(path.join(outdir, sub), { recursive: true, force: true });
  for (const [rel, content] of generated) {
    fs.mkdirSync(path.dirname(path.join(outdir, rel)), { recursive: true });
    fs.writeFileSync(path.join(outdir, rel), content);
  }
  return [...generated.keys()].sort(byString);
}
