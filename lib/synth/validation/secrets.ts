/**
 * The secret guard: no secret value reaches Git in plain text. A Secret with data must be
 * SOPS-encrypted; nothing else may hold a private key, an AWS access key or a literal password (in Helm
 * values, KEDA trigger metadata, container environment variables or annotations).
 * Messages never repeat the value.
 */
import { Problem } from '../../errors';
import type { Check } from './check';
import { FLUX_NAMESPACE } from '../../flux/cluster-sync';
import { apiGroup, problemAt, RenderedObject } from '../manifest';
import { at, list, Path, record } from './access';
import { isHelmRelease } from './helm';
import { containersOf, podSpecPath, podTemplateMetadataPath } from './pods';
import { isEncrypted, isSopsEncrypted } from './sops';

const INSTEAD = 'reference an existing Secret instead, commit it SOPS-encrypted, or sync it with External Secrets';
const INSTEAD_IN_VALUES = "pass it through the chart's existingSecret or the HelmRelease's valuesFrom (a Secret reference), SOPS, or External Secrets";

const INSTEAD_IN_ENV = 'take it from a Secret (valueFrom.secretKeyRef; EnvValue.fromSecretValue in cdk8s-plus), committed SOPS-encrypted or synced with External Secrets';

const INSTEAD_IN_TRIGGER = "put it in a Secret and point the trigger's authenticationRef at a TriggerAuthentication that reads it (secretTargetRef)";

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

/** The last word of a name that says its value is a credential. */
const CREDENTIAL_WORD = /^(?:key|pass|creds|.*(?:password|passwd|passphrase|secret|token|apikey|accesskey|secretkey|privatekey|credentials?))$/;
/** Words after the credential that still name its value. */
const VALUE_WORD = /^(?:[0-9]+|value|data|base|base64|b64|hash)$/;

/** The words of a name: `DB_PASSWORD` → db, password; `apiKey` → api, key; `X-Auth-Token` → x, auth, token. */
function wordsOf(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/**
 * Whether an environment variable or annotation name says its value is a credential, by its last word
 * (words split at any other character than letters and digits, and at camelCase): DB_PASSWORD, API_KEY,
 * apiKey, JWT_SECRET, GITHUB_TOKEN, password (of example.com/password), SECRET_KEY_BASE (a trailing
 * number, value, data, base, base64, b64 or hash is skipped). A name whose last word is something else
 * names a reference or a setting, not the secret itself: SECRET_NAME, TOKEN_FILE, KEY_PATH,
 * PASSWORD_MIN_LENGTH, KEYDB_HOST, monkey.
 */
export function namesCredential(name: string): boolean {
  const words = wordsOf(name);
  while (words.length > 1 && VALUE_WORD.test(words[words.length - 1])) words.pop();
  return words.length > 0 && CREDENTIAL_WORD.test(words[words.length - 1]);
}

/** A value that is no credential whatever its name says: empty, a substitution, $(VAR) expansion, a flag. */
const isNoCredential = (value: string) => isPlaceholder(value) || /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(value) || value === 'true' || value === 'false';

/** Literal values of environment variables named as credentials, in every container. */
function literalEnvCredentials(o: RenderedObject): Problem[] {
  return containersOf(o.manifest).flatMap(({ container, path }) =>
    list(container.env).flatMap((variable, i) => {
      const name = at(variable, 'name');
      const value = at(variable, 'value');
      if (typeof name !== 'string' || typeof value !== 'string' || isNoCredential(value) || !namesCredential(name)) return [];
      return [problemAt(o, [...path, 'env', i, 'value'], `literal value of ${name}, rendered by ${o.constructPath}; ${INSTEAD_IN_ENV}`)];
    }),
  );
}

/** Literal credentials in annotations (the object's and its pod template's), which anyone who can read the object reads. */
function literalAnnotationCredentials(o: RenderedObject): Problem[] {
  const spec = podSpecPath(o.manifest.apiVersion, o.manifest.kind);
  const template = spec && podTemplateMetadataPath(spec);
  return [['metadata'], ...(template ? [template] : [])].flatMap((metadata) =>
    Object.entries(record(at(o.manifest, ...metadata, 'annotations')) ?? {}).flatMap(([key, value]) => {
      if (typeof value !== 'string' || isNoCredential(value) || !namesCredential(key.slice(key.lastIndexOf('/') + 1))) return [];
      return [problemAt(o, [...metadata, 'annotations', key], `literal credential in an annotation, rendered by ${o.constructPath}; ${INSTEAD}`)];
    }),
  );
}

/**
 * Calls fn for every string in a value, with its path; `path` is one array, changed as the walk goes
 * (copy it to keep it): a copy for every string of every object was most of this check's cost.
 */
function eachString(value: unknown, path: Array<string | number>, fn: (s: string, path: Path) => void): void {
  if (typeof value === 'string') fn(value, path);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      eachString(value[i], path, fn);
      path.pop();
    }
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      path.push(k);
      eachString((value as Record<string, unknown>)[k], path, fn);
      path.pop();
    }
  }
}

/** Every string CREDENTIAL_VALUES could match contains one of these: the others are not tested one pattern at a time. */
const MAYBE_CREDENTIAL = /PRIVATE KEY|A[KSBC][IC]A|aws_secret_access_key|:\/\//i;

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
      problems.push(problemAt(o, [field], `Secret with plain-text values (${entries.map(([k]) => k).join(', ')}), rendered by ${o.constructPath}; ${INSTEAD}`));
      continue;
    }
    for (const [k, v] of entries) {
      if (!isEncrypted(v)) problems.push(problemAt(o, [field, k], `not encrypted, although the Secret is SOPS-encrypted (check encrypted_regex), rendered by ${o.constructPath}; encrypt every value`));
    }
  }
  return problems;
}

