import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Manifest } from '../synth/manifest';
import { GitRepositorySource } from './git-repository';
import { FluxKustomization } from './kustomization';
import { FluxObjectRef } from './refs';

/** Namespace Flux runs in; created by the Flux bootstrap, not by this tree. */
export const FLUX_NAMESPACE = 'flux-system';

export interface ClusterSyncProps {
  /** Cluster name: selects `./clusters/<cluster>` and `./dist/<cluster>/<layer>`. */
  readonly cluster: string;
  /** The repository Flux syncs from. */
  readonly git: { readonly url: string; readonly branch: string; readonly secretRef: string };
  /** Layers in apply order; each depends on the one before. */
  readonly layers: readonly string[];
  /** Reconcile timings of the layer Kustomizations. */
  readonly timings?: { readonly interval?: string; readonly timeout?: string; readonly retryInterval?: string };
  /** Secret in flux-system with the SOPS keys the layer Kustomizations decrypt with. @default layers do not decrypt */
  readonly sopsSecretRef?: string;
  /** Annotations of the layer Kustomizations (the minors the tree was rendered for). @default none */
  readonly layerAnnotations?: Readonly<Record<string, string>>;
}

/**
 * What Flux reads for one cluster, as `flux bootstrap` would lay it out: the `flux-system`
 * GitRepository and Kustomization syncing `./clusters/<cluster>`, and one Kustomization per layer
 * pointing at `./dist/<cluster>/<layer>`, each depending on the layer before it.
 * The first layer (controllers) waits for everything it installs, so CRDs exist before configs apply.
 */
export class ClusterSync extends Construct {
  private readonly sync: readonly Construct[];

  constructor(scope: Construct, id: string, props: ClusterSyncProps) {
    super(scope, id);
    const repo = new GitRepositorySource(this, 'repository', {
      name: FLUX_NAMESPACE,
      namespace: FLUX_NAMESPACE,
      url: props.git.url,
      branch: props.git.branch,
      secretRef: props.git.secretRef,
    });
    const self = new FluxKustomization(this, 'self', {
      name: FLUX_NAMESPACE,
      namespace: FLUX_NAMESPACE,
      source: repo.ref,
      path: `./clusters/${props.cluster}`,
    });

    let previous: FluxObjectRef | undefined;
    props.layers.forEach((layer, i) => {
      const k = new FluxKustomization(this, layer, {
        name: layer,
        namespace: FLUX_NAMESPACE,
        source: repo.ref,
        path: `./dist/${props.cluster}/${layer}`,
        dependsOn: previous ? [previous] : [],
        wait: i === 0,
        interval: props.timings?.interval,
        timeout: props.timings?.timeout ?? (i === 0 ? '10m' : '5m'),
        retryInterval: props.timings?.retryInterval,
        sopsSecretRef: props.sopsSecretRef,
      });
      const resource = k.node.findChild('resource') as ApiObject;
      for (const [key, value] of Object.entries(props.layerAnnotations ?? {})) resource.metadata.addAnnotation(key, value);
      previous = k.ref;
    });
    this.sync = [repo, self];
  }

  /**
   * The `flux-system` GitRepository and Kustomization as JSON: what the bootstrap creates before Flux reads
   * them from Git. Read after rendering, they carry the labels the synth pipeline adds.
   */
  get syncManifests(): Manifest[] {
    return this.sync.map((c) => (c.node.findChild('resource') as ApiObject).toJson() as Manifest);
  }
}
