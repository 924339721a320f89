/** Admission at synth (lib/synth/admission): each cluster's own policies over every pod spec it renders, on fixture fleets. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import {
  AddDefaultLabels, CustomValidatingPolicy, Kyverno, KyvernoPolicyException, PolicyMode, RequireLabels, RestrictImageRegistries,
} from '../lib/addons/kyverno';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { admitWorkloads } from '../lib/synth/admission/check';
import { admissionChain } from '../lib/synth/admission/pods';
import { runSynthCli } from '../lib/synth/cli';
import { FleetBuilder, synthesize, synthToDisk } from '../lib/synth/pipeline';
import { GateCache } from '../lib/synth/gate-cache';
import { formatProblem } from '../lib/errors';
import { TalosNamespace } from '../lib/talos/namespace';
import { runValidateCli } from '../lib/synth/validate';
import { DEFAULT_CHECKS, withoutAdmission } from '../lib/synth/checks';
import { runDiffCli } from '../lib/review/cli';
import { clusterProps, configErrorOf, snapshotTree, tempDir } from './helpers';
import { repoWith } from './review-fleet';
import { KubeObject } from './support/cel';
import { compliantPodSpec, PodSpec } from './support/workloads';

interface Fixture {
  /** Mode of require-labels (team). @default Deny */
  readonly labels?: PolicyMode;
  /** Mode of restrict-image-registries (ghcr.io). @default Audit */
  readonly registries?: PolicyMode;
  /** Adds policies, exceptions, workloads. */
  readonly extra?: (c: { cluster: Cluster; kyverno: Kyverno; app: Component }) => void;
}

/** A workload as the fleet renders it, in a layer of `app`. */
function workload(app: Component, manifest: KubeObject): void {
  const m = manifest as { kind: string; metadata: { name: string } };
  new ApiObject(app.scope('apps'), `${m.kind}-${m.metadata.name}`, manifest as never);
}

const labelled = { team: 'ml' };

/** A pod spec the fixture's policies admit (an image from ghcr.io), edited. */
function podSpec(edit: (spec: PodSpec) => void = () => undefined): PodSpec {
  const spec = compliantPodSpec();
  spec.containers[0].image = 'ghcr.io/example/web:1.0.0';
  edit(spec);
  return spec;
}

/** A Deployment web in namespace app: compliant unless edited. */
function web(edit: (spec: PodSpec) => void = () => undefined, labels: Record<string, string> = labelled, name = 'web', namespace = 'app'): KubeObject {
  const spec = podSpec(edit);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name, ...labels } }, spec } },
  };
}

const dockerHub = (spec: PodSpec) => {
  spec.containers[0].image = 'nginx:1.27';
};

/** Cluster demo: namespace app, Kyverno with require-labels and restrict-image-registries, and what `extra` adds. */
function fleet(f: Fixture = {}): FleetBuilder {
  return (a) => {
    const cluster = new Cluster(a, clusterProps({ name: 'demo' }));
    const app = new Component(cluster, 'app');
    new TalosNamespace(app.scope('controllers'), 'namespace', { name: 'app' });
    const kyverno = new Kyverno(cluster, 'kyverno', { mode: 'Audit' });
    new RequireLabels(kyverno, 'require-labels', { labels: ['team'], mode: f.labels ?? 'Deny' });
    new RestrictImageRegistries(kyverno, 'registries', { registries: ['ghcr.io'], mode: f.registries ?? 'Audit' });
    f.extra?.({ cluster, kyverno, app });
  };
}

const LABELS_MESSAGE = 'require-labels: every workload needs the label team with a value, on itself and on its pod template';
const REGISTRY_MESSAGE = 'restrict-image-registries: images must come from an allowed registry (ghcr.io) and name it, as in ghcr.io/<repository>:<tag>';

/** Runs the synth command into a fresh folder; returns what it printed and its exit code. */
function runCli(build: FleetBuilder, root = tempDir()): { out: string[]; err: string[]; exitCode: number | undefined; root: string } {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
  const error = jest.spyOn(console, 'error').mockImplementation((s: string) => void err.push(s));
  const previous = process.exitCode;
  process.exitCode = undefined;
  try {
    runSynthCli(build, {}, root, []);
    return { out, err, exitCode: process.exitCode, root };
  } finally {
    process.exitCode = previous;
    log.mockRestore();
    error.mockRestore();
  }
}

