/**
 * The Kyverno add-on: the engine's chart and values, policy modes, the exemptions of system and
 * add-on namespaces, PolicyExceptions, and the exact errors of bad props.
 */
import { AddOn } from '../lib/addon';
import { Cluster, ClusterProps } from '../lib/cluster';
import {
  AddDefaultLabels, DisallowHostPath, Kyverno, KyvernoPolicyException, KyvernoProps, RequireLabels, RestrictImageRegistries, VerifyImageSignatures,
} from '../lib/addons/kyverno';
import { Component } from '../lib/component';
import { synthesize } from '../lib/synth/pipeline';
import { Manifest } from '../lib/synth/manifest';
import { TalosNamespace } from '../lib/talos/namespace';
import { clusterProps, configErrorOf, find, renderCluster } from './helpers';
import { evaluateImageValidation, evaluateMutation, evaluateValidation, PolicyManifest, withoutNamespaceSelector } from './support/cel';
import { deployment, placed, pod } from './support/workloads';

const GITHUB = 'https://token.actions.githubusercontent.com';

/** A stand-in for the add-ons other issues bring (Velero, KEDA, …): an AddOn with its own namespace. */
class SystemAddOn extends AddOn {
  constructor(cluster: Cluster, id: string, namespace: string) {
    super(cluster, id);
    new TalosNamespace(this.scope('controllers'), 'namespace', { name: namespace });
  }
}

const workers = (n: number): ClusterProps['nodes'] => [
  { name: 'cp-0', role: 'controlplane' },
  ...Array.from({ length: n }, (_, i) => ({ name: `w-${i}`, role: 'worker' as const })),
];

function withKyverno(add: (kyverno: Kyverno, cluster: Cluster) => void = () => undefined, props: KyvernoProps = {}, cluster: Partial<ClusterProps> = {}): Manifest[] {
  return renderCluster((c) => add(new Kyverno(c, 'kyverno', props), c), cluster);
}

const values = (objects: Manifest[]) => (find(objects, 'HelmRelease', 'kyverno').spec as { values: Record<string, { replicas: number; podDisruptionBudget: { enabled: boolean } }> }).values;
const replicasOf = (objects: Manifest[]) => Object.fromEntries(
  ['admissionController', 'backgroundController', 'cleanupController', 'reportsController'].map((c) => [c, [values(objects)[c].replicas, values(objects)[c].podDisruptionBudget.enabled]]),
);

