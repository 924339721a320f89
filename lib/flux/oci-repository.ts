import { Construct } from 'constructs';
import { z } from 'zod';
import { OciRepository, OciRepositorySpecLayerSelectorOperation } from '../../imports/ocirepositories-source.toolkit.fluxcd.io';
import { validateProps } from '../props';
import { dnsLabel, duration } from '../validators';
import { ChartSource, FluxObjectRef } from './refs';

/** Media type of a Helm chart layer in an OCI artifact. */
const HELM_CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

export interface OciChartSourceProps {
  /** Object name. */
  readonly name: string;
  /** Namespace; a HelmRelease `chartRef` must point to its own namespace. */
  readonly namespace: string;
  /** Artifact URL, for example `oci://ghcr.io/org/charts/app` (no tag). */
  readonly url: string;
  /** Exact tag of the chart artifact (its version). */
  readonly tag: string;
  /** How often Flux checks the tag. @default 1h */
  readonly interval?: string;
}

const schema = z.strictObject({
  name: dnsLabel(),
  namespace: dnsLabel(),
  url: z.string().regex(/^oci:\/\/[^\s:]+(:\d+)?(\/[^\s:@]+)*$/, { error: (iss) => `${JSON.stringify(iss.input)} is not an OCI artifact URL without tag (oci://registry/repository)` }),
  tag: z.string().regex(/^[\w][\w.-]{0,127}$/, { error: (iss) => `${JSON.stringify(iss.input)} is not an OCI tag` }),
  interval: duration().optional(),
});

/** A Flux OCIRepository (source.toolkit.fluxcd.io/v1) holding one pinned Helm chart. */
export class OciChartSource extends Construct implements ChartSource {
  readonly ref: FluxObjectRef;

  constructor(scope: Construct, id: string, props: OciChartSourceProps) {
    super(scope, id);
    validateProps(this, schema, props);
    this.node.defaultChild = new OciRepository(this, 'resource', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        url: props.url,
        ref: { tag: props.tag },
        interval: props.interval ?? '1h',
        layerSelector: { mediaType: HELM_CHART_LAYER, operation: OciRepositorySpecLayerSelectorOperation.COPY },
      },
    });
    this.ref = { kind: 'OCIRepository', name: props.name, namespace: props.namespace };
  }
}
