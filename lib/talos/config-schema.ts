/**
 * Validation of machine-config patches against the Talos config schema of the nodes' minor, through the
 * validators that `npm run import` compiles from it (schemas/sources.yaml, `talos`): a `v1alpha1` document
 * against the v1alpha1 config, a multi-document kind (KernelModuleConfig, ...) against its own definition.
 */
import type { ErrorObject } from 'ajv';
import { formatPath } from '../errors';
import { describeErrors } from '../synth/validation/schema-errors';
import { schemas } from '../synth/validation/schemas';
import { TALOS_VERSION } from '../versions';

/** One way a document breaks the schema: where (`machine.kernel.modules[0]`) and what. */
export interface SchemaError {
  readonly path: string;
  readonly message: string;
}

/** The fields that say which document a patch document patches; every other required field comes from the config it patches. */
const IDENTITY = new Set(['apiVersion', 'kind', 'name']);

/** `$patch: delete` in a document: a directive to drop what it stands for, not a value the schema describes. */
const isDelete = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && (v as Record<string, unknown>).$patch === 'delete';

function withoutDeletes(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !isDelete(v)).map(withoutDeletes);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => !isDelete(v)).map(([k, v]) => [k, withoutDeletes(v)]));
}

/**
 * The ways one document of a patch breaks the Talos config schema of `version`; [] when it is valid. A
 * document without `kind` is a v1alpha1 config patch; one with `kind` is a multi-document kind of that minor.
 */
export function talosConfigErrors(doc: unknown, version: string = TALOS_VERSION): SchemaError[] {
  const kind = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>).kind : undefined;
  if (kind === undefined) {
    const validate = schemas.talosConfig(version);
    if (!validate) throw new Error(`schemas/index.json has no Talos ${version} config schema; run npm run import`);
    if (validate(doc)) return [];
    return describe(validate.errors ?? [], doc, `Talos ${version} config`, (path) => schemas.talosFieldsAt(version, path));
  }
  if (typeof kind !== 'string' || !schemas.talosDocumentKinds(version).includes(kind)) {
    return [{ path: 'kind', message: `${JSON.stringify(kind)} is not a document kind of Talos ${version}` }];
  }
  // A whole-document delete names the document and nothing else.
  if (isDelete(doc)) return [];
  const validate = schemas.talosDocument(version, kind);
  if (!validate) throw new Error(`schemas/index.json has no Talos ${version} ${kind} schema; run npm run import`);
  const data = withoutDeletes(doc);
  if (validate(data)) return [];
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'required' || e.instancePath !== '' || IDENTITY.has(String(e.params.missingProperty)));
  return describe(errors, data, `Talos ${version} ${kind}`, (path) => schemas.talosFieldsAt(version, path, kind));
}

function describe(errors: ErrorObject[], doc: unknown, schemaName: string, allowedFields: (path: ReadonlyArray<string | number>) => string[]): SchemaError[] {
  if (!errors.length) return [];
  return describeErrors(errors, doc, { schemaName, allowedFields }).map((p) => ({ path: formatPath(p.path) || '(document)', message: p.message }));
}
