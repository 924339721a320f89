/**
 * Cross-reference checks over each cluster's whole tree: what an object names must exist in the same
 * cluster (rendered, or created by a chart from its values) and be applied no later than the object.
 */
import { Problem } from '../../errors';
import { FLUX_NAMESPACE } from '../../flux/cluster-sync';
import type { Check } from './check';
import { apiGroup, Destination, problemAt, RenderedObject } from '../manifest';
import { at, list, Path, record, str } from './access';
import { podSpecPath } from './pods';
import { applyRank, ClusterView, clusterViews, groupOf, Provider, refKey } from './cluster-view';
import { HELM_GROUP, isHelmRelease, ObjectRef, SOURCE_GROUP } from './helm';
import { schemas } from './schemas';

/** Namespaces every cluster has without this tree creating them (flux-system comes with the Flux bootstrap). */
export const SYSTEM_NAMESPACES: readonly string[] = ['default', 'kube-node-lease', 'kube-public', 'kube-system', FLUX_NAMESPACE];

const KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';

const nameOf = (r: ObjectRef) => (r.namespace ? `${r.namespace}/${r.name}` : r.name);

const placeOf = (d: Destination, cluster: string) => (d === 'flux' ? `clusters/${cluster}` : `the ${d} layer`);

/** Each object's checks over each cluster's view. */
const perObject = (fn: (o: RenderedObject, view: ClusterView) => Problem[]): Check => (objects) =>
  clusterViews(objects).flatMap((view) => view.objects.flatMap((o) => fn(o, view)));

/**
 * The problem with a reference, if any: nothing creates the target, or (when `ordered`) it is applied
 * after the object that needs it, which stalls a layer that waits for its objects to become ready.
 */
function resolve(view: ClusterView, o: RenderedObject, field: Path, ref: ObjectRef, ordered: boolean, hint = ''): Problem | undefined {
  const found: Provider | undefined = view.find(ref);
  if (!found) {
    const existing = view.namesOf(ref.group, ref.kind, ref.namespace);
    const there = existing.length ? ` (existing${ref.namespace ? ` in ${ref.namespace}` : ''}: ${existing.join(', ')})` : '';
    return problemAt(o, field, `${ref.kind} ${nameOf(ref)} does not exist in cluster ${view.name}${there}${hint}`);
  }
  if (ordered && applyRank(found.destination) > applyRank(o.destination)) {
    const here = placeOf(o.destination, view.name);
    return problemAt(o, field, `${ref.kind} ${nameOf(ref)} is created in ${placeOf(found.destination, view.name)}, which Flux applies after ${here}; move it to ${here} or earlier`);
  }
  return undefined;
}

const defined = <T>(x: T | undefined): x is T => x !== undefined;

// ---- namespaces ---------------------------------------------------------------------------------------

/**
 * Namespaced objects name a namespace the cluster has: created in this tree, in the same layer or an
 * earlier one, or a system namespace. Cluster-scoped objects name none.
 */
export const namespaceReferences: Check = perObject((o, view) => {
  const m = o.manifest;
  const entry = schemas.kind(m.apiVersion, m.kind, o.kubernetesVersion);
  const ns = str(m.metadata.namespace);
  if (entry?.namespaced && !ns) return [problemAt(o, ['metadata', 'namespace'], `${m.kind} is namespaced; set the namespace (without one, it lands in whatever namespace Flux applies it to)`)];
  if (entry?.namespaced === false && ns) return [problemAt(o, ['metadata', 'namespace'], `${m.kind} is cluster-scoped; remove the namespace`)];
  const needed: Array<[Path, string]> = ns ? [[['metadata', 'namespace'], ns]] : [];
  const target = isHelmRelease(m) ? str(at(m, 'spec', 'targetNamespace')) : undefined;
  if (target && at(m, 'spec', 'install', 'createNamespace') !== true) needed.push([['spec', 'targetNamespace'], target]);
  return needed
    .filter(([, name]) => !SYSTEM_NAMESPACES.includes(name))
    .map(([field, name]) => resolve(view, o, field, { group: '', kind: 'Namespace', name }, true, `; create it (TalosNamespace) or use a system namespace (${SYSTEM_NAMESPACES.join(', ')})`))
    .filter(defined);
});

