import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { z } from 'zod';
import { bootstrapFiles } from './bootstrap';
import { ConfigError, showValue } from './errors';
import { ClusterSync } from './flux/cluster-sync';
import { ClusterScope, describeConstruct, propError, validateProps } from './props';
import { bodiesDeferred, isSelected } from './selection';
import { LAYERS, Layer } from './synth/manifest';
import { TalosLayer } from './talos/layer';
import { Cni } from './talos/machine-config';
import { NodeSpec, runsWorkloads } from './talos/node-groups';
import { dnsLabel, dnsSubdomain, duration, labels } from './validators';
import { FLUX_DISTRIBUTION, KUBERNETES_VERSION, KUBERNETES_VERSIONS, KubernetesVersion, TALOS_VERSION, TALOS_VERSIONS, TalosVersion } from './versions';
import { extensionProblem } from './talos/extensions';
import { byKey } from './order';

// Defined in the lower modules that use them; part of the Cluster's interface.
export { LAYERS };
export type { Cni, Layer, NodeSpec };

/** Where Flux finds this repository. */
export interface GitSourceSpec {
  /** Repository URL as Flux clones it (ssh:// or https://). */
  readonly url: string;
  /** Branch Flux follows. @default main */
  readonly branch?: string;
  /** Secret in flux-system with the Git credentials (created at bootstrap, never rendered). @default flux-system */
  readonly secretRef?: string;
}

/** Reconciliation timings of the per-layer Flux Kustomizations. */
export interface FluxTimings {
  /** How often Flux re-applies each layer. @default 10m */
  readonly interval?: string;
  /**
   * How long Flux waits for a layer to become ready, for every layer; it must outlast the longest
   * HelmRelease of each layer (its timeout × (1 + retries)).
   * @default 5m, or for a layer with HelmReleases the longest one's timeout × (1 + retries) when longer (40m for the defaults 10m and 3)
   */
  readonly timeout?: string;
  /** How soon Flux retries a failed layer. @default 1m */
  readonly retryInterval?: string;
}

export interface ClusterProps {
  /** Cluster name: the folder under dist/ and clusters/, and the value of the cluster label. */
  readonly name: string;
  /**
   * Kubernetes minor version the cluster runs, one of KUBERNETES_VERSIONS (lib/versions.ts): its objects are
   * validated against that minor's schemas. Upgrade one minor at a time. @default the newest (KUBERNETES_VERSION)
   */
  readonly kubernetesVersion?: string;
  /**
   * Talos Linux minor version of the nodes, one of TALOS_VERSIONS: it decides the form of the machine-config
   * patches (1.14: multi-document configs) and which extensions exist. @default 1.13 (TALOS_VERSION)
   */
  readonly talosVersion?: string;
  /** The nodes. */
  readonly nodes: readonly NodeSpec[];
  /** The Git repository Flux syncs from. */
  readonly git: GitSourceSpec;
  /** Reconciliation timings of the layers. */
  readonly flux?: FluxTimings;
  /**
   * The container network: Talos' built-in Flannel, or Cilium, which the bootstrap installs before Flux
   * (the machine-config patches then turn Flannel and kube-proxy off and KubePrism on). @default flannel
   */
  readonly cni?: Cni;
  /**
   * SOPS decryption of the layers: Flux's kustomize-controller decrypts SOPS-encrypted objects with the
   * keys (age or OpenPGP) of this Secret in flux-system, which the bootstrap must create. @default layers do not decrypt
   */
  readonly sops?: { readonly secretRef: string };
}

/** One of a supported set of minors; anything else is one line naming the set. */
const supportedMinor = (what: string, supported: readonly string[], why: string) =>
  z.string().refine((v) => supported.includes(v), {
    error: (iss) => `${showValue(iss.input)} is not a supported ${what} version; use one of ${supported.join(', ')} (${why})`,
  });

const nodeSchema = z.strictObject({
  name: dnsLabel(),
  role: z.enum(['controlplane', 'worker']),
  schedulable: z.boolean().optional(),
  labels: labels().optional(),
  extensions: z.array(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, { error: (iss) => `${showValue(iss.input)} is not an extension name such as siderolabs/kata-containers` })).optional(),
  group: dnsLabel().optional(),
});

