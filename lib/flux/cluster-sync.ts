import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { Manifest } from '../synth/manifest';
import { durationSeconds, formatDuration } from './duration';
import { FluxInstanceSync } from './flux-instance';
import { FluxHelmRelease } from './helm-release';
import { FluxKustomization } from './kustomization';
import { FluxObjectRef } from './refs';

/** Namespace the Flux Operator and Flux run in; created by the bootstrap, not by this tree. */
export const FLUX_NAMESPACE = 'flux-system';

/** Timeout of a layer that needs no longer: applying and health-checking plain objects. */
export const DEFAULT_LAYER_TIMEOUT = '5m';

export interface ClusterSyncProps {
  /** Cluster name: selects `./clusters/<cluster>` and `./dist/<cluster>/<layer>`. */
  readonly cluster: string;
  /** The repository Flux syncs from. */
  readonly git: { readonly url: string; readonly branch: string; readonly secretRef: string };
  /** The Flux distribution the FluxInstance installs: exact version and image registry. */
  readonly distribution: { readonly version: string; readonly registry: string };
  /** Kubernetes and Talos minors of the cluster, recorded on the FluxInstance for the review. */
  readonly versions: { readonly kubernetes: string; readonly talos: string };
  /** Layers in apply order, each with the scope its objects are created in; each depends on the one before. */
  readonly layers: ReadonlyArray<{ readonly name: string; readonly scope: Construct }>;
  /** Reconcile timings of the layer Kustomizations. @default see FluxTimings in lib/cluster.ts */
  readonly timings?: { readonly interval?: string; readonly timeout?: string; readonly retryInterval?: string };
  /** Secret in flux-system with the SOPS keys the layer Kustomizations decrypt with. @default layers do not decrypt */
  readonly sopsSecretRef?: string;
}

/** How long a layer's HelmReleases may take: the longest of them. */
export interface LayerTimeNeed {
  readonly layer: string;
  readonly seconds: number;
  /** The HelmRelease that takes longest. */
  readonly release: FluxHelmRelease;
}

/**
 * What Flux reads for one cluster: the Flux Operator's FluxInstance, which installs Flux and syncs
 * `./clusters/<cluster>` (the operator creates the `flux-system` GitRepository and Kustomization, named as
 * `flux bootstrap` names them), and one Kustomization per layer pointing at `./dist/<cluster>/<layer>`,
 * each depending on the layer before it. Flux thus manages its own FluxInstance: a Flux upgrade is a commit.
 *
 * Health as Flux sees it: every layer waits (`wait: true`) for what it applies to be healthy, so a
 * layer is Ready only when its HelmReleases are installed and its workloads rolled out, and the next
 * layer starts on something that works. Each layer's timeout outlasts the HelmReleases in it (the
 * longest one's timeout × (1 + retries)), so Flux does not call the layer failed while Helm is still
 * remediating. The GitRepository's artifact holds only this cluster's Flux paths (`spec.ignore`, set on
 * the operator's GitRepository through the FluxInstance's kustomize patches).
 */
export class ClusterSync extends Construct {
  private readonly instance: FluxInstanceSync;
  private readonly layers: ClusterSyncProps['layers'];
  private readonly userTimeout?: string;

  constructor(scope: Construct, id: string, props: ClusterSyncProps) {
    super(scope, id);
    this.layers = props.layers;
    this.userTimeout = props.timings?.timeout;
    this.instance = new FluxInstanceSync(this, 'instance', {
      namespace: FLUX_NAMESPACE,
      distribution: props.distribution,
      sync: { url: props.git.url, branch: props.git.branch, path: `./clusters/${props.cluster}`, secretRef: props.git.secretRef, ignore: sourceIgnore(props.cluster) },
      versions: props.versions,
    });

    let previous: FluxObjectRef | undefined;
    for (const layer of props.layers) {
      const k = new FluxKustomization(this, layer.name, {
        name: layer.name,
        namespace: FLUX_NAMESPACE,
        source: this.instance.sourceRef,
        path: `./dist/${props.cluster}/${layer.name}`,
        dependsOn: previous ? [previous] : [],
        wait: true,
        interval: props.timings?.interval,
        timeout: Lazy.any({ produce: () => this.layerTimeout(layer.name) }) as unknown as string,
        retryInterval: props.timings?.retryInterval,
        sopsSecretRef: props.sopsSecretRef,
      });
      previous = k.ref;
    }
  }

  /** What each layer's HelmReleases need, for the layers that have any; complete once the cluster is built. */
  get timeNeeds(): LayerTimeNeed[] {
    return this.layers.flatMap(({ name, scope }) => {
      const releases = scope.node.findAll().filter((c): c is FluxHelmRelease => c instanceof FluxHelmRelease);
      const longest = releases.reduce<FluxHelmRelease | undefined>((a, r) => (a && a.longestRunSeconds >= r.longestRunSeconds ? a : r), undefined);
      return longest ? [{ layer: name, seconds: longest.longestRunSeconds, release: longest }] : [];
    });
  }

  /** The timeout of a layer: the one set, else the default raised to what its HelmReleases need. */
  layerTimeout(layer: string): string {
    if (this.userTimeout !== undefined) return this.userTimeout;
    const need = this.timeNeeds.find((n) => n.layer === layer)?.seconds ?? 0;
    return formatDuration(Math.max(durationSeconds(DEFAULT_LAYER_TIMEOUT), need));
  }

  /** Why the timeout set is too short for a layer, as `flux.timeout: …` messages; [] when it is long enough or unset. */
  timeoutProblems(): string[] {
    const set = this.userTimeout;
    if (set === undefined) return [];
    const short = this.timeNeeds.filter((n) => durationSeconds(set) < n.seconds).sort((a, b) => b.seconds - a.seconds)[0];
    if (!short) return [];
    const r = short.release;
    const needed = formatDuration(short.seconds);
    return [`flux.timeout: ${JSON.stringify(set)} is shorter than the ${needed} the ${short.layer} layer needs for HelmRelease ${r.ref.namespace}/${r.ref.name} ` +
      `(its timeout ${r.timeout} × (1 + ${r.retries} retries)), so Flux would fail the layer while Helm still remediates; set at least ${needed} or leave it out`];
  }

  /**
   * The FluxInstance as JSON: what the bootstrap creates before Flux reads it from Git. Read after
   * rendering, it carries the labels the synth pipeline adds.
   */
  get instanceManifest(): Manifest {
    return (this.instance.node.findChild('resource') as ApiObject).toJson() as Manifest;
  }
}

/**
 * `spec.ignore` of a cluster's GitRepository (.sourceignore syntax, which is gitignore's): everything
 * but `clusters/<cluster>/` and the Flux layers under `dist/<cluster>/`, so the artifact every
 * Kustomization downloads holds what Flux applies for this cluster and nothing else (not the other
 * clusters, the TypeScript, node_modules' lock file or the schemas). A directory excluded by a pattern
 * cannot be re-included below it, so each level is excluded and its one wanted entry re-included.
 * talos/ and bootstrap/ are for Talos and Terraform, never applied by Flux.
 */
export function sourceIgnore(cluster: string): string {
  return [
    '/*',
    '!/clusters/',
    '/clusters/*',
    `!/clusters/${cluster}/`,
    '!/dist/',
    '/dist/*',
    `!/dist/${cluster}/`,
    `/dist/${cluster}/talos/`,
    `/dist/${cluster}/bootstrap/`,
    '',
  ].join('\n');
}
