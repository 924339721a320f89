import { App } from 'cdk8s';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { EXTENSIONS } from '../lib/talos/extensions';
import { TalosNamespace } from '../lib/talos/namespace';

/** Node label of the GPU workers, set through their machine config. */
export const GPU_NODE_LABEL = 'accelerator.talos-flux-synth.dev/nvidia';

const GPU_EXTENSIONS = [EXTENSIONS.nvidiaKmodProduction, EXTENSIONS.nvidiaToolkitProduction];

/** `hybrid-llm`: the GPU inference cluster with cloud GPU workers (see shared/design/REFERENCE-FLEET.md). */
export function hybridLlm(app: App, name = 'hybrid-llm'): Cluster {
  const cluster = new Cluster(app, {
    name,
    nodes: [
      { name: 'hybrid-cp-0', role: 'controlplane' },
      { name: 'hybrid-gpu-0', role: 'worker', extensions: GPU_EXTENSIONS, labels: { [GPU_NODE_LABEL]: 'true' } },
      { name: 'hybrid-gpu-1', role: 'worker', extensions: GPU_EXTENSIONS, labels: { [GPU_NODE_LABEL]: 'true' } },
    ],
    git: { url: 'ssh://git@github.com/example-org/fleet.git', branch: 'main' },
  });

  const inference = new Component(cluster, 'inference');
  new TalosNamespace(inference.scope('controllers'), 'namespace', { name: 'inference' });

  return cluster;
}
