import { z } from 'zod';
import { TriggerAuthentication as TriggerAuthenticationResource } from '../../../imports/triggerauthentications-keda.sh';
import { Component } from '../../component';
import { validateProps } from '../../props';
import { dnsLabel, dnsSubdomain } from '../../validators';
import { KedaResource, withDefaultName } from './keda-resource';
import { SecretTargetRef, secretTargetRefs } from './secret-refs';

export interface TriggerAuthenticationProps {
  /** Object name. @default the construct id */
  readonly name?: string;
  /** Namespace: the namespace of the ScaledObjects that use it and of the Secrets it reads. */
  readonly namespace: string;
  /** Trigger parameters read from existing Secrets in the same namespace. */
  readonly secretTargetRef: readonly SecretTargetRef[];
}

const schema = z.strictObject({
  name: dnsSubdomain(),
  namespace: dnsLabel(),
  secretTargetRef: secretTargetRefs(),
});

/**
 * A KEDA TriggerAuthentication (keda.sh/v1alpha1): hands trigger parameters such as a connection
 * string to a scaler from existing Secrets. It is rendered in the apps layer, beside the ScaledObjects
 * that use it, because it belongs to one app's namespace and goes away with the app.
 */
export class TriggerAuthentication extends KedaResource {
  readonly name: string;
  readonly namespace: string;

  constructor(scope: Component, id: string, props: TriggerAuthenticationProps) {
    super(scope, 'apps', id);
    const p = validateProps(this, schema, withDefaultName(props, id));
    this.name = p.name;
    this.namespace = p.namespace;
    this.node.defaultChild = new TriggerAuthenticationResource(this, 'resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: { secretTargetRef: p.secretTargetRef },
    });
  }
}
