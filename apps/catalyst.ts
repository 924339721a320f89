import { App } from 'cdk8s';
import { Descheduler } from '../lib/addons/descheduler';
import { KataRuntime } from '../lib/addons/kata';
import { Keda } from '../lib/addons/keda';
import { Monitoring } from '../lib/addons/monitoring';
import { Velero } from '../lib/addons/velero';
import { Cluster } from '../lib/cluster';
import { Component } from '../lib/component';
import { TalosNamespace } from '../lib/talos/namespace';
import { securityBaseline } from './security-baseline';
import { llmWorker } from './workloads/llm-worker';

/** Node label that Kata workloads select on; set on talos01 through its machine config. */
export const KATA_NODE_LABEL = 'runtime.talos-flux-synth.dev/kata';

/** `catalyst`: the bare-metal home-lab / edge cluster. */
export function catalyst(app: App, name = 'catalyst'): Cluster {
  return new Cluster(app, {
    name,
    // One minor behind hybrid-llm, as a fleet mid-upgrade is: next step 1.36 (README, "Versions").
    kubernetesVersion: '1.35',
    talosVersion: '1.13',
    nodes: [
      { name: 'talos00', role: 'controlplane', schedulable: true },
      { name: 'talos01', role: 'worker', group: 'kata', labels: { [KATA_NODE_LABEL]: 'true' } },
    ],
    git: { url: 'ssh://git@git.catalyst.lan/platform/fleet.git', branch: 'main' },
    cni: 'cilium',
  }, (cluster) => {
    new Keda(cluster, 'keda');
    const monitoring = new Monitoring(cluster, 'monitoring'); // Prometheus for the scaler; scrapes KEDA, Kyverno and Velero too
    securityBaseline(cluster); // every policy in Audit until switched to Deny deliberately
    const kata = new KataRuntime(cluster, 'kata', { nodeSelector: { [KATA_NODE_LABEL]: 'true' } }); // RuntimeClass `kata`; talos01 gets the extension

    const llm = new Component(cluster, 'llm');
    new TalosNamespace(llm.scope('controllers'), 'namespace', { name: 'llm' });
    llmWorker(llm, { namespace: 'llm', runtimeClassName: kata.name, prometheusUrl: monitoring.prometheusUrl });

    // Rebalance after talos01 joined: the default profile (duplicates, LowNodeUtilization 20/50 %, node affinity, topology spread).
    new Descheduler(cluster, 'descheduler', { run: { kind: 'CronJob', schedule: '*/10 * * * *' }, evictor: { nodeFit: true } });
    // Backups to the MinIO on the LAN, outside the cluster they protect; the Secret velero-minio (key `cloud`)
    // is created by hand, never rendered.
    new Velero(cluster, 'velero', {
      credentials: { existingSecret: 'velero-minio' },
      backupStorageLocations: [{ type: 's3-compatible', name: 'minio', s3Url: 'https://minio.catalyst.lan:9000', bucket: 'velero', default: true }],
      fileSystemBackup: true,
      schedules: [
        { name: 'daily', schedule: '0 3 * * *', ttl: '720h' },
        { name: 'llm-hourly', schedule: '0 * * * *', includedNamespaces: ['llm'], ttl: '48h' },
      ],
    });

  });
}
