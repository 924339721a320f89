/**
 * Validation of machine-config patches against the Talos config schema, through the validator that
 * `npm run import` compiles from it (schemas/sources.yaml, `talos`).
 */
import { formatPath } from '../errors';
import { describeErrors } from '../synth/validation/schema-errors';
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
  const problems = describeErrors(validate.errors ?? [], doc, {
    schemaName: `Talos ${TALOS_VERSION} config`,
    allowedFields: (path) => schemas.talosFieldsAt(TALOS_VERSION, path),
  });
  return problems.map((p) => ({ path: formatPath(p.path) || '(document)', message: p.message }));
}
