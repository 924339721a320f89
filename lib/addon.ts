import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Cluster, LAYERS } from './cluster';
import { Component } from './component';
import type { LateReleaseSettings, PartialValues } from './flux/helm-release';
import type { FluxObjectRef } from './flux/refs';
import { TalosNamespace } from './talos/namespace';

/**
 * A platform add-on (Velero, KEDA, …) as opposed to an app. Cluster-wide policies treat the
 * namespaces of add-ons as system namespaces: the engines must run even where apps are restricted.
 */
export abstract class AddOn extends Component {
  /** Names of the namespaces this add-on creates, in any layer. */
  get namespaces(): string[] {
    return this.constructsInLayers()
      .filter((c): c is TalosNamespace => c instanceof TalosNamespace)
      .map((ns) => ns.name);
  }

  /** The HelmReleases this add-on installs, in any layer: what another add-on's Flux `dependsOn` waits for. */
  get helmReleases(): FluxObjectRef[] {
    return this.constructsInLayers()
      .filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'HelmRelease' && c.apiVersion.startsWith('helm.toolkit.fluxcd.io/'))
      .map((hr) => ({ kind: 'HelmRelease', name: hr.name, namespace: hr.metadata.namespace ?? '' }));
  }

  private constructsInLayers(): IConstruct[] {
    return LAYERS.map((layer) => this.cluster.layer(layer).node.tryFindChild(this.node.id)).flatMap((scope) => scope?.node.findAll() ?? []);
  }

  /**
   * The HelmRelease that installs the prometheus-operator CRDs and a Prometheus that collects every
   * ServiceMonitor and PodMonitor of the cluster, when this add-on is that collector (Monitoring).
   */
  get monitorsCollectedBy(): FluxObjectRef | undefined {
    return undefined;
  }

  /**
   * The release of the cluster's monitoring add-on (see monitorsCollectedBy), if it has one. Add-ons
   * whose charts render ServiceMonitors turn them on, and depend on it, only then. Read it lazily
   * (at render time), so a monitoring add-on defined later counts.
   */
  static monitoringOf(cluster: Cluster): FluxObjectRef | undefined {
    const addOns = cluster.node.children.filter((c): c is AddOn => c instanceof AddOn);
    return addOns.map((a) => a.monitorsCollectedBy).find((ref) => ref !== undefined);
  }

  /**
   * Late settings for this add-on's chart: `values` (those that turn on its ServiceMonitors) and a
   * dependency on the monitoring release (which installs the ServiceMonitor CRD) when the cluster
   * has a monitoring add-on, defined before or after this one; nothing otherwise.
   */
  protected whenMonitored<V extends object>(values: PartialValues<V>): () => LateReleaseSettings<V> {
    return () => {
      const monitoring = AddOn.monitoringOf(this.cluster);
      return monitoring ? { values, dependsOn: [monitoring] } : {};
    };
  }

  /**
   * Names of the namespaces all add-ons of a cluster create, sorted. Read it lazily (at render
   * time, for example through cdk8s `Lazy`), so add-ons defined later are included.
   */
  static namespacesOf(cluster: Cluster): string[] {
    const names = cluster.remember('add-on namespaces', () => {
      const addOns = cluster.node.children.filter((c): c is AddOn => c instanceof AddOn);
      return [...new Set(addOns.flatMap((a) => a.namespaces))].sort();
    });
    return [...names];
  }
}
