import { KUBERNETES_VERSION_ANNOTATION, TALOS_VERSION_ANNOTATION } from '../synth/labels';
import { apiGroup } from '../synth/manifest';
import { POD_SECURITY_ENFORCE_LABEL, POD_SECURITY_LEVELS, TALOS_DEFAULT_POD_SECURITY } from '../talos/pod-security';
import type { ObjectChange } from './change';
import { deepEqual, FieldChange, formatFieldPath, isPlainObject, isScalar, isUnder, keysOf, namesOf, PathSegment } from './field-diff';
import { TreeObject } from './tree';

/** What a reviewer is warned about, most severe first in RISK_KINDS. */
export const RISK_KINDS = {
  'namespace-deleted': { severity: 'high', title: 'Namespace deleted' },
  'crd-release-deleted': { severity: 'high', title: 'CRD-installing HelmRelease deleted' },
  'policy-removed': { severity: 'high', title: 'Policy removed' },
  'policy-weakened': { severity: 'high', title: 'Policy no longer denies' },
  'policy-exception': { severity: 'high', title: 'Policy exception added or changed' },
  'pod-security-lowered': { severity: 'high', title: 'Pod Security level lowered' },
  'immutable-field': { severity: 'high', title: 'Immutable field changed' },
  'platform-version-skip': { severity: 'high', title: 'Kubernetes/Talos minor skipped or lowered' },
  'chart-major-version': { severity: 'high', title: 'Major version changed' },
  deleted: { severity: 'warn', title: 'Object deleted' },
  moved: { severity: 'warn', title: 'Object moved to another layer' },
  'crd-policy': { severity: 'warn', title: 'HelmRelease CRD policy changed' },
  'platform-version': { severity: 'warn', title: 'Kubernetes/Talos minor upgraded' },
  'chart-version': { severity: 'warn', title: 'Chart version changed' },
  'api-version': { severity: 'warn', title: 'apiVersion changed' },
  image: { severity: 'warn', title: 'Image changed' },
} as const;

export type RiskKind = keyof typeof RISK_KINDS;
export type Severity = (typeof RISK_KINDS)[RiskKind]['severity'];

export interface Risk {
  readonly kind: RiskKind;
  readonly severity: Severity;
  readonly change: ObjectChange;
  /** One line: what changes, and what it does to the cluster. */
  readonly message: string;
}

/** How the Flux Kustomization applying a layer treats objects that disappear from it. */
type PruneOf = (cluster: string, layer: string) => boolean | undefined;

type Detector = (change: ObjectChange, pruneOf: PruneOf) => Array<[RiskKind, string]>;

const show = (v: unknown): string => (v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v));
const groupOf = (o: TreeObject | undefined) => apiGroup(o?.apiVersion ?? '');
const get = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((at, k) => (isPlainObject(at) ? at[k] : undefined), v);
const fieldsUnder = (change: ObjectChange, prefix: readonly string[]) => change.fields.filter((f) => isUnder(f.path, prefix));
const lastKey = (path: readonly PathSegment[]) => keysOf(path).at(-1);

const ENFORCING = /^(deny|enforce)$/i;

/** How a policy object enforces, when it says: `[Deny]`, `Enforce`; undefined for anything else. */
function enforcementOf(o: TreeObject | undefined): string | undefined {
  const actions = get(o?.value, 'spec', 'validationActions');
  if (Array.isArray(actions)) return `validationActions ${show(actions)}`;
  const legacy = get(o?.value, 'spec', 'validationFailureAction');
  return typeof legacy === 'string' ? `validationFailureAction ${legacy}` : undefined;
}

/** Admission policies that reject objects: Kyverno's validating kinds (not its mutating, generating or cleanup ones) and ValidatingAdmissionPolicies. */
function isPolicy(o: TreeObject | undefined): boolean {
  const [group, kind] = [groupOf(o), o?.kind ?? ''];
  if (group === 'policies.kyverno.io') return /ValidatingPolicy$/.test(kind);
  if (group === 'kyverno.io') return kind === 'ClusterPolicy' || kind === 'Policy';
  return group === 'admissionregistration.k8s.io' && /^ValidatingAdmissionPolicy(Binding)?$/.test(kind);
}

function installsCrds(o: TreeObject | undefined): boolean {
  // Flux's default install policy is Create.
  return o?.kind === 'HelmRelease' && groupOf(o) === 'helm.toolkit.fluxcd.io' && get(o.value, 'spec', 'install', 'crds') !== 'Skip';
}

