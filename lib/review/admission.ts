import { AdmissionFinding, admitWorkloads, ClusterObject, findingProblem } from '../synth/admission/check';
import { formatProblem } from '../errors';
import type { Manifest } from '../synth/manifest';
import { objectsOf } from './tree';

/** What a change does at admission: the policy violations it introduces. */
export interface AdmissionDiff {
  /** Findings of the working tree that the base does not have (same workload, policy and message), Deny first. */
  readonly introduced: readonly AdmissionFinding[];
  /** Deny findings of the working tree, introduced or not: each would fail `npm run synth`. */
  readonly denied: number;
}

/** The Kubernetes objects of an output tree (relative path → content), as admission reads them. */
function treeObjects(files: ReadonlyMap<string, string>): ClusterObject[] {
  return [...objectsOf(files).values()]
    .filter((o) => o.layer !== 'files' && o.kind !== 'File')
    .map((o) => ({ cluster: o.cluster, manifest: o.value as Manifest }));
}

const keyOf = (f: AdmissionFinding) => formatProblem(findingProblem(f));

/**
 * Runs each cluster's own policies over the base tree (as committed: its own policies then) and over
 * the working tree's render, and returns what the change introduces: a new violation, or one a changed
 * policy or mode now reports.
 */
export function diffAdmission(base: ReadonlyMap<string, string>, head: readonly ClusterObject[]): AdmissionDiff {
  const before = new Set(admitWorkloads(treeObjects(base)).findings.map(keyOf));
  const after = admitWorkloads(head).findings;
  const introduced = after.filter((f) => !before.has(keyOf(f))).sort((a, b) => Number(b.denied) - Number(a.denied));
  return { introduced, denied: after.filter((f) => f.denied).length };
}

/** `DENY  cluster/namespace/Kind/name: policy: message` (or `warn`), one line per introduced finding. */
export function admissionLines(a: AdmissionDiff): Array<{ readonly denied: boolean; readonly text: string }> {
  return a.introduced.map((f) => ({ denied: f.denied, text: keyOf(f) }));
}
