/**
 * The fleet: whatever apps/fleet.ts builds. Nothing here names, counts or orders its clusters. A new cluster
 * gets its snapshot from `npx jest -u` (run once after `npm run synth`, then commit both); a removed
 * cluster's snapshot is then reported obsolete and `npx jest -u` deletes it. Under CI (`CI=true`) jest
 * writes no snapshot, so a cluster without one fails there.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildFleet } from '../apps/fleet';
import { OUTPUT_DIRS } from '../lib/synth/files';
import { synthToDisk } from '../lib/synth/pipeline';
import { validateTree } from '../lib/synth/validate';
import { diffTree } from '../lib/synth/write';
import { tempDir } from './helpers';
import { git, repoWith } from './review-fleet';
import { describeFleetChecks } from './support/fleet';

const root = path.resolve(__dirname, '..');
const result = describeFleetChecks('the fleet of apps/fleet.ts', buildFleet);
const perCluster = (clusters: readonly string[], count: (c: string) => number) => Object.fromEntries(clusters.map((c) => [c, count(c)]));

/** The launcher the npm scripts run (package.json): what `npm run check` and `npm run diff` run, bundle cache included. */
const LAUNCHER = path.join(root, 'scripts/run-ts.js');

/** Runs `npm run check` (apps/main.ts --check) in `cwd`. */
function checkCommand(cwd: string): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [LAUNCHER, path.join(root, 'apps/main.ts'), '--check'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the fleet of apps/fleet.ts, as committed', () => {
  it.each(result.clusters)('matches the snapshot of cluster %s', (cluster) => {
    const files = Object.fromEntries([...result.files].filter(([rel]) => rel.startsWith(`dist/${cluster}/`) || rel.startsWith(`clusters/${cluster}/`)));
    expect(files).toMatchSnapshot();
  });

  it('equals the committed dist/ and clusters/ (run `npm run synth` and commit the output)', () => {
    const diff = diffTree(root, OUTPUT_DIRS, result.files);
    expect({ added: diff.added, changed: diff.changed, removed: diff.removed }).toEqual({ added: [], changed: [], removed: [] });
  });

  it('passes npm run validate on the committed trees, every cluster with the objects it renders', () => {
    const report = validateTree(root);
    expect(report.problems).toEqual([]);
    expect(report.objectsByCluster).toEqual(perCluster(result.clusters, (c) => result.objects.filter((o) => o.cluster === c).length));
  });

  it('is what `npm run check` (CI) checks: exit 0 on a fresh render, 1 after a hand edit naming the file', () => {
    const out = tempDir();
    synthToDisk(buildFleet, out);
    expect(checkCommand(out)).toMatchObject({ status: 0, stderr: '' });
    const edited = [...result.files.keys()].sort().find((rel) => rel.startsWith('dist/') && rel.endsWith('.yaml')) ?? '';
    fs.appendFileSync(path.join(out, edited), '# edited\n');
    const failed = checkCommand(out);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(`  changed  ${edited}\n`);
  });

  it('is what `npm run diff` (scripts/diff.ts) reviews: a namespace only the base has is flagged as deleted', () => {
    const repo = repoWith(buildFleet);
    const layer = `dist/${result.clusters[0]}/controllers`;
    fs.writeFileSync(path.join(repo, layer, 'namespace_retired.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: retired\n');
    fs.appendFileSync(path.join(repo, layer, 'kustomization.yaml'), '  - namespace_retired.yaml\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '--quiet', '-m', 'retired');
    const stdout = execFileSync(process.execPath, [LAUNCHER, path.join(root, 'scripts/diff.ts'), '--base', 'HEAD', '--no-color'], { cwd: repo, encoding: 'utf8' });
    expect(stdout).toContain(`1 cluster changed: 0 added, 1 removed, 0 changed, `);
    expect(stdout).toMatch(new RegExp(`\\n  HIGH  Namespace deleted +${layer.slice('dist/'.length)}/Namespace/retired: with prune: true Flux deletes the Namespace`));
  });
});

describe('the tests of the fleet', () => {
  const tests = fs.readdirSync(__dirname, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => f.split(path.sep).join('/'));
  const fleetTests = tests.filter((f) => /^fleet[\w-]*\.test\.ts$/.test(f));

  it('are the only tests that build apps/fleet.ts; the others use fixture fleets', () => {
    const users = tests.filter((f) => /from '(\.\.\/)+apps\/fleet'/.test(fs.readFileSync(path.join(__dirname, f), 'utf8')));
    expect(users.filter((f) => !fleetTests.includes(f))).toEqual([]);
  });

  it('name no cluster of the fleet, so they hold for any fleet', () => {
    const named = [...fleetTests, 'support/fleet.ts'].flatMap((f) => {
      const source = fs.readFileSync(path.join(__dirname, f), 'utf8');
      // A cluster named in a string: 'name', or as a path segment ('dist/name/…', 'name/controllers/…').
      const names = (c: string) => new RegExp(`(['"\`])${c}\\1|(dist|clusters)/${c}(/|['"\`])|['"\`]${c}/`).test(source);
      return result.clusters.filter(names).map((c) => `${f}: ${c}`);
    });
    expect(named).toEqual([]);
  });
});
