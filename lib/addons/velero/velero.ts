import { z } from 'zod';
import { AddOn } from '../../addon';
import { Cluster } from '../../cluster';
import { FluxHelmRelease, PinnedChart } from '../../flux/helm-release';
import { SchemaMatches, validateProps } from '../../props';
import { TalosNamespace } from '../../talos/namespace';
import { cron, dnsLabel, dnsSubdomain, duration, isDnsLabel, labelSelector } from '../../validators';
import { CHARTS, IMAGES } from '../../versions';
import {
  BackupStorageLocation,
  backupStorageLocationSchema,
  BackupStorageLocationValues,
  backupStorageLocationValues,
  VolumeSnapshotLocation,
  volumeSnapshotLocationSchema,
  VolumeSnapshotLocationValues,
  volumeSnapshotLocationValues,
} from './locations';
import { VeleroSchedule, VeleroScheduleSpec } from './schedule';

/** Cloud credentials Velero reads: only ever a reference to a Secret that already exists. */
export interface VeleroCredentials {
  /** Secret in Velero's namespace whose key `cloud` holds an AWS credentials file (never rendered here). */
  readonly existingSecret: string;
}

export interface VeleroProps {
  /** Namespace of Velero and its node-agent (created; `privileged` when the node-agent runs). @default velero */
  readonly namespace?: string;
  /** The Secret with the object-store (and EBS) credentials. */
  readonly credentials: VeleroCredentials;
  /** Where backups go; one of them is the default. */
  readonly backupStorageLocations: readonly BackupStorageLocation[];
  /** Where EBS volume snapshots go; none turns snapshots off (`snapshotsEnabled: false`). @default [] */
  readonly volumeSnapshotLocations?: readonly VolumeSnapshotLocation[];
  /** Run the node-agent DaemonSet for file-system backups of pod volumes (kopia). @default false */
  readonly fileSystemBackup?: boolean;
  /** Backup schedules, rendered as Schedule objects in the configs layer. @default [] */
  readonly schedules?: readonly VeleroScheduleSpec[];
}

/** The init container that copies a Velero plugin into the server's plugin folder. */
export interface VeleroPluginValues {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy: 'IfNotPresent';
  readonly volumeMounts: ReadonlyArray<{ readonly mountPath: string; readonly name: string }>;
}

/** The velero chart values this add-on sets: a subset of its values.yaml (chart 12.1.0), same key names. */
export interface VeleroChartValues {
  /** Plugins, as init containers. */
  readonly initContainers: readonly VeleroPluginValues[];
  /** The chart's CRD upgrade hook Job; off, because Flux replaces the chart's CRDs itself (`upgrade.crds: CreateReplace`). */
  readonly upgradeCRDs: false;
  /** Credentials: an existing Secret, mounted at /credentials/cloud. */
  readonly credentials: { readonly useSecret: true; readonly existingSecret: string };
  readonly configuration: {
    readonly backupStorageLocation: readonly BackupStorageLocationValues[];
    readonly volumeSnapshotLocation: readonly VolumeSnapshotLocationValues[];
    /** `aws:<name>`: which snapshot location backups use when there are several. */
    readonly defaultVolumeSnapshotLocations?: string;
  };
  /** Create the VolumeSnapshotLocations (off without any). */
  readonly snapshotsEnabled: boolean;
  /** Run the node-agent DaemonSet. */
  readonly deployNodeAgent: boolean;
  /**
   * A ServiceMonitor for the server's metrics (served by default in the chart) and a PodMonitor for the
   * node-agent's: on when the cluster has a monitoring add-on (the node-agent's when it runs).
   */
  readonly metrics?: { readonly serviceMonitor: { readonly enabled: boolean }; readonly nodeAgentPodMonitor?: { readonly enabled: boolean } };
}

const DEFAULT_TTL = '720h';

const namespaceOrAll = () =>
  z.string().refine((s) => s === '*' || isDnsLabel(s), { error: (iss) => `${JSON.stringify(iss.input)} is not a namespace name or '*'` });

const scheduleSchema = z.strictObject({
  name: dnsLabel(),
  schedule: cron(),
  includedNamespaces: z.array(namespaceOrAll()).min(1, { error: "list at least one namespace, or '*' for all" }).optional(),
  excludedNamespaces: z.array(dnsLabel()).optional(),
  labelSelector: labelSelector().optional(),
  ttl: duration().optional(),
  // Checked against the locations below, which names the known ones.
  storageLocation: z.string().optional(),
  defaultVolumesToFsBackup: z.boolean().optional(),
});

type Named = { readonly name: string };

/** One issue for every name used a second time in a list. */
function checkUniqueNames(items: readonly Named[] | undefined, field: string, what: string, ctx: z.RefinementCtx): void {
  const first = new Map<string, number>();
  items?.forEach((item, i) => {
    const prior = first.get(item.name);
    if (prior === undefined) first.set(item.name, i);
    else ctx.addIssue({ code: 'custom', path: [field, i, 'name'], message: `${JSON.stringify(item.name)} is already the name of ${field}[${prior}]; each ${what} needs its own name` });
  });
}

