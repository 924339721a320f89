import { Cluster } from '../lib/cluster';
import {
  AddDefaultLabels, DisallowHostNamespaces, DisallowHostPath, DisallowPrivilegedContainers, Kyverno, PolicyMode,
  RequireLabels, RequireRequestsLimits, RequireRunAsNonRoot, RestrictImageRegistries, VerifyImageSignatures,
} from '../lib/addons/kyverno';

/** Registries the fleet's workloads may pull from. */
export const ALLOWED_REGISTRIES = ['cgr.dev', 'ghcr.io', 'quay.io', 'registry.k8s.io'];

/** The label that says which team owns a workload. */
export const TEAM_LABEL = 'team';

/** How Chainguard signs its public images (cgr.dev/chainguard/*): keyless, from its GitHub release workflow. */
export const CHAINGUARD_SIGNER = {
  issuer: 'https://token.actions.githubusercontent.com',
  subject: 'https://github.com/chainguard-images/images/.github/workflows/release.yaml@refs/heads/main',
};

export interface SecurityBaselineOptions {
  /** Mode of the policies that set none; new policies start in Audit. @default Audit */
  readonly mode?: PolicyMode;
  /** Mode of the registry allow-list. @default mode */
  readonly registriesMode?: PolicyMode;
}

/**
 * The fleet's security baseline (REFERENCE-FLEET.md): the Kyverno engine and one policy set, the
 * same on every cluster; a cluster tunes only the modes.
 */
export function securityBaseline(cluster: Cluster, options: SecurityBaselineOptions = {}): Kyverno {
  const kyverno = new Kyverno(cluster, 'kyverno', { mode: options.mode ?? 'Audit' });
  new RequireLabels(kyverno, 'require-labels', { labels: [TEAM_LABEL] });
  new RequireRequestsLimits(kyverno, 'require-requests-limits');
  new RestrictImageRegistries(kyverno, 'restrict-image-registries', { registries: ALLOWED_REGISTRIES, mode: options.registriesMode });
  new RequireRunAsNonRoot(kyverno, 'require-run-as-nonroot');
  new DisallowPrivilegedContainers(kyverno, 'disallow-privileged-containers');
  new DisallowHostNamespaces(kyverno, 'disallow-host-namespaces');
  new DisallowHostPath(kyverno, 'disallow-host-path');
  new AddDefaultLabels(kyverno, 'add-default-labels', { labels: { 'talos-flux-synth.dev/cluster': cluster.clusterName } });
  new VerifyImageSignatures(kyverno, 'verify-chainguard-images', {
    name: 'verify-chainguard-images',
    images: ['cgr.dev/chainguard/*'],
    identities: [CHAINGUARD_SIGNER],
  });
  return kyverno;
}
