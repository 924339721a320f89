/**
 * The checks that hold the Talos layer and the manifests together, run over one cluster's rendered
 * objects: what a RuntimeClass or a pod asks of the nodes must be something a node group provides, and a
 * namespace where pods need host access must say so to Pod Security admission.
 */
import { Problem } from '../errors';
import { byKey } from '../order';
import { describeConstruct } from '../props';
import { apiGroup, describeObject, Manifest, problemAt, RenderedObject } from '../synth/manifest';
import { at, list, Path, record, str } from '../synth/validation/access';
import { chartOf, isHelmRelease, SOURCE_GROUP } from '../synth/validation/helm';
import { podSpecPath } from '../synth/validation/pods';
import type { NodeView, TalosLayer } from './layer';
import { CONTROL_PLANE_LABEL } from './layer';
import { formatLabels, matchesSelector } from './node-groups';
import { hasNvidiaDriver, NVIDIA_GPU_RESOURCE } from './nvidia';
import { POD_SECURITY_ENFORCE_LABEL, TALOS_DEFAULT_POD_SECURITY } from './pod-security';

/** Namespaces Talos exempts from Pod Security admission. */
export const POD_SECURITY_EXEMPT_NAMESPACES: readonly string[] = ['kube-system'];

/** What provides a runtime handler, for messages. */
const HANDLER_HINTS: Readonly<Record<string, string>> = {
  kata: 'KataRuntime puts siderolabs/kata-containers, which registers it, on the nodes it selects',
  'kata-qemu': 'KataRuntime puts siderolabs/kata-containers, which registers it from Talos 1.14, on the nodes it selects',
  nvidia: 'GpuOperator puts the NVIDIA container toolkit, which registers it, on the nodes it selects',
};

/** What advertises an extended resource, for messages. */
const RESOURCE_HINTS: Readonly<Record<string, string>> = {
  'nvidia.com/gpu': 'GpuOperator advertises it on the nodes it selects',
};

const handlerHint = (h: string) => HANDLER_HINTS[h] ?? 'no add-on of the cluster declares that its nodes provide it (NodeRequirement.runtimeHandlers)';
const resourceHint = (r: string) => RESOURCE_HINTS[r] ?? 'no add-on of the cluster declares that its nodes advertise it (NodeRequirement.resources)';

type Json = Record<string, unknown>;

