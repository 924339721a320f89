import * as fs from 'node:fs';
import * as path from 'node:path';
import { diffAgainstBase, runDiffCli, useColor } from '../lib/review/cli';
import { describeChange, diffTrees, FleetDiff, groupChanges, ObjectChange } from '../lib/review/diff';
import { formatFieldPath } from '../lib/review/field-diff';
import { COMMENT_MARKER, formatMarkdown } from '../lib/review/format-markdown';
import { formatTerminal } from '../lib/review/format-terminal';
import { objectsOf } from '../lib/review/tree';
import { synthesize } from '../lib/synth/pipeline';
import { App } from 'cdk8s';
import { Cluster } from '../lib/cluster';
import { clusterProps, snapshotTree } from './helpers';
import { git, repoWith, reviewFleet } from './review-fleet';

const MARK = { added: '+', removed: '-', changed: '~' } as const;

/** The diff as the formats group it: `cluster/layer/Kind: ~ns/name -name …`. */
const grouping = (diff: FleetDiff) =>
  groupChanges(diff.changes).flatMap((g) => g.layers.flatMap((l) => l.kinds.map((k) =>
    `${g.cluster}/${l.layer}/${k.kind}: ${k.changes.map((c) => `${MARK[c.status]}${c.namespace ? `${c.namespace}/` : ''}${c.name}`).join(' ')}`)));

const changeOf = (diff: FleetDiff, id: string): ObjectChange => {
  const c = diff.changes.find((x) => describeChange(x) === id);
  if (!c) throw new Error(`no change of ${id} among ${diff.changes.map(describeChange).join(', ')}`);
  return c;
};

const capture = (root: string, env: NodeJS.ProcessEnv = {}, isTTY = false) => {
  const out = { stdout: '', stderr: '' };
  return { out, io: { root, env, isTTY, stdout: (t: string) => { out.stdout += t; }, stderr: (t: string) => { out.stderr += t; } } };
};

