/**
 * The gate's API-server rules (lib/synth/validation/metadata.ts, resources.ts) and the secret guard on
 * environment variables and annotations, and pinned images, on single objects: what they refuse is in the bad-input corpus;
 * here, the edges they must let through and the limits.
 */
import { formatProblem } from '../lib/errors';
import { Manifest, RenderedObject } from '../lib/synth/manifest';
import { metadataRules } from '../lib/synth/validation/metadata';
import { quantityValue, resourceQuantities } from '../lib/synth/validation/resources';
import { unpinnedImage } from '../lib/synth/validation/images';
import { namesCredential, secretGuard } from '../lib/synth/validation/secrets';

const rendered = (manifest: Record<string, unknown>): RenderedObject => ({ cluster: 'c', destination: 'apps', component: 'app', constructPath: 'c/app/x', manifest: manifest as unknown as Manifest });
const problemsOf = (manifest: Record<string, unknown>) => [metadataRules, resourceQuantities].flatMap((check) => check([rendered(manifest)])).map(formatProblem);

const pod = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'app', ...metadata }, spec });
const container = (resources: Record<string, unknown>) => ({ name: 'c', image: 'ghcr.io/example/c:1.0.0', resources });

describe('names, labels and annotations', () => {
  it('takes each kind by its own rule: RBAC names with colons, dotted ConfigMaps, but no dotted Namespace or StatefulSet', () => {
    expect(problemsOf({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:metrics:Reader' } })).toEqual([]);
    expect(problemsOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'app' } })).toEqual([]);
    expect(problemsOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } })).toEqual([
      `c/apps/Namespace/team.a: metadata.name: "team.a" is not a valid Namespace name (a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit)`,
    ]);
    expect(problemsOf({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db.primary', namespace: 'app' } })).toHaveLength(1);
    expect(problemsOf({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'a/b', namespace: 'app' } })).toEqual([
      `c/apps/Role/app/a/b: metadata.name: "a/b" is not a valid name (it may not be '.' or '..' or contain '/' or '%')`,
    ]);
  });

  it('accepts empty label values, prefixed keys and capitals in annotation prefixes; limits annotations to 256 KiB', () => {
    expect(problemsOf(pod({ containers: [] }, { labels: { 'example.com/tier': '', 'app.kubernetes.io/name': 'Web_1.0' }, annotations: { 'Example.COM/Owner': 'x' } }))).toEqual([]);
    const big = { 'example.com/blob': 'x'.repeat(256 * 1024) };
    expect(problemsOf(pod({ containers: [] }, { annotations: big }))).toEqual([
      'c/apps/Pod/app/p: metadata.annotations: 262160 bytes of annotations; an object may have at most 262144 (256 KiB)',
    ]);
  });

  it('checks selectors wherever they are: matchExpressions keys and In values, nodeSelector, but not Helm values', () => {
    const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'bad key', operator: 'In', values: ['ok', 'not ok'] }, { key: 'n', operator: 'Exists' }] } }] } };
    expect(problemsOf(pod({ containers: [], affinity, nodeSelector: { disk: 'ssd!' } }))).toEqual([
      `c/apps/Pod/app/p: spec.nodeSelector.disk: "ssd!" is not a valid label value (letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or empty)`,
      `c/apps/Pod/app/p: spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].key: "bad key" is not a valid label key (an optional DNS subdomain prefix and '/', then a name of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)`,
      `c/apps/Pod/app/p: spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values[1]: "not ok" is not a valid label value (letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or empty)`,
    ]);
    const release = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'r', namespace: 'app' }, spec: { values: { matchLabels: { 'any key': 'any value' } } } };
    expect(problemsOf(release)).toEqual([]);
  });
});

