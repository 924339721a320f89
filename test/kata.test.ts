import { App } from 'cdk8s';
import { KATA_RUNTIME_CLASS, KataRuntime, KataRuntimeProps, talosKataHandlers } from '../lib/addons/kata';
import { Cluster, ClusterProps, NodeSpec } from '../lib/cluster';
import { synthesize } from '../lib/synth/pipeline';
import { EXTENSIONS } from '../lib/talos/extensions';
import { parse } from 'yaml';
import { clusterProps, configErrorOf, find, renderCluster, synthCluster } from './helpers';

const KATA = EXTENSIONS.kataContainers;
const LABEL = 'runtime.example.dev/kata';

const nodes = (...extra: NodeSpec[]): NodeSpec[] => [{ name: 'cp-0', role: 'controlplane', schedulable: true, labels: { zone: 'a' } }, ...extra];
const kataNode = (name: string, labels: Record<string, string> = { [LABEL]: 'true', zone: 'a' }, group?: string): NodeSpec => ({ name, role: 'worker', extensions: [KATA], labels, group });

function withKata(props: KataRuntimeProps = {}, cluster: Partial<ClusterProps> = { nodes: nodes(kataNode('w-0')) }) {
  return renderCluster((c) => new KataRuntime(c, 'kata', props), cluster);
}

describe('KataRuntime', () => {
  it('renders RuntimeClass kata with the handler Talos registers, the VM overhead and the Kata nodes selector', () => {
    const result = synthesize((app: App) => new KataRuntime(new Cluster(app, clusterProps({ nodes: nodes(kataNode('w-0')) })), 'kata'));
    const rc = result.objects.find((o) => o.manifest.kind === 'RuntimeClass');
    expect(rc?.destination).toBe('configs');
    expect(rc?.manifest).toMatchObject({
      apiVersion: 'node.k8s.io/v1',
      metadata: { name: KATA_RUNTIME_CLASS },
      handler: 'kata',
      overhead: { podFixed: { cpu: '250m', memory: '130Mi' } },
      // zone: a is on the control plane too, so it does not tell the Kata nodes apart.
      scheduling: { nodeSelector: { [LABEL]: 'true' } },
    });
  });

  it('selects on every label all Kata nodes share and no other node carries', () => {
    const rc = find(withKata({}, { nodes: nodes(kataNode('w-0', { [LABEL]: 'true', pool: 'vm', rack: '1' }, 'rack-1'), kataNode('w-1', { [LABEL]: 'true', pool: 'vm', rack: '2' }, 'rack-2')) }), 'RuntimeClass', 'kata');
    expect((rc as unknown as { scheduling: unknown }).scheduling).toEqual({ nodeSelector: { pool: 'vm', [LABEL]: 'true' } });
  });

  it('takes a name and overhead, and kata-qemu from Talos 1.14', () => {
    expect(find(withKata({ name: 'vm-isolated', overhead: { memory: '256Mi' } }), 'RuntimeClass', 'vm-isolated'))
      .toMatchObject({ handler: 'kata', overhead: { podFixed: { cpu: '250m', memory: '256Mi' } } });
    expect(find(withKata({ handler: 'kata-qemu' }, { talosVersion: '1.14', nodes: nodes(kataNode('w-0')) }), 'RuntimeClass', 'kata'))
      .toMatchObject({ handler: 'kata-qemu', overhead: { podFixed: { cpu: '250m', memory: '160Mi' } } });
    expect(talosKataHandlers('1.13')).toEqual(['kata']);
    expect(talosKataHandlers('1.14')).toEqual(['kata', 'kata-qemu']);
  });

  it('rejects a handler Talos does not register', () => {
    expect(configErrorOf(() => withKata({ handler: 'kata-qemu' }))).toBe('test/KataRuntime[kata]: handler: "kata-qemu" is not a Kata runtime handler Talos 1.13 registers (use kata)');
    expect(configErrorOf(() => withKata({ handler: 'kata-clh' }, { talosVersion: '1.14', nodes: nodes(kataNode('w-0')) })))
      .toBe('test/KataRuntime[kata]: handler: "kata-clh" is not a Kata runtime handler Talos 1.14 registers (use kata or kata-qemu)');
  });

  it('fails when no node has the extension', () => {
    expect(configErrorOf(() => withKata({}, { nodes: nodes({ name: 'w-0', role: 'worker', labels: { [LABEL]: 'true' } }) }))).toBe(
      `test/KataRuntime[kata]: no node of test lists ${KATA}; add it to nodes[].extensions of the nodes that should run Kata pods, or select them with nodeSelector`,
    );
  });

  it('fails when the Kata nodes share no label that sets them apart', () => {
    const message = `test/KataRuntime[kata]: the nodes with the ${KATA} extension (w-0, w-1) share no label that sets them apart from the other nodes; ` +
      'give them one in nodes[].labels (such as runtime.talos-flux-synth.dev/kata: "true") for Kata pods to select';
    expect(configErrorOf(() => withKata({}, { nodes: nodes(kataNode('w-0', { [LABEL]: 'true' }, 'a'), kataNode('w-1', { [LABEL]: 'yes' }, 'b')) }))).toBe(message);
    expect(configErrorOf(() => withKata({}, { nodes: nodes(kataNode('w-0', { zone: 'a' }, 'a'), kataNode('w-1', undefined, 'b')) }))).toBe(message);
  });

  describe('with a nodeSelector', () => {
    const kataWorker: NodeSpec = { name: 'w-0', role: 'worker', group: 'kata', labels: { [LABEL]: 'true' } };

    it('puts the extension into the schematic of the nodes it selects, and schedules Kata pods onto them', () => {
      const result = synthCluster((c) => new KataRuntime(c, 'kata', { nodeSelector: { [LABEL]: 'true' } }), { nodes: nodes(kataWorker) });
      expect(parse(result.files.get('dist/test/talos/kata/schematic.yaml') ?? '')).toEqual({ customization: { systemExtensions: { officialExtensions: [KATA] } } });
      expect(parse(result.files.get('dist/test/talos/controlplane/schematic.yaml') ?? '')).toEqual({ customization: { systemExtensions: { officialExtensions: [] } } });
      expect(find(result.objects.map((o) => o.manifest), 'RuntimeClass', 'kata')).toMatchObject({ scheduling: { nodeSelector: { [LABEL]: 'true' } } });
    });

    it('fails when no node carries its labels', () => {
      expect(configErrorOf(() => withKata({ nodeSelector: { [LABEL]: 'yes' } }, { nodes: nodes(kataWorker) }))).toBe(
        `test/KataRuntime[kata]: nodeSelector: no node group of test carries ${LABEL}=yes; label the nodes that should run Kata pods with it in nodes[].labels`,
      );
    });
  });
});
