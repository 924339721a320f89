import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Cluster, ClusterProps } from '../lib/cluster';
import { ConfigError } from '../lib/errors';
import { Check } from '../lib/synth/checks';
import { synthesize, SynthResult } from '../lib/synth/pipeline';
import { Manifest } from '../lib/synth/manifest';

export function tempDir(prefix = 'synth-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Props of a minimal valid cluster, for tests that build their own. */
export function clusterProps(overrides: Partial<ClusterProps> = {}): ClusterProps {
  return {
    name: 'test',
    nodes: [{ name: 'cp-0', role: 'controlplane', schedulable: true }],
    git: { url: 'ssh://git@example.com/fleet.git' },
    ...overrides,
  };
}

/** Builds one cluster in a fresh app and runs `fn` inside it; returns every rendered manifest. */
export function renderCluster(fn: (cluster: Cluster) => void = () => undefined, props: Partial<ClusterProps> = {}, checks?: readonly Check[]): Manifest[] {
  const result = synthesize((app: App) => fn(new Cluster(app, clusterProps(props))), { checks });
  return result.objects.map((o) => o.manifest);
}

/** Builds one cluster in a fresh app and runs `fn` inside it; returns the whole synth result (objects, files). */
export function synthCluster(fn: (cluster: Cluster) => void = () => undefined, props: Partial<ClusterProps> = {}): SynthResult {
  return synthesize((app: App) => fn(new Cluster(app, clusterProps(props))));
}

/** The message of the error of class `type` that `fn` throws, or fails the test. */
export function errorOf(type: new (...args: never[]) => Error, fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof type) return err.message;
    throw err;
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}

/** The ConfigError message a builder throws, or fails the test. */
export const configErrorOf = (fn: () => unknown): string => errorOf(ConfigError, fn);

/**
 * Reads every file below root into a map, with modification times; `.cache/` (gitignored: the launcher's
 * bundles, the gate's kept verdicts) is left out.
 */
export function snapshotTree(root: string): Map<string, { content: string; mtimeMs: number }> {
  const out = new Map<string, { content: string; mtimeMs: number }>();
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (child === '.cache') continue;
      if (e.isDirectory()) walk(child);
      else out.set(child, { content: fs.readFileSync(path.join(root, child), 'utf8'), mtimeMs: fs.statSync(path.join(root, child)).mtimeMs });
    }
  };
  walk('');
  return out;
}

export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} among ${manifests.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return m;
}
