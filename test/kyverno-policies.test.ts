/**
 * The policy library: for each policy, the CEL it generates, and that CEL run against objects it must
 * admit and objects it must reject (test/support/cel.ts), so a policy that never fires fails here.
 */
import {
  AddDefaultLabels, CustomValidatingPolicy, DisallowHostNamespaces, DisallowHostPath, DisallowPrivilegedContainers, Kyverno,
  RequireLabels, RequireRequestsLimits, RequireRunAsNonRoot, RestrictImageRegistries, VerifyImageSignatures,
} from '../lib/addons/kyverno';
import { Manifest } from '../lib/synth/manifest';
import { find, renderCluster } from './helpers';
import { evaluateImageValidation, evaluateMutation, evaluateValidation, KubeObject } from './support/cel';
import { configMap, cronJob, deployment, pod } from './support/workloads';

/** Renders one policy of a fresh cluster's Kyverno and returns it. */
function policy(kind: string, name: string, add: (kyverno: Kyverno) => void): Manifest {
  return find(renderCluster((cluster) => add(new Kyverno(cluster, 'kyverno'))), kind, name);
}

const spec = (m: Manifest) => m.spec as { validations: Array<{ expression: string; message: string }>; variables: Array<{ name: string; expression: string }> };
const messages = (m: Manifest, o: KubeObject) => evaluateValidation(m, o).messages;

describe('RequireLabels', () => {
  const p = policy('ValidatingPolicy', 'require-labels', (k) => new RequireLabels(k, 'team', { labels: ['team'] }));
  const failure = 'every workload needs the label team with a value, on itself and on its pod template';

  it('generates a check of the labels on the object and every template below it', () => {
    expect(spec(p).validations).toEqual([{
      expression: 'variables.labelledMetadata.all(m, ["team"].all(k, has(m.labels) && k in m.labels && m.labels[k] != ""))',
      message: failure,
    }]);
    expect(spec(p).variables.find((v) => v.name === 'labelledMetadata')?.expression).toBe(
      "object.kind == 'Pod' ? [object.metadata] : (object.kind == 'CronJob' ? [object.metadata, (has(object.spec.jobTemplate.metadata) ? " +
      'object.spec.jobTemplate.metadata : {}), (has(variables.podTemplate.metadata) ? variables.podTemplate.metadata : {})] : ' +
      '[object.metadata, (has(variables.podTemplate.metadata) ? variables.podTemplate.metadata : {})])',
    );
  });

  it('admits workloads labelled on themselves and their templates', () => {
    for (const o of [deployment(), pod(), cronJob()]) expect(evaluateValidation(p, o)).toMatchObject({ matched: true, allowed: true });
  });

  it('rejects a label missing on the object, on the pod template, on a job template, or left empty', () => {
    expect(messages(p, deployment(undefined, { labels: { app: 'web' }, templateLabels: { team: 'ml' } }))).toEqual([failure]);
    expect(messages(p, deployment(undefined, { labels: { team: 'ml' }, templateLabels: {} }))).toEqual([failure]);
    expect(messages(p, cronJob(undefined, { jobLabels: {} }))).toEqual([failure]);
    expect(messages(p, pod(undefined, { team: '' }))).toEqual([failure]);
    const bare = pod();
    delete (bare.metadata as { labels?: unknown }).labels;
    expect(messages(p, bare)).toEqual([failure]);
  });

  it('lists every required label in its message and ignores kinds that are not workloads', () => {
    const two = policy('ValidatingPolicy', 'owners', (k) => new RequireLabels(k, 'owners', { name: 'owners', labels: ['team', 'app.kubernetes.io/name'] }));
    expect(messages(two, deployment())).toEqual(['every workload needs the labels team, app.kubernetes.io/name with a value, on itself and on its pod template']);
    expect(evaluateValidation(p, configMap())).toMatchObject({ matched: false, allowed: true });
  });
});