describe('Kyverno engine', () => {
  it('installs the pinned kyverno chart into its own namespace, in the controllers layer', () => {
    const result = synthesize((app) => new Kyverno(new Cluster(app, clusterProps()), 'kyverno'));
    const layerOf = (kind: string) => result.objects.find((o) => o.manifest.kind === kind)?.destination;
    expect(['Namespace', 'HelmRepository', 'HelmRelease'].map(layerOf)).toEqual(['controllers', 'controllers', 'controllers']);
    const objects = result.objects.map((o) => o.manifest);
    expect(find(objects, 'Namespace', 'kyverno').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    expect(find(objects, 'HelmRepository', 'kyverno')).toMatchObject({ metadata: { namespace: 'kyverno' }, spec: { url: 'https://kyverno.github.io/kyverno/' } });
    expect(find(objects, 'HelmRelease', 'kyverno').spec).toMatchObject({
      chart: { spec: { chart: 'kyverno', version: '3.9.0', sourceRef: { kind: 'HelmRepository', name: 'kyverno', namespace: 'kyverno' } } },
      install: { crds: 'CreateReplace' },
      upgrade: { crds: 'CreateReplace' },
    });
  });

  it('enables PolicyExceptions in its namespace and gives the webhooks time for image verification', () => {
    expect(values(withKyverno(undefined, { namespace: 'policy-engine', webhookTimeoutSeconds: 20 }))).toMatchObject({
      admissionController: { container: { extraArgs: { webhookTimeout: '20' } } },
      features: { policyExceptions: { enabled: true, namespace: 'policy-engine' } },
    });
    expect(values(withKyverno())).toMatchObject({ admissionController: { container: { extraArgs: { webhookTimeout: '15' } } } });
  });

  it('gives every policy the webhook timeout of the add-on, and image verification 30 seconds unless it sets its own', () => {
    const timeouts = (props: KyvernoProps, verifyTimeout?: number) => {
      const objects = withKyverno((k) => {
        new DisallowHostPath(k, 'host-path');
        new AddDefaultLabels(k, 'labels', { labels: { env: 'lab' } });
        new VerifyImageSignatures(k, 'sig', { images: ['cgr.dev/*'], identities: [{ issuer: GITHUB, subject: 'me' }], timeoutSeconds: verifyTimeout });
      }, props);
      return Object.fromEntries(objects.filter((o) => o.apiVersion === 'policies.kyverno.io/v1' && o.kind !== 'PolicyException')
        .map((o) => [o.kind, (o.spec as { webhookConfiguration?: { timeoutSeconds?: number } }).webhookConfiguration?.timeoutSeconds]));
    };
    expect(timeouts({})).toEqual({ ValidatingPolicy: 15, MutatingPolicy: 15, ImageValidatingPolicy: 30 });
    expect(timeouts({ webhookTimeoutSeconds: 5 })).toEqual({ ValidatingPolicy: 5, MutatingPolicy: 5, ImageValidatingPolicy: 30 });
    expect(timeouts({ webhookTimeoutSeconds: 25 }, 12)).toEqual({ ValidatingPolicy: 25, MutatingPolicy: 25, ImageValidatingPolicy: 12 });
  });

  it('sizes the controllers to the workload nodes: HA counts where they fit, a PodDisruptionBudget when replicated', () => {
    const single = [1, false];
    expect(replicasOf(withKyverno())).toEqual({ admissionController: single, backgroundController: single, cleanupController: single, reportsController: single });
    expect(replicasOf(withKyverno(undefined, {}, { nodes: workers(2) }))).toEqual({
      admissionController: [2, true], backgroundController: [2, true], cleanupController: [2, true], reportsController: [2, true],
    });
    expect(replicasOf(withKyverno(undefined, {}, { nodes: workers(5) }))).toEqual({
      admissionController: [3, true], backgroundController: [2, true], cleanupController: [2, true], reportsController: [2, true],
    });
    expect(replicasOf(withKyverno(undefined, { replicas: { admission: 5, reports: 1 } }, { nodes: workers(5) }))).toMatchObject({
      admissionController: [5, true], reportsController: [1, false],
    });
  });

  it('puts policies and exceptions into the configs layer', () => {
    const result = synthesize((app) => {
      const kyverno = new Kyverno(new Cluster(app, clusterProps()), 'kyverno');
      new DisallowHostPath(kyverno, 'host-path');
    });
    expect(result.objects.filter((o) => o.destination === 'configs').map((o) => `${o.manifest.kind}/${o.manifest.metadata.name}`).sort())
      .toEqual(['PolicyException/system-namespaces', 'ValidatingPolicy/disallow-host-path']);
  });
});

describe('policy modes', () => {
  const denyHostPath = (o: Manifest[]) => find(o, 'ValidatingPolicy', 'disallow-host-path');
  const hostPath = deployment((s) => { s.volumes = [{ name: 'h', hostPath: { path: '/' } }]; });

  it('audits by default: a violation is reported, the request admitted, and Kyverno never blocks the API when down', () => {
    const p = denyHostPath(withKyverno((k) => new DisallowHostPath(k, 'host-path')));
    expect(p.spec).toMatchObject({ validationActions: ['Audit'], failurePolicy: 'Ignore' });
    expect(evaluateValidation(p, hostPath)).toMatchObject({ allowed: false, admitted: true });
  });

  it('takes the cluster mode from the engine, and a policy may set its own', () => {
    const objects = withKyverno((k) => {
      new DisallowHostPath(k, 'host-path');
      new RequireLabels(k, 'team', { labels: ['team'], mode: 'Warn' });
      new RestrictImageRegistries(k, 'registries', { registries: ['cgr.dev'], mode: 'Audit' });
    }, { mode: 'Deny' });
    expect(denyHostPath(objects).spec).toMatchObject({ validationActions: ['Deny'], failurePolicy: 'Fail' });
    expect(evaluateValidation(denyHostPath(objects), hostPath)).toMatchObject({ allowed: false, admitted: false });
    expect(evaluateValidation(denyHostPath(objects), deployment())).toMatchObject({ allowed: true, admitted: true });
    expect(find(objects, 'ValidatingPolicy', 'require-labels').spec).toMatchObject({ validationActions: ['Warn'], failurePolicy: 'Ignore' });
    expect(find(objects, 'ValidatingPolicy', 'restrict-image-registries').spec).toMatchObject({ validationActions: ['Audit'] });
  });

  it('gives image verification its mode too, but a mutation none', () => {
    const objects = withKyverno((k) => {
      new VerifyImageSignatures(k, 'sig', { images: ['cgr.dev/*'], identities: [{ issuer: GITHUB, subject: 'me' }], mode: 'Deny' });
      new AddDefaultLabels(k, 'labels', { labels: { env: 'lab' } });
    });
    expect(find(objects, 'ImageValidatingPolicy', 'verify-image-signatures').spec).toMatchObject({ validationActions: ['Deny'], failurePolicy: 'Fail' });
    const mutating = find(objects, 'MutatingPolicy', 'add-default-labels').spec as Record<string, unknown>;
    expect(mutating.failurePolicy).toBe('Ignore');
    expect(mutating.validationActions).toBeUndefined();
  });
});

describe('exemptions', () => {
  it('exempts kube-system, flux-system, Kyverno and every add-on namespace, also of add-ons defined later', () => {
    const objects = withKyverno((kyverno, cluster) => {
      new DisallowHostPath(kyverno, 'host-path');
      new SystemAddOn(cluster, 'backup', 'velero');
      new TalosNamespace(new Component(cluster, 'shop').scope('controllers'), 'namespace', { name: 'shop' });
    }, { exemptNamespaces: ['legacy'] });
    const exception = find(objects, 'PolicyException', 'system-namespaces');
    expect(exception.metadata.namespace).toBe('kyverno');
    expect(exception.spec).toMatchObject({
      policyRefs: [{ kind: 'ValidatingPolicy', name: 'disallow-host-path' }],
      matchConditions: [{ name: 'system-namespace', expression: 'has(object.metadata.namespace) && object.metadata.namespace in ["flux-system", "kube-system", "kyverno", "legacy", "velero"]' }],
    });

    const p = find(objects, 'ValidatingPolicy', 'disallow-host-path');
    const hostPath = (namespace: string) => placed(deployment((s) => { s.volumes = [{ name: 'h', hostPath: { path: '/var/lib/kubelet/pods' } }]; }), namespace);
    const exceptions = [exception as PolicyManifest];
    // The webhook's namespaceSelector skips velero already; the exception is for evaluations without it (background scans).
    const scanned = withoutNamespaceSelector(p as PolicyManifest);
    expect(evaluateValidation(scanned, hostPath('velero'), { exceptions })).toMatchObject({ exemptedBy: ['system-namespaces'], allowed: true });
    expect(evaluateValidation(scanned, hostPath('shop'), { exceptions })).toMatchObject({ exemptedBy: [], allowed: false });
  });

  it('leaves the exempt namespaces out of every policy\'s webhook, so Flux and the add-ons start while Kyverno is down', () => {
    const objects = withKyverno((kyverno, cluster) => {
      new DisallowHostPath(kyverno, 'host-path', { mode: 'Deny' });
      new VerifyImageSignatures(kyverno, 'sig', { images: ['cgr.dev/*'], identities: [{ issuer: GITHUB, subject: 'me' }], mode: 'Deny' });
      new AddDefaultLabels(kyverno, 'labels', { labels: { env: 'lab' } });
      new SystemAddOn(cluster, 'backup', 'velero');
    }, { exemptNamespaces: ['legacy'] });
    const selector = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['flux-system', 'kube-system', 'kyverno', 'legacy', 'velero'] }] };
    const hostPath = find(objects, 'ValidatingPolicy', 'disallow-host-path');
    const signatures = find(objects, 'ImageValidatingPolicy', 'verify-image-signatures');
    const labels = find(objects, 'MutatingPolicy', 'add-default-labels');
    for (const p of [hostPath, signatures, labels]) expect((p.spec as { matchConstraints: unknown }).matchConstraints).toMatchObject({ namespaceSelector: selector });

    // Without the PolicyException: the webhook itself skips the system namespaces.
    const badHostPath = (namespace: string) => placed(deployment((s) => { s.volumes = [{ name: 'h', hostPath: { path: '/' } }]; }), namespace);
    expect(evaluateValidation(hostPath, badHostPath('flux-system'))).toMatchObject({ matched: false, admitted: true });
    expect(evaluateValidation(hostPath, badHostPath('velero'))).toMatchObject({ matched: false, admitted: true });
    expect(evaluateValidation(hostPath, badHostPath('shop'))).toMatchObject({ matched: true, allowed: false, admitted: false });
    const unsigned = (namespace: string) => placed(deployment((s) => { s.containers[0].image = 'cgr.dev/chainguard/nginx:1'; }), namespace);
    expect(evaluateImageValidation(signatures, unsigned('kube-system'))).toMatchObject({ matched: false, admitted: true });
    expect(evaluateImageValidation(signatures, unsigned('shop'))).toMatchObject({ matched: true, admitted: false });
    const labelled = (namespace: string) => (evaluateMutation(labels, placed(deployment(), namespace)).metadata as { labels: Record<string, string> }).labels.env;
    expect(labelled('kyverno')).toBeUndefined();
    expect(labelled('shop')).toBe('lab');
  });

  it('refers to every validating and image policy, whenever defined, and to no mutation', () => {
    const objects = withKyverno((k) => {
      new RequireLabels(k, 'team', { labels: ['team'] });
      new AddDefaultLabels(k, 'labels', { labels: { env: 'lab' } });
      new VerifyImageSignatures(k, 'sig', { images: ['cgr.dev/*'], identities: [{ issuer: GITHUB, subject: 'me' }] });
    });
    expect((find(objects, 'PolicyException', 'system-namespaces').spec as { policyRefs: unknown }).policyRefs).toEqual([
      { kind: 'ValidatingPolicy', name: 'require-labels' },
      { kind: 'ImageValidatingPolicy', name: 'verify-image-signatures' },
    ]);
  });

  it('renders no exception while there is nothing to exempt from', () => {
    const objects = withKyverno((k) => new AddDefaultLabels(k, 'labels', { labels: { env: 'lab' } }));
    expect(objects.filter((o) => o.kind === 'PolicyException')).toEqual([]);
  });
});

