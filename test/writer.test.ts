import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { checkDrift } from '../lib/synth/drift';
import { LOCK_FILE } from '../lib/synth/lock';
import { OutputError } from '../lib/synth/output-error';
import { formatSummary, synthToDisk } from '../lib/synth/pipeline';
import { TalosNamespace } from '../lib/talos/namespace';
import { regularFileContent } from '../lib/synth/previous';
import { io, makeStagingFolder, StagedFile, Stager, writeTree } from '../lib/synth/write';
import { synthesize } from '../lib/synth/pipeline';
import { clusterProps, configErrorOf, errorOf, tempDir } from './helpers';

/** A small fleet whose namespaces can be changed between runs. */
function fleet(namespaces: string[]) {
  return (app: App) => {
    const cluster = new Cluster(app, clusterProps({ name: 'demo' }));
    const c = new Component(cluster, 'apps');
    for (const ns of namespaces) new TalosNamespace(c.scope('controllers'), ns, { name: ns });
  };
}

/** Every entry below `dir` without following links: files with content and mtime, links with their target. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      const abs = path.join(dir, child);
      if (e.isSymbolicLink()) out.set(child, `link → ${fs.readlinkSync(abs)}`);
      else if (e.isDirectory()) walk(child);
      else out.set(child, `${fs.statSync(abs).mtimeMs} ${fs.readFileSync(abs, 'utf8')}`);
    }
  };
  walk('');
  return out;
}

/** The message of the OutputError `fn` throws. */
const outputErrorOf = (fn: () => unknown): string => errorOf(OutputError, fn);

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}

/** A repository with the old tree of `alpha` written, and a folder outside it holding a file. */
function repoWithOutside() {
  const root = tempDir();
  synthToDisk(fleet(['alpha']), root);
  const outside = tempDir('outside-');
  fs.writeFileSync(path.join(outside, 'kustomization.yaml'), 'mine\n');
  return { root, outside };
}

describe('the writer never follows a symbolic link', () => {
  it.each([
    ['a layer folder', 'dist/demo/controllers'],
    ['a cluster folder', 'clusters/demo'],
    ['dist/ itself', 'dist'],
  ])('refuses %s that is a link, and changes nothing inside or outside the repository', (_what, rel) => {
    const { root, outside } = repoWithOutside();
    fs.rmSync(path.join(root, rel), { recursive: true });
    fs.symlinkSync(outside, path.join(root, rel));
    const before = tree(root);
    const beforeOutside = tree(outside);
    expect(outputErrorOf(() => synthToDisk(fleet(['alpha', 'beta']), root))).toBe(
      `${rel} is a symbolic link (to ${outside}); synth never writes through links in dist/ and clusters/: remove it (rm ${rel}) and run synth again`,
    );
    expect(tree(root)).toEqual(before);
    expect(tree(outside)).toEqual(beforeOutside);
  });

  it('refuses a file that is a link', () => {
    const { root, outside } = repoWithOutside();
    const rel = 'dist/demo/controllers/kustomization.yaml';
    fs.rmSync(path.join(root, rel));
    fs.symlinkSync(path.join(outside, 'kustomization.yaml'), path.join(root, rel));
    const before = tree(root);
    expect(outputErrorOf(() => synthToDisk(fleet(['alpha', 'beta']), root))).toMatch(/^dist\/demo\/controllers\/kustomization\.yaml is a symbolic link/);
    expect(tree(root)).toEqual(before);
    expect(fs.readFileSync(path.join(outside, 'kustomization.yaml'), 'utf8')).toBe('mine\n');
  });

  it('refuses a link in --check too, reading nothing through it', () => {
    const { root, outside } = repoWithOutside();
    fs.rmSync(path.join(root, 'dist/demo/apps'), { recursive: true });
    fs.symlinkSync(outside, path.join(root, 'dist/demo/apps'));
    expect(outputErrorOf(() => checkDrift(fleet(['alpha']), root))).toMatch(/^dist\/demo\/apps is a symbolic link/);
  });
});

describe('regularFileContent: what the writer and the bootstrap reuse read of the tree', () => {
  it('reads a regular file, empty or not, and nothing else: no link, folder, named pipe or missing file', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'file'), 'content\n');
    fs.writeFileSync(path.join(dir, 'empty'), '');
    fs.symlinkSync(path.join(dir, 'file'), path.join(dir, 'link'));
    fs.mkdirSync(path.join(dir, 'folder'));
    expect(spawnSync('mkfifo', [path.join(dir, 'pipe')]).status).toBe(0);
    const read = (name: string) => regularFileContent(path.join(dir, name));
    expect([read('file'), read('empty'), read('link'), read('folder'), read('pipe'), read('missing')]).toEqual(['content\n', '', undefined, undefined, undefined, undefined]);
  });
});

