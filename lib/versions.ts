/**
 * Every pinned version in one place: bump here, re-synth, review the diff.
 * Sources: the chart files in schemas/upstream/charts (see schemas/upstream/SOURCES.md).
 *
 * Each pin is annotated for Renovate: a `// renovate: datasource=… depName=…` comment right above the
 * line that holds the version, read by the custom managers in renovate.json (test/renovate.test.ts
 * fails on a pin none of them extracts). Keep the version on the line after its annotation.
 */

/** A Helm chart as Flux fetches it: repository, chart name and exact version. */
export interface ChartPin {
  /** Helm repository URL (https:// for a HelmRepository, oci:// for an OCIRepository). */
  readonly repository: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** Exact chart version. */
  readonly version: string;
}

// ---- Kubernetes and Talos minors (per cluster: ClusterProps.kubernetesVersion / talosVersion) ----------

/**
 * The Kubernetes minors a cluster can run: every minor whose built-in schemas the repository holds
 * (schemas/sources.yaml `kubernetes:`), oldest first. Objects are validated against their cluster's minor.
 */
// not a pin: the minors the repository holds schemas for; a new one needs its schemas (npm run vendor, npm run import) first
export const KUBERNETES_VERSIONS = ['1.34', '1.35', '1.36'] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];
/** The minor of a cluster that names none: the newest of KUBERNETES_VERSIONS (test/versions.test.ts checks). */
// renovate: datasource=github-releases depName=kubernetes/kubernetes extractVersion=^v(?<version>\d+\.\d+)\.\d+$ versioning=loose
export const KUBERNETES_VERSION: KubernetesVersion = '1.36';

/**
 * The Talos minors a cluster's nodes can run, oldest first: each has its config schema (schemas/sources.yaml
 * `talos:`) and its extension list (lib/talos/extensions.ts). 1.14 moves settings to multi-document configs.
 */
// not a pin: the minors whose machine config the project renders; a new one needs its schema and extension list first
export const TALOS_VERSIONS = ['1.13', '1.14'] as const;
export type TalosVersion = (typeof TALOS_VERSIONS)[number];
/** The Talos minor of a cluster that names none; it stays 1.13 so a cluster that names none keeps its patches. */
// renovate: datasource=github-releases depName=siderolabs/talos extractVersion=^v(?<version>\d+\.\d+)\.\d+$ versioning=loose
export const TALOS_VERSION: TalosVersion = '1.13';

export const CHARTS = {
  // renovate: datasource=helm depName=descheduler registryUrl=https://kubernetes-sigs.github.io/descheduler/
  descheduler: { repository: 'https://kubernetes-sigs.github.io/descheduler/', chart: 'descheduler', version: '0.36.0' },
  // renovate: datasource=helm depName=velero registryUrl=https://vmware-tanzu.github.io/helm-charts
  velero: { repository: 'https://vmware-tanzu.github.io/helm-charts', chart: 'velero', version: '12.1.0' },
  // renovate: datasource=helm depName=kyverno registryUrl=https://kyverno.github.io/kyverno/
  kyverno: { repository: 'https://kyverno.github.io/kyverno/', chart: 'kyverno', version: '3.9.0' },
  // renovate: datasource=helm depName=keda registryUrl=https://kedacore.github.io/charts
  keda: { repository: 'https://kedacore.github.io/charts', chart: 'keda', version: '2.20.2' },
  // renovate: datasource=helm depName=gpu-operator registryUrl=https://helm.ngc.nvidia.com/nvidia
  gpuOperator: { repository: 'https://helm.ngc.nvidia.com/nvidia', chart: 'gpu-operator', version: 'v26.7.0' },
  /** Prometheus, the prometheus-operator (v0.93.1) and its CRDs, kube-state-metrics: the Monitoring add-on. */
  // renovate: datasource=helm depName=kube-prometheus-stack registryUrl=https://prometheus-community.github.io/helm-charts
  kubePrometheusStack: { repository: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '88.5.3' },
  /** Installed by the bootstrap stack (lib/bootstrap) when a cluster chooses Cilium as its CNI; 1.19 is the stable line for Kubernetes 1.34. */
  // renovate: datasource=helm depName=cilium registryUrl=https://helm.cilium.io/
  cilium: { repository: 'https://helm.cilium.io/', chart: 'cilium', version: '1.19.2' },
  /**
   * The Flux Operator, installed by the bootstrap stack; it installs and upgrades Flux from each cluster's
   * FluxInstance (FLUX_DISTRIBUTION). The chart is published with the operator's own version (appVersion
   * v<version>): 0.58.1 is the operator whose CRDs are in schemas/upstream/crds/flux-operator and whose
   * image bundles the Flux manifests up to 2.9.4. The vendored chart files (schemas/upstream/charts/
   * flux-operator) are 0.49.0, the newest copy available offline: the bootstrap sets no values, so nothing
   * depends on the difference. A bump here goes with the CRDs: `npm run vendor`, then `npm run import`.
   */
  // renovate: datasource=docker depName=ghcr.io/controlplaneio-fluxcd/charts/flux-operator
  fluxOperator: { repository: 'oci://ghcr.io/controlplaneio-fluxcd/charts', chart: 'flux-operator', version: '0.58.1' },
} as const satisfies Record<string, ChartPin>;

