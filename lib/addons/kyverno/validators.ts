/** zod building blocks for the policy library's props. */
import { z } from 'zod';
import { showValue } from '../../errors';
import { isLabelKey } from '../../validators';
import { compileGlob } from './glob';

/** A label key such as `team` or `app.kubernetes.io/name`. */
export const labelKey = () =>
  z.string().refine(isLabelKey, { error: (iss) => `${JSON.stringify(iss.input)} is not a valid label key` });

// A registry host (DNS name or IP, optional port) with an optional path prefix, as images name it.
const REGISTRY = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** A registry of an image allow-list: `ghcr.io`, `registry.local:5000`, or a prefix such as `ghcr.io/my-org`. */
export const registry = () =>
  z.string().refine((s) => REGISTRY.test(s), {
    error: (iss) => `${JSON.stringify(iss.input)} is not a registry (a host such as ghcr.io, optionally with a port or a path prefix such as ghcr.io/my-org; no scheme, no trailing '/')`,
  });

/** An image glob as `matchImageReferences[].glob` takes it. */
export const imageGlob = () =>
  z.string().superRefine((s, ctx) => {
    const compiled = compileGlob(s);
    if ('error' in compiled) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not a valid glob: ${compiled.error}` });
  });

/** A CEL identifier, as variable and attestor names must be. */
export const celIdentifier = () =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a CEL identifier (letters, digits and '_', not starting with a digit)` });

/** A non-empty string, with the message to show when it is missing or empty. */
export const required = (message: string) =>
  z.string({ error: (iss) => (iss.input === undefined ? message : `expected a string, got ${showValue(iss.input)}`) })
    .min(1, { error: message });

/** A webhook timeout in whole seconds; the API server allows 1 to 30. */
export const webhookTimeout = () => {
  const message = (input: unknown) => `${showValue(input)} is not a webhook timeout (whole seconds from 1 to 30)`;
  return z.number({ error: (iss) => message(iss.input) })
    .int({ error: (iss) => message(iss.input) })
    .min(1, { error: (iss) => message(iss.input) })
    .max(30, { error: (iss) => message(iss.input) });
};
