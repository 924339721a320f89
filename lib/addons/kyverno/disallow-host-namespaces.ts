import { validateProps } from '../../props';
import { hasPath } from './cel';
import { Kyverno } from './kyverno';
import { commonPolicySchema, PolicyProps, WorkloadPolicy } from './policy';

/** The pod fields that share a host namespace. */
const HOST_NAMESPACE_FIELDS = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

/** Rejects pods that share the host's network, PID or IPC namespace (`disallow-host-namespaces`, Pod Security baseline). */
export class DisallowHostNamespaces extends WorkloadPolicy {
  constructor(kyverno: Kyverno, id: string, props: PolicyProps = {}) {
    super(kyverno, id);
    const p = validateProps(this, commonPolicySchema, props);
    this.renderWorkloadChecks(p, 'disallow-host-namespaces', [{
      expression: HOST_NAMESPACE_FIELDS.map((f) => `!(${hasPath('variables.podSpec', f)} && variables.podSpec.${f} == true)`).join(' && '),
      message: `pods must not share the host's namespaces: ${HOST_NAMESPACE_FIELDS.join(', ')} must be unset or false`,
    }]);
  }
}
