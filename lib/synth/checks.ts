import { Problem } from '../errors';
import { admitWorkloads, findingProblem, formatAdmissionSummary, tallyOf } from './admission/check';
import { describeObject, identityOf, RenderedObject } from './manifest';
import { inClusterAddresses } from './validation/addresses';
import { noEphemeralContainers } from './validation/ephemeral-containers';
import type { Check, CheckNotes } from './validation/check';
import { helmValues } from './validation/helm-values';
import { pinnedImages } from './validation/images';
import { metadataRules } from './validation/metadata';
import { resourceQuantities } from './validation/resources';
import { schemaValidation } from './validation/objects';
import { fluxReferences, kedaReferences, namespaceReferences, runtimeClassReferences, veleroReferences } from './validation/references';
import { secretGuard } from './validation/secrets';

export type { Check, CheckNotes };

export const emptyNotes = (): CheckNotes => ({});

/** The counts of several runs of the checks (the threads of a big fleet), added up. */
export function addNotes(into: CheckNotes, more: CheckNotes): CheckNotes {
  if (more.admission) {
    const a = into.admission ?? { podSpecs: 0, denied: 0, warnings: 0 };
    into.admission = { podSpecs: a.podSpecs + more.admission.podSpecs, denied: a.denied + more.admission.denied, warnings: a.warnings + more.admission.warnings };
  }
  return into;
}

/** The notes as the lines synth and validate print (`admission: …`). */
export function summariesOf(notes: CheckNotes): string[] {
  return notes.admission ? [formatAdmissionSummary(notes.admission)] : [];
}

/** Every object has a name; generated names would change whenever a construct moves. */
export const namedObjects: Check = (objects) =>
  objects
    .filter((o) => !o.manifest.metadata.name)
    .map((o) => ({ where: describeObject(o), field: 'metadata.name', message: `no name given (set one in ${o.constructPath})` }));

/** No two objects of one cluster share an identity (API group, kind, namespace, name). */
export const uniqueIdentities: Check = (objects) => {
  const first = new Map<string, RenderedObject>();
  const problems: Problem[] = [];
  for (const o of objects) {
    const key = `${o.cluster}|${identityOf(o.manifest)}`;
    const prior = first.get(key);
    if (!prior) {
      first.set(key, o);
      continue;
    }
    const by = prior.component === o.component ? `twice by ${o.component}` : `by ${prior.component} and by ${o.component}`;
    problems.push({ where: describeObject(o), field: '', message: `defined ${by} (also at ${describeObject(prior)}); each object must be defined once` });
  }
  return problems;
};

/**
 * Admission at synth (lib/synth/admission): each cluster's own Kyverno policies over every pod spec it
 * renders. A Deny policy's violation is a problem; an Audit or Warn one a warning.
 */
export const admission: Check = (objects, notes) => {
  const report = admitWorkloads(objects);
  if (notes) addNotes(notes, { admission: tallyOf(report) });
  return report.findings.map(findingProblem);
};

/** The structural checks of the pipeline itself. */
export const BASE_CHECKS: readonly Check[] = [namedObjects, uniqueIdentities];

/** Cross-references within each cluster's tree (see lib/synth/validation/references.ts). */
export const REFERENCE_CHECKS: readonly Check[] = [namespaceReferences, fluxReferences, kedaReferences, runtimeClassReferences, veleroReferences, inClusterAddresses];

/** What the API server refuses beyond the schemas (lib/synth/validation/: names, labels, annotations, quantities, ephemeral containers), and pinned images. */
export const API_SERVER_CHECKS: readonly Check[] = [metadataRules, resourceQuantities, noEphemeralContainers, pinnedImages];

/**
 * The validation gate every synth and `npm run validate` run: the base checks, every object against
 * the schema of its kind and the API server's own rules, HelmRelease values against the chart's schema,
 * cross-references, the secret guard, and admission by the cluster's own policies.
 */
export const DEFAULT_CHECKS: readonly Check[] = [...BASE_CHECKS, schemaValidation, ...API_SERVER_CHECKS, helmValues, ...REFERENCE_CHECKS, secretGuard, admission];

/** The checks without admission at synth: what `SYNTH_ADMISSION=off` runs (to measure what admission costs). */
export function withoutAdmission(checks: readonly Check[]): Check[] {
  return checks.filter((c) => c !== admission);
}
