/**
 * Where Velero keeps backups and snapshots, through its AWS plugin: Amazon S3 or an S3-compatible store
 * such as MinIO. The chart creates the BackupStorageLocation and VolumeSnapshotLocation objects from
 * its values; this module types those values and checks them.
 */
import { z } from 'zod';
import { dnsLabel, httpUrl } from '../../validators';

interface LocationBase {
  /** Name of the BackupStorageLocation; schedules name it in `storageLocation`. */
  readonly name: string;
  /** Bucket the backups go to. */
  readonly bucket: string;
  /** Folder inside the bucket. @default the bucket root */
  readonly prefix?: string;
  /** Backups that name no location go here; exactly one location is the default (a single location is it). @default false */
  readonly default?: boolean;
}

/** A bucket in Amazon S3. */
export interface S3Location extends LocationBase {
  readonly type: 's3';
  /** AWS region of the bucket, such as `eu-central-1`. */
  readonly region: string;
}

/** A bucket in an S3-compatible store (MinIO, Ceph RGW, …) reached at its own URL. */
export interface S3CompatibleLocation extends LocationBase {
  readonly type: 's3-compatible';
  /** URL of the store's S3 API, such as `http://minio.minio.svc:9000`. */
  readonly s3Url: string;
  /** Region the store answers to. @default minio */
  readonly region?: string;
  /** Address buckets by path (`<url>/<bucket>`) rather than by host name, as MinIO needs. @default true */
  readonly s3ForcePathStyle?: boolean;
}

export type BackupStorageLocation = S3Location | S3CompatibleLocation;

/** EBS volume snapshots in one AWS region. */
export interface VolumeSnapshotLocation {
  /** Name of the VolumeSnapshotLocation. */
  readonly name: string;
  /** AWS region of the volumes, such as `eu-central-1`. */
  readonly region: string;
}

/** One `configuration.backupStorageLocation[]` entry of the velero chart values. */
export interface BackupStorageLocationValues {
  readonly name: string;
  readonly provider: 'aws';
  readonly bucket: string;
  readonly prefix?: string;
  readonly default: boolean;
  /** The AWS plugin's BSL config; a map of strings in the CRD, so flags are "true"/"false". */
  readonly config: { readonly region: string; readonly s3Url?: string; readonly s3ForcePathStyle?: 'true' | 'false' };
}

/** One `configuration.volumeSnapshotLocation[]` entry of the velero chart values. */
export interface VolumeSnapshotLocationValues {
  readonly name: string;
  readonly provider: 'aws';
  readonly config: { readonly region: string };
}

// ---- validation -----------------------------------------------------------------------------------

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Why a name breaks the S3 bucket naming rules (general purpose buckets), or undefined when it is valid. */
export function s3BucketNameError(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `it has ${name.length} characters; a bucket name has 3 to 63`;
  if (!/^[a-z0-9.-]+$/.test(name)) return "only lowercase letters, digits, '.' and '-' are allowed";
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return 'it must start and end with a lowercase letter or a digit';
  if (name.includes('..')) return 'it must not contain two dots in a row';
  if (IPV4.test(name)) return 'it must not look like an IP address';
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `the prefix ${prefix} is reserved`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `the suffix ${suffix} is reserved`;
  return undefined;
}

const bucketName = () =>
  z.string().superRefine((name, ctx) => {
    const err = s3BucketNameError(name);
    if (err) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(name)} is not a valid S3 bucket name: ${err}` });
  });

const awsRegion = () =>
  z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: (iss) => `${JSON.stringify(iss.input)} is not an AWS region such as eu-central-1` });

const locationBase = {
  name: dnsLabel(),
  bucket: bucketName(),
  prefix: z.string().regex(/^[^/\s]\S*$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a folder inside the bucket (no leading '/', no spaces)` }).optional(),
  default: z.boolean().optional(),
};

export const backupStorageLocationSchema = () =>
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('s3'), ...locationBase, region: awsRegion() }),
    z.strictObject({
      type: z.literal('s3-compatible'),
      ...locationBase,
      s3Url: httpUrl(),
      region: z.string().min(1).optional(),
      s3ForcePathStyle: z.boolean().optional(),
    }),
  ], { error: (iss) => (iss.code === 'invalid_union' ? 'type must be "s3" or "s3-compatible"' : undefined) });

export const volumeSnapshotLocationSchema = () => z.strictObject({ name: dnsLabel(), region: awsRegion() });

// ---- rendering -------------------------------------------------------------------------------------

/** The chart entry of a backup storage location; `isDefault` is decided over all locations. */
export function backupStorageLocationValues(l: BackupStorageLocation, isDefault: boolean): BackupStorageLocationValues {
  const config: BackupStorageLocationValues['config'] = l.type === 's3'
    ? { region: l.region }
    : { region: l.region ?? 'minio', s3Url: l.s3Url, s3ForcePathStyle: l.s3ForcePathStyle === false ? 'false' : 'true' };
  return { name: l.name, provider: 'aws', bucket: l.bucket, prefix: l.prefix, default: isDefault, config };
}

export function volumeSnapshotLocationValues(l: VolumeSnapshotLocation): VolumeSnapshotLocationValues {
  return { name: l.name, provider: 'aws', config: { region: l.region } };
}
