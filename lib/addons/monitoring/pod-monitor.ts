import * as kplus from 'cdk8s-plus-34';
import { z } from 'zod';
import { PodMonitor as PodMonitorResource } from '../../../imports/podmonitors-monitoring.coreos.com';
import { Component } from '../../component';
import { propError, validateProps, withDefaultName } from '../../props';
import { endpointSchema, MonitorEndpointProps, MonitorResource } from './monitor-resource';

export interface PodMonitorProps extends MonitorEndpointProps {
  /** The workload whose pods are scraped: the monitor takes its pod selector and namespace. */
  readonly target: kplus.Deployment | kplus.StatefulSet | kplus.DaemonSet;
}

const schema = z.strictObject({
  ...endpointSchema,
  target: z.custom<kplus.Deployment | kplus.StatefulSet | kplus.DaemonSet>(
    (t) => t instanceof kplus.Deployment || t instanceof kplus.StatefulSet || t instanceof kplus.DaemonSet,
    { error: 'expected a cdk8s-plus Deployment, StatefulSet or DaemonSet' },
  ),
});

/**
 * A PodMonitor (monitoring.coreos.com/v1) for a cdk8s-plus workload: selects its pods by the workload's
 * own selector, in its namespace, and scrapes the named container port, which must exist.
 */
export class PodMonitor extends MonitorResource {
  readonly name: string;
  readonly namespace: string;

  constructor(component: Component, id: string, props: PodMonitorProps) {
    super(component, id);
    const p = validateProps(this, schema, withDefaultName(props, id));
    const workload = p.target;
    const what = `${workload.constructor.name} ${JSON.stringify(workload.name)}`;
    const ports = workload.containers.flatMap((c) => c.ports.map((port) => port.name).filter((n): n is string => !!n));
    const namespace = this.scrapedIn(workload, what, 'target', ports, p.port, 'container port');
    const matchLabels = workload.matchLabels;
    if (!Object.keys(matchLabels).length) throw propError(this, 'target', `${what} selects its pods by no label; give it a selector (select: false and select(...)) the monitor can use`);
    this.name = p.name;
    this.namespace = namespace;
    new PodMonitorResource(this, 'resource', {
      metadata: { name: p.name, namespace },
      spec: {
        selector: { matchLabels: { ...matchLabels } },
        podMetricsEndpoints: [{ port: p.port, path: p.path ?? '/metrics', interval: p.interval }],
      },
    });
  }
}
