/**
 * The fleet tests hold for any fleet: here, apps/fleet.ts plus the cluster the README's "Adding a cluster"
 * adds, taken from the README itself (step 1's file, compiled as the user's file in apps/ would be, under a
 * name the fleet does not use yet, so this holds once a user has added it too). Step 3's `npx jest -u` then
 * writes that cluster's snapshot.
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

/** Evaluates TypeScript source as the module `file`; its relative imports resolve from the file's folder. */
function evaluate(file: string, source: string): Record<string, unknown> {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  const exports: Record<string, unknown> = {};
  const load = (id: string) => require(id.startsWith('.') ? path.resolve(path.dirname(file), id) : id);
  new Function('require', 'exports', 'module', js)(load, exports, { exports });
  return exports;
}

const fleetClusters = synthesize(buildFleet).clusters;
const [clusterFile, importLine, callLine] = sectionCode();
const readmeName = /name: '([^']+)'/.exec(clusterFile)?.[1] ?? '';
let name = readmeName;
while (fleetClusters.includes(name)) name = `${name}-x`;
const readmeModule = evaluate(path.join(root, 'apps', 'readme-cluster.ts'), clusterFile.replace(`name: '${readmeName}'`, `name: '${name}'`));
const build: FleetBuilder = (app) => {
  buildFleet(app);
  for (const f of Object.values(readmeModule)) (f as FleetBuilder)(app);
};
const result = describeFleetChecks('apps/fleet.ts with the cluster of the README\'s "Adding a cluster"', build);

describe('the README\'s "Adding a cluster"', () => {
  it('step 1 defines a cluster function; step 2 imports and calls it', () => {
    expect(Object.keys(readmeModule)).toHaveLength(1);
    const [fn] = Object.keys(readmeModule);
    expect(importLine).toMatch(new RegExp(`^import \\{ ${fn} \\} from '\\./[a-z0-9-]+';\\n$`));
    expect(callLine.trim()).toBe(`${fn}(app);`);
  });

  it('adds one cluster to the fleet, with its dist/ and clusters/ folders', () => {
    expect(result.clusters.filter((c) => !fleetClusters.includes(c))).toEqual([name]);
    expect(result.files.has(`clusters/${name}/kustomization.yaml`) && result.files.has(`dist/${name}/controllers/kustomization.yaml`)).toBe(true);
  });
});
