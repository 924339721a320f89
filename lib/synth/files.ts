import { LAYERS } from '../cluster';
import { byKey, byString } from '../order';
import { apiGroup, Destination, Manifest, RenderedArtifact, RenderedObject } from './manifest';
import { toYaml, yamlOfManifest } from './yaml';

/** Top-level folders the synth owns and rewrites exactly; nothing else is touched. */
export const OUTPUT_DIRS = ['dist', 'clusters'] as const;

/**
 * The folders a synth owns: all of dist/ and clusters/, or with a cluster selection only those of the
 * selected clusters (files of the others are neither compared, written nor removed).
 */
export function ownedDirs(clusters?: readonly string[]): readonly string[] {
  return clusters ? clusters.flatMap((c) => OUTPUT_DIRS.map((d) => `${d}/${c}`)) : OUTPUT_DIRS;
}

/** Folder of a destination, relative to the repository root. */
export function folderOf(cluster: string, destination: Destination): string {
  return destination === 'flux' ? `clusters/${cluster}` : `dist/${cluster}/${destination}`;
}

/** `kind_namespace_name.yaml` (`kind_name.yaml` when cluster-scoped); `_` never occurs in a Kubernetes name. */
export function fileNameOf(m: Manifest, qualifyGroup = false): string {
  const group = apiGroup(m.apiVersion);
  const kind = m.kind.toLowerCase() + (qualifyGroup && group ? `.${group}` : '');
  return [kind, m.metadata.namespace, m.metadata.name].filter(Boolean).join('_') + '.yaml';
}

function kustomizationYaml(resources: readonly string[]): string {
  return toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources] });
}

/**
 * The complete output tree: relative path → content. Every cluster gets every layer folder (an
 * empty layer still has its kustomization.yaml, so its Flux Kustomization has a path to apply).
 */
export function planFiles(clusters: readonly string[], objects: readonly RenderedObject[], artifacts: readonly RenderedArtifact[] = []): Map<string, string> {
  const files = new Map<string, string>();
  // Grouped in one pass: filtering all objects for every folder grew with the square of the fleet.
  const byFolder = new Map<string, RenderedObject[]>();
  for (const o of objects) {
    const folder = folderOf(o.cluster, o.destination);
    const list = byFolder.get(folder);
    if (list) list.push(o);
    else byFolder.set(folder, [o]);
  }
  for (const cluster of clusters) {
    for (const destination of [...LAYERS, 'flux'] as const) {
      const folder = folderOf(cluster, destination);
      const inFolder = byFolder.get(folder) ?? [];
      const names = uniqueFileNames(inFolder.map((o) => o.manifest));
      inFolder.forEach((o, i) => files.set(`${folder}/${names[i]}`, yamlOfManifest(o.manifest)));
      files.set(`${folder}/kustomization.yaml`, kustomizationYaml([...names].sort(byString)));
    }
  }
  for (const a of artifacts) files.set(`dist/${a.cluster}/${a.path}`, a.content);
  return new Map([...files].sort(byKey));
}

/** File names for a folder; kinds that occur in two API groups get the group in their name. */
function uniqueFileNames(manifests: readonly Manifest[]): string[] {
  const plain = manifests.map((m) => fileNameOf(m));
  const count = new Map<string, number>();
  for (const n of plain) count.set(n, (count.get(n) ?? 0) + 1);
  return manifests.map((m, i) => ((count.get(plain[i]) ?? 0) > 1 ? fileNameOf(m, true) : plain[i]));
}
