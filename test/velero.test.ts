import Ajv from 'ajv';
import { App } from 'cdk8s';
import { exampleFleet } from './fixtures/example-fleet';
import { s3BucketNameError, Velero, VeleroProps } from '../lib/addons/velero';
import { Cluster } from '../lib/cluster';
import { synthesize } from '../lib/synth/pipeline';
import { RenderedObject } from '../lib/synth/manifest';
import { IMAGES } from '../lib/versions';
import { CHARTS } from '../lib/versions';
import { coalesce, projectChartSchema, unknownKeys } from './chart-values';
import { clusterProps, configErrorOf } from './helpers';

type Values = Record<string, any>;

const MINIO: VeleroProps = {
  credentials: { existingSecret: 'velero-minio' },
  backupStorageLocations: [{ type: 's3-compatible', name: 'minio', s3Url: 'https://minio.example.lan:9000', bucket: 'velero' }],
};

const S3_WITH_SNAPSHOTS: VeleroProps = {
  credentials: { existingSecret: 'velero-aws' },
  backupStorageLocations: [
    { type: 's3', name: 'primary', region: 'eu-central-1', bucket: 'acme-backups', prefix: 'cluster-a', default: true },
    { type: 's3', name: 'replica', region: 'us-east-1', bucket: 'acme-backups-replica' },
  ],
  volumeSnapshotLocations: [{ name: 'ebs-eu', region: 'eu-central-1' }, { name: 'ebs-us', region: 'us-east-1' }],
};

function render(props: VeleroProps): RenderedObject[] {
  return [...synthesize((app: App) => new Velero(new Cluster(app, clusterProps()), 'velero', props)).objects];
}

