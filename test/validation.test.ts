import * as fs from 'node:fs';
import * as path from 'node:path';
import { exampleFleet } from './fixtures/example-fleet';
import { formatProblem } from '../lib/errors';
import { DEFAULT_CHECKS } from '../lib/synth/checks';
import { RenderedObject } from '../lib/synth/manifest';
import { synthesize, synthToDisk } from '../lib/synth/pipeline';
import { runValidateCli, validateTree } from '../lib/synth/validate';
import { coalesce } from '../lib/synth/validation/helm';
import { secretGuard } from '../lib/synth/validation/secrets';
import { schemas } from '../lib/synth/validation/schemas';
import { CHARTS, KUBERNETES_VERSIONS } from '../lib/versions';
import { generateSchemas } from '../scripts/schemas';
import { representativeFleet } from './fixtures/representative-fleet';
import { tempDir } from './helpers';

const repo = path.resolve(__dirname, '..');

/** The kinds the add-ons render (the integrator's list for issue 6), which the gate must know and precompile. */
const ADD_ON_KINDS = [
  'v1 Namespace',
  'apps/v1 Deployment',
  'node.k8s.io/v1 RuntimeClass',
  'source.toolkit.fluxcd.io/v1 HelmRepository',
  'source.toolkit.fluxcd.io/v1 OCIRepository',
  'fluxcd.controlplane.io/v1 FluxInstance',
  'kustomize.toolkit.fluxcd.io/v1 Kustomization',
  'helm.toolkit.fluxcd.io/v2 HelmRelease',
  'velero.io/v1 Schedule',
  'velero.io/v1 BackupStorageLocation',
  'policies.kyverno.io/v1 ValidatingPolicy',
  'policies.kyverno.io/v1 ImageValidatingPolicy',
  'policies.kyverno.io/v1 MutatingPolicy',
  'policies.kyverno.io/v1 PolicyException',
  'keda.sh/v1alpha1 ScaledObject',
  'keda.sh/v1alpha1 TriggerAuthentication',
  'keda.sh/v1alpha1 ClusterTriggerAuthentication',
];

const representative = synthesize(representativeFleet);
const example = synthesize(exampleFleet);
const kindsOf = (objects: readonly RenderedObject[]) => [...new Set(objects.map((o) => `${o.manifest.apiVersion} ${o.manifest.kind}`))].sort();

/** The problems of the representative fleet with one object replaced (or added, when none matches). */
function problemsWith(manifest: RenderedObject['manifest'], destination: RenderedObject['destination'] = 'apps', cluster = 'catalyst-shape'): string[] {
  const same = (o: RenderedObject) => o.cluster === cluster && o.manifest.kind === manifest.kind && o.manifest.metadata.name === manifest.metadata.name && o.manifest.metadata.namespace === manifest.metadata.namespace;
  const replaced: RenderedObject = { cluster, destination, component: 'test', constructPath: 'test/object', manifest };
  const objects = representative.objects.some(same) ? representative.objects.map((o) => (same(o) ? { ...o, manifest } : o)) : [...representative.objects, replaced];
  return DEFAULT_CHECKS.flatMap((check) => check(objects)).map(formatProblem);
}

/** The milliseconds at the end of a summary line (the one part that varies). */
const timeOf = (line: string) => /(\d+) ms$/.exec(line)?.[1];

