/**
 * `npx cdk8s synth` (the cdk8s CLI, which deletes its output folder before it runs the app) can never
 * lose dist/ or clusters/, and what the app says is true. Runs the real CLI with the repository's
 * cdk8s.yaml in a temporary folder, on a small fixture app.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { cdk8sOutputProblem } from '../lib/synth/cdk8s-output';
import { synthToDisk } from '../lib/synth/pipeline';
import { cliFleet } from './fixtures/cdk8s-cli-app';
import { snapshotTree, tempDir } from './helpers';

const repo = path.resolve(__dirname, '..');
const config = fs.readFileSync(path.join(repo, 'cdk8s.yaml'), 'utf8');
const output = (parse(config) as { output: string }).output;

it('npx cdk8s synth keeps dist/ and clusters/, fills only its scratch folder, and a props error leaves the tree as it says', () => {
  const root = tempDir();
  fs.writeFileSync(path.join(root, 'cdk8s.yaml'), config);
  const app = `node ${path.join(repo, 'scripts/run-ts.js')} ${path.join(repo, 'test/fixtures/cdk8s-cli-app.ts')}`;
  const cdk8s = (env: Record<string, string> = {}) => spawnSync(process.execPath, [path.join(repo, 'node_modules/cdk8s-cli/bin/cdk8s'), 'synth', '--app', app], {
    cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', ...env },
  });
  const tree = () => new Map([...snapshotTree(root)].filter(([rel]) => /^(dist|clusters)\//.test(rel)));

  // The committed output is never the CLI's output folder, which is gitignored.
  expect(output).toBe('.cdk8s-out');
  expect(fs.readFileSync(path.join(repo, '.gitignore'), 'utf8').split('\n')).toContain(`${output}/`);

  // A previous synth; then the CLI wipes its scratch folder (a stale file goes), runs the app, and lists what
  // the app leaves there. dist/ and clusters/ are not touched: nothing rewritten, modification times kept.
  synthToDisk(cliFleet, root);
  const written = tree();
  fs.mkdirSync(path.join(root, output));
  fs.writeFileSync(path.join(root, output, 'stale.yaml'), 'stale: true\n');
  const run = cdk8s();
  expect(run).toMatchObject({ status: 0, stdout: `Synthesizing application\n  - ${output}/cli.k8s.yaml\n` });
  expect(run.stderr).toMatch(new RegExp(`^admission: 0 pod specs checked, 0 denied, 0 warnings\nsynth: 1 clusters, \\d+ objects .*; files: 0 written, 0 changed, 0 removed, ${written.size} unchanged; \\d+ ms\n$`));
  expect(fs.readdirSync(path.join(root, output))).toEqual(['cli.k8s.yaml']);
  expect(tree()).toEqual(written);

  const broken = cdk8s({ BREAK_FLEET: '1' });
  expect(broken.status).toBe(1);
  expect(broken.stderr.split('\n').slice(0, 2)).toEqual([
    'error: cli/Cluster[cli]: flux.interval: "1 day" is not a duration (use h, m, s as in 720h or 5m30s)',
    'synth failed: 1 problem; dist/ and clusters/ were left unchanged',
  ]);
  expect(tree()).toEqual(written);
});

it('refuses a cdk8s output folder that is, holds or lies inside dist/ or clusters/, saying the CLI deleted it', () => {
  const root = tempDir();
  const refusal = (outdir: string, dir: string) =>
    `the cdk8s CLI output folder ${JSON.stringify(outdir)} overlaps ${dir}/, and the CLI deletes that folder before it runs synth: ` +
    'set output: .cdk8s-out in cdk8s.yaml, then restore the output with npm run synth (or git checkout)';
  expect(cdk8sOutputProblem('dist', root)).toBe(refusal('dist', 'dist'));
  expect(cdk8sOutputProblem('clusters/x', root)).toBe(refusal('clusters/x', 'clusters'));
  expect(cdk8sOutputProblem('.', root)).toBe(refusal('.', 'dist'));
  expect(cdk8sOutputProblem(root, root)).toBe(refusal(root, 'dist'));
  expect(cdk8sOutputProblem('.cdk8s-out', root)).toBeUndefined();
  expect(cdk8sOutputProblem('distribution', root)).toBeUndefined();
});
