import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { ConfigError } from '../lib/errors';
import { synthesize, synthToDisk } from '../lib/synth/pipeline';
import { TalosNamespace } from '../lib/talos/namespace';
import { io } from '../lib/synth/write';
import { exampleFleet } from './fixtures/example-fleet';
import { clusterProps, configErrorOf, snapshotTree, tempDir } from './helpers';

/** A small fleet whose namespaces can be changed between runs. */
function fleet(namespaces: string[]) {
  return (app: App) => {
    const cluster = new Cluster(app, clusterProps({ name: 'demo' }));
    const c = new Component(cluster, 'apps');
    for (const ns of namespaces) new TalosNamespace(c.scope('controllers'), ns, { name: ns });
  };
}

describe('synth pipeline', () => {
  it('renders byte-identical trees on every run', () => {
    const a = tempDir();
    const b = tempDir();
    synthToDisk(exampleFleet, a);
    synthToDisk(exampleFleet, b);
    const ta = snapshotTree(a);
    const tb = snapshotTree(b);
    expect([...ta.keys()]).toEqual([...tb.keys()]);
    for (const [rel, { content }] of ta) expect(tb.get(rel)?.content).toBe(content);
    expect(ta.size).toBeGreaterThan(10);
  });

  it('rewrites no file when nothing changed (contents and modification times kept)', () => {
    const root = tempDir();
    const first = synthToDisk(exampleFleet, root);
    expect(first.stats.written).toBeGreaterThan(0);
    const before = snapshotTree(root);
    // Make an mtime change detectable even on coarse file systems.
    const old = new Date(Date.now() - 60_000);
    for (const rel of before.keys()) fs.utimesSync(path.join(root, rel), old, old);
    const aged = snapshotTree(root);
    const second = synthToDisk(exampleFleet, root);
    expect(second.stats).toEqual({ written: 0, changed: 0, removed: 0, unchanged: before.size, removedFiles: [] });
    expect(snapshotTree(root)).toEqual(aged);
  });

  it('removes files of objects that disappeared, and empty folders', () => {
    const root = tempDir();
    synthToDisk(fleet(['alpha', 'beta']), root);
    expect(fs.existsSync(path.join(root, 'dist/demo/controllers/namespace_beta.yaml'))).toBe(true);
    const stats = synthToDisk(fleet(['alpha']), root).stats;
    expect(stats).toMatchObject({ removed: 1, changed: 1 }); // the file, and the layer's kustomization.yaml
    expect(fs.existsSync(path.join(root, 'dist/demo/controllers/namespace_beta.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 'dist/demo/controllers/kustomization.yaml'), 'utf8')).not.toContain('namespace_beta');

    fs.mkdirSync(path.join(root, 'dist/gone/apps'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist/gone/apps/old.yaml'), 'metadata:\n  labels:\n    app.kubernetes.io/managed-by: talos-flux-synth\n');
    synthToDisk(fleet(['alpha']), root);
    expect(fs.existsSync(path.join(root, 'dist/gone'))).toBe(false);
  });

  it('never touches files outside dist/ and clusters/', () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'README.md'), 'mine\n');
    fs.mkdirSync(path.join(root, 'apps'));
    fs.writeFileSync(path.join(root, 'apps/x.ts'), 'export {};\n');
    synthToDisk(fleet(['alpha']), root);
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toBe('mine\n');
    expect(fs.readFileSync(path.join(root, 'apps/x.ts'), 'utf8')).toBe('export {};\n');
    expect(fs.readdirSync(root).sort()).toEqual(['README.md', 'apps', 'clusters', 'dist']);
  });

  it('leaves the previous tree byte-identical when the fleet description throws', () => {
    const root = tempDir();
    synthToDisk(fleet(['alpha']), root);
    const before = snapshotTree(root);
    expect(() => synthToDisk(fleet(['alpha', 'Not_A_Label']), root)).toThrow(ConfigError);
    expect(snapshotTree(root)).toEqual(before);
  });

  it('leaves the previous tree byte-identical when writing fails mid-way', () => {
    const root = tempDir();
    synthToDisk(fleet(['alpha']), root);
    const before = snapshotTree(root);
    const real = io.writeFile;
    let calls = 0;
    const spy = jest.spyOn(io, 'writeFile').mockImplementation((file, data) => {
      if (++calls === 3) throw new Error('disk full');
      real(file, data);
    });
    try {
      expect(() => synthToDisk(fleet(['beta', 'gamma', 'delta']), root)).toThrow('disk full');
    } finally {
      spy.mockRestore();
    }
    expect(calls).toBe(3);
    expect(snapshotTree(root)).toEqual(before);
    expect(fs.readdirSync(root).filter((f) => f.startsWith('.synth-staging'))).toEqual([]);
  });

  it('lists every file of a layer in its kustomization.yaml, sorted', () => {
    const files = synthesize(fleet(['zeta', 'alpha', 'mid'])).files;
    expect(files.get('dist/demo/controllers/kustomization.yaml')).toBe(
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace_alpha.yaml\n  - namespace_mid.yaml\n  - namespace_zeta.yaml\n',
    );
    expect(files.get('dist/demo/apps/kustomization.yaml')).toBe('apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n');
  });
});

describe('problems stay one line per problem', () => {
  it('escapes a newline in a component id', () => {
    const message = configErrorOf(() => synthesize((app: App) => {
      new Component(new Cluster(app, clusterProps({ name: 'demo' })), 'web\napi');
    }));
    expect(message.split('\n')).toEqual(['demo/Component[web\\napi]: id: "web\\napi" is not a DNS label; a component id names files and the part-of label']);
  });

  it('reports an escape hatch whose name cdk8s cannot even print, instead of crashing', () => {
    const message = configErrorOf(() => synthesize((app: App) => {
      const cluster = new Cluster(app, clusterProps({ name: 'demo' }));
      new ApiObject(new Component(cluster, 'apps').scope('apps'), 'raw', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: Object.create(null) } } as never);
    }));
    expect(message).toMatch(/^demo\/ApiObject\[raw\]: cannot be rendered \(.+\); give it plain data: strings, numbers, booleans, null, arrays and plain objects$/);
  });
});
