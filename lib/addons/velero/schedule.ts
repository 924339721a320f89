import { Construct } from 'constructs';
import { Schedule } from '../../../imports/schedules-velero.io';
import { LabelSelector } from '../../validators';

/** A backup schedule as the Velero add-on takes it. */
export interface VeleroScheduleSpec {
  /** Name of the Schedule; its backups are named `<name>-<timestamp>`. */
  readonly name: string;
  /** When to back up: a five-field cron expression (UTC) or a descriptor such as `@daily`. */
  readonly schedule: string;
  /** Namespaces to back up. @default ['*'] (every namespace) */
  readonly includedNamespaces?: readonly string[];
  /** Namespaces to leave out. @default [] */
  readonly excludedNamespaces?: readonly string[];
  /** Back up only objects with matching labels. @default all objects */
  readonly labelSelector?: LabelSelector;
  /** How long each backup is kept, as a duration such as `720h` (30 days). @default 720h */
  readonly ttl?: string;
  /** Backup storage location the backups go to. @default the default location */
  readonly storageLocation?: string;
  /** Back up every pod volume through the node-agent (file-system backup). @default true when `fileSystemBackup` is on */
  readonly defaultVolumesToFsBackup?: boolean;
}

/** A schedule with every default resolved. */
export interface VeleroScheduleProps extends Required<Omit<VeleroScheduleSpec, 'excludedNamespaces' | 'labelSelector'>> {
  /** Velero's namespace: Velero only reads Schedules there. */
  readonly namespace: string;
  readonly excludedNamespaces?: readonly string[];
  readonly labelSelector?: LabelSelector;
}

/** A Velero Schedule (velero.io/v1): a Backup template run on a cron schedule. */
export class VeleroSchedule extends Construct {
  constructor(scope: Construct, id: string, props: VeleroScheduleProps) {
    super(scope, id);
    this.node.defaultChild = new Schedule(this, 'resource', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        schedule: props.schedule,
        template: {
          includedNamespaces: [...props.includedNamespaces],
          excludedNamespaces: props.excludedNamespaces?.length ? [...props.excludedNamespaces] : undefined,
          labelSelector: props.labelSelector ? selectorOf(props.labelSelector) : undefined,
          ttl: props.ttl,
          storageLocation: props.storageLocation,
          defaultVolumesToFsBackup: props.defaultVolumesToFsBackup,
        },
      },
    });
  }
}

function selectorOf(s: LabelSelector) {
  return {
    matchLabels: s.matchLabels ? { ...s.matchLabels } : undefined,
    matchExpressions: s.matchExpressions?.map((e) => ({ key: e.key, operator: e.operator, values: e.values ? [...e.values] : undefined })),
  };
}
