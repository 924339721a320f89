import { validateProps } from '../../props';
import { hasPath } from './cel';
import { Kyverno } from './kyverno';
import { commonPolicySchema, PolicyProps, WorkloadPolicy } from './policy';

/** Rejects hostPath volumes (`disallow-host-path`, Pod Security baseline). */
export class DisallowHostPath extends WorkloadPolicy {
  constructor(kyverno: Kyverno, id: string, props: PolicyProps = {}) {
    super(kyverno, id);
    const p = validateProps(this, commonPolicySchema, props);
    this.renderWorkloadChecks(p, 'disallow-host-path', [{
      expression: `!${hasPath('variables.podSpec', 'volumes')} || variables.podSpec.volumes.all(v, !has(v.hostPath))`,
      message: 'hostPath volumes are not allowed; use a PersistentVolumeClaim, an emptyDir or a ConfigMap',
    }]);
  }
}