describe('npm run diff: a temporary repository with two commits of a small fleet', () => {
  const root = repoWith(reviewFleet(1), reviewFleet(2));
  /** The working tree, without git's own files (git status refreshes its index). */
  const workingTree = () => [...snapshotTree(root)].filter(([rel]) => !rel.startsWith('.git/'));
  const before = workingTree();
  const { base, diff } = diffAgainstBase(reviewFleet(2), root);

  it('compares with the merge-base of HEAD and main by default (the first commit), not with HEAD', () => {
    expect(base).toEqual({ commit: git(root, 'rev-parse', 'main').trim(), description: 'merge-base of HEAD and main' });
    expect(git(root, 'rev-parse', 'HEAD').trim()).not.toBe(base.commit);
  });

  it('groups the changed objects by cluster, layer (in Flux order) and kind; equal objects are left out', () => {
    expect(grouping(diff)).toEqual([
      'alpha/controllers/HelmRelease: ~web/engine -web/old-engine ~web/tools',
      'alpha/controllers/HelmRepository: -web/old-engine',
      'alpha/controllers/Namespace: -legacy ~web',
      'alpha/controllers/OCIRepository: ~web/oci-engine',
      'alpha/configs/ValidatingPolicy: -disallow-latest ~require-labels',
      'alpha/apps/ConfigMap: ~web/moved -web/obsolete ~web/shop-config',
      'alpha/apps/Deployment: ~web/shop +web/worker',
      'alpha/apps/Job: ~web/migrate',
      'alpha/apps/Service: ~web/shop',
      'alpha/apps/StatefulSet: ~web/db',
      'alpha/files/File: ~talos/schematic.yaml',
      'beta/controllers/Namespace: +extra',
    ]);
    // ImageValidatingPolicy verify-images, HelmRepository tools, beta's namespace base, the Flux objects, and each
    // cluster's Talos schematic and patch and bootstrap files (main.tf.json, the FluxInstance chart's two files):
    // unchanged. The Flux objects are the FluxInstance and the three layer Kustomizations of each cluster.
    expect(diff.unchanged).toBe(13 + 2 * 5);
  });

  it('lists field-level changes, matching containers and env entries by name', () => {
    const shop = changeOf(diff, 'alpha/apps/Deployment/web/shop');
    expect(shop.fields.map((f) => [f.op, formatFieldPath(f.path), f.before, f.after])).toEqual([
      ['changed', 'spec.replicas', 2, 3],
      ['added', 'spec.selector.matchLabels.tier', undefined, 'web'],
      ['added', 'spec.template.spec.containers[name=metrics]', undefined, { name: 'metrics', image: 'example/exporter:0.5' }],
      ['changed', 'spec.template.spec.containers[name=app].env[name=LOG].value', 'info', 'debug'],
      ['changed', 'spec.template.spec.containers[name=app].image', 'example/shop:1.0', 'example/shop:1.1'],
      ['changed', 'spec.template.spec.containers[name=proxy].args', ['--port=8080', '--verbose'], ['--port=8080', '--tls']],
    ]);
  });

  it('matches objects by identity: a move to another layer is one change, not a removal and an addition', () => {
    const moved = changeOf(diff, 'alpha/apps/ConfigMap/web/moved');
    expect({ status: moved.status, movedFrom: moved.movedFrom, fields: moved.fields }).toEqual({ status: 'changed', movedFrom: 'configs', fields: [] });
  });

  it('compares non-Kubernetes files under dist/<cluster>/ by their parsed content', () => {
    const schematic = changeOf(diff, 'alpha/talos/schematic.yaml');
    expect(schematic.fields.map((f) => [formatFieldPath(f.path), f.after])).toEqual([
      ['customization.systemExtensions.officialExtensions', ['siderolabs/iscsi-tools', 'siderolabs/kata-containers']],
    ]);
  });

  it('flags every risk, the most severe first', () => {
    const immutable = 'the API server rejects the update; Flux fails to apply it unless the Kustomization sets force: true (which re-creates the object)';
    expect(diff.risks.map((r) => `${r.severity} ${r.kind} ${describeChange(r.change)}: ${r.message}`)).toEqual([
      'high namespace-deleted alpha/controllers/Namespace/legacy: with prune: true Flux deletes the Namespace and every object in it, including those Flux does not manage',
      'high crd-release-deleted alpha/controllers/HelmRelease/web/old-engine: with prune: true Flux deletes the release (install.crds: CreateReplace); a chart that templates its CRDs takes them, and every custom resource of those kinds, with it',
      'high policy-removed alpha/configs/ValidatingPolicy/disallow-latest: with prune: true Flux deletes the policy (it had validationActions ["Deny","Audit"]); what it enforced is no longer checked',
      'high policy-weakened alpha/configs/ValidatingPolicy/require-labels: spec.validationActions: ["Deny"] → ["Audit"]: violations are let through',
      'high pod-security-lowered alpha/controllers/Namespace/web: pod-security.kubernetes.io/enforce: restricted → baseline',
      `high immutable-field alpha/apps/Deployment/web/shop: spec.selector.matchLabels.tier added: ${immutable}`,
      `high immutable-field alpha/apps/Job/web/migrate: spec.template.spec.containers[name=migrate].image: example/shop:1.0 → example/shop:1.1: ${immutable}`,
      `high immutable-field alpha/apps/Service/web/shop: spec.clusterIP: 10.96.0.10 → 10.96.0.11: ${immutable}`,
      `high immutable-field alpha/apps/StatefulSet/web/db: spec.selector.matchLabels.app: db → database: ${immutable}`,
      'warn deleted alpha/controllers/HelmRepository/web/old-engine: with prune: true Flux deletes it from the cluster',
      'warn deleted alpha/apps/ConfigMap/web/obsolete: with prune: true Flux deletes it from the cluster',
      'warn moved alpha/apps/ConfigMap/web/moved: from configs to apps: if the old layer reconciles first, Flux deletes the object before the new layer re-creates it',
      'warn crd-policy alpha/controllers/HelmRelease/web/tools: spec.install.crds: CreateReplace → Skip',
      'warn crd-policy alpha/controllers/HelmRelease/web/tools: spec.upgrade.crds: CreateReplace → Skip',
      'warn chart-version alpha/controllers/HelmRelease/web/engine: spec.chart.spec.version: 1.0.0 → 1.1.0 (minor upgrade)',
      'warn chart-version alpha/controllers/OCIRepository/web/oci-engine: spec.ref.tag: 2.0.0 → 2.1.0 (minor upgrade)',
      // image.pullPolicy also changed; it changes no image, so it is not flagged.
      'warn image alpha/controllers/HelmRelease/web/engine: spec.values.image.tag: v1 → v2',
      'warn image alpha/apps/Deployment/web/shop: spec.template.spec.containers[name=metrics].image: (unset) → example/exporter:0.5',
      'warn image alpha/apps/Deployment/web/shop: spec.template.spec.containers[name=app].image: example/shop:1.0 → example/shop:1.1',
      'warn image alpha/apps/Job/web/migrate: spec.template.spec.containers[name=migrate].image: example/shop:1.0 → example/shop:1.1',
    ]);
  });

  it('writes markdown for a pull request: the counts table first, then the risks, then one collapsible section per cluster', () => {
    const md = formatMarkdown(diff, { title: 'working tree vs main' });
    const lines = md.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      COMMENT_MARKER,
      '### Rendered changes: working tree vs main',
      '',
      '| Cluster | Added | Removed | Changed | Risks |',
      '|---|--:|--:|--:|--:|',
      '| `alpha` | 1 | 5 | 12 | 20 |',
      '| `beta` | 1 | 0 | 0 | 0 |',
      '| **total** | 2 | 5 | 12 | 20 |',
      '',
    ]);
    expect(lines).toContain('- 🛑 **Pod Security level lowered** · `alpha/controllers/Namespace/web` · pod-security.kubernetes.io/enforce: restricted → baseline');
    expect(lines).toContain('- ⚠️ **Object moved to another layer** · `alpha/apps/ConfigMap/web/moved` · from configs to apps: if the old layer reconciles first, Flux deletes the object before the new layer re-creates it');
    const sections = lines.filter((l) => l.startsWith('<summary>'));
    expect(sections).toEqual(['<summary><b>alpha</b>: 1 added, 5 removed, 12 changed</summary>', '<summary><b>beta</b>: 1 added, 0 removed, 0 changed</summary>']);
    expect(lines.indexOf('#### Risks (20)')).toBeLessThan(lines.indexOf('<details>'));
    expect(lines.filter((l) => l === '<details>').length).toBe(lines.filter((l) => l === '</details>').length);
    expect(md).toContain([
      '- changed `web/engine`',
      '',
      '  ```diff',
      '    spec.chart.spec.version',
      '  -   1.0.0',
      '  +   1.1.0',
      '    spec.values.image.pullPolicy',
      '  -   IfNotPresent',
      '  +   Always',
      '    spec.values.image.tag',
      '  -   v1',
      '  +   v2',
      '  ```',
      '- removed `web/old-engine`',
    ].join('\n'));
    expect(md).toContain('- changed `web/moved` (moved from configs)\n');
    expect(md).toContain('- added `web/worker`\n\n  ```diff\n  + apiVersion: apps/v1\n  + kind: Deployment\n');
  });

  it('shortens the markdown step by step until it fits a comment', () => {
    const full = formatMarkdown(diff, { title: 't' });
    const withoutBodies = formatMarkdown(diff, { title: 't' }, { maxChars: full.length - 1 });
    expect(withoutBodies).toContain('_Details shortened to fit a comment: run `npm run diff` for all of them._');
    expect(withoutBodies).not.toContain('+ kind: Deployment');
    expect(withoutBodies).toContain('  -   1.0.0');
    const namesOnly = formatMarkdown(diff, { title: 't' }, { maxChars: withoutBodies.length - 1 });
    expect(namesOnly).not.toContain('```');
    expect(namesOnly).toContain('- changed `web/engine`');
    const summary = formatMarkdown(diff, { title: 't' }, { maxChars: 100 });
    expect(summary).not.toContain('<details>');
    expect(summary).toContain('#### Risks (20)');
  });

  it('prints the same structure for a terminal, coloured only when asked', () => {
    const plain = formatTerminal(diff, { title: 't' }, { color: false });
    expect(plain).not.toContain('\x1b[');
    expect(plain).toContain([
      'alpha  (1 added, 5 removed, 12 changed)',
      '  controllers',
      '    HelmRelease',
      '      ~ web/engine',
      '          spec.chart.spec.version',
      '        -   1.0.0',
      '        +   1.1.0',
    ].join('\n'));
    expect(plain).toContain('  HIGH  Pod Security level lowered          alpha/controllers/Namespace/web: pod-security.kubernetes.io/enforce: restricted → baseline');
    const coloured = formatTerminal(diff, { title: 't' }, { color: true });
    expect(coloured).toContain('\x1b[31m-   1.0.0\x1b[0m');
    expect(coloured).toContain('\x1b[32m+   1.1.0\x1b[0m');
  });

  it('touches nothing in the repository', () => {
    runDiffCli(reviewFleet(2), ['--format', 'markdown'], capture(root).io);
    expect(git(root, 'status', '--porcelain')).toBe('');
    expect(workingTree()).toEqual(before);
  });

  it('reports no change against a base whose committed output is what the working tree renders', () => {
    const { out, io } = capture(root);
    expect(runDiffCli(reviewFleet(2), ['--base', 'HEAD', '--no-color'], io)).toBe(0);
    const objects = objectsOf(synthesize(reviewFleet(2)).files).size;
    expect(out.stdout).toBe(`Rendered diff: working tree vs HEAD (${git(root, 'rev-parse', '--short=7', 'HEAD').trim()})\nNo changes (${objects} objects unchanged).\n`);
  });
});