describe('admission at synth', () => {
  it('fails the synth on a Deny violation, one exact line per violation, the previous tree untouched', () => {
    const root = tempDir();
    expect(runCli(fleet({ extra: ({ app }) => workload(app, web()) }), root).exitCode).toBeUndefined();
    const before = snapshotTree(root);
    const run = runCli(fleet({ extra: ({ app }) => workload(app, web(undefined, {})) }), root);
    expect(run.exitCode).toBe(1);
    expect(run.err).toEqual([
      `error: demo/app/Deployment/web: ${LABELS_MESSAGE}`,
      'admission: 1 pod spec checked, 1 denied, 0 warnings',
      'synth failed: 1 problem; dist/ and clusters/ were left unchanged',
    ]);
    expect(snapshotTree(root)).toEqual(before);
  });

  it('prints an Audit violation as a warning, counts it, and writes the tree', () => {
    const run = runCli(fleet({ extra: ({ app }) => workload(app, web(dockerHub)) }));
    expect(run.exitCode).toBeUndefined();
    expect(run.err).toEqual([`warning: demo/app/Deployment/web: ${REGISTRY_MESSAGE}`]);
    expect(run.out[0]).toBe('admission: 1 pod spec checked, 0 denied, 1 warning');
    expect(run.out[1]).toMatch(/^synth: 1 clusters, .*; 1 warning; \d+ ms$/);
    expect(fs.existsSync(path.join(run.root, 'dist/demo/apps/deployment_app_web.yaml'))).toBe(true);
  });

  it('reports a Warn violation as a warning too, and Deny and Audit findings together', () => {
    const build = fleet({ labels: 'Warn', registries: 'Deny', extra: ({ app }) => workload(app, web(dockerHub, {})) });
    expect(configErrorOf(() => synthesize(build))).toBe(`demo/app/Deployment/web: ${REGISTRY_MESSAGE}`);
    const report = admitWorkloads(synthesize(fleet({ labels: 'Warn', extra: ({ app }) => workload(app, web(dockerHub, {})) })).objects);
    expect(report.findings.map((f) => [f.policy, f.denied])).toEqual([['require-labels', false], ['restrict-image-registries', false]]);
  });

  it('leaves the exempt namespaces alone: the add-ons\', kube-system, flux-system and exemptNamespaces', () => {
    const bad = (name: string, namespace: string) => web(dockerHub, {}, name, namespace);
    const build = fleet({
      extra: ({ app }) => {
        new TalosNamespace(app.scope('controllers'), 'legacy', { name: 'legacy' });
        workload(app, bad('engine', 'kyverno'));
        workload(app, bad('dns', 'kube-system'));
        workload(app, bad('old', 'legacy'));
      },
    });
    const withLegacy: FleetBuilder = (a) => {
      const cluster = new Cluster(a, clusterProps({ name: 'demo' }));
      const app = new Component(cluster, 'app');
      new TalosNamespace(app.scope('controllers'), 'legacy', { name: 'legacy' });
      const kyverno = new Kyverno(cluster, 'kyverno', { mode: 'Deny', exemptNamespaces: ['legacy'] });
      new RequireLabels(kyverno, 'require-labels', { labels: ['team'] });
      workload(app, bad('old', 'legacy'));
      workload(app, bad('engine', 'kyverno'));
      workload(app, bad('dns', 'kube-system'));
    };
    expect(admitWorkloads(synthesize(withLegacy).objects)).toEqual({ podSpecs: 3, findings: [] });
    // Without the exemption, legacy is checked like any namespace.
    expect(configErrorOf(() => synthesize(build))).toBe(`demo/legacy/Deployment/old: ${LABELS_MESSAGE}`);
  });

  it('honours PolicyExceptions, for the workload and for what its controllers create', () => {
    const cronJob: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'report', namespace: 'app' },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: podSpec((spec) => { spec.restartPolicy = 'Never'; }) } } } },
    };
    const build = (exempt: boolean) => fleet({
      extra: ({ kyverno, app }) => {
        workload(app, web(undefined, {}));
        workload(app, cronJob);
        if (exempt) {
          new KyvernoPolicyException(kyverno, 'legacy', {
            name: 'legacy-workloads', reason: 'labelled next quarter', policies: ['require-labels'],
            workloads: [{ namespace: 'app', name: 'web' }, { namespace: 'app', name: 'report' }],
          });
        }
      },
    });
    expect(configErrorOf(() => synthesize(build(false))).split('\n')).toEqual([
      `demo/app/Deployment/web: ${LABELS_MESSAGE}`,
      `demo/app/CronJob/report: ${LABELS_MESSAGE}`,
    ]);
    expect(admitWorkloads(synthesize(build(true)).objects)).toEqual({ podSpecs: 2, findings: [] });
  });

  it('applies the cluster\'s MutatingPolicy before validating, as Kyverno orders its webhooks', () => {
    const bare: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'app' }, spec: podSpec() };
    const build = (mutate: boolean) => fleet({
      extra: ({ kyverno, app }) => {
        workload(app, bare);
        if (mutate) new AddDefaultLabels(kyverno, 'defaults', { labels: { team: 'platform' } });
      },
    });
    expect(configErrorOf(() => synthesize(build(false)))).toBe(`demo/app/Pod/debug: ${LABELS_MESSAGE}`);
    expect(admitWorkloads(synthesize(build(true)).objects).findings).toEqual([]);
  });

  it('refuses the request when a policy\'s CEL fails and its failurePolicy is Fail, as the API server would', () => {
    const build = (mode: PolicyMode) => fleet({
      extra: ({ kyverno, app }) => {
        workload(app, web());
        new CustomValidatingPolicy(kyverno, 'broken', { name: 'broken', mode, validations: [{ expression: 'object.spec.paused == false', message: 'never paused' }] });
      },
    });
    expect(configErrorOf(() => synthesize(build('Deny')))).toBe(
      "demo/app/Deployment/web: broken: the policy's CEL fails (field not found: paused), so the request is refused (failurePolicy Fail)",
    );
    expect(admitWorkloads(synthesize(build('Audit')).objects).findings.map((f) => [f.message, f.denied])).toEqual([
      ["the policy's CEL fails (field not found: paused), so the request is admitted unchecked (failurePolicy Ignore)", false],
    ]);
  });

  it('validate runs the same check over the committed tree; SYNTH_ADMISSION=off leaves it out', () => {
    const run = runCli(fleet({ extra: ({ app }) => workload(app, web(dockerHub)) }));
    const out: string[] = [];
    const err: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    const error = jest.spyOn(console, 'error').mockImplementation((s: string) => void err.push(s));
    try {
      runValidateCli(run.root);
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    expect(err).toEqual([`warning: demo/app/Deployment/web: ${REGISTRY_MESSAGE}`]);
    expect(out[0]).toBe('admission: 1 pod spec checked, 0 denied, 1 warning');
    expect(withoutAdmission(DEFAULT_CHECKS)).toHaveLength(DEFAULT_CHECKS.length - 1);
  });
});

