import { formatPath, Problem, showValue } from '../errors';

/** The Flux layers of a cluster, in the order Flux applies them. */
export const LAYERS = ['controllers', 'configs', 'apps'] as const;
export type Layer = (typeof LAYERS)[number];

/** A Kubernetes object as rendered: plain JSON. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** Where an object goes: one of the Flux layers under dist/, or `flux` for clusters/<cluster>/. */
export type Destination = Layer | 'flux';

/** One rendered object and where it came from. */
export interface RenderedObject {
  /** Cluster name. */
  readonly cluster: string;
  /** Layer (dist/<cluster>/<layer>/) or `flux` (clusters/<cluster>/). */
  readonly destination: Destination;
  /** Id of the component that made it (its part-of label). */
  readonly component: string;
  /** Construct path, for errors. */
  readonly constructPath: string;
  readonly manifest: Manifest;
  /** The Kubernetes minor of its cluster: built-in kinds are validated against that minor's schemas. @default the newest */
  readonly kubernetesVersion?: string;
  /**
   * JSON pointers an escape hatch (`addJsonPatch`) set, but the typed binding of the kind left out of
   * the manifest because its schema has no such field. The validation gate reports them.
   */
  readonly droppedPatches?: readonly string[];
  /**
   * A HelmRelease whose values a user wrote for a chart the project does not type by hand (a generic chart
   * add-on): the gate warns when no values schema of the chart checks them.
   */
  readonly valuesSchemaExpected?: true;
}

/** A non-Kubernetes file a cluster renders (Talos schematics, patches, bootstrap), under dist/<cluster>/. */
export interface RenderedArtifact {
  readonly cluster: string;
  /** Path below dist/<cluster>/, such as `talos/schematic-gpu.yaml`. */
  readonly path: string;
  /** File content, already serialized. */
  readonly content: string;
}

export function apiGroup(apiVersion: string): string {
  if (typeof apiVersion !== 'string') return ''; // a malformed escape-hatch object; the schema check reports it
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** `cluster/layer/Kind/namespace/name` (namespace left out for cluster-scoped objects): how problems name an object. */
export function describeObject(o: Pick<RenderedObject, 'cluster' | 'destination' | 'manifest'>): string {
  const m = o.manifest.metadata;
  return [o.cluster, o.destination, o.manifest.kind, m.namespace, m.name ?? '(unnamed)'].filter((x) => x !== undefined).map(text).join('/');
}

/** A problem of a rendered object at a field (a path such as `['spec', 'containers', 0, 'image']`). */
export function problemAt(o: Pick<RenderedObject, 'cluster' | 'destination' | 'manifest'>, field: ReadonlyArray<string | number>, message: string): Problem {
  return { where: describeObject(o), field: formatPath(field), message };
}

/** The identity the API server keys an object by within one cluster: group, kind, namespace, name. */
export function identityOf(m: Manifest): string {
  return [apiGroup(m.apiVersion), m.kind, m.metadata.namespace ?? '', m.metadata.name ?? ''].map(text).join('|');
}

/** A field that should be a string, as text; an escape hatch may have put anything there (the schema check says so). */
const text = (value: unknown): string => (typeof value === 'string' ? value : showValue(value));