function object(objects: readonly RenderedObject[], kind: string, name: string): RenderedObject {
  const o = objects.find((x) => x.manifest.kind === kind && x.manifest.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
}

const valuesOf = (objects: readonly RenderedObject[]): Values => (object(objects, 'HelmRelease', 'velero').manifest.spec as Values).values;

function errorOf(props: VeleroProps): string {
  return configErrorOf(() => render(props));
}

describe('Velero', () => {
  it('installs the chart with the pinned AWS plugin, an existing Secret and an S3-compatible location', () => {
    const objects = render({ ...MINIO, fileSystemBackup: true });
    const release = object(objects, 'HelmRelease', 'velero');
    expect(release.destination).toBe('controllers');
    expect((release.manifest.spec as Values).chart.spec).toMatchObject({ chart: 'velero', version: '12.1.0' });
    expect(valuesOf(objects)).toEqual({
      initContainers: [{
        name: 'velero-plugin-for-aws',
        image: 'velero/velero-plugin-for-aws:v1.14.2',
        imagePullPolicy: 'IfNotPresent',
        volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
      }],
      upgradeCRDs: false,
      credentials: { useSecret: true, existingSecret: 'velero-minio' },
      configuration: {
        backupStorageLocation: [{
          name: 'minio',
          provider: 'aws',
          bucket: 'velero',
          default: true,
          config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: 'https://minio.example.lan:9000' },
        }],
        volumeSnapshotLocation: [],
      },
      snapshotsEnabled: false,
      deployNodeAgent: true,
    });
    expect(valuesOf(objects).initContainers[0].image).toBe(IMAGES.veleroPluginForAws);
  });

  it('makes its namespace privileged only when the node-agent runs', () => {
    const level = (props: VeleroProps) => object(render(props), 'Namespace', 'velero').manifest.metadata.labels?.['pod-security.kubernetes.io/enforce'];
    expect(level({ ...MINIO, fileSystemBackup: true })).toBe('privileged');
    expect(level(MINIO)).toBe('baseline');
    expect(valuesOf(render(MINIO)).deployNodeAgent).toBe(false);
  });

  it('renders S3 locations with region and prefix, and volume snapshot locations', () => {
    const values = valuesOf(render(S3_WITH_SNAPSHOTS));
    expect(values.configuration).toEqual({
      backupStorageLocation: [
        { name: 'primary', provider: 'aws', bucket: 'acme-backups', prefix: 'cluster-a', default: true, config: { region: 'eu-central-1' } },
        { name: 'replica', provider: 'aws', bucket: 'acme-backups-replica', default: false, config: { region: 'us-east-1' } },
      ],
      volumeSnapshotLocation: [
        { name: 'ebs-eu', provider: 'aws', config: { region: 'eu-central-1' } },
        { name: 'ebs-us', provider: 'aws', config: { region: 'us-east-1' } },
      ],
      defaultVolumeSnapshotLocations: 'aws:ebs-eu',
    });
    expect(values.snapshotsEnabled).toBe(true);
  });

  it('renders an S3-compatible store with its own region and virtual-host addressing when asked', () => {
    const values = valuesOf(render({
      ...MINIO,
      backupStorageLocations: [{ type: 's3-compatible', name: 'ceph', s3Url: 'https://rgw.example.com', bucket: 'backups', region: 'us-east-1', s3ForcePathStyle: false }],
    }));
    expect(values.configuration.backupStorageLocation[0].config).toEqual({ region: 'us-east-1', s3Url: 'https://rgw.example.com', s3ForcePathStyle: 'false' });
  });

  it('never takes or renders a secret value', () => {
    const objects = render({ ...S3_WITH_SNAPSHOTS, fileSystemBackup: true });
    expect(objects.filter((o) => o.manifest.kind === 'Secret')).toEqual([]);
    expect(Object.keys(valuesOf(objects).credentials).sort()).toEqual(['existingSecret', 'useSecret']);
    expect(JSON.stringify(objects.map((o) => o.manifest))).not.toMatch(/secretContents|aws_secret_access_key/);
  });

  it('renders schedules field by field in the configs layer', () => {
    const template = {
      includedNamespaces: ['llm', 'web'],
      excludedNamespaces: ['web-preview'],
      labelSelector: { matchLabels: { backup: 'true' }, matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['db'] }] },
      ttl: '168h',
      storageLocation: 'replica',
      defaultVolumesToFsBackup: false,
    };
    const objects = render({ ...S3_WITH_SNAPSHOTS, fileSystemBackup: true, schedules: [{ name: 'nightly', schedule: '30 1 * * *', ...template }] });
    const schedule = object(objects, 'Schedule', 'nightly');
    expect(schedule.destination).toBe('configs');
    expect(schedule.manifest).toMatchObject({ apiVersion: 'velero.io/v1', metadata: { name: 'nightly', namespace: 'velero' } });
    // Each field of the spec lands in the Backup template under its own name.
    expect(schedule.manifest.spec).toEqual({ schedule: '30 1 * * *', template });
  });

  it('defaults a schedule to every namespace, 30 days, the default location and file-system backup when the node-agent runs', () => {
    const spec = (props: VeleroProps) => object(render({ ...props, schedules: [{ name: 'daily', schedule: '@daily' }] }), 'Schedule', 'daily').manifest.spec;
    expect(spec({ ...S3_WITH_SNAPSHOTS, fileSystemBackup: true })).toEqual({
      schedule: '@daily',
      template: { includedNamespaces: ['*'], ttl: '720h', storageLocation: 'primary', defaultVolumesToFsBackup: true },
    });
    expect(spec(MINIO)).toEqual({
      schedule: '@daily',
      template: { includedNamespaces: ['*'], ttl: '720h', storageLocation: 'minio', defaultVolumesToFsBackup: false },
    });
  });

  it('sets only chart values that the chart has', () => {
    const defaults = projectChartSchema('velero', CHARTS.velero.version).defaults;
    for (const props of [MINIO, S3_WITH_SNAPSHOTS]) expect(unknownKeys(valuesOf(render(props)), defaults)).toEqual([]);
    expect(unknownKeys({ configuration: { backupStorageLocation: [{ bucket: 'b', regoin: 'x' }] } }, defaults)).toEqual(['configuration.backupStorageLocation[0].regoin']);
  });
});