const manifestOf = (cluster: string, kind: string, name: string) => {
  const o = representative.objects.find((x) => x.cluster === cluster && x.manifest.kind === kind && x.manifest.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in ${cluster}`);
  return JSON.parse(JSON.stringify(o.manifest));
};

describe('validation gate on what the add-ons render', () => {
  it('accepts the representative fleet, which renders every add-on kind', () => {
    // synthesize() throws on any problem; here it returned, so every check passed.
    expect(kindsOf(representative.objects)).toEqual(expect.arrayContaining(ADD_ON_KINDS.filter((k) => !/OCIRepository|BackupStorageLocation|ClusterTriggerAuthentication/.test(k))));
    expect(representative.objects.length).toBeGreaterThan(50);
  });

  it('has a precompiled validator for every add-on kind and every kind the fleets render', () => {
    // On every minor a cluster can run: each minor's built-in kinds have validators of their own (or shared).
    for (const key of new Set([...ADD_ON_KINDS, ...kindsOf(representative.objects), ...kindsOf(example.objects)])) {
      const [apiVersion, kind] = key.split(' ');
      for (const minor of KUBERNETES_VERSIONS) {
        expect({ key, minor, validator: schemas.kind(apiVersion, kind, minor)?.validator }).toEqual({ key, minor, validator: expect.stringMatching(/^validators\/.+\.js$/) });
      }
    }
  });

  it('accepts int-or-string fields in both forms and quantities as numbers or strings', () => {
    const d = manifestOf('catalyst-shape', 'Deployment', 'llm-worker');
    const c = d.spec.template.spec.containers[0];
    c.resources = { requests: { cpu: 0.5, memory: '1.5Gi', 'ephemeral-storage': '1e9' }, limits: { cpu: '500m', memory: 2147483648 } };
    c.readinessProbe = { httpGet: { path: '/ready', port: 'http' } };
    c.livenessProbe = { httpGet: { path: '/live', port: 8080 } };
    d.spec.strategy = { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } };
    expect(problemsWith(d)).toEqual([]);
  });

  it('validates the FluxInstance against the Flux Operator CRD, and resolves the sync objects its spec.sync creates', () => {
    const instance = manifestOf('catalyst-shape', 'FluxInstance', 'flux');
    expect(problemsWith(instance, 'flux')).toEqual([]);
    delete instance.spec.distribution.registry;
    instance.spec.components = ['source-controller', 'image-controller'];
    instance.spec.sync.intervall = '5m';
    expect(problemsWith(instance, 'flux')).toEqual([
      'catalyst-shape/flux/FluxInstance/flux-system/flux: spec.components[1]: "image-controller" is not one of "source-controller", "kustomize-controller", "helm-controller", "notification-controller", "image-reflector-controller", "image-automation-controller", "source-watcher"',
      'catalyst-shape/flux/FluxInstance/flux-system/flux: spec.distribution.registry: required field is missing',
      'catalyst-shape/flux/FluxInstance/flux-system/flux: spec.sync.intervall: unknown field, not in the fluxcd.controlplane.io/v1 FluxInstance schema; did you mean "interval"?',
    ]);
    // Without spec.sync, nothing creates the GitRepository the layer Kustomizations read.
    const unsynced = manifestOf('catalyst-shape', 'FluxInstance', 'flux');
    delete unsynced.spec.sync;
    expect(problemsWith(unsynced, 'flux')).toEqual(expect.arrayContaining([
      'catalyst-shape/flux/Kustomization/flux-system/apps: spec.sourceRef: GitRepository flux-system/flux-system does not exist in cluster catalyst-shape',
    ]));
  });

  it('honours x-kubernetes-preserve-unknown-fields and maps, and closes every other object', () => {
    const hr = manifestOf('catalyst-shape', 'HelmRelease', 'kyverno');
    hr.spec.values = { anything: { nested: [1, { deeper: true }] } };
    expect(problemsWith(hr, 'controllers')).toEqual([]);
    hr.spec.install.remediation.retrys = 2;
    expect(problemsWith(hr, 'controllers')).toEqual([
      'catalyst-shape/controllers/HelmRelease/kyverno/kyverno: spec.install.remediation.retrys: unknown field, not in the helm.toolkit.fluxcd.io/v2 HelmRelease schema; did you mean "retries"?',
    ]);
  });

  it('reports every problem of an object, not the first', () => {
    const d = manifestOf('catalyst-shape', 'Deployment', 'llm-worker');
    d.spec.paused = 'no';
    delete d.spec.template.spec.containers[0].name;
    d.spec.template.spec.nodeSelectors = { disk: 'ssd' };
    expect(problemsWith(d)).toEqual([
      'catalyst-shape/apps/Deployment/llm/llm-worker: spec.paused: expected boolean, got string "no"',
      'catalyst-shape/apps/Deployment/llm/llm-worker: spec.template.spec.nodeSelectors: unknown field, not in the Kubernetes 1.36 apps/v1 Deployment schema; did you mean "nodeSelector"?',
      'catalyst-shape/apps/Deployment/llm/llm-worker: spec.template.spec.containers[0].name: required field is missing',
    ]);
  });

  it('accepts a SOPS-encrypted Secret and checks its shape as decrypted', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'prometheus-token', namespace: 'inference' },
      type: 'Opaque',
      stringData: { token: 'ENC[AES256_GCM,data:dG9rZW4=,iv:aXY=,tag:dGFn,type:str]' },
      sops: { age: [{ recipient: 'age1example', enc: '-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n' }], lastmodified: '2026-01-01T00:00:00Z', mac: 'ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]', version: '3.9.0' },
    };
    expect(problemsWith(secret, 'configs', 'hybrid-shape')).toEqual([]);
    expect(problemsWith({ ...secret, immutable: 'yes' }, 'configs', 'hybrid-shape')).toEqual([
      'hybrid-shape/configs/Secret/inference/prometheus-token: immutable: expected boolean, got string',
    ]);
  });

  it('refuses literal credentials in KEDA trigger metadata and accepts references to them', () => {
    const scaler = (kind: string, metadata: Record<string, string>): RenderedObject => ({
      cluster: 'demo',
      destination: 'apps',
      component: 'app',
      constructPath: 'demo/#apps/app/queue',
      manifest: { apiVersion: 'keda.sh/v1alpha1', kind, metadata: { name: 'queue', namespace: 'app' }, spec: { triggers: [{ type: 'cpu', metadata: { value: '60' } }, { type: 'redis', metadata }] } },
    });
    const advice = "put it in a Secret and point the trigger's authenticationRef at a TriggerAuthentication that reads it (secretTargetRef)";
    const lines = secretGuard([scaler('ScaledObject', { address: 'redis:6379', password: 'hunter2' }), scaler('ScaledJob', { listName: 'jobs', api_token: 's3cr3t' })]).map(formatProblem);
    expect(lines).toEqual([
      `demo/apps/ScaledObject/app/queue: spec.triggers[1].metadata.password: literal credential in KEDA trigger metadata, rendered by demo/#apps/app/queue; ${advice}`,
      `demo/apps/ScaledJob/app/queue: spec.triggers[1].metadata.api_token: literal credential in KEDA trigger metadata, rendered by demo/#apps/app/queue; ${advice}`,
    ]);
    expect(lines.join('\n')).not.toMatch(/hunter2|s3cr3t/);
    expect(secretGuard([scaler('ScaledObject', { address: 'redis:6379', passwordFromEnv: 'REDIS_PASSWORD', tokenRef: 'redis-token', password: '${REDIS_PASSWORD}' })])).toEqual([]);
  });

  it('accepts a SOPS-encrypted object only where the Kustomization applying it decrypts', () => {
    const rendered = (destination: RenderedObject['destination'], manifest: RenderedObject['manifest']): RenderedObject => ({ cluster: 'demo', destination, component: 'app', constructPath: 'test/object', manifest });
    const layer = (name: string, decrypt: boolean) =>
      rendered('flux', { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace: 'flux-system' }, spec: decrypt ? { decryption: { provider: 'sops', secretRef: { name: 'sops-age' } } } : {} });
    const secret = (destination: RenderedObject['destination']) =>
      rendered(destination, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'app' }, stringData: { password: 'ENC[AES256_GCM,data:c2VjcmV0,iv:aXY=,tag:dGFn,type:str]' }, sops: { mac: 'ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]' } });
    const flux = [layer('flux-system', false), layer('configs', true), layer('apps', false)];
    expect(secretGuard([...flux, secret('configs')])).toEqual([]);
    expect(secretGuard([...flux, secret('apps'), secret('flux')]).map(formatProblem)).toEqual([
      "demo/apps/Secret/app/db: sops: SOPS-encrypted, but Kustomization flux-system/apps does not decrypt, so Flux would apply the ciphertext; set sops: { secretRef: '<Secret in flux-system with the SOPS keys>' } on Cluster demo",
      'demo/flux/Secret/app/db: sops: SOPS-encrypted, but clusters/demo/ is applied without decryption; put it in a layer (configs) of a cluster with sops set',
    ]);
  });

  it('never repeats a secret value in a message', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'llm' }, data: { password: 'hunter2 not base64' } };
    const lines = problemsWith(secret, 'configs');
    expect(lines).toEqual([
      'catalyst-shape/configs/Secret/llm/db: data.password: the value is not base64-encoded data',
      'catalyst-shape/configs/Secret/llm/db: data: Secret with plain-text values (password), rendered by test/object; reference an existing Secret instead, commit it SOPS-encrypted, or sync it with External Secrets',
    ]);
    const hr = manifestOf('catalyst-shape', 'HelmRelease', 'keda');
    hr.spec.values.webhooks = { apiToken: 'tok-3x4mpl3', caBundle: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' };
    const values = problemsWith(hr, 'controllers');
    expect(values).toHaveLength(1);
    expect(values[0]).toMatch(/^catalyst-shape\/controllers\/HelmRelease\/keda\/keda: spec\.values\.webhooks\.apiToken: literal credential in Helm values/);
    expect(values.join('\n')).not.toContain('tok-3x4mpl3');
  });

  it('lets references to Secrets and substituted variables through the secret guard', () => {
    const hr = manifestOf('catalyst-shape', 'HelmRelease', 'keda');
    hr.spec.values.auth = { existingSecret: 'keda-auth', passwordSecretName: 'keda-auth', password: '${KEDA_PASSWORD}', token: '', tokenFile: '/var/run/token' };
    expect(problemsWith(hr, 'controllers')).toEqual([]);
  });

  it('counts the objects a chart creates from its values: the GPU operator RuntimeClass, Velero locations', () => {
    const hr = manifestOf('hybrid-shape', 'HelmRelease', 'gpu-operator');
    hr.spec.values.operator.runtimeClass = 'nvidia-cdi';
    expect(problemsWith(hr, 'controllers', 'hybrid-shape')).toEqual([
      'hybrid-shape/apps/Deployment/inference/vllm: spec.template.spec.runtimeClassName: RuntimeClass nvidia does not exist in cluster hybrid-shape (existing: nvidia-cdi); render one (node.k8s.io/v1) or install the add-on that creates it',
    ]);
    const velero = manifestOf('catalyst-shape', 'HelmRelease', 'velero');
    velero.spec.values.configuration.backupStorageLocation[0].name = 'minio';
    const bsl = { apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'default', namespace: 'velero' }, spec: { provider: 'aws', objectStorage: { bucket: 'velero' } } };
    const objects = representative.objects.map((o) => (o.manifest === representative.objects.find((x) => x.cluster === 'catalyst-shape' && x.manifest.kind === 'HelmRelease' && x.manifest.metadata.name === 'velero')?.manifest ? { ...o, manifest: velero } : o));
    const withBsl = [...objects, { cluster: 'catalyst-shape', destination: 'configs' as const, component: 'velero', constructPath: 'test/bsl', manifest: bsl }];
    expect(DEFAULT_CHECKS.flatMap((check) => check(withBsl))).toEqual([]);
    expect(DEFAULT_CHECKS.flatMap((check) => check(objects)).map(formatProblem)).toEqual([
      'catalyst-shape/configs/Schedule/velero/daily: spec.template.storageLocation: BackupStorageLocation velero/default does not exist in cluster catalyst-shape (existing in velero: minio); name a location of the velero chart values (configuration.backupStorageLocation[].name) or a BackupStorageLocation object',
      'catalyst-shape/configs/Schedule/velero/llm-hourly: spec.template.storageLocation: BackupStorageLocation velero/default does not exist in cluster catalyst-shape (existing in velero: minio); name a location of the velero chart values (configuration.backupStorageLocation[].name) or a BackupStorageLocation object',
    ]);
  });

  it('reports a dependsOn cycle once, however long', () => {
    const hrs = ['velero', 'kyverno', 'keda'].map((name) => manifestOf('catalyst-shape', 'HelmRelease', name));
    const on = (name: string, ns: string) => [{ name, namespace: ns }];
    hrs[0].spec.dependsOn = on('kyverno', 'kyverno');
    hrs[1].spec.dependsOn = on('keda', 'keda');
    hrs[2].spec.dependsOn = on('velero', 'velero');
    const objects = representative.objects.map((o) => ({ ...o, manifest: hrs.find((h) => o.cluster === 'catalyst-shape' && h.kind === o.manifest.kind && h.metadata.name === o.manifest.metadata.name) ?? o.manifest }));
    expect(DEFAULT_CHECKS.flatMap((check) => check(objects)).map(formatProblem)).toEqual([
      'catalyst-shape/controllers/HelmRelease/keda/keda: spec.dependsOn: dependency cycle keda/keda → velero/velero → kyverno/kyverno → keda/keda; Flux would wait forever',
    ]);
  });
});

