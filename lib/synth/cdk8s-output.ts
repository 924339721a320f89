/**
 * `npx cdk8s synth`: the cdk8s CLI deletes its output folder (cdk8s.yaml `output:`), then runs the app with
 * that folder in CDK8S_OUTDIR and expects manifests there. The committed output is never that folder:
 * `output:` names a scratch folder (.cdk8s-out, gitignored), the app writes dist/ and clusters/ itself as
 * `npm run synth` does, and gives the CLI one multi-document manifest per cluster, which it lists (or, with
 * `--stdout`, prints).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { byString } from '../order';
import { OUTPUT_DIRS } from './files';
import { listFiles } from './write';

/** The variable through which the cdk8s CLI names its output folder to the app. */
export const CDK8S_OUTDIR = 'CDK8S_OUTDIR';

const inside = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * Why the CLI's output folder cannot be used, or undefined: when it is dist/ or clusters/, inside one or holding
 * one, the CLI has already deleted what it held before the app ran.
 */
export function cdk8sOutputProblem(outdir: string, root: string): string | undefined {
  const out = path.resolve(root, outdir);
  const hit = OUTPUT_DIRS.find((d) => inside(out, path.join(root, d)) || inside(path.join(root, d), out));
  if (!hit) return undefined;
  return `the cdk8s CLI output folder ${JSON.stringify(outdir)} overlaps ${hit}/, and the CLI deletes that folder before it runs synth: ` +
    'set output: .cdk8s-out in cdk8s.yaml, then restore the output with npm run synth (or git checkout)';
}

/**
 * Writes `<cluster>.k8s.yaml` into `outdir`: the objects Flux applies for the cluster (clusters/<cluster>/ and
 * its layers), in path order, as synth has just written them under `root` (the folders `dirs`).
 */
export function writeCdk8sOutput(outdir: string, root: string, dirs: readonly string[]): void {
  const byCluster = new Map<string, string[]>();
  for (const rel of dirs.flatMap((d) => listFiles(root, d)).sort(byString)) {
    const m = /^(?:clusters\/([^/]+)|dist\/([^/]+)\/(?:controllers|configs|apps))\/([^/]+\.yaml)$/.exec(rel);
    if (!m || m[3] === 'kustomization.yaml') continue;
    const cluster = m[1] ?? m[2];
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), fs.readFileSync(path.join(root, rel), 'utf8')]);
  }
  fs.mkdirSync(outdir, { recursive: true });
  for (const [cluster, docs] of byCluster) fs.writeFileSync(path.join(outdir, `${cluster}.k8s.yaml`), docs.join('---\n'));
}