// ---- Flux ---------------------------------------------------------------------------------------------

/** A Flux reference field: `{kind?, name, namespace?}`, the namespace defaulting to the object's own. */
function fluxRef(o: RenderedObject, value: unknown, group: string, kind?: string): ObjectRef | undefined {
  const r = record(value);
  const name = str(r?.name);
  const k = kind ?? str(r?.kind);
  if (!r || !name || !k) return undefined;
  return { group, kind: k, namespace: str(r.namespace) ?? o.manifest.metadata.namespace, name };
}

interface Dependencies {
  /** The dependsOn targets: field, reference. */
  readonly dependsOn: Array<[Path, ObjectRef]>;
  /** Sources: field, reference. */
  readonly sources: Array<[Path, ObjectRef]>;
}

/** What a Flux Kustomization or HelmRelease refers to; undefined for any other object. */
function fluxDependencies(o: RenderedObject): Dependencies | undefined {
  const m = o.manifest;
  const group = groupOf(m);
  const dependsOn = (kind: string): Array<[Path, ObjectRef]> =>
    list(at(m, 'spec', 'dependsOn')).map((d, i): [Path, ObjectRef | undefined] => [['spec', 'dependsOn', i], fluxRef(o, d, group, kind)]).filter((e): e is [Path, ObjectRef] => e[1] !== undefined);
  const source = (field: Path) => {
    const ref = fluxRef(o, at(m, ...field), SOURCE_GROUP);
    return ref ? [[field, ref] as [Path, ObjectRef]] : [];
  };
  if (group === KUSTOMIZE_GROUP && m.kind === 'Kustomization') return { dependsOn: dependsOn('Kustomization'), sources: source(['spec', 'sourceRef']) };
  if (group === HELM_GROUP && m.kind === 'HelmRelease') {
    return { dependsOn: dependsOn('HelmRelease'), sources: [...source(['spec', 'chart', 'spec', 'sourceRef']), ...source(['spec', 'chartRef'])] };
  }
  return undefined;
}

/** Flux sources and dependsOn name objects of the cluster, applied no later, and dependsOn has no cycle. */
export const fluxReferences: Check = (objects) =>
  clusterViews(objects).flatMap((view) => {
    const problems: Problem[] = [];
    const edges = new Map<string, { o: RenderedObject; targets: string[] }>();
    for (const o of view.objects) {
      const deps = fluxDependencies(o);
      if (!deps) continue;
      for (const [field, ref] of [...deps.sources, ...deps.dependsOn]) {
        const p = resolve(view, o, field, ref, true);
        if (p) problems.push(p);
      }
      edges.set(refKey({ group: groupOf(o.manifest), kind: o.manifest.kind, namespace: o.manifest.metadata.namespace, name: o.manifest.metadata.name ?? '' }), {
        o,
        targets: deps.dependsOn.map(([, ref]) => refKey(ref)),
      });
    }
    return [...problems, ...cycles(edges)];
  });

