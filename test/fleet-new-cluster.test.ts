/**
 * The fleet tests hold for any fleet: here, apps/fleet.ts with the cluster the README's "Adding a cluster"
 * adds, taken from the README itself (step 1's file, step 2's two lines) and compiled as the user's
 * apps/edge-2.ts and apps/fleet.ts would be. (Step 3's `npx jest -u` then writes that cluster's snapshot.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { buildFleet } from '../apps/fleet';
import { FleetBuilder, synthesize } from '../lib/synth/pipeline';
import { describeFleetChecks } from './support/fleet';

const root = path.resolve(__dirname, '..');

/** The code blocks of the README section `## Adding a cluster`, in order, without their list indentation. */
function sectionCode(): string[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Adding a cluster\n')) ?? '';
  return [...section.matchAll(/^ *```ts\n([\s\S]*?)^ *```$/gm)].map((m) => m[1].replace(/^ {3}/gm, ''));
}

/** Evaluates TypeScript source as the module `file`; relative imports resolve from its folder, or to `modules`. */
function evaluate(file: string, source: string, modules: Record<string, unknown> = {}): Record<string, unknown> {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  const exports: Record<string, unknown> = {};
  const load = (id: string) => modules[id] ?? require(id.startsWith('.') ? path.resolve(path.dirname(file), id) : id);
  new Function('require', 'exports', 'module', js)(load, exports, { exports });
  return exports;
}

/** apps/fleet.ts after step 2: the import after the last import, the call as the last line of buildFleet. */
function fleetWithNewCluster(): FleetBuilder {
  const [clusterFile, importLine, callLine] = sectionCode();
  const lines = fs.readFileSync(path.join(root, 'apps/fleet.ts'), 'utf8').split('\n');
  const lastImport = lines.map((l) => l.startsWith('import ')).lastIndexOf(true);
  const end = lines.lastIndexOf('}');
  const fleet = [...lines.slice(0, lastImport + 1), importLine.trimEnd(), ...lines.slice(lastImport + 1, end), callLine.trimEnd(), ...lines.slice(end)].join('\n');
  const newCluster = evaluate(path.join(root, 'apps/edge-2.ts'), clusterFile);
  return evaluate(path.join(root, 'apps/fleet.ts'), fleet, { './edge-2': newCluster }).buildFleet as FleetBuilder;
}

const build = fleetWithNewCluster();
const result = describeFleetChecks('apps/fleet.ts with the cluster of the README\'s "Adding a cluster"', build);

it('the README\'s steps add one cluster to the fleet, with its dist/ and clusters/ folders', () => {
  const before = synthesize(buildFleet).clusters;
  const added = result.clusters.filter((c) => !before.includes(c));
  expect(added).toHaveLength(1);
  expect([...result.files.keys()].filter((rel) => rel === `clusters/${added[0]}/kustomization.yaml` || rel === `dist/${added[0]}/controllers/kustomization.yaml`)).toHaveLength(2);
});