describe('generated schemas', () => {
  it('are what `npm run import` generates from schemas/sources.yaml', () => {
    const out = tempDir('schemas-');
    const written = generateSchemas(repo, out);
    for (const rel of written) expect({ rel, content: fs.readFileSync(path.join(out, rel), 'utf8') }).toEqual({ rel, content: fs.readFileSync(path.join(repo, 'schemas', rel), 'utf8') });
    const committed = fs.readdirSync(path.join(repo, 'schemas'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(path.join(repo, 'schemas'), path.join(e.parentPath, e.name)));
    expect(committed.filter((f) => f !== 'sources.yaml' && !f.startsWith('upstream/')).sort()).toEqual([...written].sort());
  }, 60_000);

  it('record their upstream source and version', () => {
    const file = schemas.read<{ source: string; version: string }>(schemas.kind('helm.toolkit.fluxcd.io/v2', 'HelmRelease')?.files[0] ?? '');
    expect(file).toMatchObject({ source: expect.stringContaining('fluxcd/helm-controller'), version: 'v1.6.3' });
    expect(schemas.read<{ version: string }>('kubernetes/1.34/io.k8s.api.core.v1.json').version).toBe('1.34');
    expect(schemas.read<{ source: string }>('kubernetes/1.36/io.k8s.api.core.v1.json').source).toContain('kubernetes-schemas/v1.36.0');
    // ObjectMeta is the same in every minor: one file, which the CRD schemas share.
    expect(schemas.read<{ version: string }>('kubernetes/io.k8s.apimachinery.pkg.apis.meta.v1.json').version).toBe('1.34, 1.35, 1.36');
  });

  it('know which kinds are namespaced', () => {
    const scope = (v: string, k: string) => schemas.kind(v, k)?.namespaced;
    expect([scope('v1', 'Namespace'), scope('v1', 'ConfigMap'), scope('node.k8s.io/v1', 'RuntimeClass'), scope('policies.kyverno.io/v1', 'ValidatingPolicy'), scope('policies.kyverno.io/v1', 'PolicyException'), scope('velero.io/v1', 'Schedule')])
      .toEqual([false, true, false, false, true, true]);
  });

  it('have values schemas only for pinned chart versions, which accept the chart defaults', () => {
    const pins = Object.values(CHARTS).map((p) => `${p.chart}@${p.version}`);
    for (const [chart, versions] of Object.entries(schemas.index.charts)) {
      for (const version of Object.keys(versions)) {
        expect(pins).toContain(`${chart}@${version}`);
        const values = schemas.chartValues(chart, version);
        expect(values?.validate(coalesce(values.defaults, {}))).toBe(true);
      }
    }
  });
});

describe('npm run validate', () => {
  it('reports a hand-edited tree: unknown field, unparsable file, file left out of kustomization.yaml, missing file', () => {
    const root = tempDir();
    synthToDisk(exampleFleet, root);
    const dir = path.join(root, 'dist/lab/controllers');
    fs.writeFileSync(path.join(dir, 'namespace_llm.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: llm}\nspec: {finalisers: [kubernetes]}\n');
    fs.writeFileSync(path.join(dir, 'extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: llm}\ndata: {a: b}\n');
    fs.writeFileSync(path.join(root, 'dist/lab/apps/broken.yaml'), 'kind: [unclosed\n');
    fs.rmSync(path.join(root, 'clusters/gpu-cloud/kustomization_flux-system_apps.yaml'));
    expect(validateTree(root).problems.map(formatProblem)).toEqual([
      'clusters/gpu-cloud/kustomization.yaml: resources: lists kustomization_flux-system_apps.yaml, which does not exist',
      'dist/lab/controllers/extra.yaml: not listed in kustomization.yaml, so Flux never applies it',
      'dist/lab/apps/broken.yaml: not listed in kustomization.yaml, so Flux never applies it',
      expect.stringMatching(/^dist\/lab\/apps\/broken\.yaml: not valid YAML: /),
      'lab/controllers/Namespace/llm: spec.finalisers: unknown field, not in the Kubernetes 1.35 v1 Namespace schema; did you mean "finalizers"?',
    ]);
  });

  it('prints one line per problem and a count, and fails', () => {
    const fresh = tempDir();
    synthToDisk(exampleFleet, fresh);
    const root = tempDir();
    synthToDisk(exampleFleet, root);
    fs.writeFileSync(path.join(root, 'dist/gpu-cloud/controllers/namespace_inference.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: inference, label: {}}\n');
    // Clusters in name order, as validate reads them from the folders.
    const counted = `${example.objects.length} objects checked (${[...example.clusters].sort().map((c) => `${c} ${example.objects.filter((o) => o.cluster === c).length}`).join(', ')})`;
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      runValidateCli(root);
      expect(process.exitCode).toBe(1);
      expect(errors.mock.calls.map((c) => c[0])).toEqual([
        'error: gpu-cloud/controllers/Namespace/inference: metadata.label: unknown field, not in the Kubernetes 1.36 v1 Namespace schema; did you mean "labels"?',
        'admission: 2 pod specs checked, 0 denied, 0 warnings',
        `validate failed: 1 problem; ${counted}; ${timeOf(errors.mock.calls[2][0])} ms`,
      ]);
      process.exitCode = undefined;
      runValidateCli(fresh);
      expect(process.exitCode).toBeUndefined();
      expect(logs.mock.calls.map((c) => c[0])).toEqual(['admission: 2 pod specs checked, 0 denied, 0 warnings', `validate: ${counted}; no problems; ${timeOf(logs.mock.calls[1][0])} ms`]);
    } finally {
      process.exitCode = undefined;
      errors.mockRestore();
      logs.mockRestore();
    }
  });
});