describe('RequireRequestsLimits', () => {
  const p = policy('ValidatingPolicy', 'require-requests-limits', (k) => new RequireRequestsLimits(k, 'resources'));
  const requests = 'every container and init container must set resources.requests.cpu and resources.requests.memory';
  const limits = 'every container and init container must set resources.limits.cpu and resources.limits.memory';
  const containers = '(variables.podSpec.containers + (has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : []))';

  it('generates one check for requests and one for limits, CPU and memory by default', () => {
    expect(spec(p).validations).toEqual([
      { expression: `${containers}.all(c, has(c.resources) && has(c.resources.requests) && ["cpu", "memory"].all(r, r in c.resources.requests))`, message: requests },
      { expression: `${containers}.all(c, has(c.resources) && has(c.resources.limits) && ["cpu", "memory"].all(r, r in c.resources.limits))`, message: limits },
    ]);
  });

  it('admits containers with requests and limits', () => {
    expect(evaluateValidation(p, deployment()).allowed).toBe(true);
  });

  it('rejects a missing limit, a container without resources, and an init container without requests', () => {
    expect(messages(p, deployment((s) => delete s.containers[0].resources.limits.memory))).toEqual([limits]);
    expect(messages(p, pod((s) => delete s.containers[0].resources))).toEqual([requests, limits]);
    expect(messages(p, cronJob((s) => { s.initContainers = [{ name: 'init', image: 'cgr.dev/chainguard/busybox:1', resources: { limits: { cpu: '1', memory: '1Gi' } } }]; })))
      .toEqual([requests]);
  });

  it('checks only the resources asked for', () => {
    const cpu = policy('ValidatingPolicy', 'cpu-requests', (k) => new RequireRequestsLimits(k, 'cpu', { name: 'cpu-requests', requests: ['cpu'], limits: [] }));
    expect(spec(cpu).validations.map((v) => v.message)).toEqual(['every container and init container must set resources.requests.cpu']);
    expect(evaluateValidation(cpu, deployment((s) => { s.containers[0].resources = { requests: { cpu: '1' } }; })).allowed).toBe(true);
  });
});

describe('RestrictImageRegistries', () => {
  const p = policy('ValidatingPolicy', 'restrict-image-registries', (k) => new RestrictImageRegistries(k, 'registries', { registries: ['cgr.dev', 'ghcr.io/my-org'] }));
  const failure = 'images must come from an allowed registry (cgr.dev, ghcr.io/my-org) and name it, as in cgr.dev/<repository>:<tag>';

  it('generates a prefix check of every image against the allow-list', () => {
    expect(spec(p).validations).toEqual([{ expression: 'variables.images.all(img, ["cgr.dev", "ghcr.io/my-org"].exists(r, img.startsWith(r + "/")))', message: failure }]);
    expect(spec(p).variables.find((v) => v.name === 'images')?.expression).toBe(
      'variables.containers.map(c, c.image) + (has(variables.podSpec.volumes) ? variables.podSpec.volumes.filter(v, has(v.image)).map(v, v.image.reference) : [])',
    );
  });

  it('admits images from the allow-list, path prefixes included', () => {
    expect(evaluateValidation(p, deployment()).allowed).toBe(true);
    expect(evaluateValidation(p, pod((s) => { s.containers[0].image = 'ghcr.io/my-org/app@sha256:0123'; })).allowed).toBe(true);
  });

  it('rejects implicit Docker Hub, look-alike hosts, other paths, init containers and image volumes from elsewhere', () => {
    const withImage = (image: string) => deployment((s) => { s.containers[0].image = image; });
    for (const image of ['nginx:1.27', 'docker.io/library/nginx:1.27', 'cgr.dev.evil.example/nginx:1', 'ghcr.io/other-org/app:1']) {
      expect(messages(p, withImage(image))).toEqual([failure]);
    }
    expect(messages(p, cronJob((s) => { s.initContainers = [{ name: 'init', image: 'quay.io/x/y:1' }]; }))).toEqual([failure]);
    expect(messages(p, pod((s) => { s.volumes = [{ name: 'model', image: { reference: 'quay.io/models/llama:1' } }]; }))).toEqual([failure]);
  });

  describe('kubectl debug: an ephemeral container, added through the pods/ephemeralcontainers subresource', () => {
    const deny = policy('ValidatingPolicy', 'restrict-image-registries', (k) => new RestrictImageRegistries(k, 'registries', { registries: ['cgr.dev', 'ghcr.io/my-org'], mode: 'Deny' }));
    // The request kubectl debug sends: an UPDATE of the subresource, whose object is the whole Pod.
    const debug = (image: string) => evaluateValidation(deny, pod((s) => { s.ephemeralContainers = [{ name: 'debugger', image, targetContainerName: 'app' }]; }), {
      operation: 'UPDATE', subResource: 'ephemeralcontainers',
    });

    it('matches the subresource besides pods', () => {
      expect((deny.spec as { matchConstraints: { resourceRules: Array<{ resources: string[] }> } }).matchConstraints.resourceRules[0].resources).toEqual(['pods', 'pods/ephemeralcontainers']);
    });

    it('refuses an ephemeral container from a registry off the allow-list', () => {
      expect(debug('docker.io/library/busybox:1.37')).toEqual({ matched: true, exemptedBy: [], allowed: false, messages: [failure], admitted: false });
    });

    it('admits one from an allowed registry', () => {
      expect(debug('cgr.dev/chainguard/busybox:latest')).toEqual({ matched: true, exemptedBy: [], allowed: true, messages: [], admitted: true });
    });

    it('would not even be asked without the subresource in its rules (what every policy did before)', () => {
      const podsOnly = { ...deny, spec: { ...(deny.spec as object), matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }] } } };
      const request = pod((s) => { s.ephemeralContainers = [{ name: 'debugger', image: 'docker.io/library/busybox:1.37' }]; });
      expect(evaluateValidation(podsOnly, request, { operation: 'UPDATE', subResource: 'ephemeralcontainers' }).matched).toBe(false);
    });
  });
});

