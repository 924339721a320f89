import { z } from 'zod';
import {
  ImageValidatingPolicy,
  ImageValidatingPolicySpecFailurePolicy,
  ImageValidatingPolicySpecValidationActions,
} from '../../../imports/imagevalidatingpolicies-policies.kyverno.io';
import { validateProps } from '../../props';
import { httpUrl } from '../../validators';
import { workloadResourceRules } from './cel';
import { Kyverno } from './kyverno';
import { failurePolicyFor, PolicyMode, validationActions } from './mode';
import { KyvernoPolicy, PolicyProps, policyPropsShape } from './policy';
import { imageGlob, required, webhookTimeout } from './validators';

/** The public Sigstore transparency log. */
export const SIGSTORE_REKOR_URL = 'https://rekor.sigstore.dev';

/** An identity a keyless (Fulcio-issued) signing certificate may carry. */
export interface KeylessIdentity {
  /** OIDC issuer of the certificate, such as https://token.actions.githubusercontent.com. */
  readonly issuer: string;
  /** The exact certificate subject, such as a CI workflow's identity. Give this or subjectRegExp. */
  readonly subject?: string;
  /** A regular expression the subject must match. Give this or subject. */
  readonly subjectRegExp?: string;
}

/** Where signatures and signing certificates are logged; the defaults are the public Sigstore's. */
export interface TransparencyLog {
  /** The Rekor log the signature must be recorded in. @default https://rekor.sigstore.dev */
  readonly url?: string;
  /** PEM public key of that Rekor log, for a private Sigstore. @default the public Sigstore's (from its TUF root) */
  readonly rekorPublicKey?: string;
  /** PEM public key of the certificate transparency log that must hold the certificate's SCT. @default the public Sigstore's */
  readonly ctLogPublicKey?: string;
}

export interface VerifyImageSignaturesProps extends PolicyProps {
  /** Globs of the images to verify, such as `cgr.dev/chainguard/*`; other images are not checked. */
  readonly images: readonly string[];
  /** The identities a valid signature may carry; one is enough. */
  readonly identities: readonly KeylessIdentity[];
  /** The transparency logs (Rekor, CT log) that must record the signature and its certificate. @default the public Sigstore's */
  readonly transparencyLog?: TransparencyLog;
  /** Pin verified tags to their digest (mutateDigest) and require digests (verifyDigest). @default true */
  readonly pinDigests?: boolean;
  /**
   * Webhook timeout of this policy, in seconds (1 to 30). Verification calls the registry and Rekor,
   * so it does not take the Kyverno add-on's webhookTimeoutSeconds (15 by default) but the API
   * server's maximum. @default 30
   */
  readonly timeoutSeconds?: number;
}

const pemPublicKey = () =>
  z.string().regex(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/, { error: 'expected a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)' });

const ISSUER_EXAMPLE = 'such as https://token.actions.githubusercontent.com';

const identitySchema = z.strictObject({
  issuer: required(`a keyless identity needs the OIDC issuer of the signing certificate, ${ISSUER_EXAMPLE}`)
    .pipe(httpUrl()),
  subject: z.string().min(1, { error: 'subject is empty; give the exact certificate subject' }).optional(),
  subjectRegExp: z.string().superRefine((s, ctx) => {
    const err = regexpError(s);
    if (err) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not a regular expression: ${err}` });
  }).optional(),
}).superRefine((id, ctx) => {
  if (id.subject === undefined && id.subjectRegExp === undefined) {
    ctx.addIssue({ code: 'custom', message: 'give the certificate subject (or subjectRegExp) a signature must carry; an issuer alone trusts anyone it ever issued to' });
  } else if (id.subject !== undefined && id.subjectRegExp !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'give subject or subjectRegExp, not both' });
  }
});

const schema = z.strictObject({
  ...policyPropsShape,
  images: z.array(imageGlob()).min(1, { error: 'list at least one image glob to verify, such as cgr.dev/chainguard/*' }),
  identities: z.array(identitySchema).min(1, { error: `list at least one keyless identity (issuer and subject) a signature may carry` }),
  transparencyLog: z.strictObject({ url: httpUrl().optional(), rekorPublicKey: pemPublicKey().optional(), ctLogPublicKey: pemPublicKey().optional() }).optional(),
  pinDigests: z.boolean().optional(),
  timeoutSeconds: webhookTimeout().optional(),
});

/** Webhook timeout of image verification unless set: the most the API server allows. */
export const IMAGE_VERIFICATION_TIMEOUT_SECONDS = 30;

/** The attestor's name; validations reach it as `attestors.sigstore`. */
const ATTESTOR = 'sigstore';

/**
 * Verifies Sigstore keyless signatures of the images that match a glob (`verify-image-signatures`, an
 * ImageValidatingPolicy): each must carry a signature whose Fulcio certificate names one of the
 * identities and that is recorded in the Rekor log.
 */
export class VerifyImageSignatures extends KyvernoPolicy {
  readonly kind = 'ImageValidatingPolicy' as const;
  readonly mode: PolicyMode;
  readonly images: readonly string[];

  constructor(kyverno: Kyverno, id: string, props: VerifyImageSignaturesProps) {
    super(kyverno, id);
    const p = validateProps(this, schema, props);
    this.claim(p.name ?? 'verify-image-signatures');
    this.mode = p.mode ?? kyverno.mode;
    this.images = p.images;
    const pin = p.pinDigests ?? true;
    this.node.defaultChild = new ImageValidatingPolicy(this, 'resource', {
      metadata: { name: this.name },
      spec: {
        validationActions: validationActions(this.mode) as ImageValidatingPolicySpecValidationActions[],
        failurePolicy: failurePolicyFor(this.mode) as ImageValidatingPolicySpecFailurePolicy,
        webhookConfiguration: this.webhookConfiguration(p.timeoutSeconds ?? IMAGE_VERIFICATION_TIMEOUT_SECONDS),
        matchConstraints: this.matchConstraints(workloadResourceRules(undefined, { ephemeralContainers: true })),
        matchImageReferences: p.images.map((glob) => ({ glob })),
        attestors: [{
          name: ATTESTOR,
          cosign: {
            keyless: { identities: p.identities.map((i) => ({ issuer: i.issuer, subject: i.subject, subjectRegExp: i.subjectRegExp })) },
            ctlog: {
              url: p.transparencyLog?.url ?? SIGSTORE_REKOR_URL,
              rekorPubKey: p.transparencyLog?.rekorPublicKey,
              ctLogPubKey: p.transparencyLog?.ctLogPublicKey,
            },
          },
        }],
        validationConfigurations: { mutateDigest: pin, verifyDigest: pin, required: true },
        validations: [{
          // images.* hold only the images that match matchImageReferences.
          expression: `(images.containers + images.initContainers + images.ephemeralContainers + images.imageVolumes).all(image, verifyImageSignatures(image, [attestors.${ATTESTOR}]) > 0)`,
          message: `images matching ${p.images.join(', ')} must carry a keyless Sigstore signature from ${p.identities.map(describeIdentity).join(' or ')}`,
        }],
      },
    });
  }
}

function describeIdentity(i: KeylessIdentity): string {
  return `${i.subject ?? `a subject matching ${i.subjectRegExp}`} (issuer ${i.issuer})`;
}

function regexpError(s: string): string | undefined {
  try {
    new RegExp(s);
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
  }
}
