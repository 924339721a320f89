import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { threadsFor } from '../lib/synth/parallel';
import { snapshotTree, tempDir } from './helpers';

const LAUNCHER = path.resolve(__dirname, '../scripts/run-ts.js');
const ENTRY = path.resolve(__dirname, 'fixtures/parallel-fleet.ts');

/** The fixture fleet synthesized by the CLI into `root`: on one thread, or on two from two clusters up. */
function synth(root: string, threads: number, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [LAUNCHER, ENTRY], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, SYNTH_THREADS: String(threads), SYNTH_PARALLEL_MIN: '2', PARALLEL_FLEET_SIZE: '12', ...env },
  });
  return { status: r.status, stdout: r.stdout.replace(/; \d+ ms$/m, ''), stderr: r.stderr };
}

const contents = (root: string) => new Map([...snapshotTree(root)].map(([rel, f]) => [rel, f.content]));

describe('a fleet rendered on several threads (lib/synth/parallel.ts)', () => {
  /** The fixture fleet rendered on one thread, once: what the tests compare with or start from (each a copy). */
  let one: string;
  let serial: ReturnType<typeof synth>;
  beforeAll(() => {
    one = tempDir();
    serial = synth(one, 1);
  });
  /** A copy of a tree with what its synth keeps beside it (.cache/), to synthesize over. */
  const copyOf = (root: string): string => {
    const copy = tempDir();
    fs.cpSync(root, copy, { recursive: true });
    return copy;
  };

  it('writes byte for byte the tree one thread writes, and prints the same summary', () => {
    const two = tempDir();
    expect(serial.status).toBe(0);
    expect(synth(two, 2)).toEqual(serial);
    expect(contents(two)).toEqual(contents(one));
    expect(contents(one).size).toBeGreaterThan(12 * 7);
    // The last synth was big: the helper starts before the main thread builds (slowly, here), and renders.
    const three = tempDir();
    const mark = tempDir();
    expect(synth(three, 2, { PARALLEL_FLEET_MARK: mark })).toEqual(serial);
    expect(fs.existsSync(path.join(mark, 'helper-built'))).toBe(true);
    expect(contents(three)).toEqual(contents(one));
  });

  it('builds each cluster body once, in the thread that renders it, and writes the same tree', () => {
    const two = tempDir();
    const built = tempDir();
    expect(synth(two, 2, { PARALLEL_FLEET_BODIES: built, PARALLEL_FLEET_MARK: tempDir() })).toEqual(serial);
    expect(contents(two)).toEqual(contents(one));
    // `wx`: a body built twice in one thread would have failed the synth.
    const byCluster = new Map<string, string[]>();
    for (const f of fs.readdirSync(built)) {
      const [cluster, thread] = f.split('.');
      byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), thread]);
    }
    expect([...byCluster.keys()].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `c${i}`).sort());
    expect([...byCluster.values()].every((threads) => threads.length === 1)).toBe(true);
    expect(new Set([...byCluster.values()].flat()).size).toBe(2);
  });

  it('stages over an existing tree as one thread writes it: new, changed, unchanged and removed files', () => {
    const nine = tempDir();
    expect(synth(nine, 1, { PARALLEL_FLEET_SIZE: '9' }).status).toBe(0);
    const [byOne, byTwo] = [copyOf(nine), copyOf(nine)];
    // 12 clusters where 9 were (3 new cluster folders); c4's namespaces renamed (files added, changed, removed).
    const changed = synth(byOne, 1, { PARALLEL_FLEET_CHANGE: 'c4' });
    expect(synth(byTwo, 2, { PARALLEL_FLEET_CHANGE: 'c4' })).toEqual(changed);
    expect(changed.stdout).toMatch(/files: \d+ written, [1-9]\d* changed, [1-9]\d* removed, [1-9]\d* unchanged/);
    expect(contents(byTwo)).toEqual(contents(byOne));
    expect(fs.readdirSync(byTwo).filter((f) => f.startsWith('.synth-staging-'))).toEqual([]);
  });

  it('lists the tree as one thread does: a cluster gone is removed, a link in a cluster folder refused', () => {
    const [byOne, byTwo] = [copyOf(one), copyOf(one)];
    // c10 and c11 are gone: their folders, which no thread renders, are removed.
    const shrunk = synth(byOne, 1, { PARALLEL_FLEET_SIZE: '10' });
    expect(shrunk.stdout).toMatch(/files: 0 written, 0 changed, [1-9]\d* removed/);
    expect(synth(byTwo, 2, { PARALLEL_FLEET_SIZE: '10', PARALLEL_FLEET_MARK: tempDir() })).toEqual(shrunk);
    expect(contents(byTwo)).toEqual(contents(byOne));
    // A link inside the folder of a cluster a thread renders (and lists).
    for (const root of [byOne, byTwo]) {
      const file = path.join(root, 'dist/c3/controllers/kustomization.yaml');
      fs.rmSync(file);
      fs.symlinkSync('/etc/hostname', file);
    }
    const refused = synth(byOne, 1, { PARALLEL_FLEET_SIZE: '10' });
    expect(refused.stderr).toMatch(/^error: dist\/c3\/controllers\/kustomization\.yaml is a symbolic link \(to \/etc\/hostname\)/);
    expect(synth(byTwo, 2, { PARALLEL_FLEET_SIZE: '10', PARALLEL_FLEET_MARK: tempDir() })).toEqual(refused);
    expect(contents(byTwo)).toEqual(contents(byOne));
  });

  it('reports a mistake in any cluster exactly as one thread does, and writes nothing', () => {
    const one = tempDir();
    const two = tempDir();
    const serial = synth(one, 1, { PARALLEL_FLEET_BAD: 'c7' });
    expect(serial.status).toBe(1);
    expect(serial.stderr).toMatch(/^error: c7\//);
    expect(synth(two, 2, { PARALLEL_FLEET_BAD: 'c7' })).toEqual(serial);
    expect(snapshotTree(two).size).toBe(0);
  });

  it('uses more threads only for a fleet big enough to pay for them', () => {
    expect(threadsFor(1000, {})).toBeLessThanOrEqual(2);
    expect(threadsFor(10, {})).toBe(1);
    expect(threadsFor(1000, { SYNTH_THREADS: '1' })).toBe(1);
    expect(threadsFor(3, { SYNTH_THREADS: '4', SYNTH_PARALLEL_MIN: '2' })).toBe(3);
  });
});
