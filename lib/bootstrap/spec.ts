import type { Manifest } from '../synth/manifest';
import type { Cni } from '../talos/machine-config';

/** What the bootstrap of one cluster is made from (the interface of lib/bootstrap, free of CDKTF). */
export interface BootstrapSpec {
  /** Cluster name: the stack's name and the sync path `./clusters/<cluster>`. */
  readonly cluster: string;
  /** Cilium is installed first when it is the CNI. */
  readonly cni: Cni;
  /**
   * The `flux-system` GitRepository and Kustomization exactly as `clusters/<cluster>/` holds them, so
   * Flux finds nothing to change when it takes them over; read when the files are rendered. The Git
   * credentials are a Secret they name, never part of them.
   */
  readonly syncObjects: () => readonly Manifest[];
}
