import { App } from 'cdk8s';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { EXTENSIONS } from '../lib/talos/extensions';
import { TalosNamespace } from '../lib/talos/namespace';

/** Node label that Kata workloads select on; set on talos01 through its machine config. */
export const KATA_NODE_LABEL = 'runtime.talos-flux-synth.dev/kata';

/** `catalyst`: the bare-metal home-lab / edge cluster (see shared/design/REFERENCE-FLEET.md). */
export function catalyst(app: App, name = 'catalyst'): Cluster {
  const cluster = new Cluster(app, {
    name,
    nodes: [
      { name: 'talos00', role: 'controlplane', schedulable: true },
      { name: 'talos01', role: 'worker', extensions: [EXTENSIONS.kataContainers], labels: { [KATA_NODE_LABEL]: 'true' } },
    ],
    git: { url: 'ssh://git@git.catalyst.lan/platform/fleet.git', branch: 'main' },
  });

  const llm = new Component(cluster, 'llm');
  new TalosNamespace(llm.scope('controllers'), 'namespace', { name: 'llm' });

  return cluster;
}