/** Each dependsOn cycle once, reported on its first object (in key order). */
function cycles(edges: ReadonlyMap<string, { o: RenderedObject; targets: string[] }>): Problem[] {
  const problems: Problem[] = [];
  const reported = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (key: string) => {
    state.set(key, 'open');
    stack.push(key);
    for (const next of edges.get(key)?.targets ?? []) {
      if (!edges.has(next)) continue;
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        const first = [...cycle].sort()[0];
        const rotated = [...cycle.slice(cycle.indexOf(first)), first];
        const id = rotated.join('>');
        if (!reported.has(id)) {
          reported.add(id);
          const start = edges.get(first)?.o as RenderedObject;
          const label = (k: string) => k.split('|').slice(2).filter(Boolean).join('/');
          problems.push(problemAt(start, ['spec', 'dependsOn'], `dependency cycle ${rotated.map(label).join(' → ')}; Flux would wait forever`));
        }
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(key, 'done');
  };
  for (const key of [...edges.keys()].sort()) if (!state.has(key)) visit(key);
  return problems;
}

// ---- KEDA ---------------------------------------------------------------------------------------------

/** ScaledObjects scale a workload of their own namespace and authenticate with existing TriggerAuthentications. */
export const kedaReferences: Check = perObject((o, view) => {
  const m = o.manifest;
  if (groupOf(m) !== 'keda.sh' || (m.kind !== 'ScaledObject' && m.kind !== 'ScaledJob')) return [];
  const ns = m.metadata.namespace;
  const out: Array<Problem | undefined> = [];
  const target = record(at(m, 'spec', 'scaleTargetRef'));
  if (m.kind === 'ScaledObject' && str(target?.name)) {
    const apiVersion = str(target?.apiVersion) ?? 'apps/v1';
    const kind = str(target?.kind) ?? 'Deployment';
    out.push(resolve(view, o, ['spec', 'scaleTargetRef'], { group: apiGroup(apiVersion), kind, namespace: ns, name: String(target?.name) }, false, '; a ScaledObject scales a workload in its own namespace'));
  }
  list(at(m, 'spec', 'triggers')).forEach((t, i) => {
    const auth = record(at(t, 'authenticationRef'));
    const name = str(auth?.name);
    if (!name) return;
    const kind = str(auth?.kind) ?? 'TriggerAuthentication';
    const ref = { group: 'keda.sh', kind, namespace: kind === 'ClusterTriggerAuthentication' ? undefined : ns, name };
    out.push(resolve(view, o, ['spec', 'triggers', i, 'authenticationRef'], ref, false));
  });
  return out.filter(defined);
});

// ---- RuntimeClasses -----------------------------------------------------------------------------------

/** Pods name RuntimeClasses the cluster has (rendered, or created by a chart such as the GPU operator). */
export const runtimeClassReferences: Check = perObject((o, view) => {
  const spec = podSpecPath(o.manifest.apiVersion, o.manifest.kind);
  const name = spec && str(at(o.manifest, ...spec, 'runtimeClassName'));
  if (!spec || !name) return [];
  const p = resolve(view, o, [...spec, 'runtimeClassName'], { group: 'node.k8s.io', kind: 'RuntimeClass', name }, true, '; render one (node.k8s.io/v1) or install the add-on that creates it');
  return p ? [p] : [];
});

// ---- Velero -------------------------------------------------------------------------------------------

const VELERO_LOCATIONS: Readonly<Record<string, { storage: Path; snapshots: Path }>> = {
  Schedule: { storage: ['spec', 'template', 'storageLocation'], snapshots: ['spec', 'template', 'volumeSnapshotLocations'] },
  Backup: { storage: ['spec', 'storageLocation'], snapshots: ['spec', 'volumeSnapshotLocations'] },
};

const LOCATION_HINT = '; name a location of the velero chart values (configuration.backupStorageLocation[].name) or a BackupStorageLocation object';

/**
 * Velero Schedules and Backups name storage and snapshot locations of their namespace: BackupStorageLocation
 * objects, or the locations the velero chart creates from its values. Without a name, one must exist.
 */
export const veleroReferences: Check = perObject((o, view) => {
  const m = o.manifest;
  const paths = groupOf(m) === 'velero.io' && Object.hasOwn(VELERO_LOCATIONS, m.kind) ? VELERO_LOCATIONS[m.kind] : undefined;
  const ns = m.metadata.namespace;
  if (!paths || !ns) return [];
  const out: Array<Problem | undefined> = [];
  const storage = str(at(m, ...paths.storage));
  if (storage) out.push(resolve(view, o, paths.storage, { group: 'velero.io', kind: 'BackupStorageLocation', namespace: ns, name: storage }, false, LOCATION_HINT));
  else if (!view.namesOf('velero.io', 'BackupStorageLocation', ns).length) {
    out.push(problemAt(o, paths.storage, `not set, and namespace ${ns} has no BackupStorageLocation for Velero to use${LOCATION_HINT}`));
  }
  list(at(m, ...paths.snapshots)).forEach((name, i) => {
    if (str(name)) out.push(resolve(view, o, [...paths.snapshots, i], { group: 'velero.io', kind: 'VolumeSnapshotLocation', namespace: ns, name: String(name) }, false));
  });
  return out.filter(defined);
});
