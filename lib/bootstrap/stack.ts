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

/** CDKTF's own module that records where each token was created (read when a token cannot be resolved). */
interface TokenTraces {
  captureStackTrace: () => string[];
}

let modules: { cdktf: Cdktf; release: ReleaseModule; provider: ProviderModule; traces?: TokenTraces } | undefined;

/** CDKTF and the helm provider bindings, loaded on first use. */
function load() {
  if (modules) return modules;
  // Loading CDKTF creates tokens too (module-level references): no stack trace for them either. Under a
  // source-mapping stack formatter (jest) each cost more than the rest of loading CDKTF.
  const traces = tokenTraces();
  modules = withoutTokenTraces(traces, () => ({
    /* eslint-disable @typescript-eslint/no-require-imports */
    cdktf: require('cdktf') as Cdktf,
    release: require('@cdktf/provider-helm/lib/release') as ReleaseModule,
    provider: require('@cdktf/provider-helm/lib/provider') as ProviderModule,
    /* eslint-enable @typescript-eslint/no-require-imports */
    traces,
  }));
  return modules;
}

/**
 * Runs `fn` with CDKTF taking no stack trace for the tokens it creates. It records one for its own errors
 * about tokens that cannot be resolved, which this fixed stack never has.
 */
function withoutTokenTraces<T>(traces: TokenTraces | undefined, fn: () => T): T {
  const capture = traces?.captureStackTrace;
  if (traces) traces.captureStackTrace = () => [];
  try {
    return fn();
  } finally {
    if (traces && capture) traces.captureStackTrace = capture;
  }
}

/** A private module of CDKTF 0.21: absent from another version, which then only synthesizes slower. */
function tokenTraces(): TokenTraces | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const traces = require('cdktf/lib/tokens/private/stack-trace') as Partial<TokenTraces>;
    return typeof traces.captureStackTrace === 'function' ? (traces as TokenTraces) : undefined;
  } catch {
    return undefined;
  }
}

/** The versions of CDKTF and the helm provider bindings: a new one may write the same stack differently. */
export function stackToolingVersions(): Record<string, string> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    cdktf: (require('cdktf/package.json') as { version: string }).version,
    helm: (require('@cdktf/provider-helm/package.json') as { version: string }).version,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** Removes the folder CDKTF apps were given (when the process exits). */
export function removeAppOutdir(): void {
  if (appOutdir) fs.rmSync(appOutdir, { recursive: true, force: true });
  appOutdir = undefined;
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

let appOutdir: string | undefined;

/**
 * A CDKTF app that writes nothing: the App constructor creates its output folder, so every app of a
 * process shares one temporary folder, removed when the process exits (synthesis here reads the stack in
 * memory and never uses it; a folder per cluster cost more than the stack itself).
 */
function newApp(cdktf: Cdktf) {
  if (!appOutdir) {
    appOutdir = fs.mkdtempSync(path.join(os.tmpdir(), 'talos-flux-synth-cdktf-'));
    process.once('exit', removeAppOutdir);
  }
  return new cdktf.App({ outdir: appOutdir, stackTraces: false });
}

/**
 * The Terraform JSON of a cluster's bootstrap: the helm provider pointed at a kubeconfig by path, then
 * one Helm release after the other — Cilium (when it is the CNI: without it no pod starts), the Flux
 * Operator (its chart from the OCI registry, with its CRDs), and the FluxInstance, from which the operator
 * installs Flux and creates the sync of `./clusters/<cluster>`. Keys are sorted and no
 * CDKTF metadata (paths, versions) is kept, so the same spec gives the same bytes.
 */
export function synthBootstrapStack(spec: BootstrapSpec): string {
  // CDKTF records a full stack trace for every token it creates: a fifth of its cost (and, with source
  // maps on, most of it). No trace is taken while it is synthesized.
  return withoutTokenTraces(load().traces, () => synthStack(spec));
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