describe('npm run diff: what a change introduces at admission', () => {
  // The base already has one warning (old: Docker Hub); the change adds a second workload from Docker
  // Hub (a warning) and one without the team label (denied).
  const base = fleet({ extra: ({ app }) => workload(app, web(dockerHub, labelled, 'old')) });
  const head = fleet({
    extra: ({ app }) => {
      workload(app, web(dockerHub, labelled, 'old'));
      workload(app, web(dockerHub, labelled, 'cache'));
      workload(app, web(undefined, {}, 'api'));
    },
  });
  const root = repoWith(base);

  it('lists the new violations, Deny first, and exits 1 as synth would refuse the Deny one', () => {
    let stdout = '';
    let stderr = '';
    const io = { root, env: {}, isTTY: false, stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t) };
    expect(runDiffCli(head, ['--no-color'], io)).toBe(1);
    expect(stdout).toContain([
      'Admission: violations introduced (2)',
      `  DENY  demo/app/Deployment/api: ${LABELS_MESSAGE}`,
      `  warn  demo/app/Deployment/cache: ${REGISTRY_MESSAGE}`,
      '',
    ].join('\n'));
    expect(stdout).not.toContain('Deployment/old:');
    expect(stderr).toBe('diff failed: the working tree\'s own policies deny 1 time at admission, so npm run synth refuses it (see Admission)\n');
    let markdown = '';
    runDiffCli(head, ['--format', 'markdown'], { ...io, stdout: (t: string) => void (markdown += t) });
    expect(markdown).toContain(`#### Admission: violations introduced (2)\n\n- 🛑 **Deny** · demo/app/Deployment/api: ${LABELS_MESSAGE.replace(/[<>]/g, (c) => `\\${c}`)}\n`);
  });
});