describe('RequireRunAsNonRoot', () => {
  const p = policy('ValidatingPolicy', 'require-run-as-nonroot', (k) => new RequireRunAsNonRoot(k, 'non-root'));
  const nonRoot = 'containers must run as non-root: set securityContext.runAsNonRoot: true on the pod or on every container, and on no container false';
  const notZero = 'runAsUser must not be 0 (root), on the pod or on any container';

  it('generates the Pod Security restricted checks, a container setting winning over the pod', () => {
    expect(spec(p).validations).toEqual([
      {
        expression: 'variables.containers.all(c, has(c.securityContext) && has(c.securityContext.runAsNonRoot) ? c.securityContext.runAsNonRoot == true : variables.podRunAsNonRoot)',
        message: nonRoot,
      },
      {
        expression: '!(has(variables.podSpec.securityContext) && has(variables.podSpec.securityContext.runAsUser) && variables.podSpec.securityContext.runAsUser == 0) && ' +
          'variables.containers.all(c, !(has(c.securityContext) && has(c.securityContext.runAsUser) && c.securityContext.runAsUser == 0))',
        message: notZero,
      },
    ]);
  });

  it('admits runAsNonRoot on the pod, or on every container', () => {
    expect(evaluateValidation(p, deployment()).allowed).toBe(true);
    expect(evaluateValidation(p, pod((s) => { delete s.securityContext; s.containers[0].securityContext = { runAsNonRoot: true }; })).allowed).toBe(true);
  });

  it('rejects no setting, a container that opts out, an ephemeral container without it, and user 0', () => {
    expect(messages(p, pod((s) => delete s.securityContext))).toEqual([nonRoot]);
    expect(messages(p, deployment((s) => { s.containers[0].securityContext = { runAsNonRoot: false }; }))).toEqual([nonRoot]);
    expect(messages(p, pod((s) => { s.securityContext = {}; s.containers[0].securityContext = { runAsNonRoot: true }; s.ephemeralContainers = [{ name: 'debug', image: 'cgr.dev/chainguard/busybox:1' }]; })))
      .toEqual([nonRoot]);
    expect(messages(p, cronJob((s) => { s.containers[0].securityContext = { runAsUser: 0 }; }))).toEqual([notZero]);
    expect(messages(p, pod((s) => { s.securityContext.runAsUser = 0; }))).toEqual([notZero]);
  });
});

describe('DisallowPrivilegedContainers', () => {
  const p = policy('ValidatingPolicy', 'disallow-privileged-containers', (k) => new DisallowPrivilegedContainers(k, 'privileged'));
  const failure = 'privileged containers are not allowed: securityContext.privileged must be unset or false';

  it('generates a check of every container', () => {
    expect(spec(p).validations).toEqual([{
      expression: 'variables.containers.all(c, !(has(c.securityContext) && has(c.securityContext.privileged) && c.securityContext.privileged == true))',
      message: failure,
    }]);
  });

  it('admits unset and false, rejects true on a container or an init container', () => {
    expect(evaluateValidation(p, deployment((s) => { s.containers[0].securityContext = { privileged: false }; })).allowed).toBe(true);
    expect(messages(p, deployment((s) => { s.containers[0].securityContext = { privileged: true }; }))).toEqual([failure]);
    expect(messages(p, pod((s) => { s.initContainers = [{ name: 'setup', image: 'cgr.dev/x:1', securityContext: { privileged: true } }]; }))).toEqual([failure]);
  });
});