const deletion: Detector = (change, pruneOf) => {
  if (change.status !== 'removed' || change.layer === 'files') return [];
  const prune = pruneOf(change.cluster, change.layer);
  if (prune === false) return [['deleted', 'removed from Git; its Kustomization has prune: false, so Flux leaves it running, orphaned']];
  const flux = prune ? 'with prune: true Flux deletes' : 'if its Kustomization prunes, Flux deletes';
  const { before } = change;
  if (change.kind === 'Namespace' && !before?.apiVersion?.includes('/')) {
    return [['namespace-deleted', `${flux} the Namespace and every object in it, including those Flux does not manage`]];
  }
  if (installsCrds(before)) {
    return [['crd-release-deleted', `${flux} the release (install.crds: ${show(get(before?.value, 'spec', 'install', 'crds') ?? 'Create')}); a chart that templates its CRDs takes them, and every custom resource of those kinds, with it`]];
  }
  if (isPolicy(before)) {
    const how = enforcementOf(before);
    return [['policy-removed', `${flux} the policy${how ? ` (it had ${how})` : ''}; what it enforced is no longer checked`]];
  }
  return [['deleted', `${flux} it from the cluster`]];
};

const levelOf = (o: TreeObject | undefined): string => {
  const label = get(o?.value, 'metadata', 'labels', POD_SECURITY_ENFORCE_LABEL);
  return typeof label === 'string' ? label : TALOS_DEFAULT_POD_SECURITY;
};
const rankOf = (level: string) => (POD_SECURITY_LEVELS as readonly string[]).indexOf(level);

const podSecurity: Detector = (change) => {
  if (change.status !== 'changed' || change.kind !== 'Namespace') return [];
  const [from, to] = [levelOf(change.before), levelOf(change.after)];
  // An unknown level reads as privileged: the API server rejects it, nothing is enforced.
  return rankOf(to) < rankOf(from) ? [['pod-security-lowered', `${POD_SECURITY_ENFORCE_LABEL}: ${from} → ${to}`]] : [];
};

const deniesIn = (v: unknown, key: string | undefined): boolean =>
  key === 'validationActions' ? Array.isArray(v) && v.some((a) => typeof a === 'string' && ENFORCING.test(a)) : typeof v === 'string' && ENFORCING.test(v);

const policyWeakened: Detector = (change) =>
  change.fields
    .filter((f) => ['validationActions', 'validationFailureAction', 'failureAction'].includes(lastKey(f.path) ?? ''))
    .filter((f) => deniesIn(f.before, lastKey(f.path)) && !deniesIn(f.after, lastKey(f.path)))
    .map((f) => ['policy-weakened', `${formatFieldPath(f.path)}: ${show(f.before)} → ${show(f.after)}: violations are let through`]);

/** Fields the API server refuses to change, by `group/Kind`. */
const IMMUTABLE: Record<string, readonly string[][]> = {
  'apps/Deployment': [['spec', 'selector']],
  'apps/ReplicaSet': [['spec', 'selector']],
  'apps/DaemonSet': [['spec', 'selector']],
  'apps/StatefulSet': [['spec', 'selector'], ['spec', 'serviceName'], ['spec', 'volumeClaimTemplates'], ['spec', 'podManagementPolicy']],
  'batch/Job': [['spec', 'selector'], ['spec', 'template'], ['spec', 'completionMode']],
  '/Service': [['spec', 'clusterIP'], ['spec', 'clusterIPs']],
  'rbac.authorization.k8s.io/RoleBinding': [['roleRef']],
  'rbac.authorization.k8s.io/ClusterRoleBinding': [['roleRef']],
  'storage.k8s.io/StorageClass': [['provisioner'], ['parameters'], ['reclaimPolicy'], ['volumeBindingMode']],
};

/** `path: before → after` for a changed scalar, else `path added|removed|changed`. */
function describeField(f: FieldChange): string {
  const path = formatFieldPath(f.path);
  if (f.op === 'changed' && isScalar(f.before) && isScalar(f.after)) return `${path}: ${show(f.before)} → ${show(f.after)}`;
  return `${path} ${f.op}`;
}

/** Up to three field changes below `prefix`, then how many more. */
function describeFields(touched: readonly FieldChange[], prefix: readonly string[]): string {
  const shown = touched.slice(0, 3).map(describeField).join('; ');
  return touched.length > 3 ? `${shown}; and ${touched.length - 3} more below ${prefix.join('.')}` : shown;
}

