import { z } from 'zod';
import { validateProps } from '../../props';
import { celList } from './cel';
import { Kyverno } from './kyverno';
import { PolicyProps, policyPropsShape, WorkloadPolicy } from './policy';
import { registry } from './validators';

export interface RestrictImageRegistriesProps extends PolicyProps {
  /**
   * The allow-list: registries (`cgr.dev`, `registry.local:5000`) or path prefixes (`ghcr.io/my-org`).
   * Images must name their registry; `nginx` (implicitly docker.io) matches no entry.
   */
  readonly registries: readonly string[];
}

const schema = z.strictObject({
  ...policyPropsShape,
  registries: z.array(registry())
    .min(1, { error: 'the allow-list is empty, so every image would be rejected; list at least one registry, such as cgr.dev' })
    .superRefine((list, ctx) => {
      list.forEach((r, i) => {
        if (list.indexOf(r) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${JSON.stringify(r)} is listed twice` });
      });
    }),
});

/**
 * Allows images only from an allow-list of registries, for containers (ephemeral ones, added by
 * `kubectl debug`, included) and image volumes (`restrict-image-registries`).
 */
export class RestrictImageRegistries extends WorkloadPolicy {
  readonly registries: readonly string[];

  constructor(kyverno: Kyverno, id: string, props: RestrictImageRegistriesProps) {
    super(kyverno, id);
    const p = validateProps(this, schema, props);
    this.registries = p.registries;
    this.renderWorkloadChecks(p, 'restrict-image-registries', [{
      // The '/' after the entry keeps ghcr.io from admitting ghcr.io.evil.example.
      expression: `variables.images.all(img, ${celList(p.registries)}.exists(r, img.startsWith(r + "/")))`,
      message: `images must come from an allowed registry (${p.registries.join(', ')}) and name it, as in ${p.registries[0]}/<repository>:<tag>`,
    }], [], { ephemeralContainers: true });
  }
}
