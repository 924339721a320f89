import * as kplus from 'cdk8s-plus-34';
import { z } from 'zod';
import { ServiceMonitor as ServiceMonitorResource } from '../../../imports/servicemonitors-monitoring.coreos.com';
import { Component } from '../../component';
import { propError, validateProps, withDefaultName } from '../../props';
import { endpointSchema, MonitorEndpointProps, MonitorResource } from './monitor-resource';

export interface ServiceMonitorProps extends MonitorEndpointProps {
  /** The Service in front of the pods: the monitor selects it by its labels, in its namespace. */
  readonly service: kplus.Service;
}

const schema = z.strictObject({
  ...endpointSchema,
  service: z.custom<kplus.Service>((s) => s instanceof kplus.Service, { error: 'expected a cdk8s-plus Service' }),
});

/**
 * A ServiceMonitor (monitoring.coreos.com/v1) for a cdk8s-plus Service: selects it by its own labels, in
 * its namespace, and scrapes the named Service port, which must exist.
 */
export class ServiceMonitor extends MonitorResource {
  readonly name: string;
  readonly namespace: string;

  constructor(component: Component, id: string, props: ServiceMonitorProps) {
    super(component, id);
    const p = validateProps(this, schema, withDefaultName(props, id));
    const service = p.service;
    const what = `Service ${JSON.stringify(service.name)}`;
    const ports = service.ports.map((port) => port.name).filter((n): n is string => !!n);
    const namespace = this.scrapedIn(service, what, 'service', ports, p.port, 'port');
    const labels = { ...((service.metadata.toJson() as { labels?: Record<string, string> }).labels ?? {}) };
    if (!Object.keys(labels).length) throw propError(this, 'service', `${what} has no labels to select it by; set metadata.labels (such as app.kubernetes.io/name)`);
    this.name = p.name;
    this.namespace = namespace;
    new ServiceMonitorResource(this, 'resource', {
      metadata: { name: p.name, namespace },
      spec: {
        selector: { matchLabels: labels },
        endpoints: [{ port: p.port, path: p.path ?? '/metrics', interval: p.interval }],
      },
    });
  }
}
