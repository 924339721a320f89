/**
 * The chart values the bootstrap stack sets: subsets of the charts' values.yaml, same key names.
 */
import { KUBEPRISM_PORT } from '../talos/machine-config';

/** cilium chart values we set: the Talos guide's (siderolabs docs, kubernetes-guides/cni/deploying-cilium). */
export interface CiliumValues {
  readonly ipam: { readonly mode: 'kubernetes' };
  readonly kubeProxyReplacement: boolean;
  readonly securityContext: { readonly capabilities: { readonly ciliumAgent: readonly string[]; readonly cleanCiliumState: readonly string[] } };
  readonly cgroup: { readonly autoMount: { readonly enabled: boolean }; readonly hostRoot: string };
  readonly k8sServiceHost: string;
  readonly k8sServicePort: number;
}

/**
 * Cilium on Talos: pod IPs from the Kubernetes node CIDRs, kube-proxy replaced (the machine config turns
 * Talos' kube-proxy off), no SYS_MODULE capability (Talos lets no workload load kernel modules), the
 * cgroup v2 and bpffs mounts Talos already has, and the API server through KubePrism on each node.
 */
export const CILIUM_VALUES: CiliumValues = {
  ipam: { mode: 'kubernetes' },
  kubeProxyReplacement: true,
  securityContext: {
    capabilities: {
      ciliumAgent: ['CHOWN', 'KILL', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'SYS_ADMIN', 'SYS_RESOURCE', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'],
      cleanCiliumState: ['NET_ADMIN', 'SYS_ADMIN', 'SYS_RESOURCE'],
    },
  },
  cgroup: { autoMount: { enabled: false }, hostRoot: '/sys/fs/cgroup' },
  k8sServiceHost: 'localhost',
  k8sServicePort: KUBEPRISM_PORT,
};
