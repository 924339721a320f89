import { z } from 'zod';
import { dnsSubdomain } from '../../validators';

/** One trigger parameter read from a key of an existing Secret (the value itself is never rendered). */
export interface SecretTargetRef {
  /** The trigger parameter it fills, such as `host`, `password` or `bearerToken`. */
  readonly parameter: string;
  /** Name of the existing Secret. */
  readonly name: string;
  /** Key in that Secret. */
  readonly key: string;
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** The zod schema of a non-empty secretTargetRef list with distinct parameters. */
export const secretTargetRefs = () =>
  z.array(z.strictObject({
    parameter: z.string().min(1, { error: 'a trigger parameter name is required' }),
    name: dnsSubdomain(),
    key: z.string().refine((k) => k.length <= 253 && SECRET_KEY.test(k), {
      error: (iss) => `${JSON.stringify(iss.input)} is not a Secret key (letters, digits, '-', '_' and '.')`,
    }),
  })).min(1, { error: 'reference at least one Secret key' }).superRefine((refs, ctx) => {
    const seen = new Set<string>();
    refs.forEach((r, i) => {
      if (seen.has(r.parameter)) ctx.addIssue({ code: 'custom', path: [i, 'parameter'], message: `parameter ${JSON.stringify(r.parameter)} is set twice` });
      seen.add(r.parameter);
    });
  });