const clusterSchema = z.strictObject({
  name: dnsLabel(),
  // Only the minors whose schemas the validation gate holds: another would be a promise not kept.
  kubernetesVersion: supportedMinor('Kubernetes', KUBERNETES_VERSIONS, 'the minors whose schemas this release validates against').optional(),
  talosVersion: supportedMinor('Talos', TALOS_VERSIONS, 'the minors whose machine config this release renders').optional(),
  nodes: z.array(nodeSchema).min(1, { error: 'a cluster needs at least one node' })
    .refine((nodes) => nodes.some((n) => n.role === 'controlplane'), { error: 'a cluster needs at least one controlplane node' })
    .superRefine((nodes, ctx) => {
      const seen = new Set<string>();
      nodes.forEach((n, i) => {
        if (seen.has(n.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `node ${JSON.stringify(n.name)} is listed twice` });
        seen.add(n.name);
      });
    }),
  git: z.strictObject({
    url: z.string().regex(/^(ssh|https?):\/\/\S+$/, { error: (iss) => `${showValue(iss.input)} is not a Git URL Flux can clone (ssh:// or https://)` }),
    branch: z.string().min(1).optional(),
    secretRef: dnsLabel().optional(),
  }),
  flux: z.strictObject({ interval: duration().optional(), timeout: duration().optional(), retryInterval: duration().optional() }).optional(),
  cni: z.enum(['flannel', 'cilium'], { error: (iss) => `${showValue(iss.input)} is not a CNI the bootstrap can set up (flannel, Talos' own, or cilium)` }).optional(),
  sops: z.strictObject({ secretRef: dnsSubdomain() }).optional(),
}).superRefine((spec, ctx) => {
  // Extensions are checked against the Talos minor the nodes run: an image cannot include what that release does not ship.
  const talos = (TALOS_VERSIONS as readonly string[]).includes(spec.talosVersion ?? TALOS_VERSION) ? (spec.talosVersion ?? TALOS_VERSION) as TalosVersion : undefined;
  if (!talos) return;
  spec.nodes.forEach((n, i) => (n.extensions ?? []).forEach((e, j) => {
    const problem = extensionProblem(e, talos);
    if (problem) ctx.addIssue({ code: 'custom', path: ['nodes', i, 'extensions', j], message: problem });
  }));
});

/**
 * The construct id of a cluster: its name, or `(unnamed)` until validation says what is wrong with it.
 * A name another cluster already has is a ConfigError here, before the construct tree would throw.
 */
function clusterId(scope: Construct, props: unknown): string {
  const name = (props as { name?: unknown } | undefined)?.name;
  const id = typeof name === 'string' && name ? name : '(unnamed)';
  if (scope.node.tryFindChild(id) instanceof Cluster) {
    throw ConfigError.single(`${id}/Cluster[${id}]`, 'name', `${JSON.stringify(id)} is the name of another cluster; each cluster needs its own (it names dist/${id}/ and clusters/${id}/)`);
  }
  return id;
}

/**
 * What a cluster holds: its add-ons and apps, created in the cluster it is given. The synth builds it only
 * when it renders the cluster, so `--cluster`, `--list-clusters` and each helper thread of a big fleet
 * build only the clusters they render; code outside it must not rely on what it adds.
 */
export type ClusterBody = (cluster: Cluster) => void;

/** What a cluster creates for itself before its body: the charts of the layers and of Flux, and the Talos side. */
interface ClusterContents {
  readonly talos: TalosLayer;
  readonly layerCharts: Record<Layer, Chart>;
  readonly fluxChart: Chart;
}

/**
 * One Talos cluster of the fleet. It owns one cdk8s Chart per Flux layer (rendered to
 * `dist/<name>/<layer>/`) and the Flux sync objects (rendered to `clusters/<name>/`).
 * Add-ons and apps are Components inside it and never deal with file paths. With a body, what the
 * cluster holds is built when the synth renders it (or when its contents are first read), not before.
 */
