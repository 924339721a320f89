/**
 * The one ajv configuration: `npm run import` compiles the precompiled validators with it, and the
 * synth compiles any other kind with it at run time, so both judge an object the same way.
 */
import Ajv, { Options } from 'ajv';
import addFormats from 'ajv-formats';

/** Formats the schemas keep (scripts/schemas.ts drops the others); ajv-formats implements them. */
export const FORMATS = ['date-time', 'byte', 'int32', 'int64'] as const;

export function newAjv(options: Options = {}): Ajv {
  // allErrors: report every problem of an object, not the first. messages: false, because the
  // problems are worded by lib/synth/validation/objects.ts. strict: false, because upstream schemas
  // use what ajv's strict mode rejects (type unions, formats on number types).
  const ajv = new Ajv({ allErrors: true, messages: false, strict: false, validateSchema: false, logger: false, ...options });
  addFormats(ajv, [...FORMATS]);
  return ajv;
}
