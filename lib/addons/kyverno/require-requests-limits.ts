import { z } from 'zod';
import { showValue } from '../../errors';
import { validateProps } from '../../props';
import { celList, hasPath } from './cel';
import { Kyverno } from './kyverno';
import { CelValidation, PolicyProps, policyPropsShape, WorkloadPolicy } from './policy';

/** Compute resources a container can request or be limited to. */
export const CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'] as const;
export type ContainerResource = (typeof CONTAINER_RESOURCES)[number];

export interface RequireRequestsLimitsProps extends PolicyProps {
  /** Resources every container must request. @default ['cpu', 'memory'] */
  readonly requests?: readonly ContainerResource[];
  /** Resources every container must set a limit for. @default ['cpu', 'memory'] */
  readonly limits?: readonly ContainerResource[];
}

const resources = () =>
  z.array(z.enum(CONTAINER_RESOURCES, { error: (iss) => `${showValue(iss.input)} is not a container resource (use cpu, memory or ephemeral-storage)` }));

const schema = z.strictObject({ ...policyPropsShape, requests: resources().optional(), limits: resources().optional() })
  .refine((p) => (p.requests ?? ['cpu']).length + (p.limits ?? ['cpu']).length > 0, {
    path: ['requests'],
    error: 'requests and limits are both empty; require at least one resource',
  });

/** Containers that take resources: regular and init containers (ephemeral containers have none). */
const RESOURCED_CONTAINERS = `variables.podSpec.containers + (${hasPath('variables.podSpec', 'initContainers')} ? variables.podSpec.initContainers : [])`;

/** Requires CPU/memory requests and limits on every container (`require-requests-limits`). */
export class RequireRequestsLimits extends WorkloadPolicy {
  readonly requests: readonly ContainerResource[];
  readonly limits: readonly ContainerResource[];

  constructor(kyverno: Kyverno, id: string, props: RequireRequestsLimitsProps = {}) {
    super(kyverno, id);
    const p = validateProps(this, schema, props);
    this.requests = p.requests ?? ['cpu', 'memory'];
    this.limits = p.limits ?? ['cpu', 'memory'];
    const checks = [check('requests', this.requests), check('limits', this.limits)].filter((c): c is CelValidation => c !== undefined);
    this.renderWorkloadChecks(p, 'require-requests-limits', checks);
  }
}

function check(field: 'requests' | 'limits', wanted: readonly ContainerResource[]): CelValidation | undefined {
  if (wanted.length === 0) return undefined;
  return {
    expression: `(${RESOURCED_CONTAINERS}).all(c, ${hasPath('c', 'resources', field)} && ${celList(wanted)}.all(r, r in c.resources.${field}))`,
    message: `every container and init container must set ${wanted.map((r) => `resources.${field}.${r}`).join(' and ')}`,
  };
}