export class Cluster extends Construct implements ClusterScope {
  readonly clusterName: string;
  readonly kubernetesVersion: KubernetesVersion;
  readonly talosVersion: TalosVersion;
  readonly nodes: readonly NodeSpec[];
  readonly cni: Cni;
  /** Whether this synth renders the cluster (`npm run synth -- --cluster`); an unselected one is only built, or not even that. */
  readonly selected: boolean;
  private readonly spec: z.output<typeof clusterSchema>;
  private readonly fluxVersion: string;
  private body?: ClusterBody;
  private contents?: ClusterContents;
  private released = false;
  private readonly artifactFiles = new Map<string, string | (() => string)>();
  /** What queries of the construct tree found while the synth renders the cluster (undefined: not rendering). */
  private renderMemo?: Map<string, unknown>;

  constructor(scope: Construct, props: ClusterProps, body?: ClusterBody) {
    super(scope, clusterId(scope, props));
    // Named before validation, so the errors of a bad spec name their cluster.
    this.clusterName = this.node.id;
    this.selected = isSelected(this, this.clusterName);
    const p = validateProps(this, clusterSchema, props);
    if (body !== undefined && typeof body !== 'function') throw propError(this, 'body', `${showValue(body)} is not a function; the body is (cluster) => { ...its add-ons and apps }`);
    this.spec = p;
    this.kubernetesVersion = (p.kubernetesVersion ?? KUBERNETES_VERSION) as KubernetesVersion;
    this.talosVersion = (p.talosVersion ?? TALOS_VERSION) as TalosVersion;
    this.nodes = p.nodes;
    this.cni = p.cni ?? 'flannel';
    const fluxVersion = FLUX_DISTRIBUTION.versions[this.kubernetesVersion];
    if (!fluxVersion) {
      const pinned = Object.keys(FLUX_DISTRIBUTION.versions).join(', ');
      throw propError(this, 'kubernetesVersion', `no Flux distribution is pinned for Kubernetes ${this.kubernetesVersion} (FLUX_DISTRIBUTION in lib/versions.ts has ${pinned})`);
    }
    this.fluxVersion = fluxVersion;
    this.body = body;
    // Outside a synth (tests, scripts) a body runs at once, as if written after the constructor.
    if (!body || (this.selected && !bodiesDeferred(this))) this.build();
  }

  /** Whether what the cluster holds is built: false for a cluster whose body waits for the synth to render it. */
  get built(): boolean {
    return this.contents !== undefined && this.body === undefined;
  }

  /**
   * Builds what the cluster holds, once: its charts, Flux objects and Talos side, then its body. The synth
   * calls it before rendering the cluster; reading the cluster's contents calls it too.
   */
  build(): void {
    if (this.released) throw new Error(`cluster ${this.clusterName} was released after it was rendered; its contents are gone`);
    this.contents ??= this.createContents();
    const body = this.body;
    // Cleared first: the body reads the cluster's contents, which must not run it again.
    this.body = undefined;
    body?.(this);
  }

  /** The chart rendered to `clusters/<name>/`: what Flux reads for this cluster. */
  get fluxChart(): Chart {
    return this.ensureContents().fluxChart;
  }

  /** The Talos side: node groups, what add-ons require of them, the schematics and machine-config patches. */
  get talos(): TalosLayer {
    return this.ensureContents().talos;
  }

  /** The chart of one layer. */
  layer(layer: Layer): Chart {
    return this.ensureContents().layerCharts[layer];
  }

  /**
   * The scope a component puts its objects of one layer in: `<layer chart>/<component id>`.
   * The component id becomes the objects' `app.kubernetes.io/part-of` label.
   */
  scopeFor(component: IConstruct, layer: Layer): Construct {
    const chart = this.layer(layer);
    const existing = chart.node.tryFindChild(component.node.id);
    return (existing as Construct | undefined) ?? new Construct(chart, component.node.id);
  }

  /**
   * Runs `render` with the cluster's tree taken as complete: every body built, nothing added while its
   * objects are serialized. Meanwhile `remember` keeps what queries of the tree find (the namespaces of
   * every add-on, which each policy's exemptions read), instead of walking the tree for every object.
   */
  whileRendering<T>(render: () => T): T {
    this.renderMemo = new Map();
    try {
      return render();
    } finally {
      this.renderMemo = undefined;
    }
  }

