import { parseAllDocuments } from 'yaml';
import { LAYERS } from '../cluster';
import { identityOf, Manifest } from '../synth/manifest';
import { isPlainObject } from './field-diff';

/** Where an object sits in a cluster's tree: a Flux layer, `flux` (clusters/<cluster>/), or `files` (other output under dist/<cluster>/). */
export type ReviewLayer = (typeof LAYERS)[number] | 'flux' | 'files';

/** Display order of the layers: the order Flux applies them, then the sync objects, then plain files. */
export const REVIEW_LAYERS: readonly ReviewLayer[] = [...LAYERS, 'flux', 'files'];

/** One Kubernetes object (or one non-Kubernetes file) of an output tree. */
export interface TreeObject {
  /** The identity the diff matches on: the API server's within one cluster (so a renamed file is no change), or the path of a plain file. */
  readonly key: string;
  readonly cluster: string;
  readonly layer: ReviewLayer;
  /** `File` for a non-Kubernetes file. */
  readonly kind: string;
  readonly apiVersion?: string;
  readonly namespace?: string;
  /** Object name, or for a file its path below dist/<cluster>/. */
  readonly name: string;
  /** The file it was read from. */
  readonly file: string;
  /** The parsed document (for a file that is not YAML or JSON, its text). */
  readonly value: unknown;
}

const isKustomizeConfig = (doc: Record<string, unknown>) =>
  doc.kind === 'Kustomization' && typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('kustomize.config.k8s.io/');

/** Where a file of the tree belongs: its cluster, and its layer when it holds Kubernetes objects. */
function placeOf(file: string): { cluster: string; layer: ReviewLayer } {
  const [top, cluster = '', sub, ...rest] = file.split('/');
  if (top === 'clusters' && rest.length === 0 && sub !== undefined) return { cluster, layer: 'flux' };
  if (top === 'dist' && rest.length === 1 && (LAYERS as readonly string[]).includes(sub)) return { cluster, layer: sub as ReviewLayer };
  return { cluster, layer: 'files' };
}

function parseDocuments(content: string): unknown[] | undefined {
  const docs = parseAllDocuments(content);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length)) return undefined;
  return docs.map((d) => d.toJS({ maxAliasCount: -1 })).filter((d) => d !== null && d !== undefined);
}

/** A Kubernetes object document: apiVersion, kind and metadata.name. */
function asObject(doc: unknown): { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } | undefined {
  if (!isPlainObject(doc) || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string' || !isPlainObject(doc.metadata)) return undefined;
  const { name, namespace } = doc.metadata;
  if (typeof name !== 'string' || (namespace !== undefined && typeof namespace !== 'string')) return undefined;
  return doc as ReturnType<typeof asObject>;
}

/**
 * The bootstrap's Terraform JSON holds each release's Helm values as YAML text: read as data, so a diff
 * shows the fields that change (a FluxInstance annotation) instead of one long line. Its `//` comment
 * holds the hashes that let synth reuse the file (lib/bootstrap/reuse.ts): they change with any input
 * and say nothing a reviewer needs, so they are left out.
 */
function withParsedHelmValues(file: string, value: unknown): unknown {
  const resource = isPlainObject(value) ? value.resource : undefined;
  const releases = isPlainObject(resource) ? resource.helm_release : undefined;
  if (!/(^|\/)bootstrap\/main\.tf\.json$/.test(file) || !isPlainObject(value) || !isPlainObject(resource) || !isPlainObject(releases)) return value;
  const parsed = Object.fromEntries(Object.entries(releases).map(([id, release]) => {
    if (!isPlainObject(release) || !Array.isArray(release.values)) return [id, release];
    const values = release.values.map((v) => (typeof v === 'string' ? parseDocuments(v)?.[0] ?? v : v));
    return [id, { ...release, values }];
  }));
  const { '//': _hashes, ...rest } = value;
  return { ...rest, resource: { ...resource, helm_release: parsed } };
}

function fileObject(file: string, cluster: string, content: string): TreeObject {
  const docs = /\.(ya?ml|json)$/.test(file) ? parseDocuments(content) : undefined;
  const value = withParsedHelmValues(file, docs === undefined ? content : docs.length === 1 ? docs[0] : docs);
  const name = file.split('/').slice(2).join('/');
  return { key: `${cluster}|file|${file}`, cluster, layer: 'files', kind: 'File', name, file, value };
}

/**
 * The objects of an output tree (relative path → content), keyed by identity. The layers'
 * kustomization.yaml files are left out: they only list the files, and the objects tell that story.
 */
export function objectsOf(files: ReadonlyMap<string, string>): Map<string, TreeObject> {
  const out = new Map<string, TreeObject>();
  const add = (o: TreeObject) => out.set(out.has(o.key) ? `${o.key}|${o.file}` : o.key, o);
  for (const [file, content] of files) {
    const { cluster, layer } = placeOf(file);
    const docs = layer === 'files' ? undefined : parseDocuments(content);
    const objects = docs?.filter((d) => !(isPlainObject(d) && isKustomizeConfig(d)));
    if (!objects || objects.some((d) => !asObject(d))) {
      add(fileObject(file, cluster, content));
      continue;
    }
    for (const doc of objects) {
      const m = asObject(doc)!;
      add({ key: `${cluster}|${identityOf(m as Manifest)}`, cluster, layer, kind: m.kind, apiVersion: m.apiVersion, namespace: m.metadata.namespace, name: m.metadata.name, file, value: doc });
    }
  }
  return out;
}
