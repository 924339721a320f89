import { Construct } from 'constructs';
import { z } from 'zod';
import { KubeNamespace } from '../../imports/k8s';
import { validateProps } from '../props';
import { dnsLabel, labels } from '../validators';
import { POD_SECURITY_LEVELS, PodSecurityLevel, podSecurityLabels, TALOS_DEFAULT_POD_SECURITY } from './pod-security';

export interface TalosNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /**
   * Pod Security level enforced on the namespace. Talos enforces `baseline` where none is set;
   * add-ons whose pods need host access (hostPath, privileged) ask for `privileged`.
   * @default baseline
   */
  readonly podSecurity?: PodSecurityLevel;
  /** Extra labels. @default {} */
  readonly labels?: Record<string, string>;
}

const schema = z.strictObject({
  name: dnsLabel(),
  podSecurity: z.enum(POD_SECURITY_LEVELS).optional(),
  labels: labels().optional(),
});

/**
 * A Namespace that always states its Pod Security level explicitly. The labels are rendered with
 * the Namespace itself because Helm hooks that label namespaces run after the pods they should admit.
 */
export class TalosNamespace extends Construct {
  readonly name: string;
  readonly podSecurity: PodSecurityLevel;

  constructor(scope: Construct, id: string, props: TalosNamespaceProps) {
    super(scope, id);
    const p = validateProps(this, schema, props);
    this.name = p.name;
    this.podSecurity = p.podSecurity ?? TALOS_DEFAULT_POD_SECURITY;
    this.node.defaultChild = new KubeNamespace(this, 'resource', {
      metadata: { name: p.name, labels: { ...p.labels, ...podSecurityLabels(this.podSecurity) } },
    });
  }
}