const immutable: Detector = (change) => {
  if (change.status !== 'changed') return [];
  const prefixes = IMMUTABLE[`${groupOf(change.after)}/${change.kind}`] ?? [];
  return prefixes.flatMap((prefix) => {
    const touched = fieldsUnder(change, prefix);
    if (!touched.length) return [];
    return [['immutable-field', `${describeFields(touched, prefix)}: the API server rejects the update; Flux fails to apply it unless the Kustomization sets force: true (which re-creates the object)`]];
  });
};

/** Kyverno PolicyExceptions: the legacy kyverno.io kind and the policies.kyverno.io one (CEL policies). */
const isPolicyException = (o: TreeObject | undefined) => o?.kind === 'PolicyException' && ['kyverno.io', 'policies.kyverno.io'].includes(groupOf(o));

/** The policies an exception names: policyRefs[].name, or exceptions[].policyName with their rules. */
function exemptedPolicies(o: TreeObject | undefined): string[] {
  const entries = (key: string) => {
    const v = get(o?.value, 'spec', key);
    return Array.isArray(v) ? v : [];
  };
  const refs = entries('policyRefs').map((r) => get(r, 'name')).filter((n): n is string => typeof n === 'string');
  const legacy = entries('exceptions').flatMap((e) => {
    const [name, rules] = [get(e, 'policyName'), get(e, 'ruleNames')];
    if (typeof name !== 'string') return [];
    return [Array.isArray(rules) && rules.length ? `${name} (${rules.map(show).join(', ')})` : name];
  });
  return [...refs, ...legacy];
}

// Whether a changed exception now exempts more cannot be read off a CEL condition or a match block, so
// every change of its spec is put before the reviewer.
const policyException: Detector = (change) => {
  if (!isPolicyException(change.after)) return [];
  if (change.status === 'added') {
    const policies = exemptedPolicies(change.after);
    return [['policy-exception', `exempts what it matches from ${policies.length ? policies.join(', ') : 'its policies'}: those objects are no longer checked`]];
  }
  const touched = change.status === 'changed' ? fieldsUnder(change, ['spec']) : [];
  return touched.length ? [['policy-exception', `${describeFields(touched, ['spec'])}: check that it does not exempt more than before`]] : [];
};

/** The fields at `paths` whose values differ between the two sides, as `path: before → after`. */
function valueChanges(change: ObjectChange, paths: readonly string[][]): string[] {
  return paths
    .filter((p) => !deepEqual(get(change.before?.value, ...p), get(change.after?.value, ...p)))
    .map((p) => `${p.join('.')}: ${show(get(change.before?.value, ...p))} → ${show(get(change.after?.value, ...p))}`);
}

/** Fields that say which chart (and version) runs, by `group/Kind`; the versions among them are compared. */
const CHART_VERSION: Record<string, { readonly fields: readonly string[][]; readonly versions: readonly string[][] }> = {
  'helm.toolkit.fluxcd.io/HelmRelease': { fields: [['spec', 'chart', 'spec', 'chart'], ['spec', 'chartRef', 'name']], versions: [['spec', 'chart', 'spec', 'version']] },
  'source.toolkit.fluxcd.io/OCIRepository': { fields: [['spec', 'url'], ['spec', 'ref', 'semver'], ['spec', 'ref', 'digest']], versions: [['spec', 'ref', 'tag']] },
  'source.toolkit.fluxcd.io/HelmChart': { fields: [['spec', 'chart']], versions: [['spec', 'version']] },
  // The Flux distribution the Flux Operator installs: a Flux upgrade of the whole cluster.
  'fluxcd.controlplane.io/FluxInstance': { fields: [], versions: [['spec', 'distribution', 'version']] },
};