const labelsOf = (x: unknown): Record<string, string> => Object.fromEntries(Object.entries(record(x) ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** The pod spec of a workload and where it is, or undefined for objects that run no pods. */
function podSpecOf(m: Manifest): { path: Path; spec: Json } | undefined {
  const path = podSpecPath(m.apiVersion, m.kind);
  const spec = path && record(at(m, ...path));
  return path && spec ? { path, spec } : undefined;
}

/**
 * Device plugins installed by a HelmRelease rendered as it is (not through an add-on that declares its
 * requirement): the extended resource they advertise, on the nodes whose schematic has the driver.
 */
const DEVICE_PLUGIN_CHARTS: Readonly<Record<string, { readonly resource: string; readonly serves: (extensions: readonly string[]) => boolean }>> = {
  'gpu-operator': { resource: NVIDIA_GPU_RESOURCE, serves: hasNvidiaDriver },
  'nvidia-device-plugin': { resource: NVIDIA_GPU_RESOURCE, serves: hasNvidiaDriver },
};

/** The extended resources each node advertises: what add-ons declared, and what rendered device-plugin releases serve. */
function advertisedResources(nodes: readonly NodeView[], objects: readonly RenderedObject[]): Map<string, readonly string[]> {
  const lookup = (ref: { group: string; kind: string; namespace?: string; name: string }) =>
    objects.find((o) => apiGroup(o.manifest.apiVersion) === ref.group && o.manifest.kind === ref.kind && o.manifest.metadata.namespace === ref.namespace && o.manifest.metadata.name === ref.name)?.manifest;
  const plugins = objects.filter((o) => isHelmRelease(o.manifest))
    .map((o) => chartOf(o.manifest, (ref) => (ref.group === SOURCE_GROUP ? lookup(ref) : undefined))?.name)
    .filter((name): name is string => name !== undefined && Object.hasOwn(DEVICE_PLUGIN_CHARTS, name))
    .map((name) => DEVICE_PLUGIN_CHARTS[name]);
  return new Map(nodes.map((n) => [n.name, [...new Set([...n.resources, ...plugins.filter((p) => p.serves(n.extensions)).map((p) => p.resource)])]]));
}

/** A RuntimeClass the cluster has: rendered, or declared by the add-on that creates it. */
interface KnownRuntimeClass {
  readonly name: string;
  readonly handler: string;
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: unknown[];
}

function runtimeClassesOf(talos: TalosLayer, objects: readonly RenderedObject[]): Map<string, KnownRuntimeClass> {
  const out = new Map<string, KnownRuntimeClass>();
  for (const { value } of talos.runtimeClasses) out.set(value.name, { name: value.name, handler: value.handler, nodeSelector: { ...value.nodeSelector }, tolerations: [] });
  for (const o of objects.filter(isRuntimeClass)) {
    const rc = renderedRuntimeClass(o.manifest);
    if (rc) out.set(rc.name, rc);
  }
  return out;
}

function renderedRuntimeClass(m: Manifest): KnownRuntimeClass | undefined {
  const handler = str(m.handler);
  if (!m.metadata.name || !handler) return undefined;
  return { name: m.metadata.name, handler, nodeSelector: labelsOf(at(m, 'scheduling', 'nodeSelector')), tolerations: list(at(m, 'scheduling', 'tolerations')) };
}

const isRuntimeClass = (o: RenderedObject) => o.manifest.kind === 'RuntimeClass' && apiGroup(o.manifest.apiVersion) === 'node.k8s.io';

/** Whether a toleration list lets pods onto control planes that keep their NoSchedule taint. */
function toleratesControlPlane(tolerations: readonly unknown[]): boolean {
  return tolerations.some((t) => {
    const r = record(t) ?? {};
    const effectOk = r.effect === undefined || r.effect === 'NoSchedule';
    if (r.operator === 'Exists') return effectOk && (r.key === undefined || r.key === CONTROL_PLANE_LABEL);
    return effectOk && r.key === CONTROL_PLANE_LABEL && (r.value ?? '') === '';
  });
}

/** A node selector requirement (`matchExpressions` item) against a node's labels. */
function matchesExpression(labels: Readonly<Record<string, string>>, e: Json): boolean {
  const key = str(e.key) ?? '';
  const values = list(e.values).map(String);
  const has = Object.hasOwn(labels, key);
  switch (e.operator) {
    case 'In': return has && values.includes(labels[key]);
    case 'NotIn': return !has || !values.includes(labels[key]);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt': return has && Number(labels[key]) > Number(values[0]);
    case 'Lt': return has && Number(labels[key]) < Number(values[0]);
    default: return false;
  }
}

/** `requiredDuringSchedulingIgnoredDuringExecution`: the terms are ORed, the requirements of a term ANDed. */
function matchesAffinity(node: NodeView, terms: readonly unknown[]): boolean {
  if (terms.length === 0) return true;
  return terms.some((t) => {
    const term = record(t) ?? {};
    const exprs = list(term.matchExpressions).map((e) => record(e) ?? {});
    const fields = list(term.matchFields).map((e) => record(e) ?? {});
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((e) => matchesExpression(node.labels, e)) && fields.every((f) => f.key === 'metadata.name' && matchesExpression({ 'metadata.name': node.name }, f));
  });
}

const names = (nodes: readonly NodeView[]) => nodes.map((n) => n.name).join(', ');

/** Every RuntimeClass runs a handler that some node it may schedule onto provides. */
function runtimeClassProblems(talos: TalosLayer, objects: readonly RenderedObject[]): Problem[] {
  const nodes = talos.nodeViews;
  const cluster = talos.spec.name;
  const check = (rc: KnownRuntimeClass): { field: string; message: string } | undefined => {
    const providers = nodes.filter((n) => n.runtimeHandlers.includes(rc.handler));
    if (providers.length === 0) return { field: 'handler', message: `${rc.handler} is provided by no node of ${cluster}; ${handlerHint(rc.handler)}` };
    const reachable = providers.filter((n) => matchesSelector(n.labels, rc.nodeSelector) && (n.runsWorkloads || toleratesControlPlane(rc.tolerations)));
    if (reachable.length) return undefined;
    return {
      field: 'scheduling.nodeSelector',
      message: `${formatLabels(rc.nodeSelector)} selects none of the nodes that provide handler ${rc.handler} (${names(providers)}); select on labels they carry`,
    };
  };
  const problems: Problem[] = [];
  for (const { by, value } of talos.runtimeClasses) {
    const p = check({ name: value.name, handler: value.handler, nodeSelector: { ...value.nodeSelector }, tolerations: [] });
    if (p) problems.push({ where: describeConstruct(by), field: '', message: `RuntimeClass ${value.name}: ${p.field}: ${p.message}` });
  }
  for (const o of objects.filter(isRuntimeClass)) {
    const rc = renderedRuntimeClass(o.manifest);
    const p = rc && check(rc);
    if (p) problems.push({ where: describeObject(o), field: p.field, message: p.message });
  }
  return problems;
}

/** Extended resources a pod's containers request: domain-qualified names outside kubernetes.io. */
function extendedResources(spec: Json, specPath: Path): Array<{ name: string; field: Path }> {
  const out = new Map<string, Path>();
  for (const containers of ['initContainers', 'containers'] as const) {
    list(spec[containers]).forEach((c, i) => {
      for (const kind of ['limits', 'requests'] as const) {
        for (const name of Object.keys(record(at(c, 'resources', kind)) ?? {})) {
          const domain = name.includes('/') ? name.slice(0, name.indexOf('/')) : '';
          if (domain && domain !== 'kubernetes.io' && !domain.endsWith('.kubernetes.io') && !out.has(name)) out.set(name, [...specPath, containers, i, 'resources', kind, name]);
        }
      }
    });
  }
  return [...out].sort(byKey).map(([name, field]) => ({ name, field }));
}

/**
 * Every pod can land on a node: one that runs workloads (or whose taint it tolerates), carries the labels
 * its node selector, required node affinity and RuntimeClass ask for, provides its RuntimeClass's handler
 * and advertises the extended resources it requests. RuntimeClasses the cluster does not have are left
 * to the reference checks.
 */
function podPlacementProblems(talos: TalosLayer, objects: readonly RenderedObject[]): Problem[] {
  const nodes = talos.nodeViews;
  const cluster = talos.spec.name;
  const runtimeClasses = runtimeClassesOf(talos, objects);
  const resources = advertisedResources(nodes, objects);
  const problems: Problem[] = [];
  for (const o of objects) {
    const pod = podSpecOf(o.manifest);
    if (!pod) continue;
    const { path: specPath, spec } = pod;
    const problem = (field: Path, message: string) => problems.push(problemAt(o, field, message));
    const rcName = str(spec.runtimeClassName);
    const rc = rcName ? runtimeClasses.get(rcName) : undefined;
    const selector = labelsOf(spec.nodeSelector);
    const terms = list(at(spec, 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'));
    const tolerations = [...list(spec.tolerations), ...(rc?.tolerations ?? [])];
    const candidates = nodes.filter((n) => (n.runsWorkloads || toleratesControlPlane(tolerations))
      && matchesSelector(n.labels, selector) && matchesSelector(n.labels, rc?.nodeSelector ?? {}) && matchesAffinity(n, terms));
    if (candidates.length === 0) {
      const asks = [
        Object.keys(selector).length ? `nodeSelector ${formatLabels(selector)}` : '',
        terms.length ? 'its required node affinity' : '',
        rc && Object.keys(rc.nodeSelector).length ? `RuntimeClass ${rc.name}'s ${formatLabels(rc.nodeSelector)}` : '',
      ].filter(Boolean).join(', ');
      problem(specPath, `no node of ${cluster} that runs workloads matches ${asks || 'its scheduling'}; set the labels it selects on in the cluster spec (nodes[].labels)`);
      continue;
    }
    const served = rc ? candidates.filter((n) => n.runtimeHandlers.includes(rc.handler)) : candidates;
    if (rc && served.length === 0) {
      problem([...specPath, 'runtimeClassName'], `RuntimeClass ${rc.name} runs handler ${rc.handler}, which none of the nodes it may run on (${names(candidates)}) provides; ${handlerHint(rc.handler)}`);
      continue;
    }
    for (const r of extendedResources(spec, specPath)) {
      if (served.some((n) => resources.get(n.name)?.includes(r.name))) continue;
      problem(r.field, `requests ${r.name}, which none of the nodes it may run on (${names(served)}) advertises; ${resourceHint(r.name)}`);
      break;
    }
  }
  return problems;
}

/** The Pod Security level a namespace enforces on Talos, and whether it is exempt. */
function podSecurityOf(namespace: string, objects: readonly RenderedObject[]): { level: string; rendered: boolean } | 'exempt' {
  if (POD_SECURITY_EXEMPT_NAMESPACES.includes(namespace)) return 'exempt';
  const ns = objects.find((o) => o.manifest.kind === 'Namespace' && o.manifest.apiVersion === 'v1' && o.manifest.metadata.name === namespace);
  const level = ns?.manifest.metadata.labels?.[POD_SECURITY_ENFORCE_LABEL];
  return { level: level ?? TALOS_DEFAULT_POD_SECURITY, rendered: level !== undefined };
}

const LABEL_HINT = `label it ${POD_SECURITY_ENFORCE_LABEL}: privileged (TalosNamespace with podSecurity: 'privileged')`;

/** What in a pod spec Pod Security `baseline` rejects: privileged containers, host namespaces and hostPath volumes. */
function privilegedFields(spec: Json, specPath: Path): Array<{ field: Path; what: string }> {
  const out: Array<{ field: Path; what: string }> = [];
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[host] === true) out.push({ field: [...specPath, host], what: `uses ${host}` });
  list(spec.volumes).forEach((v, i) => {
    if (record(v)?.hostPath) out.push({ field: [...specPath, 'volumes', i, 'hostPath'], what: 'mounts a hostPath volume' });
  });
  for (const containers of ['initContainers', 'containers'] as const) {
    list(spec[containers]).forEach((c, i) => {
      if (at(c, 'securityContext', 'privileged') === true) out.push({ field: [...specPath, containers, i, 'securityContext', 'privileged'], what: 'runs a privileged container' });
    });
  }
  return out;
}

/** Namespaces with pods that need host access enforce Pod Security `privileged` (Talos enforces `baseline` by default). */
function podSecurityProblems(talos: TalosLayer, objects: readonly RenderedObject[]): Problem[] {
  const problems: Problem[] = [];
  for (const { by, value } of talos.privilegedPods) {
    const ps = podSecurityOf(value.namespace, objects);
    if (ps === 'exempt' || ps.level === 'privileged') continue;
    const level = ps.rendered ? ps.level : `${ps.level} (Talos' default: no Namespace object of the cluster sets a level)`;
    problems.push({ where: describeConstruct(by), field: '', message: `namespace ${value.namespace} enforces Pod Security ${level}, but ${value.reason}; ${LABEL_HINT}` });
  }
  for (const o of objects) {
    const pod = podSpecOf(o.manifest);
    const namespace = o.manifest.metadata.namespace;
    if (!pod || !namespace) continue;
    const fields = privilegedFields(pod.spec, pod.path);
    const ps = podSecurityOf(namespace, objects);
    if (fields.length === 0 || ps === 'exempt' || ps.level === 'privileged') continue;
    problems.push(problemAt(o, fields[0].field, `${fields[0].what}, which Pod Security ${ps.level} in namespace ${namespace} rejects; ${LABEL_HINT}`));
  }
  return problems;
}

/** Every cross-layer problem of one cluster: its Talos layer against its rendered objects. */
export function crossLayerProblems(talos: TalosLayer, objects: readonly RenderedObject[]): Problem[] {
  return [...runtimeClassProblems(talos, objects), ...podPlacementProblems(talos, objects), ...podSecurityProblems(talos, objects)];
}
