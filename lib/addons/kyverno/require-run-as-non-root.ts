import { validateProps } from '../../props';
import { CelVariable, hasPath } from './cel';
import { Kyverno } from './kyverno';
import { commonPolicySchema, PolicyProps, WorkloadPolicy } from './policy';

const POD_RUN_AS_NON_ROOT: CelVariable = {
  name: 'podRunAsNonRoot',
  expression: `${hasPath('variables.podSpec', 'securityContext', 'runAsNonRoot')} && variables.podSpec.securityContext.runAsNonRoot == true`,
};

/**
 * Requires pods to run as a non-root user (`require-run-as-nonroot`, Pod Security restricted): every
 * container runs with runAsNonRoot true, set on itself or inherited from the pod, and neither the pod
 * nor a container sets runAsUser 0.
 */
export class RequireRunAsNonRoot extends WorkloadPolicy {
  constructor(kyverno: Kyverno, id: string, props: PolicyProps = {}) {
    super(kyverno, id);
    const p = validateProps(this, commonPolicySchema, props);
    this.renderWorkloadChecks(p, 'require-run-as-nonroot', [
      {
        // A container's own setting wins over the pod's, as the kubelet applies them.
        expression: `variables.containers.all(c, ${hasPath('c', 'securityContext', 'runAsNonRoot')} ? c.securityContext.runAsNonRoot == true : variables.podRunAsNonRoot)`,
        message: 'containers must run as non-root: set securityContext.runAsNonRoot: true on the pod or on every container, and on no container false',
      },
      {
        expression: `!(${hasPath('variables.podSpec', 'securityContext', 'runAsUser')} && variables.podSpec.securityContext.runAsUser == 0) && ` +
          `variables.containers.all(c, !(${hasPath('c', 'securityContext', 'runAsUser')} && c.securityContext.runAsUser == 0))`,
        message: 'runAsUser must not be 0 (root), on the pod or on any container',
      },
    ], [POD_RUN_AS_NON_ROOT], { ephemeralContainers: true });
  }
}
