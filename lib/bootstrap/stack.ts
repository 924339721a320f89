/**
 * The bootstrap stack of one cluster, written with CDK for Terraform and @cdktf/provider-helm and
 * synthesized to Terraform JSON in memory. This is the only module that loads CDKTF (deprecated by
 * HashiCorp in December 2025), and it loads it lazily, on the first synth: replacing CDKTF means
 * rewriting this file, and nothing else in the project depends on it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FLUX_NAMESPACE } from '../flux/cluster-sync';
import { toYaml } from '../synth/yaml';
import { CHARTS, ChartPin, TERRAFORM_PROVIDERS } from '../versions';
import type { BootstrapSpec } from './spec';
import { CILIUM_VALUES } from './values';

/** The local chart that creates the FluxInstance, relative to the stack's folder. */
export const INSTANCE_CHART_DIR = 'charts/flux-instance';

/** Cilium runs in kube-system, which Talos exempts from Pod Security admission (its agent needs host access). */
export const CILIUM_NAMESPACE = 'kube-system';

/** The Terraform variable that holds the kubeconfig's path (never its content). */
export const KUBECONFIG_VARIABLE = 'kubeconfig_path';

type Cdktf = typeof import('cdktf');
type ReleaseModule = typeof import('@cdktf/provider-helm/lib/release');
type ProviderModule = typeof import('@cdktf/provider-helm/lib/provider');

let modules: { cdktf: Cdktf; release: ReleaseModule; provider: ProviderModule } | undefined;

/** CDKTF and the helm provider bindings, loaded on first use. */
function load() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  modules ??= {
    cdktf: require('cdktf') as Cdktf,
    release: require('@cdktf/provider-helm/lib/release') as ReleaseModule,
    provider: require('@cdktf/provider-helm/lib/provider') as ProviderModule,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return modules;
}

/**
 * Terraform reads `${…}` and `%{…}` in any JSON string as a template: values are YAML text and must
 * reach Helm as written.
 */
export function escapeTemplate(s: string): string {
  return s.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}

const valuesOf = (values: unknown) => [escapeTemplate(toYaml(values))];

const chartOf = (pin: ChartPin) => ({ repository: pin.repository, chart: pin.chart, version: pin.version });

/**
 * A CDKTF app that writes nothing: the App constructor creates its output folder, so it gets a fresh
 * temporary one, removed at once (synthesis here reads the stack in memory and never uses it).
 */
function newApp(cdktf: Cdktf) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'talos-flux-synth-cdktf-'));
  try {
    return new cdktf.App({ outdir, stackTraces: false });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The Terraform JSON of a cluster's bootstrap: the helm provider pointed at a kubeconfig by path, then
 * one Helm release after the other — Cilium (when it is the CNI: without it no pod starts), the Flux
 * Operator (its chart from the OCI registry, with its CRDs), and the FluxInstance, from which the operator
 * installs Flux and creates the sync of `./clusters/<cluster>`. Keys are sorted and no
 * CDKTF metadata (paths, versions) is kept, so the same spec gives the same bytes.
 */
export function synthBootstrapStack(spec: BootstrapSpec): string {
  // CDKTF records a full stack trace for every token it creates; with source maps on (tsx, the bundled
  // synth), formatting those traces parses the source maps, which cost more than the rest of this stack.
  const sourceMaps = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(false);
  try {
    return synthStack(spec);
  } finally {
    process.setSourceMapsEnabled(sourceMaps);
  }
}

function synthStack(spec: BootstrapSpec): string {
  const { cdktf, release, provider } = load();
  const stack = new cdktf.TerraformStack(newApp(cdktf), spec.cluster);
  const kubeconfig = new cdktf.TerraformVariable(stack, KUBECONFIG_VARIABLE, {
    type: 'string',
    nullable: false,
    description: `Path of the kubeconfig of cluster ${spec.cluster} (talosctl kubeconfig writes it); the file stays outside the repository`,
  });
  new provider.HelmProvider(stack, 'helm', { kubernetes: { configPath: kubeconfig.stringValue } });
  // The binding writes the legacy short source `helm`; OpenTofu and Terraform both read the full one.
  stack.addOverride('terraform.required_providers.helm', { ...TERRAFORM_PROVIDERS.helm });

  let previous: InstanceType<ReleaseModule['Release']> | undefined;
  const helmRelease = (id: string, config: ConstructorParameters<ReleaseModule['Release']>[2]) => {
    previous = new release.Release(stack, id, { ...config, dependsOn: previous ? [previous] : undefined });
  };
  if (spec.cni === 'cilium') {
    helmRelease('cilium', { name: 'cilium', namespace: CILIUM_NAMESPACE, ...chartOf(CHARTS.cilium), values: valuesOf(CILIUM_VALUES) });
  }
  // The chart's defaults: CRDs installed, restricted-compatible security context, one replica.
  helmRelease('flux_operator', { name: 'flux-operator', namespace: FLUX_NAMESPACE, createNamespace: true, ...chartOf(CHARTS.fluxOperator) });
  helmRelease('flux_instance', {
    name: 'flux-instance',
    namespace: FLUX_NAMESPACE,
    chart: `\${path.module}/${INSTANCE_CHART_DIR}`,
    values: valuesOf({ objects: [spec.fluxInstance()] }),
  });
  return `${cdktf.Testing.synth(stack, true)}\n`;
}