describe('Velero values against the chart values.schema.json', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The project's copy of the chart's values.schema.json and values.yaml; test/validation.test.ts proves it
  // is what `npm run import` generates from the upstream files.
  const { schema, defaults } = projectChartSchema('velero', CHARTS.velero.version);
  const validate = ajv.compile(schema);
  // Helm validates the values after merging them over the chart's values.yaml.
  const errorsOf = (values: unknown) => (validate(coalesce(defaults, values)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

  const fleet = synthesize(exampleFleet).objects.filter((o) => o.manifest.kind === 'HelmRelease' && o.manifest.metadata.name === 'velero');

  it('covers both example clusters', () => {
    expect(fleet.map((o) => o.cluster)).toEqual(['lab', 'gpu-cloud']);
  });

  it.each(fleet.map((o) => [o.cluster, o] as const))('accepts the values of %s', (_, o) => {
    expect(errorsOf((o.manifest.spec as Values).values)).toEqual([]);
  });

  it.each([['MinIO', MINIO], ['S3 with snapshots', S3_WITH_SNAPSHOTS], ['node-agent', { ...MINIO, fileSystemBackup: true }]] as const)('accepts the values for %s', (_, props) => {
    expect(errorsOf(valuesOf(render(props)))).toEqual([]);
  });

  it('rejects values the chart does not take (the check can fail)', () => {
    const values = valuesOf(render(MINIO));
    expect(errorsOf({ ...values, snapshotsEnabled: 'no', configuration: { backupStorageLocation: [{ name: 'x', bucket: 'b' }] } })).toEqual([
      "/configuration/backupStorageLocation/0 must have required property 'provider'",
      '/snapshotsEnabled must be boolean',
    ]);
  });
});

describe('Velero validation', () => {
  const withSchedule = (schedule: Partial<NonNullable<VeleroProps['schedules']>[number]>): VeleroProps => ({
    ...MINIO,
    schedules: [{ name: 'daily', schedule: '0 3 * * *', ...schedule }],
  });

  it('rejects an invalid cron schedule', () => {
    expect(errorOf(withSchedule({ schedule: '0 25 * * *' }))).toBe(
      'test/Velero[velero]: schedules[0].schedule: "0 25 * * *" is not a valid cron expression: hour: "25" is not a value from 0 to 23',
    );
  });

  it('rejects a ttl that is not a duration', () => {
    expect(errorOf(withSchedule({ ttl: '30d' }))).toBe('test/Velero[velero]: schedules[0].ttl: "30d" is not a duration (use h, m, s as in 720h or 5m30s)');
  });

  it('rejects a schedule naming a storage location that does not exist', () => {
    expect(errorOf(withSchedule({ storageLocation: 's3' }))).toBe(
      'test/Velero[velero]: schedules[0].storageLocation: "s3" is not one of the backup storage locations (minio)',
    );
  });

  it('rejects two default locations', () => {
    expect(errorOf({ ...S3_WITH_SNAPSHOTS, backupStorageLocations: S3_WITH_SNAPSHOTS.backupStorageLocations.map((l) => ({ ...l, default: true })) })).toBe(
      'test/Velero[velero]: backupStorageLocations[1].default: "replica" and "primary" are both marked default; mark exactly one location default',
    );
  });

  it('rejects a bucket name that is not a valid S3 bucket name', () => {
    expect(errorOf({ ...MINIO, backupStorageLocations: [{ type: 's3', name: 'aws', region: 'eu-west-1', bucket: 'Velero_Backups' }] })).toBe(
      'test/Velero[velero]: backupStorageLocations[0].bucket: "Velero_Backups" is not a valid S3 bucket name: only lowercase letters, digits, \'.\' and \'-\' are allowed',
    );
  });

  it.each([
    ['ab', 'it has 2 characters; a bucket name has 3 to 63'],
    ['a'.repeat(64), 'it has 64 characters; a bucket name has 3 to 63'],
    ['-backups', 'it must start and end with a lowercase letter or a digit'],
    ['backups.', 'it must start and end with a lowercase letter or a digit'],
    ['my..backups', 'it must not contain two dots in a row'],
    ['192.168.5.4', 'it must not look like an IP address'],
    ['xn--backups', 'the prefix xn-- is reserved'],
    ['backups-s3alias', 'the suffix -s3alias is reserved'],
  ])('names why %s is not a bucket name', (name, reason) => {
    expect(s3BucketNameError(name)).toBe(reason);
  });

  it.each(['velero', 'acme-backups.eu', '3rd-party-backups', 'a'.repeat(63)])('accepts the bucket name %s', (name) => {
    expect(s3BucketNameError(name)).toBeUndefined();
  });

  it.each<[string, VeleroProps, string]>([
    ['several locations and no default', { ...S3_WITH_SNAPSHOTS, backupStorageLocations: S3_WITH_SNAPSHOTS.backupStorageLocations.map((l) => ({ ...l, default: false })) },
      'backupStorageLocations: none of the locations is marked default; mark exactly one location default'],
    ['two locations with one name', { ...MINIO, backupStorageLocations: [MINIO.backupStorageLocations[0], { ...MINIO.backupStorageLocations[0], default: true }] },
      'backupStorageLocations[1].name: "minio" is already the name of backupStorageLocations[0]; each location needs its own name'],
    ['file-system backup without the node-agent', withSchedule({ defaultVolumesToFsBackup: true }),
      'schedules[0].defaultVolumesToFsBackup: file-system backups need the node-agent; set fileSystemBackup: true'],
    ['a region that is not an AWS region', { ...MINIO, backupStorageLocations: [{ type: 's3', name: 'aws', region: 'Frankfurt', bucket: 'velero' }] },
      'backupStorageLocations[0].region: "Frankfurt" is not an AWS region such as eu-central-1'],
    ['an s3Url that is not a URL', { ...MINIO, backupStorageLocations: [{ type: 's3-compatible', name: 'minio', s3Url: 'minio:9000', bucket: 'velero' }] },
      'backupStorageLocations[0].s3Url: "minio:9000" is not an http(s) URL'],
    ['an unknown location type', { ...MINIO, backupStorageLocations: [{ type: 'gcs', name: 'g', bucket: 'velero' } as never] },
      'backupStorageLocations[0].type: type must be "s3" or "s3-compatible"'],
    ['a namespace that is no name', withSchedule({ includedNamespaces: ['team-*'] }),
      'schedules[0].includedNamespaces[0]: "team-*" is not a namespace name or \'*\''],
    ['a secret reference that is no name', { ...MINIO, credentials: { existingSecret: 'Velero Creds' } },
      'credentials.existingSecret: "Velero Creds" is not a DNS subdomain (lowercase letters, digits, \'-\' and \'.\', at most 253 characters)'],
    ['no location at all', { ...MINIO, backupStorageLocations: [] }, 'backupStorageLocations: add at least one backup storage location'],
    ['a label selector operator with values it does not take', withSchedule({ labelSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['db'] }] } }),
      'schedules[0].labelSelector.matchExpressions[0].values: operator Exists takes no values'],
    ['a label selector operator without the values it needs', withSchedule({ labelSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn' }] } }),
      'schedules[0].labelSelector.matchExpressions[0].values: operator NotIn needs at least one value'],
  ])('rejects %s', (_, props, message) => {
    expect(errorOf(props)).toBe(`test/Velero[velero]: ${message}`);
  });

  it('takes no secret value: credentials accept only a Secret name', () => {
    expect(errorOf({ ...MINIO, credentials: { existingSecret: 'velero-minio', secretContents: { cloud: 'x' } } as never })).toBe(
      'test/Velero[velero]: credentials.secretContents: unknown property; remove it or check its spelling',
    );
  });
});

