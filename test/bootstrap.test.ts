import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { exampleFleet } from './fixtures/example-fleet';
import { reusableTerraformJson } from '../lib/bootstrap/reuse';
import { escapeTemplate, removeAppOutdir } from '../lib/bootstrap/stack';
import { synthesize, synthToDisk } from '../lib/synth/pipeline';
import { CHARTS } from '../lib/versions';
import { synthCluster, tempDir } from './helpers';

const fleet = synthesize(exampleFleet);
const root = path.resolve(__dirname, '..');

interface HelmRelease {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly repository?: string;
  readonly version?: string;
  readonly create_namespace?: boolean;
  readonly values: string[];
  readonly depends_on?: string[];
}

interface Stack {
  readonly terraform: { readonly required_providers: Record<string, { source: string; version: string }> };
  readonly provider: { readonly helm: Array<{ kubernetes: Record<string, string> }> };
  readonly variable: Record<string, { type: string; description: string; nullable: boolean; default?: unknown }>;
  readonly resource: { readonly helm_release: Record<string, HelmRelease> };
}

const stackOf = (files: ReadonlyMap<string, string>, cluster: string): Stack => JSON.parse(files.get(`dist/${cluster}/bootstrap/main.tf.json`) ?? 'null');
const releasesOf = (cluster: string) => stackOf(fleet.files, cluster).resource.helm_release;
const valuesOf = (r: HelmRelease) => parse(r.values[0]);