describe('KyvernoPolicyException', () => {
  const objects = withKyverno((k) => {
    new RequireLabels(k, 'team', { labels: ['team'] });
    new DisallowHostPath(k, 'host-path');
    new KyvernoPolicyException(k, 'llm', { name: 'llm-worker-labels', reason: 'vendor chart without labels', policies: ['require-labels'], workloads: [{ namespace: 'llm', name: 'llm-worker' }] });
    new KyvernoPolicyException(k, 'lab', { name: 'lab', reason: 'experiments', namespaces: ['lab', 'scratch'] });
  });
  const labels = find(objects, 'ValidatingPolicy', 'require-labels');
  const hostPathPolicy = find(objects, 'ValidatingPolicy', 'disallow-host-path');
  const exceptions = objects.filter((o) => o.kind === 'PolicyException') as PolicyManifest[];
  const unlabelled = (namespace: string, name: string, kind: 'Deployment' | 'Pod' = 'Deployment') =>
    placed(kind === 'Pod' ? pod(undefined, {}) : deployment(undefined, { labels: {}, templateLabels: {} }), namespace, name);
  const hostPath = () => deployment((s) => { s.volumes = [{ name: 'h', hostPath: { path: '/var/lib/kubelet/pods' } }]; });
  /** An unlabelled object in `namespace` owned by a `kind` named `owner`, with extra labels; unnamed, as a pod is at admission. */
  const owned = (namespace: string, kind: 'Pod' | 'ReplicaSet' | 'Job', owner: { kind: string; name: string }, labels: Record<string, string> = {}) => {
    const object = placed(kind === 'Pod' ? pod(undefined, {}) : deployment(undefined, { labels: {}, templateLabels: {} }), namespace);
    const metadata = object.metadata as Record<string, unknown>;
    delete metadata.name;
    const apiVersion = { Pod: 'v1', ReplicaSet: 'apps/v1', Job: 'batch/v1' }[kind];
    return { ...object, apiVersion, kind, metadata: { ...metadata, labels, ownerReferences: [{ apiVersion: 'apps/v1', ...owner, uid: 'u', controller: true }] } };
  };

  it('renders the policies it names and a condition over the namespaces and workloads', () => {
    expect(find(objects, 'PolicyException', 'llm-worker-labels')).toMatchObject({
      metadata: { namespace: 'kyverno' },
      spec: {
        policyRefs: [{ kind: 'ValidatingPolicy', name: 'require-labels' }],
        matchConditions: [{
          name: 'exempt-workloads',
          expression: 'has(object.metadata.namespace) && ((object.metadata.namespace == "llm" && ((has(object.metadata.name) && object.metadata.name == "llm-worker") || ' +
            '(has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(r, r.name == "llm-worker" || ' +
            "(r.kind == 'ReplicaSet' && has(object.metadata) && has(object.metadata.labels) && 'pod-template-hash' in object.metadata.labels && r.name == \"llm-worker-\" + object.metadata.labels['pod-template-hash']) || " +
            "(r.kind == 'Job' && r.name.matches(\"^llm-worker-[0-9]+$\")))))))",
        }],
        properties: { reason: 'vendor chart without labels' },
      },
    });
    expect((find(objects, 'PolicyException', 'lab').spec as { policyRefs: unknown }).policyRefs).toEqual([
      { kind: 'ValidatingPolicy', name: 'disallow-host-path' },
      { kind: 'ValidatingPolicy', name: 'require-labels' },
    ]);
  });

  it('exempts the workload and what it owns, from the policies it names only', () => {
    expect(evaluateValidation(labels, unlabelled('llm', 'llm-worker'), { exceptions }).exemptedBy).toEqual(['llm-worker-labels']);
    expect(evaluateValidation(labels, owned('llm', 'Pod', { kind: 'ReplicaSet', name: 'llm-worker-7d9f8' }, { 'pod-template-hash': '7d9f8' }), { exceptions }).exemptedBy)
      .toEqual(['llm-worker-labels']);
    expect(evaluateValidation(labels, unlabelled('llm', 'llm-worker2'), { exceptions })).toMatchObject({ exemptedBy: [], allowed: false });
    expect(evaluateValidation(labels, unlabelled('other', 'llm-worker'), { exceptions })).toMatchObject({ exemptedBy: [], allowed: false });
    expect(evaluateValidation(hostPathPolicy, placed(hostPath(), 'llm', 'llm-worker'), { exceptions })).toMatchObject({ exemptedBy: [], allowed: false });
  });

  it('exempts exactly the named workload and what it owns, never another workload whose name it prefixes', () => {
    const apiObjects = withKyverno((k) => {
      new RequireLabels(k, 'team', { labels: ['team'] });
      new KyvernoPolicyException(k, 'api', { name: 'api', reason: 'vendor chart', workloads: [{ namespace: 'shop', name: 'api' }] });
    });
    const policy = find(apiObjects, 'ValidatingPolicy', 'require-labels');
    const apiException = apiObjects.filter((o) => o.kind === 'PolicyException') as PolicyManifest[];
    const exemptedBy = (object: Record<string, unknown>) => evaluateValidation(policy, object, { exceptions: apiException }).exemptedBy;
    const exempt = ['api'];
    // The workload itself, its ReplicaSet, a CronJob's Job, and their pods.
    expect(exemptedBy(unlabelled('shop', 'api'))).toEqual(exempt);
    expect(exemptedBy(owned('shop', 'ReplicaSet', { kind: 'Deployment', name: 'api' }))).toEqual(exempt);
    expect(exemptedBy(owned('shop', 'Pod', { kind: 'ReplicaSet', name: 'api-5d8c7' }, { 'pod-template-hash': '5d8c7' }))).toEqual(exempt);
    expect(exemptedBy(owned('shop', 'Job', { kind: 'CronJob', name: 'api' }))).toEqual(exempt);
    expect(exemptedBy(owned('shop', 'Pod', { kind: 'Job', name: 'api-29012345' }))).toEqual(exempt);
    expect(exemptedBy(owned('shop', 'Pod', { kind: 'StatefulSet', name: 'api' }))).toEqual(exempt);
    // api-gateway and everything it creates are not exempt.
    expect(exemptedBy(unlabelled('shop', 'api-gateway'))).toEqual([]);
    expect(exemptedBy(owned('shop', 'ReplicaSet', { kind: 'Deployment', name: 'api-gateway' }))).toEqual([]);
    expect(exemptedBy(owned('shop', 'Pod', { kind: 'ReplicaSet', name: 'api-gateway-5d8c7' }, { 'pod-template-hash': '5d8c7' }))).toEqual([]);
    expect(exemptedBy(owned('shop', 'Pod', { kind: 'Job', name: 'api-gateway-29012345' }))).toEqual([]);
    expect(exemptedBy(owned('shop', 'Pod', { kind: 'StatefulSet', name: 'api-gateway' }))).toEqual([]);
    expect(exemptedBy(unlabelled('shop', 'api-gateway-7d9f8-x2x4z', 'Pod'))).toEqual([]);
    // A ReplicaSet named api-… without the pod's matching pod-template-hash is someone else's.
    expect(exemptedBy(owned('shop', 'Pod', { kind: 'ReplicaSet', name: 'api-gateway' }, { 'pod-template-hash': 'other' }))).toEqual([]);
  });

  it('exempts whole namespaces', () => {
    expect(evaluateValidation(labels, unlabelled('scratch', 'anything'), { exceptions }).exemptedBy).toEqual(['lab']);
  });
});

