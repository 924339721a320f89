import { Problem } from '../errors';
import { describeObject, identityOf, RenderedObject } from './manifest';
import type { Check } from './validation/check';
import { helmValues } from './validation/helm-values';
import { schemaValidation } from './validation/objects';
import { fluxReferences, kedaReferences, namespaceReferences, runtimeClassReferences, veleroReferences } from './validation/references';
import { secretGuard } from './validation/secrets';

export type { Check };

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

/** The structural checks of the pipeline itself. */
export const BASE_CHECKS: readonly Check[] = [namedObjects, uniqueIdentities];

/** Cross-references within each cluster's tree (see lib/synth/validation/references.ts). */
export const REFERENCE_CHECKS: readonly Check[] = [namespaceReferences, fluxReferences, kedaReferences, runtimeClassReferences, veleroReferences];

/**
 * The validation gate every synth and `npm run validate` run: the base checks, every object against
 * the schema of its kind, HelmRelease values against the chart's schema, cross-references, and the
 * secret guard.
 */
export const DEFAULT_CHECKS: readonly Check[] = [...BASE_CHECKS, schemaValidation, helmValues, ...REFERENCE_CHECKS, secretGuard];
