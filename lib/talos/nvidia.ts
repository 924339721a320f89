/**
 * The NVIDIA system extensions of Talos: a kernel-module extension (proprietary or open) and the container
 * toolkit, both built for one driver flavour. The toolkit's driver libraries must match the modules,
 * so a node needs one of each, of the same flavour.
 */
import type { NodeSpec } from '../cluster';
import type { Problem } from '../errors';
import { EXTENSIONS } from './extensions';

export type NvidiaDriverFlavour = 'lts' | 'production';

const KERNEL_MODULES: Readonly<Record<string, NvidiaDriverFlavour>> = {
  [EXTENSIONS.nvidiaKmodProduction]: 'production',
  [EXTENSIONS.nvidiaKmodLts]: 'lts',
  [EXTENSIONS.nvidiaOpenKmodProduction]: 'production',
  [EXTENSIONS.nvidiaOpenKmodLts]: 'lts',
};

const TOOLKITS: Readonly<Record<string, NvidiaDriverFlavour>> = {
  [EXTENSIONS.nvidiaToolkitProduction]: 'production',
  [EXTENSIONS.nvidiaToolkitLts]: 'lts',
};

const PAIR_EXAMPLE = `${EXTENSIONS.nvidiaKmodProduction} with ${EXTENSIONS.nvidiaToolkitProduction}`;

/** The NVIDIA extensions a node lists, sorted into kernel modules and toolkits. */
function nvidiaExtensionsOf(node: NodeSpec): { kmods: string[]; toolkits: string[] } {
  const exts = node.extensions ?? [];
  return { kmods: exts.filter((e) => e in KERNEL_MODULES), toolkits: exts.filter((e) => e in TOOLKITS) };
}

/** What is wrong with one node's NVIDIA extensions, or undefined when it has none or a matching pair. */
function nodeProblem(node: NodeSpec): string | undefined {
  const { kmods, toolkits } = nvidiaExtensionsOf(node);
  if (kmods.length === 0 && toolkits.length === 0) return undefined;
  if (kmods.length > 1) return `lists ${kmods.length} NVIDIA kernel-module extensions (${kmods.join(', ')}); keep one`;
  if (toolkits.length > 1) return `lists ${toolkits.length} NVIDIA container toolkits (${toolkits.join(', ')}); keep one`;
  if (toolkits.length === 0) return `lists ${kmods[0]} but no NVIDIA container toolkit; add siderolabs/nvidia-container-toolkit-${KERNEL_MODULES[kmods[0]]}`;
  if (kmods.length === 0) return `lists ${toolkits[0]} but no NVIDIA kernel modules; add siderolabs/nonfree-kmod-nvidia-${TOOLKITS[toolkits[0]]} or siderolabs/nvidia-open-gpu-kernel-modules-${TOOLKITS[toolkits[0]]}`;
  const [kmod, toolkit] = [kmods[0], toolkits[0]];
  if (KERNEL_MODULES[kmod] !== TOOLKITS[toolkit]) {
    return `lists ${kmod} and ${toolkit}, which disagree on the driver flavour (${KERNEL_MODULES[kmod]} vs ${TOOLKITS[toolkit]}); use one flavour for both`;
  }
  return undefined;
}

/** Whether a node has NVIDIA kernel modules and a toolkit of the same flavour. */
export function hasNvidiaDriver(node: NodeSpec): boolean {
  const { kmods, toolkits } = nvidiaExtensionsOf(node);
  return kmods.length === 1 && toolkits.length === 1 && nodeProblem(node) === undefined;
}

/**
 * Problems with the NVIDIA extensions of a cluster's nodes, for an add-on (`neededBy`) that uses the
 * driver and toolkit Talos provides: every node with NVIDIA extensions must have a matching pair, and at
 * least one node must have one. `where` names the cluster.
 */
export function nvidiaDriverProblems(where: string, nodes: readonly NodeSpec[], neededBy: string): Problem[] {
  const problems: Problem[] = [];
  nodes.forEach((node, i) => {
    const problem = nodeProblem(node);
    if (problem) problems.push({ where, field: `nodes[${i}].extensions`, message: `node ${node.name} ${problem} (needed by ${neededBy})` });
  });
  if (problems.length === 0 && !nodes.some(hasNvidiaDriver)) {
    problems.push({
      where,
      field: 'nodes',
      message: `no node lists the NVIDIA kernel-module and container-toolkit extensions that ${neededBy} needs (for example ${PAIR_EXAMPLE})`,
    });
  }
  return problems;
}
