/**
 * Validation of machine-config patches against the Talos config schema, through the validator that
 * `npm run import` compiles from it (schemas/sources.yaml, `talos`).
 */
import type { ErrorObject } from 'ajv';
import { formatPath } from '../errors';
import { schemas } from '../synth/validation/schemas';
import { TALOS_VERSION } from '../versions';

/** One way a document breaks the schema: where (`machine.kernel.modules[0]`) and what. */
export interface SchemaError {
  readonly path: string;
  readonly message: string;
}

/** The ways a `v1alpha1` config document (or patch) breaks the Talos config schema; [] when it is valid. */
export function talosConfigErrors(doc: unknown): SchemaError[] {
  const validate = schemas.talosConfig(TALOS_VERSION);
  if (!validate) throw new Error(`schemas/index.json has no Talos ${TALOS_VERSION} config schema; run npm run import`);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(describe);
}

function describe(e: ErrorObject): SchemaError {
  const segments = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const params = e.params as Record<string, unknown>;
  let message: string;
  if (e.keyword === 'additionalProperties') message = `unknown field ${JSON.stringify(params.additionalProperty)}`;
  else if (e.keyword === 'enum') message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  else if (e.keyword === 'type') message = `must be of type ${String(params.type)}`;
  else message = `breaks the ${e.keyword} rule of the schema (${JSON.stringify(params)})`;
  return { path: formatPath(segments) || '(document)', message };
}
