/**
 * The containerd runtime handlers Talos system extensions register: what a RuntimeClass `handler` can
 * name on a node whose schematic lists them, whether an add-on or the cluster spec put them there.
 */
import { EXTENSIONS, GVISOR_EXTENSION } from './extensions';
import { NVIDIA_RUNTIME_HANDLER, NVIDIA_TOOLKIT_EXTENSIONS } from './nvidia';

/** The Kata runtime handlers the kata-containers extension registers in containerd, by Talos version. */
export function talosKataHandlers(talosVersion: string): string[] {
  const [major, minor] = talosVersion.split('.').map(Number);
  // Talos ≤ 1.13 registers Cloud Hypervisor as `kata`; `kata-qemu` arrives with 1.14.
  return major > 1 || minor >= 14 ? ['kata', 'kata-qemu'] : ['kata'];
}

/** The handlers a schematic's extensions register on Talos `talosVersion`. */
export function handlersRegisteredBy(extensions: readonly string[], talosVersion: string): string[] {
  return [
    ...(extensions.includes(EXTENSIONS.kataContainers) ? talosKataHandlers(talosVersion) : []),
    ...(extensions.some((e) => NVIDIA_TOOLKIT_EXTENSIONS.includes(e)) ? [NVIDIA_RUNTIME_HANDLER] : []),
    // gVisor's containerd parts (siderolabs/extensions v1.14.0-rc.1, container-runtime/gvisor/*.part).
    ...(extensions.includes(GVISOR_EXTENSION) ? ['runsc', 'runsc-kvm'] : []),
  ];
}
