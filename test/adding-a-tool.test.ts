/**
 * The README's "Adding a tool" recipe, followed verbatim in a copy of the repository (node_modules linked):
 * its `npm run import` command with the local cert-manager files of test/fixtures/cert-manager/, its
 * apps/cert-manager.ts, called from a new cluster; then `npm run synth`. Also the import command's one-line
 * errors. Costs about 15 s of CPU (copying the tree, two imports and three synths in child processes); on a
 * busy machine the wall time is longer, hence the timeout.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addChartSchema, addCrd, Edits, UsageError } from '../scripts/user-inputs';
import { snapshotTree, tempDir } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
/** The "Adding a tool" section of the README. */
const RECIPE = /\n## Adding a tool\n([\s\S]*?)\n## /.exec(README)?.[1] ?? '';
const codeBlocks = (lang: string) => [...RECIPE.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1].replace(/^ {3}/gm, ''));

/** A copy of the repository without node_modules (linked), .git and caches. */
function copyOfRepository(): string {
  const copy = tempDir('adding-a-tool-');
  const skipped = new Set(['node_modules', '.git', '.cache', 'coverage']);
  for (const entry of fs.readdirSync(ROOT)) {
    if (skipped.has(entry) || entry.startsWith('.synth-staging-') || entry.startsWith('.import-')) continue;
    fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  return copy;
}

function run(cwd: string, command: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true', FORCE_COLOR: '0' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The fleet of the copy: the reference clusters and one more, with the recipe's add-on. */
const FLEET = `import { App } from 'cdk8s';
import { Cluster } from '../lib/cluster';
import { catalyst } from './catalyst';
import { certManager } from './cert-manager';
import { hybridLlm } from './hybrid-llm';

export function buildFleet(app: App): void {
  catalyst(app);
  hybridLlm(app);
  const cluster = new Cluster(app, {
    name: 'edge-2',
    nodes: [{ name: 'edge-2-cp', role: 'controlplane', schedulable: true }],
    git: { url: 'ssh://git@git.example.com/platform/fleet.git', branch: 'main' },
  });
  certManager(cluster);
}
`;

describe('the "Adding a tool" recipe', () => {
  const [importCommand] = codeBlocks('sh');
  const [addOnFile] = codeBlocks('ts');
  let copy: string;

  beforeAll(() => {
    copy = copyOfRepository();
  }, 60_000);
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

  it('has one import command and one apps/cert-manager.ts in the README', () => {
    expect(importCommand.trim()).toMatch(/^npm run import -- --crd test\/fixtures\/cert-manager\/\S+ .*--chart-schema cert-manager@v1\.21\.1 /);
    expect(addOnFile.split('\n')[0]).toBe('// apps/cert-manager.ts');
  });

  it('imports the CRD and the values schema from local files, then renders cert-manager with its ClusterIssuer validated', () => {
    const imported = run(copy, importCommand.trim());
    expect(imported.stderr).not.toMatch(/failed/);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain('added: CRD cert-manager.io ClusterIssuer from test/fixtures/cert-manager/cert-manager.io_clusterissuers.yaml (v1.21.1) → schemas/upstream/crds/user/cert-manager.io_clusterissuers.yaml (validated, typed binding in imports/)');
    expect(fs.readFileSync(path.join(copy, 'imports/values-cert-manager.ts'), 'utf8')).toContain('export interface CertManagerValues {');
    expect(fs.existsSync(path.join(copy, 'imports/clusterissuers-cert-manager.io.ts'))).toBe(true);
    expect(fs.readFileSync(path.join(copy, 'schemas/sources.yaml'), 'utf8')).toContain([
      '  - source: test/fixtures/cert-manager/cert-manager.io_clusterissuers.yaml',
      '    version: v1.21.1',
      '    files: [schemas/upstream/crds/user/cert-manager.io_clusterissuers.yaml]',
    ].join('\n'));

    // What a plain clone of the result regenerates is the same, offline.
    const generated = () => ['imports', 'schemas'].map((dir) => [...snapshotTree(path.join(copy, dir))].map(([file, { content }]) => [file, content]));
    const before = generated();
    expect(run(copy, 'npm run --silent import').status).toBe(0);
    expect(generated()).toEqual(before);

    fs.writeFileSync(path.join(copy, 'apps/cert-manager.ts'), addOnFile);
    fs.writeFileSync(path.join(copy, 'apps/fleet.ts'), FLEET);
    const synth = run(copy, 'npm run --silent synth');
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    expect(synth.stdout).toMatch(/^synth: 3 clusters, /m);
    const issuer = fs.readFileSync(path.join(copy, 'dist/edge-2/configs/clusterissuer_letsencrypt-staging.yaml'), 'utf8');
    expect(issuer).toContain('kind: ClusterIssuer');
    expect(issuer).toContain('server: https://acme-staging-v02.api.letsencrypt.org/directory');
    const release = fs.readFileSync(path.join(copy, 'dist/edge-2/controllers/helmrelease_cert-manager_cert-manager.yaml'), 'utf8');
    expect(release).toContain('version: v1.21.1');

    // The mistakes of step 3, each one line and nothing written.
    const rendered = fs.readFileSync(path.join(copy, 'dist/edge-2/configs/clusterissuer_letsencrypt-staging.yaml'), 'utf8');
    fs.writeFileSync(path.join(copy, 'apps/cert-manager.ts'), addOnFile.replace('crds: { enabled: true', 'crds: { enabeld: true'));
    const badValues = run(copy, 'npm run --silent synth');
    expect(badValues.status).toBe(1);
    expect(badValues.stderr.trim().split('\n')).toEqual([
      'error: edge-2/controllers/HelmRelease/cert-manager/cert-manager: spec.values.crds.enabeld: unknown field, not in the cert-manager v1.21.1 values schema; did you mean "enabled"?',
      expect.stringMatching(/^admission: \d+ pod specs? checked, 0 denied, 0 warnings$/),
      'synth failed: 1 problem; dist/ and clusters/ were left unchanged',
    ]);
    fs.writeFileSync(path.join(copy, 'apps/cert-manager.ts'), addOnFile.replace("server: 'https://acme-staging", "sever: 'https://acme-staging"));
    const badIssuer = run(copy, 'npm run --silent synth');
    expect(badIssuer.status).toBe(1);
    expect(badIssuer.stderr.trim().split('\n')).toEqual([
      'error: edge-2/configs/ClusterIssuer/letsencrypt-staging: spec.acme.server: required field is missing',
      expect.stringMatching(/^admission: \d+ pod specs? checked, 0 denied, 0 warnings$/),
      'synth failed: 1 problem; dist/ and clusters/ were left unchanged',
    ]);
    expect(fs.readFileSync(path.join(copy, 'dist/edge-2/configs/clusterissuer_letsencrypt-staging.yaml'), 'utf8')).toBe(rendered);
  }, 180_000);

  it('refuses a bad input with one line and changes nothing', async () => {
    const sources = fs.readFileSync(path.join(copy, 'schemas/sources.yaml'), 'utf8');
    const cwd = process.cwd();
    process.chdir(copy);
    const edits: Edits = { files: new Map(), added: [] };
    const crd = (location: string) => addCrd(copy, { location, binding: true }, edits);
    try {
      await expect(crd('missing.yaml')).rejects.toThrow(new UsageError('missing.yaml: no such file (give the path of the CRD or its https:// URL)'));
      await expect(crd('http://example.com/crd.yaml')).rejects.toThrow(new UsageError('http://example.com/crd.yaml: only https:// URLs are downloaded (or give a local file)'));
      await expect(crd('test/fixtures/cert-manager/values.yaml')).rejects.toThrow(new UsageError('test/fixtures/cert-manager/values.yaml: not a CustomResourceDefinition (it is no Kubernetes object)'));
      await expect(crd('https://127.0.0.1:65534/crd.yaml')).rejects.toThrow(new UsageError('cannot download CRD from https://127.0.0.1:65534/crd.yaml: network error (ECONNREFUSED)'));
      await expect(addChartSchema(copy, { chart: 'cert-manager@1.21', schema: 'test/fixtures/cert-manager/values.schema.json' }, edits))
        .rejects.toThrow(new UsageError('"1.21" is not a pinned chart version (an exact SemVer such as 1.2.3, not a range)'));
    } finally {
      process.chdir(cwd);
    }
    expect(edits.files.size).toBe(0);
    // The command prints it as one line and exits 1, changing nothing.
    const r = run(copy, 'node_modules/.bin/tsx scripts/import.ts --crd test/fixtures/cert-manager/values.yaml');
    expect([r.status, r.stderr]).toEqual([1, 'import failed: test/fixtures/cert-manager/values.yaml: not a CustomResourceDefinition (it is no Kubernetes object)\n']);
    expect(fs.readFileSync(path.join(copy, 'schemas/sources.yaml'), 'utf8')).toBe(sources);
  }, 60_000);
});
