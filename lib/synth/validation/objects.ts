import { formatPath, Problem } from '../../errors';
import type { Check } from './check';
import { describeObject, RenderedObject } from '../manifest';
import { decodePointer } from './access';
import { describeErrors, suggestion } from './schema-errors';
import { schemas } from './schemas';
import { decryptedShape } from './sops';
import { KUBERNETES_VERSION, KUBERNETES_VERSIONS, KubernetesVersion } from '../../versions';

/**
 * Every object matches the schema of its kind — the built-in schema of its cluster's Kubernetes minor, or
 * the CRD of the pinned version — strictly: an unknown field is an error, and so is a kind no schema knows
 * or the cluster's minor does not serve.
 */
export const schemaValidation: Check = (objects) => objects.flatMap(validateObject);

function validateObject(o: RenderedObject): Problem[] {
  const where = describeObject(o);
  const { apiVersion, kind } = o.manifest;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
    return [{ where, field: typeof apiVersion === 'string' && apiVersion ? 'kind' : 'apiVersion', message: 'required field is missing' }];
  }
  const minor = o.kubernetesVersion ?? KUBERNETES_VERSION;
  const validate = schemas.validator(apiVersion, kind, minor);
  if (!validate) return [unknownKind(where, apiVersion, kind, minor)];
  const allowedFields = (path: ReadonlyArray<string | number>) => schemas.fieldsAt(apiVersion, kind, path, minor);
  const builtin = schemas.servedIn(apiVersion, kind).length > 0;
  const schemaName = builtin ? `Kubernetes ${minor} ${apiVersion} ${kind}` : `${apiVersion} ${kind}`;
  const dropped = (o.droppedPatches ?? []).map((pointer) => droppedPatch(where, schemaName, pointer, allowedFields));
  const data = decryptedShape(o.manifest);
  if (validate(data)) return dropped;
  const problems = describeErrors(validate.errors ?? [], data, { schemaName, redact: apiVersion === 'v1' && kind === 'Secret', allowedFields });
  return [...dropped, ...problems.map((p) => ({ where, field: formatPath(p.path), message: builtin ? withOtherMinors(p.message, apiVersion, kind, p.path, minor) : p.message }))];
}

/** An unknown field of a built-in kind that another minor serves: say which, so an upgrade (or downgrade) is the obvious fix. */
function withOtherMinors(message: string, apiVersion: string, kind: string, path: ReadonlyArray<string | number>, minor: string): string {
  const field = path[path.length - 1];
  if (!message.startsWith('unknown field') || typeof field !== 'string') return message;
  const serving = KUBERNETES_VERSIONS.filter((m) => m !== minor && schemas.fieldsAt(apiVersion, kind, path.slice(0, -1), m).includes(field));
  // A suggestion of a field this minor has would mislead: the field is right, the minor is not.
  return serving.length ? `${message.replace(/; did you mean .*$/, '')}; Kubernetes ${serving.join(', ')} serves it` : message;
}

/** A field an escape hatch set that the typed binding dropped, because the kind has no such field. */
function droppedPatch(where: string, schemaName: string, pointer: string, allowedFields: (path: ReadonlyArray<string | number>) => readonly string[]): Problem {
  const path = decodePointer(pointer).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const field = path[path.length - 1];
  const hint = typeof field === 'string' ? suggestion(field, allowedFields(path.slice(0, -1))) : undefined;
  return {
    where,
    field: formatPath(path),
    message: `unknown field, not in the ${schemaName} schema, so its typed binding left out what addJsonPatch set${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''}`,
  };
}

function unknownKind(where: string, apiVersion: string, kind: string, minor: string): Problem {
  const served = schemas.versionsOf(kind, minor);
  const minors = schemas.servedIn(apiVersion, kind);
  if (minors.length) {
    const instead = served.length ? `; use ${served.join(' or ')}` : '';
    return { where, field: 'apiVersion', message: `${apiVersion} ${kind} is not served by Kubernetes ${minor} (${describeMinors(minors, minor)})${instead}` };
  }
  if (served.length) {
    return { where, field: 'apiVersion', message: `${kind} is not served as ${apiVersion}; use ${served.join(' or ')}` };
  }
  return {
    where,
    field: 'kind',
    message: `no schema for ${apiVersion} ${kind}, so it cannot be checked; add its CRD with npm run import -- --crd <file or https URL of the CRD>`,
  };
}

/** `served from 1.35`, `served up to 1.34`, `served only in 1.35`: where a kind is, seen from `minor`. */
function describeMinors(minors: readonly string[], minor: string): string {
  const order = (v: string) => KUBERNETES_VERSIONS.indexOf(v as KubernetesVersion);
  if (minors.every((m) => order(m) > order(minor))) return `served from ${minors[0]}`;
  if (minors.every((m) => order(m) < order(minor))) return minors.length === 1 ? `served only in ${minors[0]}` : `served up to ${minors[minors.length - 1]}`;
  return `served in ${minors.join(', ')}`;
}
