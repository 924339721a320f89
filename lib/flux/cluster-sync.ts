import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Manifest } from '../synth/manifest';
import { FluxInstanceSync } from './flux-instance';
import { FluxKustomization } from './kustomization';
import { FluxObjectRef } from './refs';

/** Namespace the Flux Operator and Flux run in; created by the bootstrap, not by this tree. */
export const FLUX_NAMESPACE = 'flux-system';

export interface ClusterSyncProps {
  /** Cluster name: selects `./clusters/<cluster>` and `./dist/<cluster>/<layer>`. */
  readonly cluster: string;
  /** The repository Flux syncs from. */
  readonly git: { readonly url: string; readonly branch: string; readonly secretRef: string };
  /** The Flux distribution the FluxInstance installs: exact version and image registry. */
  readonly distribution: { readonly version: string; readonly registry: string };
  /** Kubernetes and Talos minors of the cluster, recorded on the FluxInstance for the review. */
  readonly versions: { readonly kubernetes: string; readonly talos: string };
  /** Layers in apply order; each depends on the one before. */
  readonly layers: readonly string[];
  /** Reconcile timings of the layer Kustomizations. */
  readonly timings?: { readonly interval?: string; readonly timeout?: string; readonly retryInterval?: string };
  /** Secret in flux-system with the SOPS keys the layer Kustomizations decrypt with. @default layers do not decrypt */
  readonly sopsSecretRef?: string;
}

/**
 * What Flux reads for one cluster: the Flux Operator's FluxInstance, which installs Flux and syncs
 * `./clusters/<cluster>` (the operator creates the `flux-system` GitRepository and Kustomization, named as
 * `flux bootstrap` names them), and one Kustomization per layer pointing at `./dist/<cluster>/<layer>`,
 * each depending on the layer before it. Flux thus manages its own FluxInstance: a Flux upgrade is a commit.
 * The first layer (controllers) waits for everything it installs, so CRDs exist before configs apply.
 */
export class ClusterSync extends Construct {
  private readonly instance: FluxInstanceSync;

  constructor(scope: Construct, id: string, props: ClusterSyncProps) {
    super(scope, id);
    this.instance = new FluxInstanceSync(this, 'instance', {
      namespace: FLUX_NAMESPACE,
      distribution: props.distribution,
      sync: { url: props.git.url, branch: props.git.branch, path: `./clusters/${props.cluster}`, secretRef: props.git.secretRef },
      versions: props.versions,
    });

    let previous: FluxObjectRef | undefined;
    props.layers.forEach((layer, i) => {
      const k = new FluxKustomization(this, layer, {
        name: layer,
        namespace: FLUX_NAMESPACE,
        source: this.instance.sourceRef,
        path: `./dist/${props.cluster}/${layer}`,
        dependsOn: previous ? [previous] : [],
        wait: i === 0,
        interval: props.timings?.interval,
        timeout: props.timings?.timeout ?? (i === 0 ? '10m' : '5m'),
        retryInterval: props.timings?.retryInterval,
        sopsSecretRef: props.sopsSecretRef,
      });
      previous = k.ref;
    });
  }

  /**
   * The FluxInstance as JSON: what the bootstrap creates before Flux reads it from Git. Read after
   * rendering, it carries the labels the synth pipeline adds.
   */
  get instanceManifest(): Manifest {
    return (this.instance.node.findChild('resource') as ApiObject).toJson() as Manifest;
  }
}
