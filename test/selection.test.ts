import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { Kyverno, RequireLabels } from '../lib/addons/kyverno';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { parseClusterFlags, SelectionError } from '../lib/selection';
import { checkDrift } from '../lib/synth/drift';
import { runSynthCli } from '../lib/synth/cli';
import { synthesize, synthToDisk } from '../lib/synth/pipeline';
import { TalosNamespace } from '../lib/talos/namespace';
import { clusterProps, errorOf, snapshotTree, tempDir } from './helpers';

/** Three clusters, each with the namespaces given for it. */
function fleet(namespaces: Record<string, string[]>) {
  return (app: App) => {
    for (const [name, list] of Object.entries(namespaces)) {
      const c = new Component(new Cluster(app, clusterProps({ name })), 'apps');
      for (const ns of list) new TalosNamespace(c.scope('controllers'), ns, { name: ns });
    }
  };
}

const before = { alpha: ['one'], beta: ['one', 'two'], gamma: ['one'] };
const after = { alpha: ['one', 'new'], beta: ['one'], gamma: ['one', 'new'] };

/** A tree of the `before` fleet with every file backdated, so a rewrite shows in its modification time. */
function agedTree(): string {
  const root = tempDir();
  synthToDisk(fleet(before), root);
  const old = new Date(Date.now() - 60_000);
  for (const rel of snapshotTree(root).keys()) fs.utimesSync(path.join(root, rel), old, old);
  return root;
}

const inside = (cluster: string) => (rel: string) => rel.startsWith(`dist/${cluster}/`) || rel.startsWith(`clusters/${cluster}/`);