  /** `compute()`, found once per render of the cluster under `key` (outside a render: every time). */
  remember<T>(key: string, compute: () => T): T {
    const memo = this.renderMemo;
    if (!memo) return compute();
    if (!memo.has(key)) memo.set(key, compute());
    return memo.get(key) as T;
  }

  /**
   * Drops what the cluster holds, once the synth has rendered it and kept its files: a thread that renders
   * a big fleet then holds one cluster's objects at a time, not the fleet's. The cluster cannot be read after.
   */
  release(): void {
    for (const child of this.node.children) this.node.tryRemoveChild(child.node.id);
    this.contents = undefined;
    this.body = undefined;
    this.artifactFiles.clear();
    this.released = true;
  }

  private ensureContents(): ClusterContents {
    if (!this.contents) this.build();
    return this.contents as ClusterContents;
  }

  private createContents(): ClusterContents {
    const p = this.spec;
    const talos = new TalosLayer(this, { name: p.name, nodes: p.nodes, talosVersion: this.talosVersion, cni: this.cni });
    // Chart ids start with '#', which no component id (a DNS label) can, so the two never collide.
    const layerCharts = Object.fromEntries(
      LAYERS.map((layer) => [layer, new Chart(this, `#${layer}`, { disableResourceNameHashes: true })]),
    ) as Record<Layer, Chart>;
    const fluxChart = new Chart(this, '#flux', { disableResourceNameHashes: true });
    const sync = new ClusterSync(fluxChart, 'flux-system', {
      cluster: p.name,
      distribution: { version: this.fluxVersion, registry: FLUX_DISTRIBUTION.registry },
      versions: { kubernetes: this.kubernetesVersion, talos: this.talosVersion },
      git: { url: p.git.url, branch: p.git.branch ?? 'main', secretRef: p.git.secretRef ?? 'flux-system' },
      layers: LAYERS.map((name) => ({ name, scope: layerCharts[name] })),
      timings: p.flux,
      sopsSecretRef: p.sops?.secretRef,
    });

    // The timeout set must outlast the HelmReleases the add-ons create later: checked once the cluster is built.
    this.node.addValidation({ validate: () => sync.timeoutProblems() });
    if (this.selected) { // an unselected cluster's files are neither rendered nor written
      for (const f of talos.artifacts()) this.addArtifact(f.path, f.render);
      for (const f of bootstrapFiles({ cluster: p.name, cni: this.cni, fluxInstance: () => sync.instanceManifest })) this.addArtifact(f.path, f.render);
    }
    return { talos, layerCharts, fluxChart };
  }

  /**
   * Adds a file that is not a Kubernetes object (a Talos schematic, a machine-config patch, bootstrap
   * Terraform JSON) under `dist/<cluster>/<path>`, outside every Flux layer so Flux never applies it.
   * `content` may be a function: it is called once, when the synth has rendered and checked every object,
   * so it sees what add-ons defined after this call declared.
   */
  addArtifact(path: string, content: string | (() => string)): void {
    const top = typeof path === 'string' ? path.split('/')[0] : '';
    if (typeof path !== 'string' || !/^[a-z0-9][a-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)+$/.test(path) || (LAYERS as readonly string[]).includes(top)) {
      throw ConfigError.single(describeConstruct(this), 'addArtifact(path)',
        `${showValue(path)} must be a relative path (no "..", no leading "/") in a folder other than the layers, as in notes/README.md`);
    }
    if (this.artifactFiles.has(path)) throw ConfigError.single(describeConstruct(this), 'addArtifact(path)', `${JSON.stringify(path)} is added twice`);
    this.artifactFiles.set(path, content);
  }

  /** The artifacts, sorted by path; reading them renders those added as functions. */
  get artifacts(): ReadonlyArray<{ readonly path: string; readonly content: string }> {
    return [...this.artifactFiles].sort(byKey).map(([path, content]) => {
      if (typeof content === 'function') {
        content = content();
        this.artifactFiles.set(path, content);
      }
      return { path, content };
    });
  }

  /** Nodes that run workloads: workers and schedulable control planes. */
  get workloadNodes(): NodeSpec[] {
    return this.nodes.filter(runsWorkloads);
  }
}
