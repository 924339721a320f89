/**
 * What the checks need to know about HelmReleases: which chart and version they install, with which
 * values, and the objects those charts create that other objects may refer to.
 */
import { Manifest } from '../manifest';
import { at, list, record, str } from './access';

/** A reference to an object in a cluster: API group, kind, namespace (absent when cluster-scoped), name. */
export interface ObjectRef {
  readonly group: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** The chart a HelmRelease installs. */
export interface ReleaseChart {
  readonly name: string;
  /** Exact version, when the release pins one. */
  readonly version?: string;
  /** The field that names the version, for errors. */
  readonly versionField: string;
}

/** Finds a rendered object of the cluster. */
export type Lookup = (ref: ObjectRef) => Manifest | undefined;

export const SOURCE_GROUP = 'source.toolkit.fluxcd.io';
export const HELM_GROUP = 'helm.toolkit.fluxcd.io';

export const isHelmRelease = (m: Manifest) => m.kind === 'HelmRelease' && typeof m.apiVersion === 'string' && m.apiVersion.startsWith(`${HELM_GROUP}/`);

/** The chart of a HelmRelease: from `chart.spec`, or from the OCIRepository its `chartRef` names. */
export function chartOf(hr: Manifest, lookup: Lookup): ReleaseChart | undefined {
  const name = str(at(hr, 'spec', 'chart', 'spec', 'chart'));
  if (name) return { name, version: str(at(hr, 'spec', 'chart', 'spec', 'version')), versionField: 'spec.chart.spec.version' };
  const ref = record(at(hr, 'spec', 'chartRef'));
  if (ref?.kind !== 'OCIRepository' || !str(ref.name)) return undefined;
  const oci = lookup({ group: SOURCE_GROUP, kind: 'OCIRepository', namespace: str(ref.namespace) ?? hr.metadata.namespace, name: String(ref.name) });
  const url = str(at(oci, 'spec', 'url'));
  if (!url) return undefined;
  return { name: url.slice(url.lastIndexOf('/') + 1), version: str(at(oci, 'spec', 'ref', 'tag')), versionField: 'spec.chartRef' };
}

/** The namespace the release installs into. */
export function releaseNamespace(hr: Manifest): string | undefined {
  return str(at(hr, 'spec', 'targetNamespace')) ?? hr.metadata.namespace;
}

type Values = Record<string, unknown>;

/** User values over chart defaults, as Helm coalesces them: maps merge, a null deletes, anything else replaces. */
export function coalesce(defaults: Values, values: Values): Values {
  const out: Values = { ...defaults };
  for (const [k, v] of Object.entries(values)) {
    if (v === null) delete out[k];
    else out[k] = record(v) && record(defaults[k]) ? coalesce(defaults[k] as Values, v as Values) : v;
  }
  return out;
}

/**
 * Objects charts create from their values, which other objects refer to: Velero's storage and
 * snapshot locations (configuration.backupStorageLocation[].name, "default" when unnamed) and the
 * GPU operator's RuntimeClass (operator.runtimeClass). Values are the merged values (defaults included).
 */
export const CHART_OBJECTS: Readonly<Record<string, (values: Values, namespace: string) => ObjectRef[]>> = {
  velero: (values, namespace) => {
    const locations = (field: string, kind: string, enabled: string) =>
      at(values, enabled) === false ? [] : list(at(values, 'configuration', field)).map((l) => ({ group: 'velero.io', kind, namespace, name: str(at(l, 'name')) ?? 'default' }));
    return [...locations('backupStorageLocation', 'BackupStorageLocation', 'backupsEnabled'), ...locations('volumeSnapshotLocation', 'VolumeSnapshotLocation', 'snapshotsEnabled')];
  },
  'gpu-operator': (values) => [{ group: 'node.k8s.io', kind: 'RuntimeClass', name: str(at(values, 'operator', 'runtimeClass')) ?? 'nvidia' }],
};