describe('npm run diff: command line', () => {
  const root = repoWith(reviewFleet(1));

  it('falls back to HEAD when there is no main branch', () => {
    const other = repoWith(reviewFleet(1));
    git(other, 'branch', '-m', 'main', 'trunk');
    expect(diffAgainstBase(reviewFleet(1), other).base.description).toBe('HEAD');
  });

  it('writes the markdown to --output', () => {
    const { out, io } = capture(root);
    expect(runDiffCli(reviewFleet(2), ['--format=markdown', '--output', 'diff.md'], io)).toBe(0);
    expect(out.stdout).toBe('');
    expect(fs.readFileSync(path.join(root, 'diff.md'), 'utf8')).toMatch(/^<!-- talos-flux-synth:diff -->\n### Rendered changes: working tree vs merge-base of HEAD and main \([0-9a-f]{7}\)\n/);
    fs.rmSync(path.join(root, 'diff.md'));
  });

  it.each([
    [['--format', 'html'], 'diff: --format html: use terminal or markdown'],
    [['--base'], 'diff: --base needs a value'],
    [['--frobnicate'], 'diff: unknown argument --frobnicate'],
    [['--base', 'no-such-branch'], 'diff: --base no-such-branch: not a commit in this repository'],
  ])('exits 2 on %j', (argv, message) => {
    const { out, io } = capture(root);
    expect(runDiffCli(reviewFleet(2), argv, io)).toBe(2);
    expect(out.stderr.split('\n')[0]).toBe(message);
  });

  it('exits 1 with one line per problem when the working tree does not render', () => {
    const { out, io } = capture(root);
    const broken = (app: App) => new Cluster(app, clusterProps({ name: 'Not_A_Label' }));
    expect(runDiffCli(broken, [], io)).toBe(1);
    expect(out.stderr.split('\n').slice(-2)).toEqual(['diff failed: the working tree does not render (1 problem)', '']);
    expect(out.stderr).toMatch(/^error: Not_A_Label\/Cluster\[Not_A_Label\]: name: /);
  });

  it("exits 1 with one line when building the fleet throws a user's TypeError", () => {
    const { out, io } = capture(root);
    const broken = (app: App) => {
      (new Cluster(app, clusterProps({ name: 'demo' })) as unknown as { nope(): void }).nope();
    };
    expect(runDiffCli(broken, [], io)).toBe(1);
    expect(out.stderr).toMatch(/^error: test\/review\.test\.ts:\d+:\d+: TypeError: .*nope is not a function; run npm run typecheck to find type mistakes \(SYNTH_DEBUG=1 prints the stack\)\ndiff failed: the working tree does not render\n$/);
  });

  it('colours a terminal, and never with NO_COLOR; FORCE_COLOR and --color force it', () => {
    expect(useColor(undefined, {}, true)).toBe(true);
    expect(useColor(undefined, {}, false)).toBe(false);
    expect(useColor(undefined, { NO_COLOR: '1' }, true)).toBe(false);
    expect(useColor(undefined, { FORCE_COLOR: '1' }, false)).toBe(true);
    expect(useColor(undefined, { FORCE_COLOR: '0' }, true)).toBe(true);
    expect(useColor(true, { NO_COLOR: '1' }, false)).toBe(true);
    expect(useColor(false, {}, true)).toBe(false);
  });
});

describe('risk rules on hand-written trees', () => {
  const ns = (name: string, labels: Record<string, string> = {}) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\n`;
  const layer = (prune: boolean) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./dist/c/apps\n  prune: ${prune}\n`;
  const risks = (base: Record<string, string>, head: Record<string, string>) =>
    diffTrees(new Map(Object.entries(base)), new Map(Object.entries(head))).risks.map((r) => `${r.kind} ${describeChange(r.change)}: ${r.message}`);

  it('says a removed object is orphaned, not deleted, when its layer does not prune', () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: n\n';
    expect(risks({ 'clusters/c/k.yaml': layer(false), 'dist/c/apps/cm.yaml': cm }, { 'clusters/c/k.yaml': layer(false) }))
      .toEqual(['deleted c/apps/ConfigMap/n/x: removed from Git; its Kustomization has prune: false, so Flux leaves it running, orphaned']);
    expect(risks({ 'dist/c/apps/cm.yaml': cm }, {})).toEqual(['deleted c/apps/ConfigMap/n/x: if its Kustomization prunes, Flux deletes it from the cluster']);
  });

  it('reads a Namespace without an enforce label as Talos enforces it (baseline); raising a level is no risk', () => {
    const restricted = { 'pod-security.kubernetes.io/enforce': 'restricted' };
    expect(risks({ 'dist/c/controllers/a.yaml': ns('a', restricted) }, { 'dist/c/controllers/a.yaml': ns('a') }))
      .toEqual(['pod-security-lowered c/controllers/Namespace/a: pod-security.kubernetes.io/enforce: restricted → baseline']);
    expect(risks({ 'dist/c/controllers/a.yaml': ns('a') }, { 'dist/c/controllers/a.yaml': ns('a', restricted) })).toEqual([]);
  });

  it('flags a legacy Kyverno ClusterPolicy leaving Enforce and a removed ValidatingAdmissionPolicy', () => {
    const cp = (action: string) => `apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  validationFailureAction: ${action}\n`;
    const vap = 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: v\n';
    expect(risks({ 'dist/c/configs/p.yaml': cp('Enforce'), 'dist/c/configs/v.yaml': vap }, { 'dist/c/configs/p.yaml': cp('Audit') })).toEqual([
      'policy-removed c/configs/ValidatingAdmissionPolicy/v: if its Kustomization prunes, Flux deletes the policy; what it enforced is no longer checked',
      'policy-weakened c/configs/ClusterPolicy/p: spec.validationFailureAction: Enforce → Audit: violations are let through',
    ]);
  });

  it('flags an added PolicyException of either Kyverno API, naming the policies it exempts from', () => {
    const cel = 'apiVersion: policies.kyverno.io/v1\nkind: PolicyException\nmetadata:\n  name: gpu\n  namespace: llm\nspec:\n  policyRefs:\n    - name: disallow-host-path\n      kind: ValidatingPolicy\n';
    const legacy = 'apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata:\n  name: debug\n  namespace: ops\nspec:\n  exceptions:\n    - policyName: require-labels\n      ruleNames: [check-team]\n  match:\n    any:\n      - resources:\n          kinds: [Pod]\n';
    expect(risks({}, { 'dist/c/configs/gpu.yaml': cel, 'dist/c/configs/debug.yaml': legacy })).toEqual([
      'policy-exception c/configs/PolicyException/llm/gpu: exempts what it matches from disallow-host-path: those objects are no longer checked',
      'policy-exception c/configs/PolicyException/ops/debug: exempts what it matches from require-labels (check-team): those objects are no longer checked',
    ]);
  });

  it('flags a PolicyException whose spec changed, field by field, and leaves its labels alone', () => {
    const exception = (refs: string[], condition: string, team = 'a') =>
      `apiVersion: policies.kyverno.io/v1\nkind: PolicyException\nmetadata:\n  name: gpu\n  namespace: llm\n  labels: {team: ${team}}\nspec:\n  policyRefs: ${JSON.stringify(refs.map((name) => ({ name, kind: 'ValidatingPolicy' })))}\n  matchConditions:\n    - name: gpu-pods\n      expression: ${JSON.stringify(condition)}\n`;
    const base = { 'dist/c/configs/gpu.yaml': exception(['disallow-host-path'], "object.metadata.name.startsWith('gpu-')") };
    expect(risks(base, { 'dist/c/configs/gpu.yaml': exception(['disallow-host-path', 'require-labels'], 'true') })).toEqual([
      'policy-exception c/configs/PolicyException/llm/gpu: spec.matchConditions[name=gpu-pods].expression: object.metadata.name.startsWith(\'gpu-\') → true; spec.policyRefs[name=require-labels] added: check that it does not exempt more than before',
    ]);
    expect(risks(base, { 'dist/c/configs/gpu.yaml': exception(['disallow-host-path'], "object.metadata.name.startsWith('gpu-')", 'b') })).toEqual([]);
  });

  it('treats a HelmRelease that skips CRDs as a plain deletion', () => {
    const hr = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: h\n  namespace: n\nspec:\n  install:\n    crds: Skip\n';
    expect(risks({ 'dist/c/controllers/h.yaml': hr }, {})).toEqual(['deleted c/controllers/HelmRelease/n/h: if its Kustomization prunes, Flux deletes it from the cluster']);
  });
});
