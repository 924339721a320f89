/**
 * The secret guard: no secret value reaches Git in plain text. A Secret with data must be
 * SOPS-encrypted; nothing else may hold a private key, an AWS access key or a literal password.
 * Messages never repeat the value.
 */
import { formatPath, Problem } from '../../errors';
import type { Check } from '../checks';
import { describeObject, RenderedObject } from '../manifest';
import { at, Path, record } from './access';
import { isHelmRelease } from './helm';
import { isEncrypted, isSopsEncrypted } from './sops';

const INSTEAD = 'reference an existing Secret instead, commit it SOPS-encrypted, or sync it with External Secrets';
const INSTEAD_IN_VALUES = "pass it through the chart's existingSecret or the HelmRelease's valuesFrom (a Secret reference), SOPS, or External Secrets";

/** Values that are credentials wherever they appear. */
const CREDENTIAL_VALUES: ReadonlyArray<{ readonly pattern: RegExp; readonly what: string }> = [
  { pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/, what: 'a private key' },
  { pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/, what: 'an AWS access key id' },
  { pattern: /aws_secret_access_key\s*=\s*\S/i, what: 'an AWS secret access key' },
  { pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i, what: 'a URL with a password' },
];

/**
 * Keys whose literal value is a credential: password, token, secretKey, api_key, … (compared without
 * case, '-' or '_'). A bare `…Secret` is left out: charts use it for Secret names (grpcTLSCertsSecret).
 */
const CREDENTIAL_KEY = /(password|passwd|passphrase|token|apikey|accesskey|secretkey|privatekey|clientsecret|sharedsecret|credentials?)$/;
/** …unless the key names a reference to one (existingPassword, tokenFile, passwordRef, …). */
const REFERENCE_KEY = /^(existing|use|create|enable|mount|from)|(name|ref|file|path|env|enabled|selector)$/;
/** Keys whose map value holds credentials in plain text (the velero chart's credentials.secretContents). */
const CREDENTIAL_MAP = /^(secretcontents|stringdata|secretdata)$/;

const normalized = (key: string) => key.toLowerCase().replace(/[-_]/g, '');

/** A value that is not a literal: empty, or a Flux post-build substitution such as ${DB_PASSWORD}. */
const isPlaceholder = (value: string) => value === '' || /^\$\{[A-Za-z_][A-Za-z0-9_]*(:=[^}]*)?\}$/.test(value);

const problem = (o: RenderedObject, field: Path, message: string): Problem => ({ where: describeObject(o), field: formatPath(field), message });

/** Calls fn for every string in a value, with its path. */
function eachString(value: unknown, path: Path, fn: (s: string, path: Path) => void): void {
  if (typeof value === 'string') fn(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => eachString(v, [...path, i], fn));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) eachString(v, [...path, k], fn);
}

/** A Secret's data and stringData: empty, or SOPS-encrypted value by value. */
function plaintextSecretData(o: RenderedObject): Problem[] {
  const m = o.manifest;
  if (m.apiVersion !== 'v1' || m.kind !== 'Secret') return [];
  const sops = isSopsEncrypted(m);
  const problems: Problem[] = [];
  for (const field of ['data', 'stringData']) {
    const entries = Object.entries(record(at(m, field)) ?? {});
    if (!entries.length) continue;
    if (!sops) {
      problems.push(problem(o, [field], `Secret with plain-text values (${entries.map(([k]) => k).join(', ')}), rendered by ${o.constructPath}; ${INSTEAD}`));
      continue;
    }
    for (const [k, v] of entries) {
      if (!isEncrypted(v)) problems.push(problem(o, [field, k], `not encrypted, although the Secret is SOPS-encrypted (check encrypted_regex), rendered by ${o.constructPath}; encrypt every value`));
    }
  }
  return problems;
}

/** Private keys, AWS keys and passwords in URLs, anywhere in any object (encrypted values aside). */
function credentialValues(o: RenderedObject): Problem[] {
  const problems: Problem[] = [];
  eachString(o.manifest, [], (s, path) => {
    if (isEncrypted(s)) return;
    const hit = CREDENTIAL_VALUES.find((c) => c.pattern.test(s));
    const inValues = isHelmRelease(o.manifest) && path[0] === 'spec' && path[1] === 'values';
    if (hit) problems.push(problem(o, path, `holds ${hit.what} in plain text, rendered by ${o.constructPath}; ${inValues ? INSTEAD_IN_VALUES : INSTEAD}`));
  });
  return problems;
}

/** Literal passwords, tokens and keys in HelmRelease values. */
function literalValuesCredentials(o: RenderedObject): Problem[] {
  if (!isHelmRelease(o.manifest)) return [];
  const problems: Problem[] = [];
  const walk = (value: unknown, path: Path) => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, [...path, i]));
    const map = record(value);
    if (!map) return;
    for (const [k, v] of Object.entries(map)) {
      const key = normalized(k);
      const literal = typeof v === 'string' && !isPlaceholder(v) && CREDENTIAL_KEY.test(key) && !REFERENCE_KEY.test(key);
      const literalMap = CREDENTIAL_MAP.test(key) && Object.keys(record(v) ?? {}).length > 0;
      if (literal || literalMap) {
        problems.push(problem(o, [...path, k], `${literal ? 'literal credential' : 'literal credentials'} in Helm values, rendered by ${o.constructPath}; ${INSTEAD_IN_VALUES}`));
      } else {
        walk(v, [...path, k]);
      }
    }
  };
  walk(at(o.manifest, 'spec', 'values'), ['spec', 'values']);
  return problems;
}

/** The secret guard over every object. */
export const secretGuard: Check = (objects) =>
  objects.flatMap((o) => {
    const found = [...plaintextSecretData(o), ...literalValuesCredentials(o)];
    // A field already reported (a plain-text Secret, a literal password that also looks like a key) is
    // not reported again for what it contains.
    const covered = (field: string) => found.some((p) => field === p.field || field.startsWith(`${p.field}.`) || field.startsWith(`${p.field}[`));
    return [...found, ...credentialValues(o).filter((p) => !covered(p.field))];
  });