/** major, minor, patch of `1.2.3`, `v1.2`, `26.7.0-rc.1`; undefined for anything else (a range, a digest). */
function versionParts(v: unknown): [number, number, number] | undefined {
  const m = typeof v === 'string' ? /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

/** What a version change is: a major bump (or downgrade) is high, anything else a warning. */
export function versionChange(from: unknown, to: unknown): { kind: 'chart-major-version' | 'chart-version'; what: string } {
  const [a, b] = [versionParts(from), versionParts(to)];
  if (!a || !b) return { kind: 'chart-version', what: 'changed' };
  const order = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  if (order === 0) return { kind: 'chart-version', what: 'pre-release or build changed' };
  const direction = order > 0 ? 'downgrade' : 'upgrade';
  if (a[0] !== b[0]) return { kind: 'chart-major-version', what: `major ${direction}: read the release notes for breaking changes` };
  return { kind: 'chart-version', what: `${a[1] !== b[1] ? 'minor' : 'patch'} ${direction}` };
}

const chartVersion: Detector = (change) => {
  if (change.status !== 'changed') return [];
  const spec = CHART_VERSION[`${groupOf(change.after)}/${change.kind}`];
  if (!spec) return [];
  const versions = spec.versions
    .filter((p) => !deepEqual(get(change.before?.value, ...p), get(change.after?.value, ...p)))
    .map((p): [RiskKind, string] => {
      const [from, to] = [get(change.before?.value, ...p), get(change.after?.value, ...p)];
      const { kind, what } = versionChange(from, to);
      return [kind, `${p.join('.')}: ${show(from)} → ${show(to)} (${what})`];
    });
  return [...versions, ...valueChanges(change, spec.fields).map((what): [RiskKind, string] => ['chart-version', what])];
};

/** The charts the bootstrap's Terraform JSON installs (`helm_release.<id>.version`), by release id. */
function bootstrapCharts(o: TreeObject | undefined): Map<string, unknown> {
  const releases = get(o?.value, 'resource', 'helm_release');
  return new Map(isPlainObject(releases) ? Object.entries(releases).map(([id, r]) => [id, get(r, 'version')]) : []);
}

/** A chart of the bootstrap (Cilium, the Flux Operator) changing version: applied by the next `tofu apply`. */
const bootstrapChartVersion: Detector = (change) => {
  if (change.status !== 'changed' || change.kind !== 'File' || !/(^|\/)bootstrap\/main\.tf\.json$/.test(change.name)) return [];
  const [before, after] = [bootstrapCharts(change.before), bootstrapCharts(change.after)];
  return [...after]
    .filter(([id, to]) => before.has(id) && to !== undefined && before.get(id) !== to)
    .map(([id, to]): [RiskKind, string] => {
      const from = before.get(id);
      const { kind, what } = versionChange(from, to);
      return [kind, `helm_release.${id}.version: ${show(from)} → ${show(to)} (${what}; the bootstrap applies it: tofu apply)`];
    });
};

/** A `major.minor` version as [major, minor]. */
const minorParts = (v: unknown): [number, number] | undefined => {
  const m = typeof v === 'string' ? /^v?(\d+)\.(\d+)/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
};

/**
 * A cluster's Kubernetes or Talos minor changing, read from the annotations the FluxInstance records them
 * in. Both upgrade one minor at a time: a skipped minor, or going back, is high.
 */
const platformVersion: Detector = (change) => {
  if (change.status !== 'changed') return [];
  return ([['Kubernetes', KUBERNETES_VERSION_ANNOTATION], ['Talos', TALOS_VERSION_ANNOTATION]] as const).flatMap(([what, key]): Array<[RiskKind, string]> => {
    const [from, to] = [get(change.before?.value, 'metadata', 'annotations', key), get(change.after?.value, 'metadata', 'annotations', key)];
    if (from === undefined || to === undefined || from === to) return [];
    const [a, b] = [minorParts(from), minorParts(to)];
    const prefix = `${what} ${show(from)} → ${show(to)}`;
    if (!a || !b) return [['platform-version-skip', `${prefix}: not a minor version`]];
    if (a[0] !== b[0] || b[1] < a[1]) return [['platform-version-skip', `${prefix}: goes backwards; ${what} does not downgrade (restore the nodes or rebuild the cluster)`]];
    if (b[1] - a[1] > 1) return [['platform-version-skip', `${prefix}: skips ${b[1] - a[1] - 1} minor${b[1] - a[1] > 2 ? 's' : ''}; ${what} upgrades one minor at a time (${from} → ${a[0]}.${a[1] + 1} first)`]];
    return [['platform-version', `${prefix}: one minor up; upgrade the nodes (talosctl ${what === 'Talos' ? 'upgrade' : 'upgrade-k8s'}) in step with this commit`]];
  });
};

/** The same object (group, kind, name) served under another version of its API group. */
const apiVersionChange: Detector = (change) =>
  change.status === 'changed' && change.before?.apiVersion !== change.after?.apiVersion
    ? [['api-version', `${show(change.before?.apiVersion)} → ${show(change.after?.apiVersion)}: check that every cluster version serves it and that moved fields came along`]]
    : [];

const crdPolicy: Detector = (change) =>
  change.status === 'changed' && change.kind === 'HelmRelease' && groupOf(change.after) === 'helm.toolkit.fluxcd.io'
    ? valueChanges(change, [['spec', 'install', 'crds'], ['spec', 'upgrade', 'crds']]).map((what) => ['crd-policy', what])
    : [];

/** Keys that name an image or a version in chart values (`image`, `controller.image.tag`, `initImage`, `version`, …). */
const IMAGE_VALUE_KEY = /(^|[a-z])(image|Image)$|^(images|tag|version|repository|registry|digest)$/;
/** Keys below an image key that do not change what runs (`image.pullPolicy`). */
const NOT_AN_IMAGE = /pull/i;

/** The image references of an object: every `image` string, and in HelmRelease values every leaf below an image or version key. */
function imagesOf(o: TreeObject | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const inValues = o?.kind === 'HelmRelease';
  const walk = (v: unknown, path: PathSegment[]) => {
    if (Array.isArray(v)) {
      const names = namesOf(v);
      v.forEach((item, i) => walk(item, [...path, names ? { name: names[i] } : i]));
    } else if (isPlainObject(v)) {
      for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
    } else {
      const keys = keysOf(path);
      const last = keys.at(-1) ?? '';
      const valueKeys = inValues && isUnder(path, ['spec', 'values']) ? keys.slice(2) : [];
      if (last === 'image' || (valueKeys.some((k) => IMAGE_VALUE_KEY.test(k)) && !NOT_AN_IMAGE.test(last))) out.set(formatFieldPath(path), v);
    }
  };
  walk(o?.value, []);
  return out;
}

const images: Detector = (change) => {
  if (change.status !== 'changed') return [];
  const [before, after] = [imagesOf(change.before), imagesOf(change.after)];
  return [...after].filter(([path, v]) => before.get(path) !== v).map(([path, v]) => ['image', `${path}: ${show(before.get(path))} → ${show(v)}`]);
};

const moved: Detector = (change) =>
  change.movedFrom
    ? [['moved', `from ${change.movedFrom} to ${change.layer}: if the old layer reconciles first, Flux deletes the object before the new layer re-creates it`]]
    : [];

const DETECTORS: readonly Detector[] = [deletion, podSecurity, policyWeakened, policyException, immutable, platformVersion, apiVersionChange, crdPolicy, chartVersion, images, moved];

/** Detectors of plain files (the bootstrap's Terraform JSON). */
const FILE_DETECTORS: readonly Detector[] = [bootstrapChartVersion];

const KIND_ORDER = Object.keys(RISK_KINDS);

/** Looks up `prune` of the Flux Kustomization whose path is a layer's folder, in the new tree first. */
function pruneLookup(trees: readonly (readonly TreeObject[])[]): PruneOf {
  const prune = new Map<string, boolean>();
  for (const objects of [...trees].reverse()) {
    for (const o of objects) {
      if (o.kind !== 'Kustomization' || groupOf(o) !== 'kustomize.toolkit.fluxcd.io') continue;
      const path = get(o.value, 'spec', 'path');
      if (typeof path === 'string') prune.set(`${o.cluster}|${path.replace(/^\.?\//, '').replace(/\/$/, '')}`, get(o.value, 'spec', 'prune') === true);
    }
  }
  return (cluster, layer) => prune.get(`${cluster}|${layer === 'flux' ? `clusters/${cluster}` : `dist/${cluster}/${layer}`}`);
}

/** The risk flags of a set of object changes, most severe first, then in the order of the changes. */
export function risksOf(changes: readonly ObjectChange[], before: readonly TreeObject[], after: readonly TreeObject[]): Risk[] {
  const pruneOf = pruneLookup([after, before]);
  const risks = changes.flatMap((change) =>
    (change.kind === 'File' ? FILE_DETECTORS : DETECTORS).flatMap((d) => d(change, pruneOf)).map(([kind, message]): Risk => ({ kind, severity: RISK_KINDS[kind].severity, change, message })));
  const rank = (r: Risk) => (r.severity === 'high' ? 0 : 1);
  return risks
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || KIND_ORDER.indexOf(a.r.kind) - KIND_ORDER.indexOf(b.r.kind) || a.i - b.i)
    .map(({ r }) => r);
}