describe('admissionChain', () => {
  it('builds what a Deployment\'s controllers create: a ReplicaSet it owns and a pod the ReplicaSet owns', () => {
    const [deployment, replicaSet, pod] = admissionChain(web());
    expect(deployment.kind).toBe('Deployment');
    expect(replicaSet).toMatchObject({
      kind: 'ReplicaSet',
      metadata: { name: 'web-synth', namespace: 'app', labels: { app: 'web', team: 'ml', 'pod-template-hash': 'synth' }, ownerReferences: [{ kind: 'Deployment', name: 'web' }] },
    });
    expect(pod).toMatchObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'web-synth-', namespace: 'app', labels: { 'pod-template-hash': 'synth' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-synth' }] },
    });
  });
});

describe('the gate cache (lib/synth/gate-cache.ts): a cluster whose rendering did not change keeps its verdict', () => {
  const bundle = 'bundle-a.js';
  const auditWarning = fleet({ extra: ({ app }) => workload(app, web(dockerHub)) });
  const synthWith = (root: string, build: FleetBuilder, code = bundle) => synthToDisk(build, root, { gateCache: GateCache.open(root, code, {}) });
  const verdictFile = (root: string) => path.join(root, '.cache/synth/gate/demo.json');

  it('is off without a bundle to name the code (tests, tsx, child processes), or with SYNTH_GATE_CACHE=off', () => {
    expect(GateCache.open(tempDir(), undefined, {})).toBeUndefined();
    expect(GateCache.open(tempDir(), bundle, { SYNTH_GATE_CACHE: 'off' })).toBeUndefined();
  });

  it('keeps a passing verdict with its warnings and counts, and gives them back while nothing changed', () => {
    const root = tempDir();
    const first = synthWith(root, auditWarning);
    expect(first.summaries).toEqual(['admission: 1 pod spec checked, 0 denied, 1 warning']);
    expect(first.warnings.map(formatProblem)).toEqual([`demo/app/Deployment/web: ${REGISTRY_MESSAGE}`]);
    // The kept verdict is what a second synth reports: planted text proves the checks did not run again.
    const kept = JSON.parse(fs.readFileSync(verdictFile(root), 'utf8'));
    kept.verdict.warnings[0].message = 'planted';
    fs.writeFileSync(verdictFile(root), JSON.stringify(kept));
    const second = synthWith(root, auditWarning);
    expect(second.warnings.map(formatProblem)).toEqual(['demo/app/Deployment/web: planted']);
    expect(second.summaries).toEqual(first.summaries);
    // Other code, or other schemas, is another key: the checks run again.
    expect(synthWith(root, auditWarning, 'bundle-b.js').warnings.map(formatProblem)).toEqual([`demo/app/Deployment/web: ${REGISTRY_MESSAGE}`]);
  });

  it('checks a changed rendering again, and never keeps a failing one', () => {
    const root = tempDir();
    synthWith(root, auditWarning);
    const unlabelled = fleet({ extra: ({ app }) => workload(app, web(undefined, {})) });
    const failure = `demo/app/Deployment/web: ${LABELS_MESSAGE}`;
    for (let run = 0; run < 2; run++) {
      expect(() => synthWith(root, unlabelled)).toThrow(failure);
      expect(JSON.parse(fs.readFileSync(verdictFile(root), 'utf8')).verdict.warnings.map(formatProblem)).toEqual([`demo/app/Deployment/web: ${REGISTRY_MESSAGE}`]);
    }
  });
});
