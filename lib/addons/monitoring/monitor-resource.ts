import { z } from 'zod';
import { Construct } from 'constructs';
import { AddOn } from '../../addon';
import { Cluster } from '../../cluster';
import { Component } from '../../component';
import { propError } from '../../props';
import { dnsSubdomain } from '../../validators';
import { promDuration } from './prometheus-units';

/** Where and how often a monitor scrapes. */
export interface MonitorEndpointProps {
  /** Object name. @default the construct id */
  readonly name?: string;
  /** Name of the port that serves the metrics: the same name as on the workload (or Service). */
  readonly port: string;
  /** HTTP path of the metrics. @default /metrics */
  readonly path?: string;
  /** Scrape interval, as a Prometheus duration. @default the Prometheus' own (Monitoring scrapeInterval) */
  readonly interval?: string;
}

export const endpointSchema = {
  name: dnsSubdomain(),
  port: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a port name (lowercase letters, digits and '-', at most 15)` }).max(15, { error: (iss) => `${JSON.stringify(iss.input)} is longer than the 15 characters of a port name` }),
  path: z.string().regex(/^\/\S*$/, { error: (iss) => `${JSON.stringify(iss.input)} is not an HTTP path (starts with /)` }).optional(),
  interval: promDuration().optional(),
};

/**
 * A monitoring.coreos.com object that a component places in its apps layer, beside what it scrapes. The
 * cluster needs a monitoring add-on (the CRDs and a Prometheus that reads it): checked when the fleet is built.
 */
export abstract class MonitorResource extends Construct {
  readonly cluster: Cluster;

  protected constructor(component: Component, id: string) {
    super(component.scope('apps'), id);
    this.cluster = component.cluster;
    this.node.addValidation({
      validate: () => (AddOn.monitoringOf(this.cluster)
        ? []
        : [`no Monitoring add-on in cluster ${this.cluster.clusterName}: add one (new Monitoring(cluster, 'monitoring')) so the monitoring.coreos.com CRDs and a Prometheus that reads this monitor exist`]),
    });
  }

  /**
   * Checks what the monitor scrapes (in this cluster, with a namespace, serving the named port) and
   * returns its namespace, where the monitor goes; a one-line error naming `field` or `port` otherwise.
   */
  protected scrapedIn(target: Construct & { readonly metadata: { readonly namespace?: string } }, what: string, field: string, ports: readonly string[], port: string, portKind: string): string {
    const owner = target.node.scopes.find((s): s is Cluster => s instanceof Cluster);
    if (!owner) throw propError(this, field, `${what} is in no cluster; create it in a component of cluster ${this.cluster.clusterName} (component.scope('apps'))`);
    if (owner !== this.cluster) throw propError(this, field, `${what} belongs to cluster ${owner.clusterName}, not ${this.cluster.clusterName}`);
    const namespace = target.metadata.namespace;
    if (!namespace) throw propError(this, field, `${what} has no namespace; set its metadata.namespace (the ${this.constructor.name} goes in the same one)`);
    if (!ports.includes(port)) {
      throw propError(this, 'port', `${what} has no ${portKind} named ${JSON.stringify(port)} (${ports.length ? `it has ${ports.join(', ')}` : 'it names none'}); name the metrics port`);
    }
    return namespace;
  }
}
