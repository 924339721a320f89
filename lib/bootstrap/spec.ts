import type { Manifest } from '../synth/manifest';
import type { Cni } from '../talos/machine-config';

/** What the bootstrap of one cluster is made from (the interface of lib/bootstrap, free of CDKTF). */
export interface BootstrapSpec {
  /** Cluster name: the stack's name and the sync path `./clusters/<cluster>`. */
  readonly cluster: string;
  /** Cilium is installed first when it is the CNI. */
  readonly cni: Cni;
  /**
   * The FluxInstance exactly as `clusters/<cluster>/` holds it, so Flux finds nothing to change when it
   * takes it over; read when the files are rendered. The Git credentials are a Secret it names, never
   * part of it.
   */
  readonly fluxInstance: () => Manifest;
}
