import { z } from 'zod';
import { ClusterTriggerAuthentication as ClusterTriggerAuthenticationResource } from '../../../imports/clustertriggerauthentications-keda.sh';
import { Component } from '../../component';
import { validateProps } from '../../props';
import { dnsSubdomain } from '../../validators';
import { KedaResource, withDefaultName } from './keda-resource';
import { SecretTargetRef, secretTargetRefs } from './secret-refs';

export interface ClusterTriggerAuthenticationProps {
  /** Object name. @default the construct id */
  readonly name?: string;
  /** Trigger parameters read from existing Secrets in KEDA's own namespace (`keda`). */
  readonly secretTargetRef: readonly SecretTargetRef[];
}

const schema = z.strictObject({
  name: dnsSubdomain(),
  secretTargetRef: secretTargetRefs(),
});

/**
 * A KEDA ClusterTriggerAuthentication (keda.sh/v1alpha1): like a TriggerAuthentication, but usable by
 * ScaledObjects in every namespace; KEDA reads its Secrets from its own namespace. Being cluster-wide and
 * needing the keda.sh CRDs, it is rendered in the configs layer.
 */
export class ClusterTriggerAuthentication extends KedaResource {
  readonly name: string;

  constructor(scope: Component, id: string, props: ClusterTriggerAuthenticationProps) {
    super(scope, 'configs', id);
    const p = validateProps(this, schema, withDefaultName(props, id));
    this.name = p.name;
    this.node.defaultChild = new ClusterTriggerAuthenticationResource(this, 'resource', {
      metadata: { name: this.name },
      spec: { secretTargetRef: p.secretTargetRef },
    });
  }
}
