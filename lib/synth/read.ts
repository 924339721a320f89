import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Problem } from '../errors';
import { folderOf } from './files';
import { KUBERNETES_VERSION_ANNOTATION, LABEL_PART_OF } from './labels';
import { Destination, Manifest, RenderedObject } from './manifest';
import { APPLY_ORDER } from './validation/cluster-view';
import { KUBERNETES_VERSIONS } from '../versions';

/** The committed output read back: what `npm run validate` checks. */
export interface TreeReading {
  /** Cluster names (folders under dist/ and clusters/), sorted. */
  readonly clusters: readonly string[];
  /** Every object, with its file as the construct path. */
  readonly objects: readonly RenderedObject[];
  /** What could not be read: unparsable files, files a kustomization.yaml leaves out or lists but lacks. */
  readonly problems: readonly Problem[];
}

const KUSTOMIZATION = 'kustomization.yaml';

function subfolders(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** Reads dist/<cluster>/<layer>/ and clusters/<cluster>/ under root (other folders, such as talos/, are not Kubernetes objects). */
export function readTree(root: string): TreeReading {
  const clusters = [...new Set([...subfolders(path.join(root, 'dist')), ...subfolders(path.join(root, 'clusters'))])].sort();
  const objects: RenderedObject[] = [];
  const problems: Problem[] = [];
  for (const cluster of clusters) {
    const ofCluster: RenderedObject[] = [];
    for (const destination of APPLY_ORDER) {
      const folder = folderOf(cluster, destination);
      const read = readFolder(root, folder, cluster, destination);
      ofCluster.push(...read.objects);
      problems.push(...read.problems);
    }
    // The minor the synth recorded on the layer Kustomizations of clusters/<cluster>/ (a tree without it: the newest).
    const recorded = ofCluster.find((o) => o.destination === 'flux' && typeof o.manifest.metadata.annotations === 'object' && o.manifest.metadata.annotations !== null &&
      typeof (o.manifest.metadata.annotations as Record<string, unknown>)[KUBERNETES_VERSION_ANNOTATION] === 'string');
    const kubernetesVersion = recorded && (recorded.manifest.metadata.annotations as Record<string, string>)[KUBERNETES_VERSION_ANNOTATION];
    if (recorded && kubernetesVersion && !(KUBERNETES_VERSIONS as readonly string[]).includes(kubernetesVersion)) {
      problems.push({
        where: recorded.constructPath,
        field: `metadata.annotations["${KUBERNETES_VERSION_ANNOTATION}"]`,
        message: `${JSON.stringify(kubernetesVersion)} is not a supported Kubernetes version; use one of ${KUBERNETES_VERSIONS.join(', ')} (npm run synth records the cluster's)`,
      });
      continue;
    }
    objects.push(...(kubernetesVersion ? ofCluster.map((o) => ({ ...o, kubernetesVersion })) : ofCluster));
  }
  return { clusters, objects, problems };
}

function readFolder(root: string, folder: string, cluster: string, destination: Destination): { objects: RenderedObject[]; problems: Problem[] } {
  const dir = path.join(root, folder);
  if (!fs.existsSync(path.join(dir, KUSTOMIZATION))) {
    return { objects: [], problems: [{ where: folder, field: '', message: `${KUSTOMIZATION} is missing; Flux applies ${folder} through it` }] };
  }
  const objects: RenderedObject[] = [];
  const problems: Problem[] = [];
  const files = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && e.name !== KUSTOMIZATION).map((e) => e.name).sort();
  const kustomization = parseFile(path.join(dir, KUSTOMIZATION), `${folder}/${KUSTOMIZATION}`, problems)[0] as { resources?: unknown } | undefined;
  const listed = Array.isArray(kustomization?.resources) ? kustomization.resources.map(String) : [];
  for (const name of listed.filter((r) => !files.includes(r))) problems.push({ where: `${folder}/${KUSTOMIZATION}`, field: 'resources', message: `lists ${name}, which does not exist` });
  for (const name of files) {
    const rel = `${folder}/${name}`;
    if (!listed.includes(name)) problems.push({ where: rel, field: '', message: `not listed in ${KUSTOMIZATION}, so Flux never applies it` });
    for (const doc of parseFile(path.join(dir, name), rel, problems)) {
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        problems.push({ where: rel, field: '', message: 'not a Kubernetes object' });
        continue;
      }
      const m = doc as Record<string, unknown>;
      const manifest = { ...m, metadata: m.metadata ?? {} } as Manifest;
      objects.push({ cluster, destination, component: manifest.metadata.labels?.[LABEL_PART_OF] ?? '(unlabelled)', constructPath: rel, manifest });
    }
  }
  return { objects, problems };
}

function parseFile(file: string, rel: string, problems: Problem[]): unknown[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length) {
      problems.push({ where: rel, field: '', message: `not valid YAML: ${doc.errors[0].message.split('\n')[0]}` });
      continue;
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}
