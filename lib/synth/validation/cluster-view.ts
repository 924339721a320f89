import { LAYERS } from '../../cluster';
import { apiGroup, Destination, identityOf, Manifest, RenderedObject } from '../manifest';
import { chartOf, CHART_OBJECTS, coalesce, isHelmRelease, ObjectRef, releaseNamespace } from './helm';
import { at, record } from './access';
import { schemas } from './schemas';

/** The order Flux applies a cluster's folders in: clusters/<cluster>/ first, then the layers. */
export const APPLY_ORDER: readonly Destination[] = ['flux', ...LAYERS];

/** Something that creates an object in the cluster: a rendered object, or a Helm release from its values. */
export interface Provider {
  /** Where it is applied. */
  readonly destination: Destination;
  /** The rendered object, when it is one. */
  readonly manifest?: Manifest;
}

/** Same key as identityOf, so rendered objects and references meet. */
export const refKey = (r: ObjectRef): string => [r.group, r.kind, r.namespace ?? '', r.name].join('|');

/** One cluster's objects, indexed for the cross-reference checks. */
export class ClusterView {
  readonly objects: RenderedObject[] = [];
  private readonly provided = new Map<string, Provider>();

  constructor(readonly name: string) {}

  /** Who creates an object, or undefined when nothing in the cluster does. */
  find(ref: ObjectRef): Provider | undefined {
    return this.provided.get(refKey(ref));
  }

  /** The rendered object a reference names, if any. */
  manifest(ref: ObjectRef): Manifest | undefined {
    return this.find(ref)?.manifest;
  }

  /** Names of the objects of a kind in a namespace (or cluster-wide), sorted; for messages. */
  namesOf(group: string, kind: string, namespace?: string): string[] {
    const prefix = `${group}|${kind}|${namespace ?? ''}|`;
    return [...this.provided.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
  }

  add(o: RenderedObject): void {
    this.objects.push(o);
    const key = identityOf(o.manifest);
    if (!this.provided.has(key)) this.provided.set(key, { destination: o.destination, manifest: o.manifest });
    for (const ref of fluxInstanceSync(o.manifest)) {
      const k = refKey(ref);
      if (!this.provided.has(k)) this.provided.set(k, { destination: o.destination });
    }
  }

  /** Adds what HelmReleases create from their values (see CHART_OBJECTS); run after every object is added. */
  addChartObjects(): void {
    for (const o of this.objects) {
      if (!isHelmRelease(o.manifest)) continue;
      const chart = chartOf(o.manifest, (ref) => this.manifest(ref));
      const objectsOf = chart && Object.hasOwn(CHART_OBJECTS, chart.name) ? CHART_OBJECTS[chart.name] : undefined;
      const namespace = releaseNamespace(o.manifest);
      if (!chart || !objectsOf || !namespace) continue;
      const defaults = chart.version ? schemas.chartValues(chart.name, chart.version)?.defaults : undefined;
      const values = record(at(o.manifest, 'spec', 'values')) ?? {};
      for (const ref of objectsOf(coalesce(defaults ?? {}, values), namespace)) {
        const key = refKey(ref);
        if (!this.provided.has(key)) this.provided.set(key, { destination: o.destination });
      }
    }
  }
}

/**
 * What a Flux Operator FluxInstance with `spec.sync` creates: a source of the sync's kind and a Flux
 * Kustomization, both named `spec.sync.name` or else after the instance's namespace.
 */
function fluxInstanceSync(m: Manifest): ObjectRef[] {
  if (apiGroup(m.apiVersion) !== 'fluxcd.controlplane.io' || m.kind !== 'FluxInstance') return [];
  const sync = record(at(m, 'spec', 'sync'));
  const namespace = m.metadata.namespace;
  const kind = sync?.kind;
  const name = typeof sync?.name === 'string' ? sync.name : namespace;
  if (typeof kind !== 'string' || !namespace || !name) return [];
  return [
    { group: 'source.toolkit.fluxcd.io', kind, namespace, name },
    { group: 'kustomize.toolkit.fluxcd.io', kind: 'Kustomization', namespace, name },
  ];
}

const optionalString = (x: unknown) => x === undefined || typeof x === 'string';

/** Whether an object can be referred to at all; the schema check reports the others. */
function isWellFormed(m: Manifest): boolean {
  const meta = record(m.metadata);
  return typeof m.apiVersion === 'string' && typeof m.kind === 'string' && !!meta && optionalString(meta.name) && optionalString(meta.namespace);
}

const cache = new WeakMap<readonly RenderedObject[], ClusterView[]>();

/** The objects grouped by cluster and indexed; computed once per list of objects, shared by the checks. */
export function clusterViews(objects: readonly RenderedObject[]): ClusterView[] {
  const cached = cache.get(objects);
  if (cached) return cached;
  const views = new Map<string, ClusterView>();
  for (const o of objects) {
    const view = views.get(o.cluster) ?? new ClusterView(o.cluster);
    views.set(o.cluster, view);
    if (isWellFormed(o.manifest)) view.add(o);
  }
  for (const view of views.values()) view.addChartObjects();
  const result = [...views.values()];
  cache.set(objects, result);
  return result;
}

/** Position of a destination in the apply order. */
export const applyRank = (d: Destination): number => APPLY_ORDER.indexOf(d);

/** The API group of a manifest, tolerating a missing apiVersion. */
export const groupOf = (m: Manifest): string => (typeof m.apiVersion === 'string' ? apiGroup(m.apiVersion) : '');