describe('bootstrap stack of the example clusters', () => {
  it('renders Terraform JSON and the FluxInstance chart under dist/<cluster>/bootstrap/ for both clusters', () => {
    expect([...fleet.files.keys()].filter((p) => p.includes('/bootstrap/'))).toEqual([
      'dist/gpu-cloud/bootstrap/charts/flux-instance/Chart.yaml',
      'dist/gpu-cloud/bootstrap/charts/flux-instance/templates/objects.yaml',
      'dist/gpu-cloud/bootstrap/main.tf.json',
      'dist/lab/bootstrap/charts/flux-instance/Chart.yaml',
      'dist/lab/bootstrap/charts/flux-instance/templates/objects.yaml',
      'dist/lab/bootstrap/main.tf.json',
    ]);
  });

  it.each(['lab', 'gpu-cloud'])('%s: pins the helm provider and reaches the cluster through a kubeconfig path variable', (cluster) => {
    const stack = stackOf(fleet.files, cluster);
    expect(stack.terraform).toEqual({ required_providers: { helm: { source: 'hashicorp/helm', version: '3.1.1' } } });
    expect(stack.provider).toEqual({ helm: [{ kubernetes: { config_path: '${var.kubeconfig_path}' } }] });
    expect(stack.variable).toEqual({
      kubeconfig_path: {
        type: 'string',
        nullable: false,
        description: `Path of the kubeconfig of cluster ${cluster} (talosctl kubeconfig writes it); the file stays outside the repository`,
      },
    });
  });

  it('pins the helm provider version the @cdktf/provider-helm binding was generated for', () => {
    const binding = JSON.parse(fs.readFileSync(require.resolve('@cdktf/provider-helm/package.json'), 'utf8')) as { cdktf: { provider: { name: string; version: string } } };
    expect(binding.cdktf.provider).toEqual({ name: 'registry.terraform.io/hashicorp/helm', version: stackOf(fleet.files, 'lab').terraform.required_providers.helm.version });
  });

  it('lab (Cilium as CNI): installs Cilium, then the Flux Operator, then the FluxInstance, each after the one before', () => {
    const releases = releasesOf('lab');
    expect(Object.keys(releases)).toEqual(['cilium', 'flux_instance', 'flux_operator']);
    expect(releases.cilium.depends_on).toBeUndefined();
    expect(releases.flux_operator.depends_on).toEqual(['helm_release.cilium']);
    expect(releases.flux_instance.depends_on).toEqual(['helm_release.flux_operator']);
    expect(releases.cilium).toMatchObject({ name: 'cilium', namespace: 'kube-system', repository: 'https://helm.cilium.io/', chart: 'cilium', version: '1.19.2' });
    expect(CHARTS.cilium.version).toBe('1.19.2');
  });

  it('configures Cilium as the Talos guide does: Kubernetes IPAM, no kube-proxy, no SYS_MODULE, Talos cgroups, the API through KubePrism', () => {
    expect(valuesOf(releasesOf('lab').cilium)).toEqual({
      ipam: { mode: 'kubernetes' },
      kubeProxyReplacement: true,
      securityContext: {
        capabilities: {
          ciliumAgent: ['CHOWN', 'KILL', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'SYS_ADMIN', 'SYS_RESOURCE', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'],
          cleanCiliumState: ['NET_ADMIN', 'SYS_ADMIN', 'SYS_RESOURCE'],
        },
      },
      cgroup: { autoMount: { enabled: false }, hostRoot: '/sys/fs/cgroup' },
      k8sServiceHost: 'localhost',
      k8sServicePort: 7445,
    });
    // KubePrism on 7445 and Talos' CNI and kube-proxy off: what the machine-config patches say.
    expect(parse(fleet.files.get('dist/lab/talos/kata/patch.yaml') ?? '')).toMatchObject({
      machine: { features: { kubePrism: { enabled: true, port: 7445 } } },
      cluster: { network: { cni: { name: 'none' } }, proxy: { disabled: true } },
    });
  });

  it('gpu-cloud (Flannel): no Cilium; the Flux Operator first, then the FluxInstance', () => {
    const releases = releasesOf('gpu-cloud');
    expect(Object.keys(releases)).toEqual(['flux_instance', 'flux_operator']);
    expect(releases.flux_operator.depends_on).toBeUndefined();
    expect(releases.flux_instance.depends_on).toEqual(['helm_release.flux_operator']);
  });

  it.each(['lab', 'gpu-cloud'])('%s: installs the pinned flux-operator chart from its OCI registry into flux-system, with the chart defaults', (cluster) => {
    const operator = releasesOf(cluster).flux_operator;
    expect(operator).toEqual({
      name: 'flux-operator',
      namespace: 'flux-system',
      create_namespace: true,
      repository: 'oci://ghcr.io/controlplaneio-fluxcd/charts',
      chart: 'flux-operator',
      version: '0.58.1',
      ...(cluster === 'lab' ? { depends_on: ['helm_release.cilium'] } : {}),
    });
    expect(CHARTS.fluxOperator).toEqual({ repository: operator.repository, chart: operator.chart, version: operator.version });
  });

  it.each(['lab', 'gpu-cloud'])('%s: creates the FluxInstance exactly as clusters/<cluster>/ holds it, from the local chart', (cluster) => {
    const instance = releasesOf(cluster).flux_instance;
    expect(instance).toMatchObject({ name: 'flux-instance', namespace: 'flux-system', chart: '${path.module}/charts/flux-instance' });
    expect(instance.repository).toBeUndefined();
    const committed = parse(fleet.files.get(`clusters/${cluster}/fluxinstance_flux-system_flux.yaml`) ?? '');
    expect(valuesOf(instance)).toEqual({ objects: [committed] });
    expect(committed.spec.sync.path).toBe(`./clusters/${cluster}`);
  });

  it('references the Git credentials Secret and never renders one', () => {
    for (const cluster of ['lab', 'gpu-cloud']) {
      const objects = valuesOf(releasesOf(cluster).flux_instance).objects as Array<{ kind: string; spec: { sync: { pullSecret?: string } } }>;
      expect(objects.map((o) => o.kind)).toEqual(['FluxInstance']);
      expect(objects[0].spec.sync.pullSecret).toBe('flux-system');
      expect(fleet.files.get(`dist/${cluster}/bootstrap/main.tf.json`)).not.toMatch(/kind: Secret|identity|password|token/);
    }
  });

  it('ships a FluxInstance chart that writes out the objects of its values', () => {
    expect(parse(fleet.files.get('dist/lab/bootstrap/charts/flux-instance/Chart.yaml') ?? '')).toEqual({
      apiVersion: 'v2',
      name: 'flux-instance',
      description: 'The FluxInstance of cluster lab, as clusters/lab/ holds it (generated by talos-flux-synth)',
      type: 'application',
      version: '1.0.0',
    });
    expect(fleet.files.get('dist/lab/bootstrap/charts/flux-instance/templates/objects.yaml')).toBe('{{- range .Values.objects }}\n---\n{{ toYaml . }}\n{{- end }}\n');
  });
});

describe('bootstrap stack synthesis', () => {
  const json = fleet.files.get('dist/lab/bootstrap/main.tf.json') ?? '';

  it('keeps no CDKTF metadata, paths or versions, and sorts keys: the same spec gives the same bytes', () => {
    // The one comment is reuse.ts's hash line, first; CDKTF's own metadata comments are removed.
    expect(json.split('"//"')).toHaveLength(2);
    expect(json).toMatch(/^\{\n {2}"\/\/": "talos-flux-synth: inputs sha256:[0-9a-f]{64}, content sha256:[0-9a-f]{64}",\n {2}"provider"/);
    expect(json).not.toContain(os.tmpdir());
    expect(json).not.toContain(root);
    expect(json).not.toMatch(/cdktf/i);
    expect(synthesize(exampleFleet).files.get('dist/lab/bootstrap/main.tf.json')).toBe(json);
    const keys = (v: unknown): string[][] => (v && typeof v === 'object' && !Array.isArray(v) ? [Object.keys(v), ...Object.values(v).flatMap(keys)] : Array.isArray(v) ? v.flatMap(keys) : []);
    for (const k of keys(JSON.parse(json))) expect(k).toEqual([...k].sort());
  });

  it('leaves nothing behind in the temporary folder', () => {
    // A private temporary folder: other jest workers synthesize stacks in the shared one at the same time.
    removeAppOutdir();
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'bootstrap-test-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spy = jest.spyOn(require('node:os') as typeof os, 'tmpdir').mockReturnValue(own);
    try {
      synthCluster();
      synthCluster(undefined, { name: 'other' });
      expect(spy).toHaveBeenCalledTimes(1); // one folder for every stack of the process
    } finally {
      spy.mockRestore();
    }
    const [outdir] = fs.readdirSync(own);
    expect(fs.readdirSync(path.join(own, outdir))).toEqual(['stacks']);
    expect(fs.readdirSync(path.join(own, outdir, 'stacks'))).toEqual([]);
    removeAppOutdir(); // what the process does when it exits
    expect(fs.readdirSync(own)).toEqual([]);
  });

  it('takes no stack trace for CDKTF tokens while it synthesizes (a fifth of its cost), and puts CDKTF back as it was', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const traces = require('cdktf/lib/tokens/private/stack-trace') as { captureStackTrace: () => string[] };
    const original = traces.captureStackTrace;
    const spy = jest.fn(original);
    traces.captureStackTrace = spy;
    try {
      synthCluster(undefined, { name: 'traced' });
      expect(spy).not.toHaveBeenCalled();
      expect(traces.captureStackTrace).toBe(spy);
    } finally {
      traces.captureStackTrace = original;
    }
  });

  it('takes none while CDKTF loads either (its modules create tokens)', () => {
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const traces = require('cdktf/lib/tokens/private/stack-trace') as { captureStackTrace: () => string[] };
      const spy = jest.fn(traces.captureStackTrace);
      traces.captureStackTrace = spy;
      const { synthBootstrapStack } = require('../lib/bootstrap/stack') as typeof import('../lib/bootstrap/stack');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const fluxInstance = () => ({ apiVersion: 'fluxcd.controlplane.io/v1', kind: 'FluxInstance', metadata: { name: 'flux', namespace: 'flux-system' } });
      expect(synthBootstrapStack({ cluster: 'fresh', cni: 'cilium', fluxInstance })).toContain('"helm_release"');
      expect(spy).not.toHaveBeenCalled();
      expect(traces.captureStackTrace).toBe(spy);
    });
  });

  it('escapes what Terraform would read as a template in the values', () => {
    expect(escapeTemplate('url: https://${host}/%{ if x }')).toBe('url: https://$${host}/%%{ if x }');
    const files = synthCluster(undefined, { git: { url: 'https://git.example.com/${team}/fleet.git' } }).files;
    const stack = stackOf(files, 'test');
    expect(stack.resource.helm_release.flux_instance.values[0]).toContain('url: https://git.example.com/$${team}/fleet.git');
  });

  it('is the only code that depends on CDKTF (deprecated): nothing outside lib/bootstrap imports it', () => {
    const sources = (dir: string): string[] => fs.readdirSync(path.join(root, dir), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const users = ['lib', 'apps', 'scripts'].flatMap(sources).filter((f) => /from '(cdktf|@cdktf\/[^']+)'|require\('(cdktf|@cdktf\/[^']+)'\)|import\('(cdktf|@cdktf\/[^']+)'\)/.test(fs.readFileSync(path.join(root, f), 'utf8')));
    expect(users).toEqual(['lib/bootstrap/stack.ts']);
  });

  it('renders YAML documents Helm can read: the values parse back into the same objects', () => {
    const values = releasesOf('lab').flux_instance.values[0];
    expect(parseAllDocuments(values).every((d) => d.errors.length === 0)).toBe(true);
  });
});