describe('DisallowHostNamespaces', () => {
  const p = policy('ValidatingPolicy', 'disallow-host-namespaces', (k) => new DisallowHostNamespaces(k, 'host-namespaces'));
  const failure = "pods must not share the host's namespaces: hostNetwork, hostPID, hostIPC must be unset or false";

  it('generates a check of hostNetwork, hostPID and hostIPC', () => {
    expect(spec(p).validations).toEqual([{
      expression: '!(has(variables.podSpec.hostNetwork) && variables.podSpec.hostNetwork == true) && ' +
        '!(has(variables.podSpec.hostPID) && variables.podSpec.hostPID == true) && !(has(variables.podSpec.hostIPC) && variables.podSpec.hostIPC == true)',
      message: failure,
    }]);
  });

  it('admits false, rejects each host namespace', () => {
    expect(evaluateValidation(p, deployment((s) => { s.hostNetwork = false; s.hostPID = false; })).allowed).toBe(true);
    for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) expect(messages(p, pod((s) => { s[field] = true; }))).toEqual([failure]);
  });
});

describe('DisallowHostPath', () => {
  const p = policy('ValidatingPolicy', 'disallow-host-path', (k) => new DisallowHostPath(k, 'host-path'));
  const failure = 'hostPath volumes are not allowed; use a PersistentVolumeClaim, an emptyDir or a ConfigMap';

  it('generates a check of the volumes', () => {
    expect(spec(p).validations).toEqual([{ expression: '!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, !has(v.hostPath))', message: failure }]);
  });

  it('admits other volumes, rejects a hostPath', () => {
    expect(evaluateValidation(p, deployment((s) => { s.volumes = [{ name: 'tmp', emptyDir: {} }]; })).allowed).toBe(true);
    expect(messages(p, deployment((s) => { s.volumes = [{ name: 'tmp', emptyDir: {} }, { name: 'host', hostPath: { path: '/var/lib' } }]; }))).toEqual([failure]);
  });
});

describe('AddDefaultLabels', () => {
  const p = policy('MutatingPolicy', 'add-default-labels', (k) => new AddDefaultLabels(k, 'defaults', { labels: { 'talos-flux-synth.dev/cluster': 'test', env: 'lab' } }));

  it('generates an apply configuration that keeps labels the workload sets', () => {
    expect((p.spec as { mutations: unknown }).mutations).toEqual([{
      patchType: 'ApplyConfiguration',
      applyConfiguration: {
        expression: 'Object{metadata: Object.metadata{labels: {' +
          '"env": has(object.metadata) && has(object.metadata.labels) && "env" in object.metadata.labels ? object.metadata.labels["env"] : "lab", ' +
          '"talos-flux-synth.dev/cluster": has(object.metadata) && has(object.metadata.labels) && "talos-flux-synth.dev/cluster" in object.metadata.labels ? ' +
          'object.metadata.labels["talos-flux-synth.dev/cluster"] : "test"}}}',
      },
    }]);
  });

  it('adds missing labels, keeps set values and other labels, and leaves other kinds alone', () => {
    expect((evaluateMutation(p, deployment(undefined, { labels: { team: 'ml', env: 'prod' } })).metadata as KubeObject).labels)
      .toEqual({ team: 'ml', env: 'prod', 'talos-flux-synth.dev/cluster': 'test' });
    const bare = pod();
    delete (bare.metadata as { labels?: unknown }).labels;
    expect((evaluateMutation(p, bare).metadata as KubeObject).labels).toEqual({ env: 'lab', 'talos-flux-synth.dev/cluster': 'test' });
    expect(evaluateMutation(p, configMap())).toEqual(configMap());
  });
});