/** Private keys, AWS keys and passwords in URLs, anywhere in any object (encrypted values aside). */
function credentialValues(o: RenderedObject): Problem[] {
  const problems: Problem[] = [];
  eachString(o.manifest, [], (s, path) => {
    if (!MAYBE_CREDENTIAL.test(s) || isEncrypted(s)) return;
    const hit = CREDENTIAL_VALUES.find((c) => c.pattern.test(s));
    const inValues = isHelmRelease(o.manifest) && path[0] === 'spec' && path[1] === 'values';
    if (hit) problems.push(problemAt(o, [...path], `holds ${hit.what} in plain text, rendered by ${o.constructPath}; ${inValues ? INSTEAD_IN_VALUES : INSTEAD}`));
  });
  return problems;
}

/**
 * The paths of literal credentials under a value: keys that name a credential (and not a reference to
 * one) with a literal string, and maps of credentials in plain text.
 */
function literalCredentialKeys(value: unknown, path: Path): Array<{ readonly path: Path; readonly map: boolean }> {
  if (Array.isArray(value)) return value.flatMap((v, i) => literalCredentialKeys(v, [...path, i]));
  return Object.entries(record(value) ?? {}).flatMap(([k, v]) => {
    const key = normalized(k);
    if (typeof v === 'string' && !isPlaceholder(v) && CREDENTIAL_KEY.test(key) && !REFERENCE_KEY.test(key)) return [{ path: [...path, k], map: false }];
    if (CREDENTIAL_MAP.test(key) && Object.keys(record(v) ?? {}).length > 0) return [{ path: [...path, k], map: true }];
    return literalCredentialKeys(v, [...path, k]);
  });
}

/** Literal passwords, tokens and keys in HelmRelease values. */
function literalValuesCredentials(o: RenderedObject): Problem[] {
  if (!isHelmRelease(o.manifest)) return [];
  return literalCredentialKeys(at(o.manifest, 'spec', 'values'), ['spec', 'values']).map((hit) =>
    problemAt(o, hit.path, `${hit.map ? 'literal credentials' : 'literal credential'} in Helm values, rendered by ${o.constructPath}; ${INSTEAD_IN_VALUES}`),
  );
}

/** A KEDA ScaledObject or ScaledJob, whose triggers' metadata the scalers read. */
const isScaler = (m: RenderedObject['manifest']) => String(m.apiVersion).startsWith('keda.sh/') && (m.kind === 'ScaledObject' || m.kind === 'ScaledJob');

/** Literal passwords, tokens and keys in KEDA trigger metadata, which lands in Git as it is. */
function literalTriggerCredentials(o: RenderedObject): Problem[] {
  if (!isScaler(o.manifest)) return [];
  return list(at(o.manifest, 'spec', 'triggers')).flatMap((trigger, i) =>
    literalCredentialKeys(at(trigger, 'metadata'), ['spec', 'triggers', i, 'metadata']).map((hit) =>
      problemAt(o, hit.path, `${hit.map ? 'literal credentials' : 'literal credential'} in KEDA trigger metadata, rendered by ${o.constructPath}; ${INSTEAD_IN_TRIGGER}`),
    ),
  );
}

/** What one object holds in plain text. */
function literalSecrets(o: RenderedObject): Problem[] {
  const found = [...plaintextSecretData(o), ...literalValuesCredentials(o), ...literalTriggerCredentials(o), ...literalEnvCredentials(o), ...literalAnnotationCredentials(o)];
  // A field already reported (a plain-text Secret, a literal password that also looks like a key) is
  // not reported again for what it contains.
  const covered = (field: string) => found.some((p) => field === p.field || field.startsWith(`${p.field}.`) || field.startsWith(`${p.field}[`));
  return [...found, ...credentialValues(o).filter((p) => !covered(p.field))];
}

/** The Flux Kustomizations of clusters/<cluster>/ that decrypt SOPS, as cluster|name. */
function decryptingKustomizations(objects: readonly RenderedObject[]): Set<string> {
  const decrypts = (o: RenderedObject) =>
    o.destination === 'flux' && apiGroup(o.manifest.apiVersion) === 'kustomize.toolkit.fluxcd.io' && o.manifest.kind === 'Kustomization' &&
    o.manifest.metadata.namespace === FLUX_NAMESPACE && at(o.manifest, 'spec', 'decryption', 'provider') === 'sops';
  return new Set(objects.filter(decrypts).map((o) => `${o.cluster}|${o.manifest.metadata.name}`));
}

/** SOPS-encrypted objects that the Kustomization applying them does not decrypt: Flux would apply the ciphertext. */
function undecryptedSops(objects: readonly RenderedObject[]): Problem[] {
  const decrypting = decryptingKustomizations(objects);
  // A layer is applied by the Kustomization of its name; clusters/<cluster>/ by flux-system, which never decrypts.
  return objects
    .filter((o) => isSopsEncrypted(o.manifest) && (o.destination === 'flux' || !decrypting.has(`${o.cluster}|${o.destination}`)))
    .map((o) =>
      o.destination === 'flux'
        ? problemAt(o, ['sops'], `SOPS-encrypted, but clusters/${o.cluster}/ is applied without decryption; put it in a layer (configs) of a cluster with sops set`)
        : problemAt(o, ['sops'], `SOPS-encrypted, but Kustomization ${FLUX_NAMESPACE}/${o.destination} does not decrypt, so Flux would apply the ciphertext; set sops: { secretRef: '<Secret in ${FLUX_NAMESPACE} with the SOPS keys>' } on Cluster ${o.cluster}`),
    );
}

/** The secret guard over every object. */
export const secretGuard: Check = (objects) => [...objects.flatMap(literalSecrets), ...undecryptedSops(objects)];