describe('reusing the committed bootstrap Terraform JSON (lib/bootstrap/reuse.ts)', () => {
  const rel = 'dist/lab/bootstrap/main.tf.json';
  const full = fleet.files.get(rel) ?? '';
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  /** The file with `edit` applied to its content and the content hash made to match it: what a hit returns as it is. */
  const consistentEdit = (text: string, edit: (s: string) => string) => {
    const [first, ...rest] = text.split('\n');
    const [comment, ...body] = rest;
    const content = edit([first, ...body].join('\n'));
    return content.replace('{\n', `{\n${comment.replace(/content sha256:[0-9a-f]{64}/, `content sha256:${sha256(content)}`)}\n`);
  };

  it('writes on a miss exactly what a full CDKTF synthesis gives, and keeps a file whose hashes match', () => {
    const root = tempDir();
    synthToDisk(exampleFleet, root);
    const file = path.join(root, rel);
    expect(fs.readFileSync(file, 'utf8')).toBe(full);
    // A file whose inputs hash matches is reused as it is (CDKTF not run): shown by a content it would not write.
    const marked = consistentEdit(full, (t) => t.replace('"name": "cilium"', '"name": "cilium-reused"'));
    fs.writeFileSync(file, marked);
    synthToDisk(exampleFleet, root);
    expect(fs.readFileSync(file, 'utf8')).toBe(marked);
  });

  it('synthesizes again when the file was edited by hand, or its inputs changed', () => {
    const root = tempDir();
    synthToDisk(exampleFleet, root);
    const file = path.join(root, rel);
    fs.writeFileSync(file, full.replace('"name": "cilium"', '"name": "edited"'));
    synthToDisk(exampleFleet, root);
    expect(fs.readFileSync(file, 'utf8')).toBe(full);
    fs.writeFileSync(file, consistentEdit(full, (t) => t).replace(/inputs sha256:[0-9a-f]{64}/, `inputs sha256:${'0'.repeat(64)}`));
    synthToDisk(exampleFleet, root);
    expect(fs.readFileSync(file, 'utf8')).toBe(full);
  });

  it('synthesizes a stack once per process for the same file and inputs, again for others', () => {
    let synthesized = 0;
    const synth = () => {
      synthesized++;
      return '{\n  "resource": {}\n}\n';
    };
    const file = 'dist/memo/bootstrap/main.tf.json';
    const first = reusableTerraformJson(file, { spec: { cluster: 'memo' } }, synth);
    expect(reusableTerraformJson(file, { spec: { cluster: 'memo' } }, synth)).toBe(first);
    expect(synthesized).toBe(1);
    expect(reusableTerraformJson(file, { spec: { cluster: 'memo-2' } }, synth)).not.toBe(first);
    expect(synthesized).toBe(2);
    // Another file with the same inputs is another stack.
    reusableTerraformJson('dist/memo/bootstrap/other.tf.json', { spec: { cluster: 'memo' } }, synth);
    expect(synthesized).toBe(3);
  });
});
