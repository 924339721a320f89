import { spawn, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { RequireLabels } from '../lib/addons/kyverno/require-labels';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { FluxHelmRelease } from '../lib/flux/helm-release';
import { HelmRepositorySource } from '../lib/flux/helm-repository';
import { runSynthCli } from '../lib/synth/cli';
import { FleetBuilder, synthToDisk } from '../lib/synth/pipeline';
import { TalosNamespace } from '../lib/talos/namespace';
import { clusterProps, find, renderCluster, snapshotTree, tempDir } from './helpers';

const UNCHANGED = 'dist/ and clusters/ were left unchanged';
const SOURCE = fs.readFileSync(__filename, 'utf8').split('\n');

/** `file:line:column` of the first occurrence of `marker` in this file: where a user's mistake is. */
function locationOf(marker: string): string {
  const line = SOURCE.findIndex((l) => l.includes(marker));
  return `test/cli-errors.test.ts:${line + 1}:${SOURCE[line].indexOf(marker) + 1}`;
}

/** A demo cluster with its first synth written; `mistake` is added on the next run. */
function demoFleet(mistake: (cluster: Cluster, app: Component) => void = () => undefined): FleetBuilder {
  return (app: App) => {
    const cluster = new Cluster(app, clusterProps({ name: 'demo' }));
    const component = new Component(cluster, 'app');
    new TalosNamespace(component.scope('controllers'), 'namespace', { name: 'app' });
    mistake(cluster, component);
  };
}

/** Runs the `npm run synth` entry in-process on a demo tree; what it printed and its exit code. */
function synthCli(build: FleetBuilder, argv: string[] = []) {
  const root = tempDir();
  synthToDisk(demoFleet(), root);
  const before = snapshotTree(root);
  const stderr: string[] = [];
  const stdout: string[] = [];
  const err = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
  const out = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void stdout.push(a.join(' ')));
  try {
    runSynthCli(build, {}, root, argv);
    return { code: process.exitCode, stderr: stderr.join('\n').split('\n'), stdout, unchanged: snapshotTree(root) };
  } finally {
    err.mockRestore();
    out.mockRestore();
    process.exitCode = undefined;
    expect(snapshotTree(root)).toEqual(before);
  }
}

describe('every exception while building the fleet is one line', () => {
  it("a user's TypeError: the message, the user's file:line, the typecheck hint; exit 1", () => {
    const r = synthCli(demoFleet((cluster) => new RequireLabels(cluster as never, 'labels', { labels: ['team'] })));
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([
      `error: ${locationOf('new RequireLabels(cluster as never')}: TypeError: kyverno.scope is not a function; ` +
        `run npm run typecheck to find type mistakes (SYNTH_DEBUG=1 prints the stack); ${UNCHANGED}`,
    ]);
  });

  it('shows the stack with --debug or SYNTH_DEBUG=1, and only then', () => {
    const build = demoFleet((cluster) => new RequireLabels(cluster as never, 'labels', { labels: ['team'] }));
    const debug = synthCli(build, ['--debug']);
    expect(debug.stderr[0]).toBe('TypeError: kyverno.scope is not a function');
    expect(debug.stderr.filter((l) => /^\s+at .*lib\/addons\/kyverno\/policy\.ts:\d+:\d+\)$/.test(l))).not.toEqual([]);
    expect(debug.stderr[debug.stderr.length - 1]).toMatch(/^error: test\/cli-errors\.test\.ts:\d+:\d+: TypeError: /);
    process.env.SYNTH_DEBUG = '1';
    try {
      expect(synthCli(build).stderr.length).toBeGreaterThan(3);
    } finally {
      delete process.env.SYNTH_DEBUG;
    }
  });

  it('a negative Size in a cdk8s-plus call: one line at the call', () => {
    const r = synthCli(demoFleet((_cluster, app) => {
      kplus.Volume.fromEmptyDir(app.scope('apps'), 'tmp', 'tmp', { sizeLimit: Size.gibibytes(-1) });
    }));
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([`error: ${locationOf('gibibytes(-1)')}: Error: Storage amounts cannot be negative. Received: -1 (SYNTH_DEBUG=1 prints the stack); ${UNCHANGED}`]);
  });

  it('an artifact path that climbs out of the cluster folder: a ConfigError naming the cluster and field', () => {
    const r = synthCli(demoFleet((cluster) => cluster.addArtifact('notes/../../evil.txt', 'pwned\n')));
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual([
      'error: demo/Cluster[demo]: addArtifact(path): "notes/../../evil.txt" must be a relative path (no "..", no leading "/") in a folder other than the layers, as in notes/README.md',
      `synth failed: 1 problem; ${UNCHANGED}`,
    ]);
  });

  it('ApiObject.of(a FluxHelmRelease) is the escape hatch to its HelmRelease', () => {
    const objects = renderCluster((cluster) => {
      const component = new Component(cluster, 'app');
      new TalosNamespace(component.scope('controllers'), 'namespace', { name: 'app' });
      const source = new HelmRepositorySource(component.scope('controllers'), 'repo', { name: 'demo', namespace: 'app', url: 'https://charts.example.com' });
      const release = new FluxHelmRelease(component.scope('controllers'), 'release', { name: 'demo', namespace: 'app', source, chart: 'demo', version: '1.2.3' });
      ApiObject.of(release).addJsonPatch(JsonPatch.add('/spec/suspend', true));
    });
    expect(find(objects, 'HelmRelease', 'demo').spec).toMatchObject({ suspend: true, releaseName: 'demo' });
  });
});

