import { Construct } from 'constructs';
import { z } from 'zod';
import { HelmRepository } from '../../imports/helmrepositories-source.toolkit.fluxcd.io';
import { validateProps } from '../props';
import { dnsLabel, duration } from '../validators';
import { ChartSource, FluxObjectRef } from './refs';

export interface HelmRepositorySourceProps {
  /** Object name. */
  readonly name: string;
  /** Namespace of the HelmRepository (the HelmRelease that uses it may live elsewhere). */
  readonly namespace: string;
  /** Chart repository URL (https://). */
  readonly url: string;
  /** How often Flux refreshes the repository index. @default 1h */
  readonly interval?: string;
}

const schema = z.strictObject({
  name: dnsLabel(),
  namespace: dnsLabel(),
  url: z.string().regex(/^https?:\/\/\S+$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a Helm repository URL (https://)` }),
  interval: duration().optional(),
});

/** A Flux HelmRepository (source.toolkit.fluxcd.io/v1) serving charts over HTTPS. */
export class HelmRepositorySource extends Construct implements ChartSource {
  readonly ref: FluxObjectRef;

  constructor(scope: Construct, id: string, props: HelmRepositorySourceProps) {
    super(scope, id);
    validateProps(this, schema, props);
    this.node.defaultChild = new HelmRepository(this, 'resource', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: { url: props.url, interval: props.interval ?? '1h' },
    });
    this.ref = { kind: 'HelmRepository', name: props.name, namespace: props.namespace };
  }
}
