/**
 * Every pinned version in one place: bump here, re-synth, review the diff.
 * Sources: the chart files in schemas/upstream/charts (see schemas/upstream/SOURCES.md).
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
  descheduler: { repository: 'https://kubernetes-sigs.github.io/descheduler/', chart: 'descheduler', version: '0.36.0' },
  velero: { repository: 'https://vmware-tanzu.github.io/helm-charts', chart: 'velero', version: '12.1.0' },
  kyverno: { repository: 'https://kyverno.github.io/kyverno/', chart: 'kyverno', version: '3.9.0' },
  keda: { repository: 'https://kedacore.github.io/charts', chart: 'keda', version: '2.20.2' },
  gpuOperator: { repository: 'https://helm.ngc.nvidia.com/nvidia', chart: 'gpu-operator', version: 'v26.7.0' },
  flux2: { repository: 'https://fluxcd-community.github.io/helm-charts', chart: 'flux2', version: '2.18.3' },
  /** Installed by the bootstrap stack (lib/bootstrap) when a cluster chooses Cilium as its CNI; 1.19 is the stable line for Kubernetes 1.34. */
  cilium: { repository: 'https://helm.cilium.io/', chart: 'cilium', version: '1.19.2' },
} as const satisfies Record<string, ChartPin>;

/** Terraform providers of the bootstrap stack: the version @cdktf/provider-helm 12.1.2 was generated for. */
export const TERRAFORM_PROVIDERS = {
  helm: { source: 'hashicorp/helm', version: '3.1.1' },
} as const;

export const IMAGES = {
  /** Velero's AWS object-store plugin, compatible with Velero 1.18. */
  veleroPluginForAws: 'velero/velero-plugin-for-aws:v1.14.2',
  /** catalyst's LLM worker, built in-house (it replaced the hand-written Go scaler's worker). */
  llmWorker: 'ghcr.io/catalyst-lab/llm-worker:1.4.2',
  /** vLLM's OpenAI-compatible server, mirrored from docker.io/vllm/vllm-openai: the registry allow-list has no Docker Hub. */
  vllmOpenai: 'ghcr.io/example-org/vllm-openai:v0.11.0',
} as const;
