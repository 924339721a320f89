import { byString } from '../order';
import type { AdmissionDiff } from './admission';
import type { ObjectChange, ObjectStatus } from './change';
import { diffFields } from './field-diff';
import { risksOf, Risk } from './risks';
import { objectsOf, REVIEW_LAYERS, ReviewLayer, TreeObject } from './tree';

export type { ObjectChange, ObjectStatus };

/** The difference between two output trees, object by object. */
export interface FleetDiff {
  /** Every added, removed or changed object, sorted by cluster, layer, kind, namespace, name. */
  readonly changes: readonly ObjectChange[];
  /** What a reviewer must look at first, most severe first. */
  readonly risks: readonly Risk[];
  /** Objects present and equal in both trees. */
  readonly unchanged: number;
  /** The policy violations the change introduces at admission (lib/review/admission.ts), when computed. */
  readonly admission?: AdmissionDiff;
}

export function compareChanges(a: ObjectChange, b: ObjectChange): number {
  return byString(a.cluster, b.cluster) ||
    REVIEW_LAYERS.indexOf(a.layer) - REVIEW_LAYERS.indexOf(b.layer) ||
    byString(a.kind, b.kind) ||
    byString(a.namespace ?? '', b.namespace ?? '') ||
    byString(a.name, b.name);
}

function changeOf(before: TreeObject | undefined, after: TreeObject | undefined): ObjectChange | undefined {
  const o = (after ?? before) as TreeObject;
  const id = { cluster: o.cluster, layer: o.layer, kind: o.kind, namespace: o.namespace, name: o.name };
  if (!before) return { status: 'added', ...id, after, fields: [] };
  if (!after) return { status: 'removed', ...id, before, fields: [] };
  const fields = diffFields(before.value, after.value);
  const movedFrom = before.layer !== after.layer ? before.layer : undefined;
  if (!fields.length && !movedFrom) return undefined;
  return { status: 'changed', ...id, before, after, fields, movedFrom };
}

/**
 * Compares two output trees (relative path → content) object by object: objects are matched by
 * their identity in the cluster, not by file, so a renamed file is no change and a moved object
 * is one change, not a removal and an addition.
 */
export function diffTrees(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>): FleetDiff {
  const before = objectsOf(base);
  const after = objectsOf(head);
  const changes: ObjectChange[] = [];
  let unchanged = 0;
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const change = changeOf(before.get(key), after.get(key));
    if (change) changes.push(change);
    else unchanged++;
  }
  changes.sort(compareChanges);
  return { changes, risks: risksOf(changes, [...before.values()], [...after.values()]), unchanged };
}

/** Added, removed and changed objects among `changes`. */
export function countChanges(changes: readonly ObjectChange[]): Record<ObjectStatus, number> {
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const c of changes) counts[c.status]++;
  return counts;
}

/** `1 added, 0 removed, 2 changed` */
export function formatCounts(changes: readonly ObjectChange[]): string {
  const n = countChanges(changes);
  return `${n.added} added, ${n.removed} removed, ${n.changed} changed`;
}

/** `cluster/layer/Kind/namespace/name` (as problems name objects), or `cluster/files/path` for a file. */
export function describeChange(c: Pick<ObjectChange, 'cluster' | 'layer' | 'kind' | 'namespace' | 'name'>): string {
  return c.kind === 'File' ? `${c.cluster}/${c.name}` : [c.cluster, c.layer, c.kind, c.namespace, c.name].filter((x) => x !== undefined).join('/');
}

/** Changes grouped as the formats print them: cluster → layer → kind. */
export interface ClusterGroup {
  readonly cluster: string;
  readonly changes: readonly ObjectChange[];
  readonly layers: ReadonlyArray<{ readonly layer: ReviewLayer; readonly kinds: ReadonlyArray<{ readonly kind: string; readonly changes: readonly ObjectChange[] }> }>;
}

function groupBy<T, K>(items: readonly T[], keyOf: (t: T) => K): Array<[K, T[]]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups];
}

/** Groups sorted changes (as `diffTrees` returns them) by cluster, layer and kind, keeping their order. */
export function groupChanges(changes: readonly ObjectChange[]): ClusterGroup[] {
  return groupBy(changes, (c) => c.cluster).map(([cluster, inCluster]) => ({
    cluster,
    changes: inCluster,
    layers: groupBy(inCluster, (c) => c.layer).map(([layer, inLayer]) => ({
      layer,
      kinds: groupBy(inLayer, (c) => c.kind).map(([kind, ofKind]) => ({ kind, changes: ofKind })),
    })),
  }));
}
