/**
 * The tests' policy evaluator: lib/synth/admission (what admission at synth runs: ValidatingPolicy,
 * MutatingPolicy, PolicyException, its header lists the CEL it supports) plus what only tests can do,
 * ImageValidatingPolicy against a table of signatures the test provides.
 *
 * ImageValidatingPolicy: images are extracted per kind as Kyverno's built-in extractors do
 * (containers, initContainers, ephemeralContainers, imageVolumes of a Pod or pod template), filtered
 * by `matchImageReferences` (globs and CEL expressions over `ref`); bindings add `images`, `attestors`,
 * `attestations`; `verifyImageSignatures(image, attestors)` counts the attestors that accept one of the
 * image's signatures (a signature counts for an attestor when one of its keyless identities matches:
 * issuer equal, subject equal or subjectRegExp found in it, as cosign checks). Digest resolution is
 * not modelled: with mutateDigest on, images count as pinned. subjectRegExp uses JavaScript regular
 * expressions, not RE2.
 */
import { CelScalar, celFunc, listType } from '@bufbuild/cel';
import type { CelFunc } from '@bufbuild/cel';
import { compileGlob } from '../../lib/addons/kyverno/glob';
import { fromCel, toCel } from '../../lib/synth/admission/cel';
import type { CelBindings } from '../../lib/synth/admission/cel';
import {
  AdmissionOptions, AdmissionResult, admissionBindings, evaluateBool, evaluatePolicies as evaluateAdmission, exemptions, KubeObject, messageOf,
  NOT_MATCHED, PolicyManifest, policyMatches, PolicySpec, policySpec, summarize, ValidationResult, verdict, withVariables,
} from '../../lib/synth/admission/evaluate';

export { CelEvaluationError, evaluateCel, fromCel, toCel } from '../../lib/synth/admission/cel';
export {
  evaluateMutation, evaluateValidation, resourceOf, withoutNamespaceSelector,
} from '../../lib/synth/admission/evaluate';
export type { AdmissionOptions, AdmissionResult, KubeObject, PolicyManifest, ValidationResult } from '../../lib/synth/admission/evaluate';

/** A keyless signature of an image: the identity its Fulcio certificate names. */
export interface KeylessSignature {
  readonly issuer: string;
  readonly subject: string;
}

export interface ImageAdmissionOptions extends AdmissionOptions {
  /** The signatures each image reference carries in its registry. @default {} (nothing is signed) */
  readonly signatures?: Readonly<Record<string, readonly KeylessSignature[]>>;
}

// ---- ImageValidatingPolicy ---------------------------------------------------------------------------

const IMAGE_CATEGORIES = ['containers', 'initContainers', 'ephemeralContainers', 'imageVolumes'] as const;

/** The pod spec Kyverno's built-in image extractors read for a kind, or undefined for other kinds. */
function podSpecOf(object: KubeObject): KubeObject | undefined {
  const spec = object.spec as KubeObject | undefined;
  switch (object.kind) {
    case 'Pod': return spec;
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      return (spec?.template as KubeObject | undefined)?.spec as KubeObject | undefined;
    case 'CronJob':
      return (((spec?.jobTemplate as KubeObject | undefined)?.spec as KubeObject | undefined)?.template as KubeObject | undefined)?.spec as KubeObject | undefined;
    default: return undefined;
  }
}

/** Images by category, as Kyverno extracts them from a pod or pod template. */
export function extractImages(object: KubeObject): Record<(typeof IMAGE_CATEGORIES)[number], string[]> {
  const spec = podSpecOf(object) ?? {};
  const images = (field: string) => ((spec[field] ?? []) as Array<{ image: string }>).map((c) => c.image);
  const volumes = ((spec.volumes ?? []) as Array<{ image?: { reference: string } }>).filter((v) => v.image).map((v) => String(v.image?.reference));
  return { containers: images('containers'), initContainers: images('initContainers'), ephemeralContainers: images('ephemeralContainers'), imageVolumes: volumes };
}

function imageMatches(image: string, refs: PolicySpec['matchImageReferences']): boolean {
  if (!refs?.length) return true;
  return refs.some((r) => {
    if (r.glob !== undefined) {
      const compiled = compileGlob(r.glob);
      if ('error' in compiled) throw new Error(`matchImageReferences glob ${JSON.stringify(r.glob)}: ${compiled.error}`);
      return compiled.regexp.test(image);
    }
    return r.expression !== undefined && evaluateBool(r.expression, toCel({ ref: image }) as CelBindings, undefined, 'matchImageReferences');
  });
}

