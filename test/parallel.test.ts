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
  it('writes byte for byte the tree one thread writes, and prints the same summary', () => {
    const one = tempDir();
    const two = tempDir();
    const serial = synth(one, 1);
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
    const one = tempDir();
    const two = tempDir();
    const built = tempDir();
    const serial = synth(one, 1);
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
    const one = tempDir();
    const two = tempDir();
    expect(synth(one, 1, { PARALLEL_FLEET_SIZE: '9' }).status).toBe(0);
    expect(synth(two, 1, { PARALLEL_FLEET_SIZE: '9' }).status).toBe(0);
    // 12 clusters where 9 were (3 new cluster folders); c4's namespaces renamed (files added, changed, removed).
    const serial = synth(one, 1, { PARALLEL_FLEET_CHANGE: 'c4' });
    const parallel = synth(two, 2, { PARALLEL_FLEET_CHANGE: 'c4' });
    expect(parallel).toEqual(serial);
    expect(serial.stdout).toMatch(/files: \d+ written, [1-9]\d* changed, [1-9]\d* removed, [1-9]\d* unchanged/);
    expect(contents(two)).toEqual(contents(one));
    expect(fs.readdirSync(two).filter((f) => f.startsWith('.synth-staging-'))).toEqual([]);
  });

  it('lists the tree as one thread does: a cluster gone is removed, a link in a cluster folder refused', () => {
    const one = tempDir();
    const two = tempDir();
    for (const root of [one, two]) expect(synth(root, 1).status).toBe(0);
    // c10 and c11 are gone: their folders, which no thread renders, are removed.
    const serial = synth(one, 1, { PARALLEL_FLEET_SIZE: '10' });
    expect(serial.stdout).toMatch(/files: 0 written, 0 changed, [1-9]\d* removed/);
    expect(synth(two, 2, { PARALLEL_FLEET_SIZE: '10', PARALLEL_FLEET_MARK: tempDir() })).toEqual(serial);
    expect(contents(two)).toEqual(contents(one));
    // A link inside the folder of a cluster a thread renders (and lists).
    for (const root of [one, two]) {
      const file = path.join(root, 'dist/c3/controllers/kustomization.yaml');
      fs.rmSync(file);
      fs.symlinkSync('/etc/hostname', file);
    }
    const refused = synth(one, 1, { PARALLEL_FLEET_SIZE: '10' });
    expect(refused.stderr).toMatch(/^error: dist\/c3\/controllers\/kustomization\.yaml is a symbolic link \(to \/etc\/hostname\)/);
    expect(synth(two, 2, { PARALLEL_FLEET_SIZE: '10', PARALLEL_FLEET_MARK: tempDir() })).toEqual(refused);
    expect(contents(two)).toEqual(contents(one));
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
