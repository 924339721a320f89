import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { buildFleet } from '../apps/fleet';
import { escapeTemplate, removeAppOutdir } from '../lib/bootstrap/stack';
import { synthesize, synthToDisk } from '../lib/synth/pipeline';
import { CHARTS } from '../lib/versions';
import { synthCluster, tempDir } from './helpers';

const fleet = synthesize(buildFleet);
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

describe('bootstrap stack of the reference fleet', () => {
  it('renders Terraform JSON and the sync chart under dist/<cluster>/bootstrap/ for both clusters', () => {
    expect([...fleet.files.keys()].filter((p) => p.includes('/bootstrap/'))).toEqual([
      'dist/catalyst/bootstrap/charts/flux-sync/Chart.yaml',
      'dist/catalyst/bootstrap/charts/flux-sync/templates/objects.yaml',
      'dist/catalyst/bootstrap/main.tf.json',
      'dist/hybrid-llm/bootstrap/charts/flux-sync/Chart.yaml',
      'dist/hybrid-llm/bootstrap/charts/flux-sync/templates/objects.yaml',
      'dist/hybrid-llm/bootstrap/main.tf.json',
    ]);
  });

  it.each(['catalyst', 'hybrid-llm'])('%s: pins the helm provider and reaches the cluster through a kubeconfig path variable', (cluster) => {
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
    expect(binding.cdktf.provider).toEqual({ name: 'registry.terraform.io/hashicorp/helm', version: stackOf(fleet.files, 'catalyst').terraform.required_providers.helm.version });
  });

  it('catalyst (Cilium as CNI): installs Cilium, then the Flux controllers, then the sync, each after the one before', () => {
    const releases = releasesOf('catalyst');
    expect(Object.keys(releases)).toEqual(['cilium', 'flux2', 'flux_sync']);
    expect(releases.cilium.depends_on).toBeUndefined();
    expect(releases.flux2.depends_on).toEqual(['helm_release.cilium']);
    expect(releases.flux_sync.depends_on).toEqual(['helm_release.flux2']);
    expect(releases.cilium).toMatchObject({ name: 'cilium', namespace: 'kube-system', repository: 'https://helm.cilium.io/', chart: 'cilium', version: '1.19.2' });
    expect(CHARTS.cilium.version).toBe('1.19.2');
  });

  it('configures Cilium as the Talos guide does: Kubernetes IPAM, no kube-proxy, no SYS_MODULE, Talos cgroups, the API through KubePrism', () => {
    expect(valuesOf(releasesOf('catalyst').cilium)).toEqual({
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
    expect(parse(fleet.files.get('dist/catalyst/talos/kata/patch.yaml') ?? '')).toMatchObject({
      machine: { features: { kubePrism: { enabled: true, port: 7445 } } },
      cluster: { network: { cni: { name: 'none' } }, proxy: { disabled: true } },
    });
  });

  it('hybrid-llm (Flannel): no Cilium; the Flux controllers first, then the sync', () => {
    const releases = releasesOf('hybrid-llm');
    expect(Object.keys(releases)).toEqual(['flux2', 'flux_sync']);
    expect(releases.flux2.depends_on).toBeUndefined();
    expect(releases.flux_sync.depends_on).toEqual(['helm_release.flux2']);
  });

  it.each(['catalyst', 'hybrid-llm'])('%s: installs the pinned flux2 chart into flux-system, with the controllers flux bootstrap installs', (cluster) => {
    const flux2 = releasesOf(cluster).flux2;
    expect(flux2).toMatchObject({ name: 'flux2', namespace: 'flux-system', create_namespace: true, repository: 'https://fluxcd-community.github.io/helm-charts', chart: 'flux2', version: '2.18.3' });
    expect(CHARTS.flux2.version).toBe('2.18.3');
    expect(valuesOf(flux2)).toEqual({ imageAutomationController: { create: false }, imageReflectionController: { create: false } });
  });

  it.each(['catalyst', 'hybrid-llm'])('%s: creates the sync objects exactly as clusters/<cluster>/ holds them, from the local chart', (cluster) => {
    const sync = releasesOf(cluster).flux_sync;
    expect(sync).toMatchObject({ name: 'flux-sync', namespace: 'flux-system', chart: '${path.module}/charts/flux-sync' });
    expect(sync.repository).toBeUndefined();
    const committed = ['gitrepository_flux-system_flux-system.yaml', 'kustomization_flux-system_flux-system.yaml'].map((f) => parse(fleet.files.get(`clusters/${cluster}/${f}`) ?? ''));
    expect(valuesOf(sync)).toEqual({ objects: committed });
    expect(committed[1].spec.path).toBe(`./clusters/${cluster}`);
  });

  it('references the Git credentials Secret and never renders one', () => {
    for (const cluster of ['catalyst', 'hybrid-llm']) {
      const objects = valuesOf(releasesOf(cluster).flux_sync).objects as Array<{ kind: string; spec: { secretRef?: { name: string } } }>;
      expect(objects.map((o) => o.kind)).toEqual(['GitRepository', 'Kustomization']);
      expect(objects[0].spec.secretRef).toEqual({ name: 'flux-system' });
      expect(fleet.files.get(`dist/${cluster}/bootstrap/main.tf.json`)).not.toMatch(/kind: Secret|identity|password|token/);
    }
  });

  it('ships a sync chart that writes out the objects of its values', () => {
    expect(parse(fleet.files.get('dist/catalyst/bootstrap/charts/flux-sync/Chart.yaml') ?? '')).toEqual({
      apiVersion: 'v2',
      name: 'flux-sync',
      description: 'The flux-system GitRepository and Kustomization of cluster catalyst, as clusters/catalyst/ holds them (generated by talos-flux-synth)',
      type: 'application',
      version: '1.0.0',
    });
    expect(fleet.files.get('dist/catalyst/bootstrap/charts/flux-sync/templates/objects.yaml')).toBe('{{- range .Values.objects }}\n---\n{{ toYaml . }}\n{{- end }}\n');
  });
});

describe('bootstrap stack synthesis', () => {
  const json = fleet.files.get('dist/catalyst/bootstrap/main.tf.json') ?? '';

  it('keeps no CDKTF metadata, paths or versions, and sorts keys: the same spec gives the same bytes', () => {
    // The one comment is reuse.ts's hash line, first; CDKTF's own metadata comments are removed.
    expect(json.split('"//"')).toHaveLength(2);
    expect(json).toMatch(/^\{\n {2}"\/\/": "talos-flux-synth: inputs sha256:[0-9a-f]{64}, content sha256:[0-9a-f]{64}",\n {2}"provider"/);
    expect(json).not.toContain(os.tmpdir());
    expect(json).not.toContain(root);
    expect(json).not.toMatch(/cdktf/i);
    expect(synthesize(buildFleet).files.get('dist/catalyst/bootstrap/main.tf.json')).toBe(json);
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

  it('escapes what Terraform would read as a template in the values', () => {
    expect(escapeTemplate('url: https://${host}/%{ if x }')).toBe('url: https://$${host}/%%{ if x }');
    const files = synthCluster(undefined, { git: { url: 'https://git.example.com/${team}/fleet.git' } }).files;
    const stack = stackOf(files, 'test');
    expect(stack.resource.helm_release.flux_sync.values[0]).toContain('url: https://git.example.com/$${team}/fleet.git');
  });

  it('is the only code that depends on CDKTF (deprecated): nothing outside lib/bootstrap imports it', () => {
    const sources = (dir: string): string[] => fs.readdirSync(path.join(root, dir), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const users = ['lib', 'apps', 'scripts'].flatMap(sources).filter((f) => /from '(cdktf|@cdktf\/[^']+)'|require\('(cdktf|@cdktf\/[^']+)'\)|import\('(cdktf|@cdktf\/[^']+)'\)/.test(fs.readFileSync(path.join(root, f), 'utf8')));
    expect(users).toEqual(['lib/bootstrap/stack.ts']);
  });

  it('renders YAML documents Helm can read: the values parse back into the same objects', () => {
    const values = releasesOf('catalyst').flux_sync.values[0];
    expect(parseAllDocuments(values).every((d) => d.errors.length === 0)).toBe(true);
  });
});

describe('reusing the committed bootstrap Terraform JSON (lib/bootstrap/reuse.ts)', () => {
  const rel = 'dist/catalyst/bootstrap/main.tf.json';
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
    synthToDisk(buildFleet, root);
    const file = path.join(root, rel);
    expect(fs.readFileSync(file, 'utf8')).toBe(full);
    // A file whose inputs hash matches is reused as it is (CDKTF not run): shown by a content it would not write.
    const marked = consistentEdit(full, (t) => t.replace('"name": "cilium"', '"name": "cilium-reused"'));
    fs.writeFileSync(file, marked);
    synthToDisk(buildFleet, root);
    expect(fs.readFileSync(file, 'utf8')).toBe(marked);
  });

  it('synthesizes again when the file was edited by hand, or its inputs changed', () => {
    const root = tempDir();
    synthToDisk(buildFleet, root);
    const file = path.join(root, rel);
    fs.writeFileSync(file, full.replace('"name": "cilium"', '"name": "edited"'));
    synthToDisk(buildFleet, root);
    expect(fs.readFileSync(file, 'utf8')).toBe(full);
    fs.writeFileSync(file, consistentEdit(full, (t) => t).replace(/inputs sha256:[0-9a-f]{64}/, `inputs sha256:${'0'.repeat(64)}`));
    synthToDisk(buildFleet, root);
    expect(fs.readFileSync(file, 'utf8')).toBe(full);
  });
});