describe('the writer changes all or nothing', () => {
  afterEach(() => jest.restoreAllMocks());

  it('checks every folder it changes before the first rename: a read-only layer folder (EACCES) leaves the old tree', () => {
    const root = tempDir();
    synthToDisk(fleet(['alpha']), root);
    const before = tree(root);
    const real = io.checkWritable;
    jest.spyOn(io, 'checkWritable').mockImplementation((dir) => {
      if (dir === path.join(root, 'dist/demo/controllers')) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      real(dir);
    });
    const rename = jest.spyOn(io, 'rename');
    expect(outputErrorOf(() => synthToDisk(fleet(['beta']), root))).toBe('cannot write dist/demo/controllers/ (EACCES)');
    expect(rename).not.toHaveBeenCalled();
    expect(tree(root)).toEqual(before);
  });

  it('fails with one line when the staging folder cannot be created', () => {
    const root = tempDir();
    synthToDisk(fleet(['alpha']), root);
    const before = tree(root);
    jest.spyOn(io, 'makeStaging').mockImplementation(() => {
      throw Object.assign(new Error('EROFS'), { code: 'EROFS' });
    });
    expect(outputErrorOf(() => synthToDisk(fleet(['beta']), root))).toBe(`cannot create a staging folder in ${root} (EROFS)`);
    expect(tree(root)).toEqual(before);
  });

  it.each([
    ['the third rename of a new file', 3],
    ['the move of a removed file', 4],
  ])('puts back every file already renamed when %s fails', (_what, failing) => {
    const root = tempDir();
    synthToDisk(fleet(['alpha', 'old']), root);
    // Old modification times, so a rewritten file would show even on a coarse clock.
    const old = new Date(Date.now() - 60_000);
    for (const rel of tree(root).keys()) fs.utimesSync(path.join(root, rel), old, old);
    const before = tree(root);
    const real = io.rename;
    let calls = 0;
    jest.spyOn(io, 'rename').mockImplementation((from, to) => {
      if (++calls === failing) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      real(from, to);
    });
    // New: beta, gamma; changed: the controllers kustomization.yaml; removed: namespace_old.yaml (the 4th).
    const message = outputErrorOf(() => synthToDisk(fleet(['alpha', 'beta', 'gamma']), root));
    expect(message).toMatch(/^cannot write dist\/demo\/controllers\/\S+ \(EIO\); every file already renamed was put back$/);
    expect(calls).toBe(failing);
    expect(tree(root)).toEqual(before);
  });
});

describe('files staged by the rendering threads (Stager)', () => {
  afterEach(() => jest.restoreAllMocks());

  /** `after` planned over a tree of `before` (namespaces of cluster demo), staged as a rendering thread does. */
  function staged(root: string, after: string[], extra?: string) {
    const planned = synthesize((app) => {
      fleet(after)(app);
      if (extra) new TalosNamespace(new Component(new Cluster(app, clusterProps({ name: extra })), 'apps').scope('controllers'), 'ns', { name: 'ns' });
    }).files;
    const dir = makeStagingFolder(root);
    const stager = new Stager(root, dir, 't-');
    const files = new Map<string, StagedFile>([...planned].map(([rel, content]) => [rel, stager.stage(rel, content)]));
    return { planned, prestaged: { dir, files } };
  }

  it('writes what writeTree alone writes, and moves a new cluster\'s folders in one rename each', () => {
    const [alone, threaded] = [tempDir(), tempDir()];
    for (const root of [alone, threaded]) synthToDisk(fleet(['alpha', 'old']), root);
    const { planned, prestaged } = staged(threaded, ['alpha', 'beta'], 'fresh');
    expect([...prestaged.files.values()].filter((f) => f === 'unchanged').length).toBeGreaterThan(0);
    expect(new Set([...prestaged.files.values()].flatMap((f) => (f !== 'unchanged' && f.folder ? [f.folder] : [])))).toEqual(new Set(['dist/fresh', 'clusters/fresh']));
    const rename = jest.spyOn(io, 'rename');
    const stats = writeTree(threaded, ['dist', 'clusters'], planned, {}, prestaged);
    // beta's file and the changed kustomization.yaml one by one, fresh's two folders whole, old's file moved away.
    expect(rename).toHaveBeenCalledTimes(5);
    rename.mockRestore();
    expect(stats).toEqual(writeTree(alone, ['dist', 'clusters'], planned));
    const contents = (root: string) => new Map([...tree(root)].map(([rel, f]) => [rel, f.replace(/^\S+ /, '')]));
    expect(contents(threaded)).toEqual(contents(alone));
    expect(fs.readdirSync(threaded).filter((n) => n.startsWith('.synth-staging-'))).toEqual([]);
  });

  it('puts a moved folder back when a later rename fails: the tree stays the old one', () => {
    const root = tempDir();
    synthToDisk(fleet(['alpha', 'old']), root);
    const before = tree(root);
    const { planned, prestaged } = staged(root, ['alpha', 'beta'], 'fresh');
    const real = io.rename;
    let calls = 0;
    jest.spyOn(io, 'rename').mockImplementation((from, to) => {
      if (++calls === 4) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      real(from, to);
    });
    expect(errorOf(OutputError, () => writeTree(root, ['dist', 'clusters'], planned, {}, prestaged))).toMatch(/\(EIO\); every file already renamed was put back$/);
    expect(tree(root)).toEqual(before);
  });
});

