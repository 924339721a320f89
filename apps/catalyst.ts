import { App } from 'cdk8s';
import { Keda } from '../lib/addons/keda';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { EXTENSIONS } from '../lib/talos/extensions';
import { TalosNamespace } from '../lib/talos/namespace';
import { llmWorker } from './workloads/llm-worker';

/** Node label that Kata workloads select on; set on talos01 through its machine config. */
export const KATA_NODE_LABEL = 'runtime.talos-flux-synth.dev/kata';

/** `catalyst`: the bare-metal home-lab / edge cluster (see shared/design/REFERENCE-FLEET.md). */
export function catalyst(app: App): Cluster {
  const cluster = new Cluster(app, {
    name: 'catalyst',
    nodes: [
      { name: 'talos00', role: 'controlplane', schedulable: true },
      { name: 'talos01', role: 'worker', extensions: [EXTENSIONS.kataContainers], labels: { [KATA_NODE_LABEL]: 'true' } },
    ],
    git: { url: 'ssh://git@git.catalyst.lan/platform/fleet.git', branch: 'main' },
  });

  new Keda(cluster, 'keda');

  const llm = new Component(cluster, 'llm');
  new TalosNamespace(llm.scope('controllers'), 'namespace', { name: 'llm' });
  llmWorker(llm, { namespace: 'llm', kataNodeLabel: KATA_NODE_LABEL });

  return cluster;
}