/** Terraform providers of the bootstrap stack: the version @cdktf/provider-helm 12.1.2 was generated for. */
export const TERRAFORM_PROVIDERS = {
  // renovate: datasource=terraform-provider depName=hashicorp/helm
  helm: { source: 'hashicorp/helm', version: '3.1.1' },
} as const;

export const IMAGES = {
  /** Velero's AWS object-store plugin, compatible with Velero 1.18. */
  // renovate: datasource=docker depName=velero/velero-plugin-for-aws
  veleroPluginForAws: 'velero/velero-plugin-for-aws:v1.14.2',
  /** catalyst's LLM worker, built in-house (it replaced the hand-written Go scaler's worker). */
  // renovate: datasource=docker depName=ghcr.io/catalyst-lab/llm-worker
  llmWorker: 'ghcr.io/catalyst-lab/llm-worker:1.4.2',
  /** vLLM's OpenAI-compatible server, mirrored from docker.io/vllm/vllm-openai: the registry allow-list has no Docker Hub. */
  // renovate: datasource=docker depName=ghcr.io/example-org/vllm-openai
  vllmOpenai: 'ghcr.io/example-org/vllm-openai:v0.11.0',
} as const;

// ---- Flux distribution (Flux Operator FluxInstance) -------------------------------------------------

/**
 * The Flux distribution each cluster's FluxInstance pins, by the cluster's Kubernetes minor: an exact
 * version, so a Flux upgrade is a reviewed commit (the operator would follow a range such as 2.9.x on
 * its own). It must be one the pinned operator (CHARTS.fluxOperator) bundles: v0.58.1 bundles Flux up to
 * 2.9.4, so every supported minor runs 2.9.4 today. Flux 2.10 needs Kubernetes 1.35 or later and a newer
 * operator; when both are pinned, 1.35 and 1.36 move to it while 1.34 stays on 2.9.
 */
export const FLUX_DISTRIBUTION = {
  /** Where the Flux controller images come from (upstream Flux). */
  registry: 'ghcr.io/fluxcd',
  versions: {
    // renovate: datasource=github-releases depName=fluxcd/flux2 extractVersion=^v(?<version>\d+\.\d+\.\d+)$
    '1.34': '2.9.4',
    // renovate: datasource=github-releases depName=fluxcd/flux2 extractVersion=^v(?<version>\d+\.\d+\.\d+)$
    '1.35': '2.9.4',
    // renovate: datasource=github-releases depName=fluxcd/flux2 extractVersion=^v(?<version>\d+\.\d+\.\d+)$
    '1.36': '2.9.4',
  } as Readonly<Record<string, string>>,
} as const;
