import { formatPath, Problem } from '../../errors';
import type { Check } from './check';
import { describeObject, RenderedObject } from '../manifest';
import { decodePointer } from './access';
import { describeErrors, suggestion } from './schema-errors';
import { schemas } from './schemas';
import { decryptedShape } from './sops';

/**
 * Every object matches the schema of its kind — Kubernetes 1.34 or the CRD of the pinned version —
 * strictly: an unknown field is an error, and so is a kind no schema knows.
 */
export const schemaValidation: Check = (objects) => objects.flatMap(validateObject);

function validateObject(o: RenderedObject): Problem[] {
  const where = describeObject(o);
  const { apiVersion, kind } = o.manifest;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
    return [{ where, field: typeof apiVersion === 'string' && apiVersion ? 'kind' : 'apiVersion', message: 'required field is missing' }];
  }
  const validate = schemas.validator(apiVersion, kind);
  if (!validate) return [unknownKind(where, apiVersion, kind)];
  const allowedFields = (path: ReadonlyArray<string | number>) => schemas.fieldsAt(apiVersion, kind, path);
  const dropped = (o.droppedPatches ?? []).map((pointer) => droppedPatch(where, `${apiVersion} ${kind}`, pointer, allowedFields));
  const data = decryptedShape(o.manifest);
  if (validate(data)) return dropped;
  const problems = describeErrors(validate.errors ?? [], data, { schemaName: `${apiVersion} ${kind}`, redact: apiVersion === 'v1' && kind === 'Secret', allowedFields });
  return [...dropped, ...problems.map((p) => ({ where, field: formatPath(p.path), message: p.message }))];
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

function unknownKind(where: string, apiVersion: string, kind: string): Problem {
  const served = schemas.versionsOf(kind);
  if (served.length) {
    return { where, field: 'apiVersion', message: `${kind} is not served as ${apiVersion}; use ${served.join(' or ')}` };
  }
  return {
    where,
    field: 'kind',
    message: `no schema for ${apiVersion} ${kind}, so it cannot be checked; add its CRD to schemas/sources.yaml and run npm run import`,
  };
}
