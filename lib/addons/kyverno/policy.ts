import { Construct } from 'constructs';
import { z } from 'zod';
import {
  ValidatingPolicy,
  ValidatingPolicySpecFailurePolicy,
  ValidatingPolicySpecValidationActions,
} from '../../../imports/validatingpolicies-policies.kyverno.io';
import { dnsSubdomain } from '../../validators';
import { CelVariable, ResourceRule, WORKLOAD_VARIABLES, WorkloadRuleOptions, workloadResourceRules } from './cel';
import { ClaimedPolicy, ExemptNamespaceSelector, Kyverno, PolicyKind } from './kyverno';
import { failurePolicyFor, PolicyMode, policyMode, validationActions } from './mode';

/** Props every policy of the library takes. */
export interface PolicyProps {
  /** Policy name (`metadata.name`). @default the policy's usual name, such as require-labels */
  readonly name?: string;
  /** What a violation does. @default the Kyverno add-on's mode */
  readonly mode?: PolicyMode;
}

/** zod shape of PolicyProps, for the policies' schemas. */
export const policyPropsShape = {
  name: dnsSubdomain().optional(),
  mode: policyMode().optional(),
};

/** One CEL check of a ValidatingPolicy. */
export interface CelValidation {
  /** CEL expression; true means the object passes. */
  readonly expression: string;
  /** What the user reads when it fails: what is wrong and what to do. */
  readonly message: string;
}

/** A policy of the library: a construct in the configs layer of its Kyverno add-on, with a name unique in the cluster. */
export abstract class KyvernoPolicy extends Construct implements ClaimedPolicy {
  abstract readonly kind: PolicyKind;
  readonly kyverno: Kyverno;
  private claimedName?: string;

  protected constructor(kyverno: Kyverno, id: string) {
    super(kyverno.scope('configs'), id);
    this.kyverno = kyverno;
  }

  /** The policy's name. */
  get name(): string {
    if (this.claimedName === undefined) throw new Error(`${this.node.path} has no name yet`);
    return this.claimedName;
  }

  /** `spec.matchConstraints`: the resource rules, in every namespace but the exempt ones. */
  protected matchConstraints(resourceRules: readonly ResourceRule[]): { resourceRules: ResourceRule[]; namespaceSelector: ExemptNamespaceSelector } {
    return { resourceRules: resourceRules.map((r) => ({ ...r })), namespaceSelector: this.kyverno.exemptNamespaceSelector };
  }

  /** `spec.webhookConfiguration`: the add-on's webhook timeout, unless the policy needs its own. */
  protected webhookConfiguration(timeoutSeconds: number = this.kyverno.webhookTimeoutSeconds): { timeoutSeconds: number } {
    return { timeoutSeconds };
  }

  /** Takes the policy's name in the cluster; call after validating the props. */
  protected claim(name: string): void {
    this.claimedName = name;
    this.kyverno.claimPolicy(this);
  }
}

/** What a ValidatingPolicy checks. */
export interface ValidatingPolicySpecOf {
  /** What it matches. */
  readonly resourceRules: readonly ResourceRule[];
  /** Its variables. */
  readonly variables: readonly CelVariable[];
  /** Its checks. */
  readonly validations: readonly CelValidation[];
}

/**
 * A ValidatingPolicy with a mode. Library policies that check workloads extend WorkloadPolicy; this
 * class renders the object and claims the name.
 */
export abstract class ValidatingKyvernoPolicy extends KyvernoPolicy {
  readonly kind = 'ValidatingPolicy' as const;
  private renderedMode?: PolicyMode;

  /** What a violation does. */
  get mode(): PolicyMode {
    if (this.renderedMode === undefined) throw new Error(`${this.node.path} has no mode yet`);
    return this.renderedMode;
  }

  /** Renders the policy; call once, after validating the props. */
  protected render(props: PolicyProps, defaultName: string, spec: ValidatingPolicySpecOf): ValidatingPolicy {
    this.claim(props.name ?? defaultName);
    this.renderedMode = props.mode ?? this.kyverno.mode;
    // The default child, so that ApiObject.of(policy) finds it (cdk8s looks for "Resource" or "Default").
    return (this.node.defaultChild = new ValidatingPolicy(this, 'resource', {
      metadata: { name: this.name },
      spec: {
        validationActions: validationActions(this.mode) as ValidatingPolicySpecValidationActions[],
        failurePolicy: failurePolicyFor(this.mode) as ValidatingPolicySpecFailurePolicy,
        webhookConfiguration: this.webhookConfiguration(),
        matchConstraints: this.matchConstraints(spec.resourceRules),
        variables: spec.variables.length ? spec.variables.map((v) => ({ ...v })) : undefined,
        validations: spec.validations.map((v) => ({ ...v })),
      },
    }));
  }
}

/**
 * A ValidatingPolicy over pods and the controllers that template them, with the workload variables
 * (`variables.podTemplate`, `podSpec`, `containers`, `images`) defined.
 */
export abstract class WorkloadPolicy extends ValidatingKyvernoPolicy {
  /**
   * Renders the policy with the workload variables, then `variables` (which may use them); a policy
   * that checks containers passes `{ ephemeralContainers: true }`, so `kubectl debug` is checked too.
   */
  protected renderWorkloadChecks(
    props: PolicyProps, defaultName: string, validations: readonly CelValidation[], variables: readonly CelVariable[] = [], rules: WorkloadRuleOptions = {},
  ): ValidatingPolicy {
    return this.render(props, defaultName, { resourceRules: workloadResourceRules(undefined, rules), variables: [...WORKLOAD_VARIABLES, ...variables], validations });
  }
}

/** Schema of a policy that takes only the common props. */
export const commonPolicySchema = z.strictObject(policyPropsShape);