describe('VerifyImageSignatures', () => {
  const github = 'https://token.actions.githubusercontent.com';
  const release = 'https://github.com/chainguard-images/images/.github/workflows/release.yaml@refs/heads/main';
  const p = policy('ImageValidatingPolicy', 'verify-image-signatures', (k) => new VerifyImageSignatures(k, 'chainguard', {
    images: ['cgr.dev/chainguard/*'],
    identities: [{ issuer: github, subject: release }],
  }));
  const failure = `images matching cgr.dev/chainguard/* must carry a keyless Sigstore signature from ${release} (issuer ${github})`;
  const signed = { 'cgr.dev/chainguard/nginx:1.27': [{ issuer: github, subject: release }] };

  it('generates the attestor, the glob and a signature check of every matched image', () => {
    expect(p.spec).toMatchObject({
      matchImageReferences: [{ glob: 'cgr.dev/chainguard/*' }],
      attestors: [{ name: 'sigstore', cosign: { keyless: { identities: [{ issuer: github, subject: release }] }, ctlog: { url: 'https://rekor.sigstore.dev' } } }],
      validationConfigurations: { mutateDigest: true, verifyDigest: true, required: true },
      webhookConfiguration: { timeoutSeconds: 30 },
      validations: [{
        expression: '(images.containers + images.initContainers + images.ephemeralContainers + images.imageVolumes).all(image, verifyImageSignatures(image, [attestors.sigstore]) > 0)',
        message: failure,
      }],
    });
  });

  it('admits images signed by the identity, and images the glob does not match', () => {
    expect(evaluateImageValidation(p, deployment(), { signatures: signed }).allowed).toBe(true);
    expect(evaluateImageValidation(p, deployment((s) => { s.containers[0].image = 'ghcr.io/my-org/app:1'; })).allowed).toBe(true);
  });

  it('rejects unsigned images, signatures from another identity, and unsigned init containers', () => {
    expect(evaluateImageValidation(p, deployment()).messages).toEqual([failure]);
    expect(evaluateImageValidation(p, deployment(), { signatures: { 'cgr.dev/chainguard/nginx:1.27': [{ issuer: github, subject: 'https://github.com/someone/fork/.github/workflows/release.yaml@refs/heads/main' }] } }).messages)
      .toEqual([failure]);
    const init = cronJob((s) => { s.initContainers = [{ name: 'init', image: 'cgr.dev/chainguard/busybox:1' }]; });
    expect(evaluateImageValidation(p, init, { signatures: signed }).messages).toEqual([failure]);
  });

  it('logs to a private Sigstore when given its transparency logs', () => {
    const key = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';
    const privateLog = policy('ImageValidatingPolicy', 'verify-image-signatures', (k) => new VerifyImageSignatures(k, 'private', {
      images: ['registry.lan/*'],
      identities: [{ issuer: 'https://oidc.lan', subject: 'ci@lan' }],
      transparencyLog: { url: 'https://rekor.lan', rekorPublicKey: key, ctLogPublicKey: key },
    }));
    expect((privateLog.spec as { attestors: Array<{ cosign: unknown }> }).attestors[0].cosign).toEqual({
      keyless: { identities: [{ issuer: 'https://oidc.lan', subject: 'ci@lan' }] },
      ctlog: { url: 'https://rekor.lan', rekorPubKey: key, ctLogPubKey: key },
    });
  });

  it('accepts a subject regular expression instead of an exact subject', () => {
    const regexp = policy('ImageValidatingPolicy', 'verify-org', (k) => new VerifyImageSignatures(k, 'org', {
      name: 'verify-org',
      images: ['ghcr.io/my-org/*'],
      identities: [{ issuer: github, subjectRegExp: '^https://github\\.com/my-org/' }],
    }));
    const image = 'ghcr.io/my-org/app:1';
    const withImage = deployment((s) => { s.containers[0].image = image; });
    expect(evaluateImageValidation(regexp, withImage, { signatures: { [image]: [{ issuer: github, subject: 'https://github.com/my-org/app/.github/workflows/build.yaml@refs/tags/v1' }] } }).allowed).toBe(true);
    expect(evaluateImageValidation(regexp, withImage, { signatures: { [image]: [{ issuer: github, subject: 'https://github.com/evil/my-org/x' }] } }).allowed).toBe(false);
  });
});

describe('CustomValidatingPolicy', () => {
  it('renders raw CEL with the workload variables, and it runs', () => {
    const p = policy('ValidatingPolicy', 'no-latest', (k) => new CustomValidatingPolicy(k, 'no-latest', {
      name: 'no-latest',
      validations: [{ expression: 'variables.images.all(i, !i.endsWith(":latest"))', message: 'pin image tags' }],
    }));
    expect(spec(p).variables.map((v) => v.name)).toEqual(['podTemplate', 'podSpec', 'containers', 'images']);
    expect(evaluateValidation(p, deployment()).allowed).toBe(true);
    expect(messages(p, deployment((s) => { s.containers[0].image = 'cgr.dev/chainguard/nginx:latest'; }))).toEqual(['pin image tags']);
  });

  it('matches other resources without the workload variables', () => {
    const p = policy('ValidatingPolicy', 'configmap-size', (k) => new CustomValidatingPolicy(k, 'configmap-size', {
      name: 'configmap-size',
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'] }],
      variables: [{ name: 'keys', expression: 'has(object.data) ? object.data.size() : 0' }],
      validations: [{ expression: 'variables.keys <= 1', message: 'at most one key' }],
    }));
    expect(spec(p).variables).toEqual([{ name: 'keys', expression: 'has(object.data) ? object.data.size() : 0' }]);
    expect(evaluateValidation(p, configMap()).allowed).toBe(true);
    expect(messages(p, { ...configMap(), data: { a: '1', b: '2' } })).toEqual(['at most one key']);
    expect(evaluateValidation(p, deployment()).matched).toBe(false);
  });
});
