import { z } from 'zod';
import { KubeRuntimeClass, Quantity } from '../../imports/k8s';
import { AddOn } from '../addon';
import { Cluster } from '../cluster';
import { propError, validateProps } from '../props';
import { EXTENSIONS } from '../talos/extensions';
import { talosKataHandlers } from '../talos/runtime-handlers';
import { dnsSubdomain, labels, quantity } from '../validators';

/** The RuntimeClass name Kata workloads set as `runtimeClassName` (KataRuntime's default). */
export const KATA_RUNTIME_CLASS = 'kata';

/**
 * What the Kata VM costs a pod beyond its containers, per runtime handler (siderolabs/extensions
 * kata-containers README): the scheduler reserves it and the kubelet accounts for it.
 */
export const KATA_POD_OVERHEAD: Readonly<Record<string, { readonly cpu: string; readonly memory: string }>> = {
  kata: { cpu: '250m', memory: '130Mi' },
  'kata-qemu': { cpu: '250m', memory: '160Mi' },
};

export { talosKataHandlers } from '../talos/runtime-handlers';

export interface KataRuntimeProps {
  /** RuntimeClass name: what pods set as `runtimeClassName`. @default kata */
  readonly name?: string;
  /** containerd runtime handler; one the nodes' Talos version registers. @default kata */
  readonly handler?: string;
  /** Pod overhead of the VM. @default the handler's: cpu 250m and memory 130Mi for kata (160Mi for kata-qemu) */
  readonly overhead?: { readonly cpu?: string | number; readonly memory?: string | number };
  /**
   * Labels of the Kata nodes (in nodes[].labels): their schematic gets the kata-containers extension, and
   * Kata pods are scheduled onto them. @default the labels that set apart the nodes whose nodes[].extensions
   * list siderolabs/kata-containers
   */
  readonly nodeSelector?: Record<string, string>;
}

const schema = z.strictObject({
  name: dnsSubdomain().optional(),
  handler: z.string().optional(),
  overhead: z.strictObject({ cpu: quantity().optional(), memory: quantity().optional() }).optional(),
  nodeSelector: labels().optional(),
});

/**
 * Kata Containers for workloads that need VM isolation: a RuntimeClass (node.k8s.io/v1) whose handler
 * is one Talos registers, with the VM's pod overhead, scheduling its pods only onto the nodes whose
 * schematic has the `siderolabs/kata-containers` extension. It requires the extension of the nodes its
 * `nodeSelector` picks (cluster.talos); without one, the nodes that list the extension in the cluster spec
 * are the Kata nodes, and the label that tells them apart becomes the RuntimeClass's node selector.
 */
export class KataRuntime extends AddOn {
  /** The RuntimeClass name, for pods' `runtimeClassName`. */
  readonly name: string;
  readonly handler: string;
  /** The node labels Kata pods select on. */
  readonly nodeSelector: Readonly<Record<string, string>>;

  constructor(cluster: Cluster, id: string, props: KataRuntimeProps = {}) {
    super(cluster, id);
    const p = validateProps(this, schema, props);
    this.name = p.name ?? KATA_RUNTIME_CLASS;
    this.handler = p.handler ?? 'kata';
    const handlers = talosKataHandlers(cluster.talosVersion);
    if (!handlers.includes(this.handler)) {
      throw propError(this, 'handler', `${JSON.stringify(this.handler)} is not a Kata runtime handler Talos ${cluster.talosVersion} registers (use ${handlers.join(' or ')})`);
    }
    this.nodeSelector = p.nodeSelector ? this.requireKataNodes(p.nodeSelector) : this.kataNodesOfSpec();
    const overhead = { ...KATA_POD_OVERHEAD[this.handler], ...p.overhead };
    new KubeRuntimeClass(this.scope('configs'), 'runtime-class', {
      metadata: { name: this.name },
      handler: this.handler,
      overhead: { podFixed: { cpu: quantityOf(overhead.cpu), memory: quantityOf(overhead.memory) } },
      scheduling: { nodeSelector: { ...this.nodeSelector } },
    });
  }

  /** Puts the extension on the nodes the selector picks. */
  private requireKataNodes(nodeSelector: Record<string, string>): Record<string, string> {
    this.cluster.talos.require(this, 'nodeSelector', {
      nodes: { labels: nodeSelector },
      extensions: [EXTENSIONS.kataContainers],
      runtimeHandlers: [this.handler],
      whenNoNode: 'label the nodes that should run Kata pods with it in nodes[].labels',
    });
    return { ...nodeSelector };
  }

  /** The nodes whose spec lists the extension, and the labels every one of them carries and no other node carries with the same value. */
  private kataNodesOfSpec(): Record<string, string> {
    const extension = EXTENSIONS.kataContainers;
    const talos = this.cluster.talos;
    const groups = talos.require(this, '', {
      nodes: { extensions: [extension] },
      runtimeHandlers: [this.handler],
      whenNoNode: 'add it to nodes[].extensions of the nodes that should run Kata pods, or select them with nodeSelector',
    });
    const selector = talos.distinguishingLabels(groups);
    if (Object.keys(selector).length === 0) {
      throw propError(this, '', `the nodes with the ${extension} extension (${groups.flatMap((g) => g.nodes).join(', ')}) share no label that sets them apart ` +
        'from the other nodes; give them one in nodes[].labels (such as runtime.talos-flux-synth.dev/kata: "true") for Kata pods to select');
    }
    return selector;
  }
}

function quantityOf(q: string | number): Quantity {
  return typeof q === 'number' ? Quantity.fromNumber(q) : Quantity.fromString(q);
}
