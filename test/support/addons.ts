/** What lib/addons exports, for the tests that must cover every add-on. */
import { Construct } from 'constructs';
import * as descheduler from '../../lib/addons/descheduler';
import * as gpuOperator from '../../lib/addons/gpu-operator';
import * as helmChart from '../../lib/addons/helm-chart';
import * as kata from '../../lib/addons/kata';
import * as keda from '../../lib/addons/keda';
import * as kyverno from '../../lib/addons/kyverno';
import * as monitoring from '../../lib/addons/monitoring';
import * as velero from '../../lib/addons/velero';

export type ConstructClass = abstract new (...args: never[]) => Construct;

/** The abstract bases the library's constructs extend; never built themselves. */
const BASES: readonly unknown[] = [kyverno.KyvernoPolicy, kyverno.ValidatingKyvernoPolicy, kyverno.WorkloadPolicy, keda.KedaResource, monitoring.MonitorResource];

/** Every construct class lib/addons exports (add-ons, policies, KEDA objects), sorted by name. */
export function addOnConstructs(): ConstructClass[] {
  return [descheduler, gpuOperator, helmChart, kata, keda, kyverno, monitoring, velero]
    .flatMap((m) => Object.values(m))
    .filter((v): v is ConstructClass => typeof v === 'function' && v.prototype instanceof Construct && !BASES.includes(v))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}
