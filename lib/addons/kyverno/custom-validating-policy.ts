import { z } from 'zod';
import { validateProps } from '../../props';
import { CelVariable, ResourceRule, WORKLOAD_VARIABLES, workloadResourceRules } from './cel';
import { Kyverno } from './kyverno';
import { CelValidation, PolicyProps, policyPropsShape, ValidatingKyvernoPolicy } from './policy';
import { celIdentifier, required } from './validators';

export interface CustomValidatingPolicyProps extends PolicyProps {
  /** Policy name (`metadata.name`). */
  readonly name: string;
  /**
   * What the policy matches. @default pods (with pods/ephemeralcontainers, as `variables.containers`
   * holds ephemeral containers) and the controllers that template them, on CREATE and UPDATE, with the
   * workload variables podTemplate, podSpec, containers and images defined
   */
  readonly resourceRules?: readonly ResourceRule[];
  /** CEL variables, reachable as `variables.<name>`. @default [] */
  readonly variables?: readonly CelVariable[];
  /** The checks, raw CEL: each must be true for the object to pass. */
  readonly validations: readonly CelValidation[];
}

const WORKLOAD_VARIABLE_NAMES = WORKLOAD_VARIABLES.map((v) => v.name);

const schema = z.strictObject({
  ...policyPropsShape,
  name: required('a custom policy needs a name').pipe(policyPropsShape.name.unwrap()),
  resourceRules: z.array(z.strictObject({
    apiGroups: z.array(z.string()).min(1),
    apiVersions: z.array(z.string().min(1)).min(1),
    operations: z.array(z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'])).min(1),
    resources: z.array(z.string().min(1)).min(1),
  })).min(1, { error: 'match at least one resource rule, or leave resourceRules out to match workloads' }).optional(),
  variables: z.array(z.strictObject({
    name: celIdentifier(),
    expression: required('a variable needs a CEL expression'),
  })).optional(),
  validations: z.array(z.strictObject({
    expression: required('a validation needs a CEL expression that is true for objects that pass'),
    message: required('a validation needs a message that says what is wrong and what to do'),
  })).min(1, { error: 'a policy needs at least one validation' }),
}).superRefine((p, ctx) => {
  const reserved = p.resourceRules ? [] : WORKLOAD_VARIABLE_NAMES;
  (p.variables ?? []).forEach((v, i) => {
    if (reserved.includes(v.name)) {
      ctx.addIssue({ code: 'custom', path: ['variables', i, 'name'], message: `${JSON.stringify(v.name)} is a workload variable this policy already defines; choose another name` });
    }
  });
});

/**
 * The escape hatch: a ValidatingPolicy with raw CEL, for checks the library does not cover. It has
 * the library's mode, failure policy and exceptions; the CEL is the author's responsibility.
 */
export class CustomValidatingPolicy extends ValidatingKyvernoPolicy {
  constructor(kyverno: Kyverno, id: string, props: CustomValidatingPolicyProps) {
    super(kyverno, id);
    const p = validateProps(this, schema, props);
    const workloads = p.resourceRules === undefined;
    this.render(p, p.name, {
      resourceRules: p.resourceRules ?? workloadResourceRules(undefined, { ephemeralContainers: true }),
      variables: [...(workloads ? WORKLOAD_VARIABLES : []), ...(p.variables ?? [])],
      validations: p.validations,
    });
  }
}
