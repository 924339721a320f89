/**
 * No dangling in-cluster address: an http(s) URL whose host is a cluster DNS name of a Service
 * (`<service>.<namespace>`, `.svc`, `.svc.cluster.local`) must name a Service of the same cluster, rendered
 * or created by a chart it installs (declared on the HelmRelease, CHART_SERVICES_ANNOTATION), on a port
 * it serves. Any other host (a real domain, an IP address, a single-label name) is left alone.
 */
import tlds from 'tlds';
import { formatPath, Problem } from '../../errors';
import { CHART_SERVICES_ANNOTATION } from '../../flux/helm-release';
import type { Check } from './check';
import { describeObject, RenderedObject } from '../manifest';
import { at, list, Path, record, str } from './access';
import { ClusterView, clusterViews, groupOf } from './cluster-view';
import { isHelmRelease, releaseNamespace } from './helm';
import { podSpecPath } from './pods';
import { SYSTEM_NAMESPACES } from './references';

/** Services every cluster has without this tree creating them. */
const SYSTEM_SERVICES: ReadonlyArray<[string, readonly number[]]> = [['default/kubernetes', [443]]];

const TOP_LEVEL_DOMAINS: ReadonlySet<string> = new Set(tlds);

/** The Services of one cluster: `namespace/name` → the ports each serves. */
type ServicePorts = ReadonlyMap<string, readonly number[]>;

/** An address in cluster DNS form: the Service it names and the port it uses. */
interface ServiceAddress {
  readonly service: string;
  readonly namespace: string;
  readonly port: number;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const URL_START = /^https?:\/\//i;

/**
 * The Service an http(s) URL names, or undefined when its host is not a cluster DNS name: `a.b` counts
 * when `b` is a namespace of the cluster or no top-level domain, `a.b.svc` and `a.b.svc.cluster.local` always.
 */
export function serviceAddress(value: string, namespaces: ReadonlySet<string>): ServiceAddress | undefined {
  if (!URL_START.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  if (IPV4.test(host) || host.startsWith('[')) return undefined;
  const labels = host.split('.');
  const inCluster =
    (labels.length === 2 && (namespaces.has(labels[1]) || !TOP_LEVEL_DOMAINS.has(labels[1]))) ||
    (labels.length === 3 && labels[2] === 'svc') ||
    (labels.length === 5 && labels.slice(2).join('.') === 'svc.cluster.local');
  if (!inCluster) return undefined;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { service: labels[0], namespace: labels[1], port };
}

/** The Services a HelmRelease declares its chart creates (`name:port,port` or `namespace/name:port`, space-separated). */
function chartServices(o: RenderedObject): Array<[string, number[]]> {
  const m = o.manifest;
  const declared = str(at(m, 'metadata', 'annotations', CHART_SERVICES_ANNOTATION));
  const namespace = isHelmRelease(m) ? releaseNamespace(m) : undefined;
  if (!declared || !namespace) return [];
  return declared.split(/\s+/).flatMap((entry): Array<[string, number[]]> => {
    const match = /^(?:([^/\s:]+)\/)?([^/\s:]+):(\d+(?:,\d+)*)$/.exec(entry);
    return match ? [[`${match[1] ?? namespace}/${match[2]}`, match[3].split(',').map(Number)]] : [];
  });
}

/** Every Service of a cluster with its ports: rendered, declared by a chart, or there from the start. */
function servicesOf(view: ClusterView): ServicePorts {
  const services = new Map<string, number[]>();
  const add = (key: string, ports: readonly number[]) => services.set(key, [...new Set([...(services.get(key) ?? []), ...ports])]);
  for (const [key, ports] of SYSTEM_SERVICES) add(key, ports);
  for (const o of view.objects) {
    const m = o.manifest;
    if (m.apiVersion === 'v1' && m.kind === 'Service' && m.metadata.namespace && m.metadata.name) {
      add(`${m.metadata.namespace}/${m.metadata.name}`, list(at(m, 'spec', 'ports')).map((p) => at(p, 'port')).filter((p): p is number => typeof p === 'number'));
    }
    for (const [key, ports] of chartServices(o)) add(key, ports);
  }
  return services;
}

/** Namespaces of a cluster: rendered, or system ones. */
function namespacesOf(view: ClusterView): Set<string> {
  const names = view.objects.filter((o) => o.manifest.apiVersion === 'v1' && o.manifest.kind === 'Namespace').map((o) => o.manifest.metadata.name);
  return new Set([...SYSTEM_NAMESPACES, ...names.filter((n): n is string => !!n)]);
}

/** Every string below a value, with its path. */
function strings(value: unknown, path: Path): Array<[Path, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, [...path, i]));
  const r = record(value);
  return r ? Object.keys(r).sort().flatMap((k) => strings(r[k], [...path, k])) : [];
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** The fields of an object that may hold addresses: trigger metadata, Helm values, storage location config, env values. */
function addressFields(o: RenderedObject): Array<[Path, string]> {
  const m = o.manifest;
  const group = groupOf(m);
  if (group === 'keda.sh' && (m.kind === 'ScaledObject' || m.kind === 'ScaledJob')) {
    return list(at(m, 'spec', 'triggers')).flatMap((t, i) => strings(at(t, 'metadata'), ['spec', 'triggers', i, 'metadata']));
  }
  if (isHelmRelease(m)) return strings(at(m, 'spec', 'values'), ['spec', 'values']);
  if (group === 'velero.io' && m.kind === 'BackupStorageLocation') return strings(at(m, 'spec', 'config'), ['spec', 'config']);
  const spec = typeof m.apiVersion === 'string' ? podSpecPath(m.apiVersion, m.kind) : undefined;
  if (!spec) return [];
  return CONTAINER_LISTS.flatMap((field) =>
    list(at(m, ...spec, field)).flatMap((c, i) =>
      list(at(c, 'env')).flatMap((e, j): Array<[Path, string]> => {
        const value = str(at(e, 'value'));
        return value ? [[[...spec, field, i, 'env', j, 'value'], value]] : [];
      })));
}

const MAX_LISTED = 4;

/** A short list of Services for a message: those of the namespace when it has any, else the cluster's. */
function listed(services: ServicePorts, namespace: string): string {
  const keys = [...services.keys()].sort();
  const inNamespace = keys.filter((k) => k.startsWith(`${namespace}/`));
  const shown = inNamespace.length ? inNamespace : keys;
  const text = shown.slice(0, MAX_LISTED).map((k) => `${inNamespace.length ? k.slice(namespace.length + 1) : k}:${services.get(k)?.join(',')}`).join(', ');
  return `${inNamespace.length ? `services in ${namespace}` : 'services'}: ${text}${shown.length > MAX_LISTED ? ', …' : ''}`;
}

/** In-cluster addresses name a Service of the cluster, on a port it serves. */
export const inClusterAddresses: Check = (objects) =>
  clusterViews(objects).flatMap((view) => {
    const services = servicesOf(view);
    const namespaces = namespacesOf(view);
    const problems: Problem[] = [];
    for (const o of view.objects) {
      for (const [path, value] of addressFields(o)) {
        const address = serviceAddress(value, namespaces);
        if (!address) continue;
        const key = `${address.namespace}/${address.service}`;
        const ports = services.get(key);
        const where = describeObject(o);
        const field = formatPath(path);
        if (!ports) problems.push({ where, field, message: `${value} names no Service of the cluster (${listed(services, address.namespace)})` });
        else if (!ports.includes(address.port)) problems.push({ where, field, message: `${value} names Service ${key}, which serves no port ${address.port} (ports: ${ports.join(', ')})` });
      }
    }
    return problems;
  });
