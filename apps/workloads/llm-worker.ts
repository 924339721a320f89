import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { ScaledObject } from '../../lib/addons/keda';
import { Component } from '../../lib/component';
import { IMAGES } from '../../lib/versions';
import { appDeployment } from './app-deployment';

export interface LlmWorkerOptions {
  /** Namespace of the worker (created by the component). */
  readonly namespace: string;
  /** RuntimeClass that runs the worker in a Kata VM; its scheduling keeps the pods on the Kata nodes. */
  readonly runtimeClassName: string;
}

/**
 * catalyst's LLM worker, isolated in a Kata VM and scaled by KEDA in place of the hand-written Go scaler:
 * on pending requests, one replica per 5; during working hours (New York, weekdays 08:00–20:00) at
 * least one; outside them down to zero when nothing is pending.
 */
export function llmWorker(llm: Component, opts: LlmWorkerOptions): { deployment: kplus.Deployment; scaler: ScaledObject } {
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
      resources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) },
        memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) },
      },
      volumeMounts: [{ path: '/tmp', volume: tmp }],
    },
  });
  const scaler = new ScaledObject(llm, 'llm-scaler', {
    scaleTarget: deployment,
    minReplicaCount: 0,
    maxReplicaCount: 3,
    triggers: [
      {
        type: 'prometheus',
        name: 'pending-requests',
        serverAddress: 'http://prometheus.monitoring:9090',
        query: 'sum(pending_llm_requests)',
        threshold: 5,
      },
      { type: 'cron', name: 'working-hours', timezone: 'America/New_York', start: '0 8 * * 1-5', end: '0 20 * * 1-5', desiredReplicas: 1 },
    ],
  });
  return { deployment, scaler };
}
