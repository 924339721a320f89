/**
 * The NVIDIA system extensions of Talos: a kernel-module extension (proprietary or open) and the container
 * toolkit, both built for one driver flavour. The toolkit's driver libraries must match the modules, so a
 * node needs one of each, of the same flavour. The modules are blacklisted until the machine config loads
 * them; the toolkit registers the containerd runtime handler `nvidia`.
 */
import { EXTENSIONS } from './extensions';
import type { NodeRequirement, NodeSelection } from './requirements';

export type NvidiaDriverFlavour = 'lts' | 'production';

const KERNEL_MODULE_EXTENSIONS: Readonly<Record<string, NvidiaDriverFlavour>> = {
  [EXTENSIONS.nvidiaKmodProduction]: 'production',
  [EXTENSIONS.nvidiaKmodLts]: 'lts',
  [EXTENSIONS.nvidiaOpenKmodProduction]: 'production',
  [EXTENSIONS.nvidiaOpenKmodLts]: 'lts',
};

const TOOLKITS: Readonly<Record<string, NvidiaDriverFlavour>> = {
  [EXTENSIONS.nvidiaToolkitProduction]: 'production',
  [EXTENSIONS.nvidiaToolkitLts]: 'lts',
};

/** The container toolkit extensions (they register the `nvidia` handler). */
export const NVIDIA_TOOLKIT_EXTENSIONS: readonly string[] = Object.keys(TOOLKITS);

/** Every NVIDIA extension: what a node lists when the cluster spec marks it as a GPU node. */
export const NVIDIA_EXTENSIONS: readonly string[] = [...Object.keys(KERNEL_MODULE_EXTENSIONS), ...NVIDIA_TOOLKIT_EXTENSIONS];

/** The kernel modules the NVIDIA extensions ship, loaded through `machine.kernel.modules` (Talos 1.13) or KernelModuleConfig documents (1.14). */
export const NVIDIA_KERNEL_MODULES: readonly string[] = ['nvidia', 'nvidia_uvm', 'nvidia_drm', 'nvidia_modeset'];

/** The containerd runtime handler the toolkit extension registers. */
export const NVIDIA_RUNTIME_HANDLER = 'nvidia';

/** The extended resource the GPU operator's device plugin advertises, one per GPU. */
export const NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu';

/** The kernel-module and toolkit extensions of one driver flavour. */
export function nvidiaExtensions(flavour: NvidiaDriverFlavour, openKernelModules: boolean): string[] {
  const kmod = openKernelModules
    ? (flavour === 'lts' ? EXTENSIONS.nvidiaOpenKmodLts : EXTENSIONS.nvidiaOpenKmodProduction)
    : (flavour === 'lts' ? EXTENSIONS.nvidiaKmodLts : EXTENSIONS.nvidiaKmodProduction);
  return [kmod, flavour === 'lts' ? EXTENSIONS.nvidiaToolkitLts : EXTENSIONS.nvidiaToolkitProduction];
}

/**
 * What a node needs to run GPU pods with the driver and toolkit Talos provides: the kernel modules loaded,
 * and (when `extensions` is given) the extensions themselves; it then provides the `nvidia` handler and,
 * with the GPU operator's device plugin, `nvidia.com/gpu`.
 */
export function nvidiaRequirement(nodes: NodeSelection, extensions: readonly string[], whenNoNode: string): NodeRequirement {
  return {
    nodes,
    extensions,
    kernelModules: NVIDIA_KERNEL_MODULES,
    runtimeHandlers: [NVIDIA_RUNTIME_HANDLER],
    resources: [NVIDIA_GPU_RESOURCE],
    whenNoNode,
  };
}

/**
 * What is wrong with the NVIDIA extensions of one node group's schematic, or undefined when it lists none
 * or a matching pair. The message follows "node group <name>".
 */
export function nvidiaExtensionProblem(extensions: readonly string[]): string | undefined {
  const kmods = extensions.filter((e) => Object.hasOwn(KERNEL_MODULE_EXTENSIONS, e));
  const toolkits = extensions.filter((e) => Object.hasOwn(TOOLKITS, e));
  if (kmods.length === 0 && toolkits.length === 0) return undefined;
  if (kmods.length > 1) return `lists ${kmods.length} NVIDIA kernel-module extensions (${kmods.join(', ')}); keep one`;
  if (toolkits.length > 1) return `lists ${toolkits.length} NVIDIA container toolkits (${toolkits.join(', ')}); keep one`;
  if (toolkits.length === 0) return `lists ${kmods[0]} but no NVIDIA container toolkit; add siderolabs/nvidia-container-toolkit-${KERNEL_MODULE_EXTENSIONS[kmods[0]]}`;
  if (kmods.length === 0) {
    const flavour = TOOLKITS[toolkits[0]];
    return `lists ${toolkits[0]} but no NVIDIA kernel modules; add siderolabs/nonfree-kmod-nvidia-${flavour} or siderolabs/nvidia-open-gpu-kernel-modules-${flavour}`;
  }
  const [kmod, toolkit] = [kmods[0], toolkits[0]];
  if (KERNEL_MODULE_EXTENSIONS[kmod] !== TOOLKITS[toolkit]) {
    return `lists ${kmod} and ${toolkit}, which disagree on the driver flavour (${KERNEL_MODULE_EXTENSIONS[kmod]} vs ${TOOLKITS[toolkit]}); use one flavour for both`;
  }
  return undefined;
}

/** Whether a schematic's extensions give a node a working NVIDIA driver: one kernel-module extension and one toolkit, of one flavour. */
export function hasNvidiaDriver(extensions: readonly string[]): boolean {
  return extensions.some((e) => Object.hasOwn(KERNEL_MODULE_EXTENSIONS, e)) && extensions.some((e) => Object.hasOwn(TOOLKITS, e)) && nvidiaExtensionProblem(extensions) === undefined;
}