describe('--cluster: one cluster at a time', () => {
  it('rewrites the selected cluster only (stale files removed there); every other file keeps its bytes and modification time', () => {
    const root = agedTree();
    const old = snapshotTree(root);
    const stats = synthToDisk(fleet(after), root, { clusters: ['beta'] }).stats;
    expect(stats.removedFiles).toEqual(['dist/beta/controllers/namespace_two.yaml']);
    const now = snapshotTree(root);
    for (const [rel, file] of old) if (!inside('beta')(rel)) expect(now.get(rel)).toEqual(file);
    expect([...now.keys()].filter((rel) => !old.has(rel))).toEqual([]);
    // A full synth of the same fleet finds beta already done.
    const full = synthesize(fleet(after)).files;
    for (const [rel, content] of full) if (inside('beta')(rel)) expect(now.get(rel)?.content).toBe(content);
  });

  it('writes several clusters, byte-identical to a full synth of them', () => {
    const root = agedTree();
    synthToDisk(fleet(after), root, { clusters: ['gamma', 'alpha'] });
    const full = synthesize(fleet(after)).files;
    const now = snapshotTree(root);
    for (const [rel, content] of full) if (!inside('beta')(rel)) expect(now.get(rel)?.content).toBe(content);
    expect(now.get('dist/beta/controllers/namespace_two.yaml')).toBeDefined();
  });

  it('renders and checks only the selected clusters: a mistake in another one does not stop it', () => {
    const bad = (app: App) => {
      fleet(before)(app);
      new TalosNamespace(new Component(app.node.findChild('gamma') as Cluster, 'x').scope('controllers'), 'dup', { name: 'one' });
    };
    expect(() => synthesize(bad)).toThrow(/defined/);
    expect(synthesize(bad, { clusters: ['alpha'] }).clusters).toEqual(['alpha']);
    expect([...synthesize(bad, { clusters: ['alpha'] }).files.keys()].every(inside('alpha'))).toBe(true);
  });

  it('leaves the props of the clusters it does not render unchecked, and builds again with every prop checked when that build fails', () => {
    // Namespace names as TalosNamespace's props: gamma's is no DNS label, which validation refuses.
    const badProps = (app: App) => {
      fleet(before)(app);
      const c = new Component(app.node.findChild('gamma') as Cluster, 'x');
      new TalosNamespace(c.scope('controllers'), 'bad', { name: 'Not_A_Label' });
    };
    const refused = 'gamma/TalosNamespace[bad]: name: "Not_A_Label" is not a DNS label';
    expect(() => synthesize(badProps)).toThrow(refused);
    expect(synthesize(badProps, { clusters: ['alpha'] }).clusters).toEqual(['alpha']);
    // A prop no constructor can use (labels that are no list) makes the first build fail: the second,
    // with every prop checked, reports the mistake as validation finds it.
    const crashing = (app: App) => {
      fleet(before)(app);
      const kyverno = new Kyverno(app.node.findChild('gamma') as Cluster, 'kyverno');
      new RequireLabels(kyverno, 'require-labels', { labels: 5 as never });
    };
    expect(errorOf(Error, () => synthesize(crashing, { clusters: ['alpha'] }))).toBe(errorOf(Error, () => synthesize(crashing)));
    expect(errorOf(Error, () => synthesize(crashing))).toMatch(/^gamma\/RequireLabels\[require-labels\]: labels: /);
  });

  it('--check compares the selected clusters only', () => {
    const root = agedTree();
    expect(checkDrift(fleet(after), root, { clusters: ['beta'] })).toMatchObject({ changed: ['dist/beta/controllers/kustomization.yaml'], extra: ['dist/beta/controllers/namespace_two.yaml'], missing: [] });
    expect(checkDrift(fleet(before), root, { clusters: ['beta', 'gamma'] })).toMatchObject({ changed: [], extra: [], missing: [] });
  });

  it('refuses a dist/ that is a symbolic link, although it owns only dist/<cluster>/', () => {
    const root = agedTree();
    const elsewhere = tempDir();
    fs.renameSync(path.join(root, 'dist'), path.join(elsewhere, 'dist'));
    fs.symlinkSync(path.join(elsewhere, 'dist'), path.join(root, 'dist'));
    expect(errorOf(Error, () => synthToDisk(fleet(after), root, { clusters: ['beta'] }))).toMatch(/^dist is a symbolic link/);
  });

  it('refuses a name that is no cluster of the fleet, in one line naming the known ones', () => {
    expect(errorOf(SelectionError, () => synthesize(fleet(before), { clusters: ['alpha', 'delta'] })))
      .toBe('--cluster "delta": no cluster of the fleet has that name; the fleet has alpha, beta, gamma');
  });

  it('takes one name, several separated by commas, or the flag repeated', () => {
    expect(parseClusterFlags(['--check'])).toBeUndefined();
    expect(parseClusterFlags(['--cluster', 'a'])).toEqual(['a']);
    expect(parseClusterFlags(['--cluster', 'a,b', '--cluster=c', '--cluster', 'a'])).toEqual(['a', 'b', 'c']);
    expect(errorOf(SelectionError, () => parseClusterFlags(['--cluster']))).toBe('--cluster needs a cluster name (--cluster catalyst, or several: --cluster a,b)');
    expect(errorOf(SelectionError, () => parseClusterFlags(['--cluster', '--check']))).toMatch(/^--cluster needs a cluster name/);
  });

  it('--list-clusters prints the fleet\'s cluster names, one a line, and writes nothing (what the CI matrix splits)', () => {
    const root = tempDir();
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      runSynthCli(fleet(before), {}, root, ['--list-clusters']);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual(['alpha\nbeta\ngamma']);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('prints an unknown name as one error line from the CLI and leaves the tree untouched', () => {
    const root = agedTree();
    const old = snapshotTree(root);
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      runSynthCli(fleet(after), {}, root, ['--cluster', 'delta']);
    } finally {
      spy.mockRestore();
    }
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
    expect(errors).toEqual(['error: --cluster "delta": no cluster of the fleet has that name; the fleet has alpha, beta, gamma; dist/ and clusters/ were left unchanged']);
    expect(snapshotTree(root)).toEqual(old);
  });
});

describe('cluster bodies: built when the cluster is rendered', () => {
  /** The `before` fleet with each cluster's namespaces in its body; `built` records which bodies ran. */
  function bodyFleet(built: string[], extra?: (name: string, cluster: Cluster) => void) {
    return (app: App) => {
      for (const [name, list] of Object.entries(before)) {
        new Cluster(app, clusterProps({ name }), (cluster) => {
          built.push(name);
          const c = new Component(cluster, 'apps');
          for (const ns of list) new TalosNamespace(c.scope('controllers'), ns, { name: ns });
          extra?.(name, cluster);
        });
      }
    };
  }

  it('runs a body at once outside a synth, as if written after the constructor', () => {
    const built: string[] = [];
    bodyFleet(built)(new App());
    expect(built).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('renders the same files as the fleet written without bodies', () => {
    const built: string[] = [];
    expect(synthesize(bodyFleet(built)).files).toEqual(synthesize(fleet(before)).files);
    expect(built).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('builds only the selected clusters\' bodies, and none for --list-clusters', () => {
    const built: string[] = [];
    const result = synthesize(bodyFleet(built), { clusters: ['beta'] });
    expect(built).toEqual(['beta']);
    expect([...result.files.keys()].every(inside('beta'))).toBe(true);
    built.length = 0;
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      runSynthCli(bodyFleet(built), {}, tempDir(), ['--list-clusters']);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual(['alpha\nbeta\ngamma']);
    expect(built).toEqual([]);
  });

  it('reports a mistake in a body as the same line as without a body; one in an unselected body is not seen', () => {
    const dupInGamma = (name: string, cluster: Cluster) => {
      if (name === 'gamma') new Component(cluster, 'apps');
    };
    const message = errorOf(Error, () => synthesize(bodyFleet([], dupInGamma)));
    expect(message).toBe('gamma/Component[apps]: id: "apps" is the id of another component of cluster gamma; each needs its own (it is their part-of label)');
    const plain = (app: App) => {
      fleet(before)(app);
      new Component(app.node.findChild('gamma') as Cluster, 'apps');
    };
    expect(errorOf(Error, () => synthesize(plain))).toBe(message);
    expect(synthesize(bodyFleet([], dupInGamma), { clusters: ['alpha'] }).clusters).toEqual(['alpha']);
    // An object outside every chart, created in a body: the error names it as it does outside bodies.
    const outside = (name: string, cluster: Cluster) => {
      if (name === 'beta') new TalosNamespace(cluster, 'loose', { name: 'loose' });
    };
    expect(errorOf(Error, () => synthesize(bodyFleet([], outside)))).toMatch(/^beta\/TalosNamespace\[loose\]: objects go in a layer/);
  });

  it('refuses a body that is no function, in one line', () => {
    expect(errorOf(Error, () => synthesize((app) => void new Cluster(app, clusterProps({ name: 'alpha' }), 5 as never))))
      .toBe('alpha/Cluster[alpha]: body: 5 is not a function; the body is (cluster) => { ...its add-ons and apps }');
  });

  it('a released cluster (rendered by a thread of a big fleet) cannot be read again', () => {
    const cluster = new Cluster(new App(), clusterProps({ name: 'alpha' }));
    new Component(cluster, 'apps');
    cluster.release();
    expect(cluster.node.children).toEqual([]);
    expect(() => cluster.layer('apps')).toThrow('cluster alpha was released after it was rendered; its contents are gone');
  });
});