const schema = z.strictObject({
  namespace: dnsLabel().optional(),
  credentials: z.strictObject({ existingSecret: dnsSubdomain() }),
  backupStorageLocations: z.array(backupStorageLocationSchema()).min(1, { error: 'add at least one backup storage location' }),
  volumeSnapshotLocations: z.array(volumeSnapshotLocationSchema()).optional(),
  fileSystemBackup: z.boolean().optional(),
  schedules: z.array(scheduleSchema).optional(),
}).superRefine((p, ctx) => {
  checkUniqueNames(p.backupStorageLocations, 'backupStorageLocations', 'location', ctx);
  checkUniqueNames(p.volumeSnapshotLocations, 'volumeSnapshotLocations', 'location', ctx);
  checkUniqueNames(p.schedules, 'schedules', 'schedule', ctx);

  const locations = p.backupStorageLocations;
  const defaults = locations.flatMap((l, i) => (l.default ? [i] : []));
  for (const i of defaults.slice(1)) {
    ctx.addIssue({
      code: 'custom',
      path: ['backupStorageLocations', i, 'default'],
      message: `${JSON.stringify(locations[i].name)} and ${JSON.stringify(locations[defaults[0]].name)} are both marked default; mark exactly one location default`,
    });
  }
  if (defaults.length === 0 && locations.length > 1) {
    ctx.addIssue({ code: 'custom', path: ['backupStorageLocations'], message: 'none of the locations is marked default; mark exactly one location default' });
  }

  const names = locations.map((l) => l.name);
  p.schedules?.forEach((s, i) => {
    if (s.storageLocation !== undefined && !names.includes(s.storageLocation)) {
      ctx.addIssue({
        code: 'custom',
        path: ['schedules', i, 'storageLocation'],
        message: `${JSON.stringify(s.storageLocation)} is not one of the backup storage locations (${names.join(', ')})`,
      });
    }
    if (s.defaultVolumesToFsBackup && !p.fileSystemBackup) {
      ctx.addIssue({ code: 'custom', path: ['schedules', i, 'defaultVolumesToFsBackup'], message: 'file-system backups need the node-agent; set fileSystemBackup: true' });
    }
  });
});

const propsInStep: SchemaMatches<VeleroProps, z.output<typeof schema>> = true;
void propsInStep;

/**
 * Velero backups: the pinned velero chart with the AWS object-store plugin, backup storage locations
 * in S3 or an S3-compatible store, optional EBS snapshots and node-agent file-system backups, and
 * Schedule objects in the configs layer (after the chart has installed the CRDs).
 */
export class Velero extends AddOn {
  /** Velero's namespace. */
  readonly namespace: string;
  /** Name of the default backup storage location. */
  readonly defaultLocation: string;
  /** The HelmRelease, with the values it sets. */
  readonly release: FluxHelmRelease<VeleroChartValues>;

  constructor(cluster: Cluster, id: string, props: VeleroProps) {
    super(cluster, id);
    const p = validateProps(this, schema, props);
    this.namespace = p.namespace ?? 'velero';
    const fileSystemBackup = p.fileSystemBackup ?? false;
    this.defaultLocation = (p.backupStorageLocations.find((l) => l.default) ?? p.backupStorageLocations[0]).name;

    const controllers = this.scope('controllers');
    // The node-agent mounts /var/lib/kubelet/pods from the host, which only `privileged` admits.
    new TalosNamespace(controllers, 'namespace', { name: this.namespace, podSecurity: fileSystemBackup ? 'privileged' : 'baseline' });
    if (fileSystemBackup) this.cluster.talos.addPrivilegedPods(this, { namespace: this.namespace, reason: "Velero's node-agent mounts /var/lib/kubelet/pods from the host" });
    this.release = new PinnedChart(controllers, 'chart', {
      pin: CHARTS.velero,
      namespace: this.namespace,
      values: chartValues(p, this.defaultLocation),
      late: this.whenMonitored<VeleroChartValues>({
        metrics: { serviceMonitor: { enabled: true }, nodeAgentPodMonitor: fileSystemBackup ? { enabled: true } : undefined },
      }),
    }).release;

    const configs = this.scope('configs');
    for (const s of p.schedules ?? []) {
      new VeleroSchedule(configs, s.name, {
        ...s,
        namespace: this.namespace,
        includedNamespaces: s.includedNamespaces ?? ['*'],
        ttl: s.ttl ?? DEFAULT_TTL,
        storageLocation: s.storageLocation ?? this.defaultLocation,
        defaultVolumesToFsBackup: s.defaultVolumesToFsBackup ?? fileSystemBackup,
      });
    }
  }
}

function chartValues(p: VeleroProps, defaultLocation: string): VeleroChartValues {
  const snapshots = p.volumeSnapshotLocations ?? [];
  return {
    initContainers: [{
      name: 'velero-plugin-for-aws',
      image: IMAGES.veleroPluginForAws,
      imagePullPolicy: 'IfNotPresent',
      volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
    }],
    upgradeCRDs: false,
    credentials: { useSecret: true, existingSecret: p.credentials.existingSecret },
    configuration: {
      backupStorageLocation: p.backupStorageLocations.map((l) => backupStorageLocationValues(l, l.name === defaultLocation)),
      volumeSnapshotLocation: snapshots.map(volumeSnapshotLocationValues),
      defaultVolumeSnapshotLocations: snapshots.length > 1 ? `aws:${snapshots[0].name}` : undefined,
    },
    snapshotsEnabled: snapshots.length > 0,
    deployNodeAgent: p.fileSystemBackup ?? false,
  };
}