describe('resource quantities', () => {
  it('reads quantities as the API server does', () => {
    expect([quantityValue('500m'), quantityValue('1Gi'), quantityValue('1e3'), quantityValue('2k'), quantityValue(-1), quantityValue('.5'), quantityValue('2 GB')]).toEqual([0.5, 2 ** 30, 1000, 2000, -1, 0.5, undefined]);
  });

  it('accepts equal extended requests and limits, limits alone, and a request equal to its limit written another way', () => {
    expect(problemsOf(pod({ containers: [container({ requests: { 'nvidia.com/gpu': '1', memory: '1Gi' }, limits: { 'nvidia.com/gpu': 1, memory: '1024Mi' } })] }))).toEqual([]);
    expect(problemsOf(pod({ containers: [container({ limits: { 'amd.com/gpu': 2, 'hugepages-2Mi': '100Mi' } })] }))).toEqual([]);
  });

  it('refuses a hugepages request without a limit, and negative pod-level resources and overheads', () => {
    expect(problemsOf(pod({ containers: [container({ requests: { 'hugepages-2Mi': '100Mi' } })], resources: { limits: { cpu: -1 } }, overhead: { cpu: '-1m' } }))).toEqual([
      'c/apps/Pod/app/p: spec.containers[0].resources.requests["hugepages-2Mi"]: requested without a limit; hugepages-2Mi cannot be overcommitted: set its limit to the request',
      'c/apps/Pod/app/p: spec.resources.limits.cpu: -1 is negative; requests, limits and overheads are 0 or more',
      'c/apps/Pod/app/p: spec.overhead.cpu: "-1m" is negative; requests, limits and overheads are 0 or more',
    ]);
  });
});

describe('secret guard on environment variables and annotations', () => {
  const guard = (manifest: Record<string, unknown>) => secretGuard([rendered(manifest)]).map(formatProblem);
  const env = (vars: Record<string, string>) => pod({ containers: [{ ...container({}), env: Object.entries(vars).map(([name, value]) => ({ name, value })) }] });

  it('tells credentials from references to them and settings about them by the last word of the name', () => {
    const credentials = ['DB_PASSWORD', 'API_KEY', 'apiKey', 'APIKey', 'JWT_SECRET', 'GITHUB_TOKEN', 'SECRET_KEY_BASE', 'DB_PASS', 'AWS_SECRET_ACCESS_KEY', 'clientSecret', 'REDIS_PASSWORD_2', 'x-auth-token', 'ADMIN_CREDENTIALS'];
    const others = ['SECRET_NAME', 'TOKEN_FILE', 'KEY_PATH', 'KEYDB_HOST', 'monkey', 'PASSWORD_MIN_LENGTH', 'PWD', 'TOKEN_TTL', 'CACHE_KEY_PREFIX', 'secretRef', 'BYPASS_CACHE', 'TOKENIZERS_PARALLELISM'];
    expect(credentials.filter((n) => !namesCredential(n))).toEqual([]);
    expect(others.filter(namesCredential)).toEqual([]);
  });

  it('lets empty values, substitutions, $(VAR) expansions and flags through, and references to Secrets', () => {
    expect(guard(env({ DB_PASSWORD: '', API_TOKEN: '${API_TOKEN}', ADMIN_PASSWORD: '$(DB_PASSWORD)', USE_TOKEN: 'true', SECRET_NAME: 'db' }))).toEqual([]);
    const fromSecret = pod({ containers: [{ ...container({}), env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }] });
    expect(guard(fromSecret)).toEqual([]);
    expect(guard(pod({ containers: [] }, { annotations: { 'vault.hashicorp.com/agent-inject-token': 'true', 'vault.hashicorp.com/agent-inject-secret-db': 'secret/data/db' } }))).toEqual([]);
  });

  it('reports a literal once, even when it also looks like a URL with a password', () => {
    expect(guard(env({ DB_PASSWORD: 'postgres://app:hunter2@db:5432/app' }))).toEqual([
      'c/apps/Pod/app/p: spec.containers[0].env[0].value: literal value of DB_PASSWORD, rendered by c/app/x; take it from a Secret (valueFrom.secretKeyRef; EnvValue.fromSecretValue in cdk8s-plus), committed SOPS-encrypted or synced with External Secrets',
    ]);
  });
});

describe('pinned images', () => {
  it('takes a version tag or a digest, and tells a registry port from a tag', () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    const pinned = ['ghcr.io/example/web:1.0.0', 'localhost:5000/web:v2', `ghcr.io/example/web@${digest}`, `ghcr.io/example/web:latest@${digest}`, 'nginx:1.27-alpine'];
    expect(pinned.map(unpinnedImage)).toEqual(pinned.map(() => undefined));
    expect(unpinnedImage('localhost:5000/web')).toMatch(/^"localhost:5000\/web" has no tag/);
    expect(unpinnedImage('nginx:latest')).toMatch(/^"nginx:latest" is tagged latest/);
  });
});
