import { validateProps } from '../../props';
import { hasPath } from './cel';
import { Kyverno } from './kyverno';
import { commonPolicySchema, PolicyProps, WorkloadPolicy } from './policy';

/** Rejects privileged containers (`disallow-privileged-containers`, Pod Security baseline). */
export class DisallowPrivilegedContainers extends WorkloadPolicy {
  constructor(kyverno: Kyverno, id: string, props: PolicyProps = {}) {
    super(kyverno, id);
    const p = validateProps(this, commonPolicySchema, props);
    this.renderWorkloadChecks(p, 'disallow-privileged-containers', [{
      expression: `variables.containers.all(c, !(${hasPath('c', 'securityContext', 'privileged')} && c.securityContext.privileged == true))`,
      message: 'privileged containers are not allowed: securityContext.privileged must be unset or false',
    }], [], { ephemeralContainers: true });
  }
}