describe('Velero in the example clusters', () => {
  const objects = synthesize(exampleFleet).objects;
  const schedule = (cluster: string, name: string) => objects.find((o) => o.cluster === cluster && o.manifest.kind === 'Schedule' && o.manifest.metadata.name === name);

  it('lab: MinIO on the LAN (outside the cluster), node-agent, a daily backup of everything kept 30 days and an hourly one of llm kept 2 days', () => {
    const values = (objects.find((o) => o.cluster === 'lab' && o.manifest.kind === 'HelmRelease' && o.manifest.metadata.name === 'velero')?.manifest.spec as Values).values;
    expect(values.configuration.backupStorageLocation).toEqual([
      { name: 'minio', provider: 'aws', bucket: 'velero', default: true, config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: 'https://minio.catalyst.lan:9000' } },
    ]);
    expect(values.deployNodeAgent).toBe(true);
    expect(schedule('lab', 'daily')?.manifest.spec).toEqual({
      schedule: '0 3 * * *',
      template: { includedNamespaces: ['*'], ttl: '720h', storageLocation: 'minio', defaultVolumesToFsBackup: true },
    });
    expect(schedule('lab', 'llm-hourly')?.manifest.spec).toEqual({
      schedule: '0 * * * *',
      template: { includedNamespaces: ['llm'], ttl: '48h', storageLocation: 'minio', defaultVolumesToFsBackup: true },
    });
  });

  it('gpu-cloud: S3 in a cloud region with an existing Secret', () => {
    const values = (objects.find((o) => o.cluster === 'gpu-cloud' && o.manifest.kind === 'HelmRelease' && o.manifest.metadata.name === 'velero')?.manifest.spec as Values).values;
    expect(values.configuration.backupStorageLocation[0]).toMatchObject({ provider: 'aws', default: true, config: { region: 'eu-central-1' } });
    expect(values.credentials).toEqual({ useSecret: true, existingSecret: 'velero-aws' });
    expect(schedule('gpu-cloud', 'daily')?.destination).toBe('configs');
  });
});
