import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { ScaledObject } from '../../lib/addons/keda';
import { PodMonitor } from '../../lib/addons/monitoring';
import { Component } from '../../lib/component';
import { IMAGES } from '../../lib/versions';
import { appDeployment } from './app-deployment';

export interface LlmWorkerOptions {
  /** Namespace of the worker (created by the component). */
  readonly namespace: string;
  /** RuntimeClass that runs the worker in a Kata VM; its scheduling keeps the pods on the Kata nodes. */
  readonly runtimeClassName: string;
  /** In-cluster address of the Prometheus that scrapes the worker (Monitoring's prometheusUrl). */
  readonly prometheusUrl: string;
}

/** Port of the worker's Prometheus metrics (pending_llm_requests). */
const METRICS_PORT = 8080;

/**
 * catalyst's LLM worker, isolated in a Kata VM and scaled by KEDA in place of the hand-written Go scaler:
 * on pending requests, one replica per 5; during working hours (New York, weekdays 08:00–20:00) at
 * least one; outside them down to zero when nothing is pending.
 */
export function llmWorker(llm: Component, opts: LlmWorkerOptions): { deployment: kplus.Deployment; monitor: PodMonitor; scaler: ScaledObject } {
  const scope = llm.scope('apps');
  const tmp = kplus.Volume.fromEmptyDir(scope, 'llm-worker-tmp', 'tmp', { sizeLimit: Size.gibibytes(1) });
  const deployment = appDeployment(scope, 'llm-worker', {
    name: 'llm-worker',
    namespace: opts.namespace,
    team: 'ai-platform',
    runtimeClassName: opts.runtimeClassName,
    volumes: [tmp],
    container: {
      name: 'worker',
      image: IMAGES.llmWorker,
      ports: [{ number: METRICS_PORT, name: 'metrics' }],
      resources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) },
        memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) },
      },
      volumeMounts: [{ path: '/tmp', volume: tmp }],
    },
  });
  // Prometheus scrapes pending_llm_requests from every worker pod; the scaler reads their sum.
  const monitor = new PodMonitor(llm, 'llm-worker-monitor', { name: 'llm-worker', target: deployment, port: 'metrics' });
  const scaler = new ScaledObject(llm, 'llm-scaler', {
    scaleTarget: deployment,
    minReplicaCount: 0,
    maxReplicaCount: 3,
    triggers: [
      {
        type: 'prometheus',
        name: 'pending-requests',
        serverAddress: opts.prometheusUrl,
        query: 'sum(pending_llm_requests)',
        threshold: 5,
      },
      { type: 'cron', name: 'working-hours', timezone: 'America/New_York', start: '0 8 * * 1-5', end: '0 20 * * 1-5', desiredReplicas: 1 },
    ],
  });
  return { deployment, monitor, scaler };
}