describe('Kyverno validation', () => {
  const chainguard = { images: ['cgr.dev/chainguard/*'], identities: [{ issuer: GITHUB, subject: 'https://github.com/chainguard-images/images/.github/workflows/release.yaml@refs/heads/main' }] };
  const error = (add: (k: Kyverno) => void, props: KyvernoProps = {}) => configErrorOf(() => withKyverno(add, props));

  it('rejects an empty registry allow-list, and entries that are not registries', () => {
    expect(error((k) => new RestrictImageRegistries(k, 'registries', { registries: [] }))).toBe(
      'test/RestrictImageRegistries[registries]: registries: the allow-list is empty, so every image would be rejected; list at least one registry, such as cgr.dev',
    );
    expect(error((k) => new RestrictImageRegistries(k, 'registries', { registries: ['ghcr.io', 'https://quay.io/'] }))).toBe(
      'test/RestrictImageRegistries[registries]: registries[1]: "https://quay.io/" is not a registry (a host such as ghcr.io, optionally with a port or a path prefix such as ghcr.io/my-org; no scheme, no trailing \'/\')',
    );
  });

  it('rejects an invalid image glob, naming what is wrong with it', () => {
    const glob = (images: string[]) => error((k) => new VerifyImageSignatures(k, 'chainguard', { ...chainguard, images }));
    expect(glob(['cgr.dev/chainguard/['])).toBe('test/VerifyImageSignatures[chainguard]: images[0]: "cgr.dev/chainguard/[" is not a valid glob: \'[\' at 20 is never closed');
    expect(glob(['cgr.dev/*', 'cgr.dev/{chainguard,wolfi/*'])).toBe('test/VerifyImageSignatures[chainguard]: images[1]: "cgr.dev/{chainguard,wolfi/*" is not a valid glob: \'{\' at 9 is never closed');
    expect(glob(['cgr.dev/[z-a]*'])).toBe('test/VerifyImageSignatures[chainguard]: images[0]: "cgr.dev/[z-a]*" is not a valid glob: range \'z-a\' at 9 runs backwards');
    expect(glob([])).toBe('test/VerifyImageSignatures[chainguard]: images: list at least one image glob to verify, such as cgr.dev/chainguard/*');
  });

  it('rejects a keyless identity without issuer, or without a subject', () => {
    expect(error((k) => new VerifyImageSignatures(k, 'chainguard', { images: chainguard.images, identities: [{ subject: 'me' } as never] }))).toBe(
      'test/VerifyImageSignatures[chainguard]: identities[0].issuer: a keyless identity needs the OIDC issuer of the signing certificate, such as https://token.actions.githubusercontent.com',
    );
    expect(error((k) => new VerifyImageSignatures(k, 'chainguard', { images: chainguard.images, identities: [{ issuer: GITHUB }] }))).toBe(
      'test/VerifyImageSignatures[chainguard]: identities[0]: give the certificate subject (or subjectRegExp) a signature must carry; an issuer alone trusts anyone it ever issued to',
    );
  });

  it('rejects a transparency log that is not a URL with PEM keys', () => {
    expect(error((k) => new VerifyImageSignatures(k, 'chainguard', { ...chainguard, transparencyLog: { url: 'rekor.lan', ctLogPublicKey: 'MFkw' } }))).toBe([
      'test/VerifyImageSignatures[chainguard]: transparencyLog.url: "rekor.lan" is not an http(s) URL',
      'test/VerifyImageSignatures[chainguard]: transparencyLog.ctLogPublicKey: expected a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)',
    ].join('\n'));
  });

  it('rejects a mode that is not Audit, Deny or Warn', () => {
    expect(error((k) => new DisallowHostPath(k, 'host-path', { mode: 'Enforce' as never }))).toBe(
      'test/DisallowHostPath[host-path]: mode: "Enforce" is not a policy mode (use Audit, Deny or Warn)',
    );
    expect(error(() => undefined, { mode: 'deny' as never })).toBe('test/Kyverno[kyverno]: mode: "deny" is not a policy mode (use Audit, Deny or Warn)');
  });

  it('rejects two policies with one name, of any kinds', () => {
    expect(error((k) => {
      new RequireLabels(k, 'team', { labels: ['team'] });
      new RequireLabels(k, 'owner', { labels: ['owner'] });
    })).toBe('test/RequireLabels[owner]: name: "require-labels" is already the name of RequireLabels[team]; give each policy its own name');
    expect(error((k) => {
      new DisallowHostPath(k, 'host-path', { name: 'baseline' });
      new VerifyImageSignatures(k, 'chainguard', { ...chainguard, name: 'baseline' });
    })).toBe('test/VerifyImageSignatures[chainguard]: name: "baseline" is already the name of DisallowHostPath[host-path]; give each policy its own name');
  });

  it('rejects exceptions that exempt nothing or name unknown policies', () => {
    expect(error((k) => new KyvernoPolicyException(k, 'x', { name: 'x', reason: 'r' }))).toBe(
      'test/KyvernoPolicyException[x]: namespaces: an exception must name at least one namespace or workload to exempt',
    );
    expect(error((k) => {
      new KyvernoPolicyException(k, 'x', { name: 'x', reason: 'r', namespaces: ['lab'], policies: ['require-label', 'add-default-labels'] });
      new RequireLabels(k, 'team', { labels: ['team'] });
      new AddDefaultLabels(k, 'labels', { labels: { env: 'lab' } });
    })).toBe([
      'test/KyvernoPolicyException[x]: policies[0]: "require-label" is not a policy of this cluster (known: add-default-labels, require-labels)',
      'test/KyvernoPolicyException[x]: policies[1]: "add-default-labels" is a MutatingPolicy; exceptions apply to validating policies',
    ].join('\n'));
  });

  it('rejects bad engine settings and label keys', () => {
    expect(error(() => undefined, { webhookTimeoutSeconds: 45, replicas: { admission: 0 } })).toBe([
      'test/Kyverno[kyverno]: replicas.admission: 0 is not a replica count (a whole number of at least 1)',
      'test/Kyverno[kyverno]: webhookTimeoutSeconds: 45 is not a webhook timeout (whole seconds from 1 to 30)',
    ].join('\n'));
    expect(error((k) => new RequireLabels(k, 'team', { labels: [] }))).toBe('test/RequireLabels[team]: labels: name at least one label key, such as team');
    expect(error((k) => new RequireLabels(k, 'team', { labels: ['team', 'bad key'] }))).toBe('test/RequireLabels[team]: labels[1]: "bad key" is not a valid label key');
  });
});
