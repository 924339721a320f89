/**
 * Names, labels, annotations and label selectors as the API server validates them (apimachinery's
 * ValidateObjectMeta and the name rule of each kind), so a name Kubernetes refuses fails the synth, not
 * the Flux reconciliation. Values of another type are left to the schema check.
 */
import { Problem } from '../../errors';
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from '../../validators';
import type { Check } from './check';
import { apiGroup, Manifest, problemAt, RenderedObject } from '../manifest';
import { at, list, Path, record } from './access';
import { isHelmRelease } from './helm';
import { podSpecPath, podTemplateMetadataPath } from './pods';

/** What is wrong with a name, or undefined. */
type NameRule = (name: string) => string | undefined;

/** A value as messages show it: quoted, cut short when it is very long. */
const shown = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 79)}…` : s);

const subdomain: NameRule = (name) => {
  if (name.length > 253) return `${shown(name)} has ${name.length} characters; a name has at most 253`;
  if (!isDnsSubdomain(name)) return `${shown(name)} is not a valid name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)`;
  return undefined;
};

/** Names that become DNS labels (a Namespace, a StatefulSet's pod host names). */
const dnsLabel = (kind: string): NameRule => (name) => {
  if (name.length > 63) return `${shown(name)} has ${name.length} characters; a ${kind} name has at most 63 (a DNS label)`;
  if (!isDnsLabel(name)) return `${shown(name)} is not a valid ${kind} name (a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit)`;
  return undefined;
};

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A Service name is a DNS-1035 label: it becomes a DNS name and environment variable names, so it starts with a letter. */
const serviceName: NameRule = (name) => {
  if (name.length > 63) return `${shown(name)} has ${name.length} characters; a Service name has at most 63 (a DNS-1035 label)`;
  if (!DNS_1035_LABEL.test(name)) return `${shown(name)} is not a valid Service name (a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit)`;
  return undefined;
};

/** A subdomain of at most `max` characters, because the controller builds names or labels from it. */
const shortSubdomain = (kind: string, max: number, why: string): NameRule => (name) =>
  subdomain(name) ?? (name.length > max ? `${shown(name)} has ${name.length} characters; a ${kind} name has at most ${max} (${why})` : undefined);

/** RBAC names are path segments: `system:controller:x` is fine, '/' and '%' are not. */
const pathSegment: NameRule = (name) =>
  name === '.' || name === '..' || /[/%]/.test(name) ? `${shown(name)} is not a valid name (it may not be '.' or '..' or contain '/' or '%')` : undefined;

/** Kinds whose name rule is not the DNS subdomain every other kind (custom resources included) has; keyed `group Kind`. */
const NAME_RULES: Readonly<Record<string, NameRule>> = {
  ' Namespace': dnsLabel('Namespace'),
  ' Service': serviceName,
  'apps StatefulSet': dnsLabel('StatefulSet'),
  'batch Job': shortSubdomain('Job', 63, 'its pods carry it as the batch.kubernetes.io/job-name label'),
  'batch CronJob': shortSubdomain('CronJob', 52, 'the names of its Jobs add 11'),
  'rbac.authorization.k8s.io Role': pathSegment,
  'rbac.authorization.k8s.io ClusterRole': pathSegment,
  'rbac.authorization.k8s.io RoleBinding': pathSegment,
  'rbac.authorization.k8s.io ClusterRoleBinding': pathSegment,
};

const nameRuleOf = (m: Manifest): NameRule => NAME_RULES[`${apiGroup(m.apiVersion)} ${m.kind}`] ?? subdomain;

const KEY_RULE = "an optional DNS subdomain prefix and '/', then a name of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";

function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `${shown(value)} has ${value.length} characters; a label value has at most 63`;
  if (!isLabelValue(value)) return `${shown(value)} is not a valid label value (letters, digits, '-', '_' and '.', starting and ending with a letter or digit, or empty)`;
  return undefined;
}

/** The API server's limit on the annotations of one object, keys and values together (TotalAnnotationSizeLimitB). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

type Report = (field: Path, message: string) => void;

/** A map of labels: metadata.labels, a selector's matchLabels, a nodeSelector. */
function checkLabelMap(value: unknown, path: Path, report: Report): void {
  for (const [key, v] of Object.entries(record(value) ?? {})) {
    if (!isLabelKey(key)) report([...path, key], `${shown(key)} is not a valid label key (${KEY_RULE})`);
    else if (typeof v === 'string') {
      const wrong = labelValueProblem(v);
      if (wrong) report([...path, key], wrong);
    }
  }
}

/** Labels and annotations of an object's or a pod template's metadata. */
function checkMetadata(metadata: unknown, path: Path, report: Report): void {
  checkLabelMap(at(metadata, 'labels'), [...path, 'labels'], report);
  const annotations = record(at(metadata, 'annotations'));
  if (!annotations) return;
  let bytes = 0;
  for (const [key, v] of Object.entries(annotations)) {
    // The API server checks annotation keys lowercased: a capital in the prefix is accepted.
    if (!isLabelKey(key.toLowerCase())) report([...path, 'annotations', key], `${shown(key)} is not a valid annotation key (${KEY_RULE})`);
    bytes += Buffer.byteLength(key) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (bytes > ANNOTATIONS_MAX_BYTES) report([...path, 'annotations'], `${bytes} bytes of annotations; an object may have at most ${ANNOTATIONS_MAX_BYTES} (256 KiB)`);
}

/**
 * Every label selector under a value: matchLabels maps and matchExpressions' keys and In/NotIn values.
 * The walk visits every field of every object, so it keeps one path stack and copies it only to report.
 */
function checkSelectors(value: unknown, path: Array<string | number>, report: Report): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      checkSelectors(value[i], path, report);
      path.pop();
    }
    return;
  }
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (key === 'matchLabels') checkLabelMap(v, [...path, key], report);
    else if (key === 'matchExpressions') checkRequirements(v, [...path, key], report);
    else if (key !== 'metadata') {
      path.push(key);
      checkSelectors(v, path, report);
      path.pop();
    }
  }
}

/** A selector's matchExpressions: label keys, and label values where the operator compares with values. */
function checkRequirements(requirements: unknown, path: Path, report: Report): void {
  list(requirements).forEach((requirement, i) => {
    const k = at(requirement, 'key');
    if (typeof k === 'string' && !isLabelKey(k)) report([...path, i, 'key'], `${shown(k)} is not a valid label key (${KEY_RULE})`);
    const operator = at(requirement, 'operator');
    if (operator !== 'In' && operator !== 'NotIn') return;
    list(at(requirement, 'values')).forEach((v, j) => {
      const wrong = typeof v === 'string' ? labelValueProblem(v) : undefined;
      if (wrong) report([...path, i, 'values', j], wrong);
    });
  });
}

/** Kinds whose spec.selector is a plain map of labels. */
const MAP_SELECTORS = new Set(['v1 Service', 'v1 ReplicationController']);

/** Everything this module checks on one object. */
function metadataProblems(o: RenderedObject): Problem[] {
  const m = o.manifest;
  const problems: Problem[] = [];
  const report: Report = (field, message) => problems.push(problemAt(o, field, message));
  if (typeof m.metadata.name === 'string' && m.metadata.name !== '') {
    const wrong = nameRuleOf(m)(m.metadata.name);
    if (wrong) report(['metadata', 'name'], wrong);
  }
  checkMetadata(m.metadata, ['metadata'], report);
  const podSpec = podSpecPath(m.apiVersion, m.kind);
  if (podSpec) {
    const template = podTemplateMetadataPath(podSpec);
    if (template) checkMetadata(at(m, ...template), template, report);
    checkLabelMap(at(m, ...podSpec, 'nodeSelector'), [...podSpec, 'nodeSelector'], report);
  }
  if (MAP_SELECTORS.has(`${m.apiVersion} ${m.kind}`)) checkLabelMap(at(m, 'spec', 'selector'), ['spec', 'selector'], report);
  // Chart values are the chart's business, whatever their keys are called.
  const spec = isHelmRelease(m) ? { ...record(m.spec), values: undefined } : m.spec;
  checkSelectors(spec, ['spec'], report);
  return problems;
}

/** Names, labels, annotations and selectors of every object, as the API server would refuse them. */
export const metadataRules: Check = (objects) => objects.flatMap(metadataProblems);
