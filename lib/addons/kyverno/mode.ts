import { z } from 'zod';
import { showValue } from '../../errors';

/**
 * What a policy violation does: `Audit` records it in a PolicyReport, `Warn` returns a warning to the
 * client, `Deny` rejects the request. New policies start in Audit and are switched to Deny deliberately.
 */
export const POLICY_MODES = ['Audit', 'Deny', 'Warn'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

/** A policy mode, with a message that lists the three. */
export const policyMode = () =>
  z.enum(POLICY_MODES, { error: (iss) => `${showValue(iss.input)} is not a policy mode (use Audit, Deny or Warn)` });

/** `spec.validationActions` of a policy in this mode. */
export function validationActions(mode: PolicyMode): PolicyMode[] {
  return [mode];
}

/**
 * `spec.failurePolicy`: only a denying policy blocks requests when Kyverno cannot answer; an
 * auditing or warning one must not take the cluster's API down with the engine.
 */
export function failurePolicyFor(mode: PolicyMode): 'Fail' | 'Ignore' {
  return mode === 'Deny' ? 'Fail' : 'Ignore';
}