describe('the output lock', () => {
  it('makes a synth wait for a live holder, then fail with one line; the tree stays the old one', () => {
    const root = tempDir();
    synthToDisk(fleet(['alpha']), root);
    const before = tree(root);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      fs.writeFileSync(path.join(root, LOCK_FILE), `${holder.pid}\n`);
      process.env.SYNTH_LOCK_TIMEOUT = '0.2';
      const lockBefore = tree(root);
      expect(outputErrorOf(() => synthToDisk(fleet(['beta']), root))).toBe(
        `another synth (pid ${holder.pid}) is writing or checking dist/ and clusters/ (${LOCK_FILE}); waited 0.2 s (SYNTH_LOCK_TIMEOUT)`,
      );
      expect(outputErrorOf(() => checkDrift(fleet(['beta']), root))).toMatch(/^another synth/);
      expect(tree(root)).toEqual(lockBefore);
    } finally {
      delete process.env.SYNTH_LOCK_TIMEOUT;
      holder.kill();
      fs.rmSync(path.join(root, LOCK_FILE), { force: true });
    }
    expect(tree(root)).toEqual(before);
  });

  it('takes over the lock of a synth that was killed, and removes its lock when done', () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, LOCK_FILE), `${deadPid()}\n`);
    expect(synthToDisk(fleet(['alpha']), root).stats.written).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(root, LOCK_FILE))).toBe(false);
  });

  it('removes the staging folders of killed synths at the next start, not those of a live one', () => {
    const root = tempDir();
    synthToDisk(fleet(['alpha']), root);
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      for (const name of [`.synth-staging-${deadPid()}-aaaaaa`, '.synth-staging-bbbbbb', `.synth-staging-${live.pid}-cccccc`]) {
        fs.mkdirSync(path.join(root, name));
        fs.writeFileSync(path.join(root, name, '0'), 'half-written\n');
      }
      synthToDisk(fleet(['alpha']), root);
      expect(fs.readdirSync(root).filter((f) => f.startsWith('.synth-staging')).sort()).toEqual([`.synth-staging-${live.pid}-cccccc`]);
    } finally {
      live.kill();
    }
  });
});

describe('what synth deletes', () => {
  it('refuses an empty fleet, which would delete everything, unless asked', () => {
    const root = tempDir();
    synthToDisk(fleet(['alpha']), root);
    const before = tree(root);
    expect(configErrorOf(() => synthToDisk(() => undefined, root))).toBe(
      'fleet: builds no cluster, so synth would delete every file under dist/ and clusters/; add a Cluster to the fleet, or run synth with --allow-empty if that is what you want',
    );
    expect(tree(root)).toEqual(before);
    expect(synthToDisk(() => undefined, root, { allowEmpty: true }).stats.removed).toBe(14);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('refuses to delete a file it did not write, unless --prune-foreign', () => {
    const root = tempDir();
    synthToDisk(fleet(['alpha']), root);
    fs.writeFileSync(path.join(root, 'clusters/demo/README.md'), '# demo\n');
    fs.writeFileSync(path.join(root, 'dist/demo/apps/extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n');
    const before = tree(root);
    expect(outputErrorOf(() => synthToDisk(fleet(['alpha']), root))).toBe(
      'synth would delete clusters/demo/README.md, dist/demo/apps/extra.yaml, which it did not write (no talos-flux-synth mark); ' +
        'move what you want to keep out of dist/ and clusters/, or run synth with --prune-foreign to delete it',
    );
    expect(tree(root)).toEqual(before);
    expect(synthToDisk(fleet(['alpha']), root, { pruneForeign: true }).stats.removedFiles).toEqual(['clusters/demo/README.md', 'dist/demo/apps/extra.yaml']);
  });

  it('names the files it removed, the first five, then a count', () => {
    const root = tempDir();
    const many = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    synthToDisk(fleet(['alpha', ...many]), root);
    const summary = synthToDisk(fleet(['alpha']), root);
    expect(formatSummary(summary, 5).split('\n')).toEqual([
      'synth: 1 clusters, 5 objects (controllers 1, configs 0, apps 0, flux 4); files: 0 written, 1 changed, 7 removed, 13 unchanged; 5 ms',
      'removed: dist/demo/controllers/namespace_a.yaml, dist/demo/controllers/namespace_b.yaml, dist/demo/controllers/namespace_c.yaml, ' +
        'dist/demo/controllers/namespace_d.yaml, dist/demo/controllers/namespace_e.yaml and 2 more',
    ]);
  });
});