interface KeylessIdentitySpec {
  issuer?: string;
  issuerRegExp?: string;
  subject?: string;
  subjectRegExp?: string;
}

function identityMatches(id: KeylessIdentitySpec, sig: KeylessSignature): boolean {
  // cosign: exact issuer/subject, or a Go regexp found in them (not anchored).
  const issuer = id.issuer !== undefined ? id.issuer === sig.issuer : id.issuerRegExp !== undefined && new RegExp(id.issuerRegExp).test(sig.issuer);
  const subject = id.subject !== undefined ? id.subject === sig.subject : id.subjectRegExp !== undefined && new RegExp(id.subjectRegExp).test(sig.subject);
  return issuer && subject;
}

/** `verifyImageSignatures(image, attestors)`: how many of the attestors accept one of the image's signatures. */
function verifyImageSignaturesFunc(signatures: Readonly<Record<string, readonly KeylessSignature[]>>): CelFunc {
  return celFunc('verifyImageSignatures', [CelScalar.STRING, listType(CelScalar.DYN)], CelScalar.INT, (image, attestors) => {
    const accepting = [...attestors].map((a) => fromCel(a) as { cosign?: { keyless?: { identities?: KeylessIdentitySpec[] } } })
      .filter((a) => (signatures[image] ?? []).some((sig) => (a.cosign?.keyless?.identities ?? []).some((id) => identityMatches(id, sig))));
    return BigInt(accepting.length);
  });
}

/** Applies an ImageValidatingPolicy to an object, with a table of the signatures images carry. */
export function evaluateImageValidation(policy: PolicyManifest, object: KubeObject, options: ImageAdmissionOptions = {}): ValidationResult {
  const spec = policySpec(policy, 'ImageValidatingPolicy');
  const bindings = admissionBindings(object, options);
  if (!policyMatches(policy, spec, object, options, () => bindings)) return NOT_MATCHED;
  const exemptedBy = exemptions(policy, options.exceptions ?? [], bindings);
  if (exemptedBy.length) return { ...NOT_MATCHED, matched: true, exemptedBy };

  const extracted = extractImages(object);
  const images = Object.fromEntries(IMAGE_CATEGORIES.map((c) => [c, extracted[c].filter((i) => imageMatches(i, spec.matchImageReferences))]));
  const cfg = spec.validationConfigurations ?? {};
  if ((cfg.verifyDigest ?? true) && cfg.mutateDigest === false) {
    const unpinned = Object.values(images).flat().find((i) => !i.includes('@'));
    if (unpinned) return verdict(spec, [`image ${unpinned} does not have a digest`]);
  }
  const funcs = [verifyImageSignaturesFunc(options.signatures ?? {})];
  const full = {
    ...bindings,
    ...(toCel({
      images,
      attestors: Object.fromEntries((spec.attestors ?? []).map((a) => [a.name, a])),
      attestations: Object.fromEntries((spec.attestations ?? []).map((a) => [a.name, a.name])),
    }) as CelBindings),
  };
  const scope = withVariables(spec, full, funcs);
  // Kyverno stops at the first failed validation of an image policy.
  for (const [i, v] of (spec.validations ?? []).entries()) {
    if (!evaluateBool(v.expression, scope, funcs, `${policy.kind} ${policy.metadata.name} validations[${i}]`)) {
      return verdict(spec, [messageOf(v, scope, funcs, i)]);
    }
  }
  return verdict(spec, []);
}

// ---- a cluster's policies ----------------------------------------------------------------------------

/**
 * Runs an object through every policy among `manifests` as Kyverno's webhooks do: the MutatingPolicies
 * first, then each ValidatingPolicy (lib/synth/admission) and ImageValidatingPolicy on the mutated
 * object, with the PolicyExceptions among `manifests` applied.
 */
export function evaluatePolicies(manifests: readonly PolicyManifest[], object: KubeObject, options: ImageAdmissionOptions = {}): AdmissionResult {
  const admission = evaluateAdmission(manifests, object, options);
  const exceptions = [...(options.exceptions ?? []), ...manifests.filter((m) => m.kind === 'PolicyException' && m.apiVersion === 'policies.kyverno.io/v1')];
  const results: Record<string, ValidationResult> = { ...admission.results };
  for (const p of manifests.filter((m) => m.kind === 'ImageValidatingPolicy' && m.apiVersion === 'policies.kyverno.io/v1')) {
    results[String(p.metadata.name)] = evaluateImageValidation(p, admission.mutated, { ...options, exceptions });
  }
  return summarize(admission.mutated, results);
}