const REPO = path.resolve(__dirname, '..');

/**
 * A fleet entry in a folder outside the repository, run by scripts/run-ts.js as `npm run synth` runs
 * apps/main.ts: namespaces alpha and beta, or with MISTAKE set, a RequireLabels given the wrong scope (line 10).
 */
function entry(): string {
  const dir = tempDir('fleet-entry-');
  const source = [
    "import { App } from 'cdk8s';",
    `import { Cluster } from '${REPO}/lib/cluster';`,
    `import { Component } from '${REPO}/lib/component';`,
    `import { RequireLabels } from '${REPO}/lib/addons/kyverno/require-labels';`,
    `import { runSynthCli } from '${REPO}/lib/synth/cli';`,
    `import { TalosNamespace } from '${REPO}/lib/talos/namespace';`,
    'runSynthCli((app: App) => {',
    "  const cluster = new Cluster(app, { name: 'demo', nodes: [{ name: 'cp-0', role: 'controlplane', schedulable: true }], git: { url: 'ssh://git@example.com/fleet.git' } });",
    "  const c = new Component(cluster, 'apps');",
    "  if (process.env.MISTAKE) new RequireLabels(cluster as never, 'labels', { labels: ['team'] });",
    "  for (const ns of ['alpha', 'beta']) new TalosNamespace(c.scope('controllers'), ns, { name: ns });",
    '}, {}, process.env.OUT_ROOT);',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'main.ts'), source);
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(path.join(dir, 'main.ts'), old, old);
  return path.join(dir, 'main.ts');
}

function runEntry(file: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const options: SpawnOptions = { cwd: REPO, env: { ...process.env, ...env } };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'scripts/run-ts.js'), file], options);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('through scripts/run-ts.js (the esbuild bundle)', () => {
  jest.setTimeout(60_000);
  const file = entry();
  const cache = tempDir();

  it("runs two synths at once: both exit 0, neither deletes the other's bundle, the tree is the new one", async () => {
    const out = tempDir();
    synthToDisk(demoFleet(), out);
    // An empty cache: both build a bundle, and each clears older bundles when done.
    const runs = await Promise.all([runEntry(file, { OUT_ROOT: out, RUN_TS_CACHE_DIR: cache }), runEntry(file, { OUT_ROOT: out, RUN_TS_CACHE_DIR: cache })]);
    for (const r of runs) expect(r).toMatchObject({ status: 0, stderr: '' });
    const fresh = tempDir();
    synthToDisk((app: App) => {
      const c = new Component(new Cluster(app, clusterProps({ name: 'demo' })), 'apps');
      for (const ns of ['alpha', 'beta']) new TalosNamespace(c.scope('controllers'), ns, { name: ns });
    }, fresh);
    const contents = (root: string) => [...snapshotTree(root)].map(([rel, { content }]) => [rel, content]);
    expect(contents(out)).toEqual(contents(fresh));
    expect(fs.readdirSync(out).filter((f) => f.startsWith('.synth'))).toEqual([]);
  });

  it("maps a user's TypeError through the bundle's source map to the fleet file, one line, tree unchanged", async () => {
    const out = tempDir();
    synthToDisk(demoFleet(), out);
    const before = snapshotTree(out);
    const r = await runEntry(file, { OUT_ROOT: out, RUN_TS_CACHE_DIR: cache, MISTAKE: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: ${file}:10:28: TypeError: kyverno.scope is not a function; run npm run typecheck to find type mistakes (SYNTH_DEBUG=1 prints the stack); ${UNCHANGED}\n`);
    expect(snapshotTree(out)).toEqual(before);
  });
});
