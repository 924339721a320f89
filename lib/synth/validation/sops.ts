/**
 * SOPS-encrypted objects, as Flux's kustomize-controller decrypts them (`spec.decryption.provider: sops`):
 * a top-level `sops` block with the key metadata, and `ENC[...]` in place of each encrypted value.
 */
import { Manifest } from '../manifest';

const ENCRYPTED = /^ENC\[[A-Z0-9_]+,data:[^\]]*,type:(str|int|float|bool|bytes|comment)\]$/;

/** True for a value SOPS encrypted. */
export function isEncrypted(value: unknown): boolean {
  return typeof value === 'string' && ENCRYPTED.test(value);
}

/** True when the object carries SOPS metadata (it was written by `sops --encrypt`). */
export function isSopsEncrypted(m: Manifest): boolean {
  const sops = (m as Record<string, unknown>).sops;
  return sops !== null && typeof sops === 'object' && typeof (sops as Record<string, unknown>).mac === 'string';
}

/** A stand-in of the decrypted value's type, so the schema can still check the shape around it. */
function placeholder(value: string): unknown {
  const type = ENCRYPTED.exec(value)?.[1];
  return type === 'int' ? 0 : type === 'float' ? 0.5 : type === 'bool' ? false : '';
}

function replaceEncrypted(value: unknown): unknown {
  if (isEncrypted(value)) return placeholder(value as string);
  if (Array.isArray(value)) return value.map(replaceEncrypted);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceEncrypted(v)]));
  return value;
}

/** The object as Flux applies it after decryption, in shape: without `sops`, encrypted values replaced. */
export function decryptedShape(m: Manifest): Manifest {
  if (!isSopsEncrypted(m)) return m;
  const { sops: _sops, ...rest } = m as Record<string, unknown>;
  return replaceEncrypted(rest) as Manifest;
}
