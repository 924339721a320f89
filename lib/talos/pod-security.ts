/** Pod Security Standards levels, from least to most restrictive. */
export const POD_SECURITY_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/** What Talos enforces on a namespace that sets no level (its admission defaults). */
export const TALOS_DEFAULT_POD_SECURITY: PodSecurityLevel = 'baseline';

export const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/**
 * The Pod Security labels of a namespace: `enforce` at the chosen level, `warn` at the same level
 * (so applying a privileged add-on does not flood Flux events with warnings), and `audit` at
 * `restricted`, as Talos audits by default.
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  return {
    [POD_SECURITY_ENFORCE_LABEL]: level,
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/audit': 'restricted',
    'pod-security.kubernetes.io/warn': level,
  };
}
