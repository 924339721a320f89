import { diffFields, formatFieldPath } from '../lib/review/field-diff';
import { fieldLines, lineText, textLines } from '../lib/review/lines';

const changes = (before: unknown, after: unknown) => diffFields(before, after).map((f) => `${f.op} ${formatFieldPath(f.path)}`);

describe('field-level diff', () => {
  it('reports nothing for equal documents, whatever their key order', () => {
    expect(diffFields({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('walks maps key by key: added, removed and changed fields with their paths', () => {
    expect(diffFields({ spec: { replicas: 2, paused: true } }, { spec: { replicas: 3, minReadySeconds: 5 } })).toEqual([
      { path: ['spec', 'minReadySeconds'], op: 'added', after: 5 },
      { path: ['spec', 'paused'], op: 'removed', before: true },
      { path: ['spec', 'replicas'], op: 'changed', before: 2, after: 3 },
    ]);
  });

  it('matches list items by name: an inserted item is one addition, not a change of every item after it', () => {
    const before = { containers: [{ name: 'app', image: 'a:1' }, { name: 'proxy', image: 'p:1' }] };
    const after = { containers: [{ name: 'sidecar', image: 's:1' }, { name: 'app', image: 'a:2' }, { name: 'proxy', image: 'p:1' }] };
    expect(changes(before, after)).toEqual(['added containers[name=sidecar]', 'changed containers[name=app].image']);
  });

  it('reports a reordering of named items once, with the old and new order', () => {
    const before = { env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] };
    const after = { env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] };
    expect(diffFields(before, after)).toEqual([{ path: ['env'], op: 'reordered', before: ['A', 'B'], after: ['B', 'A'] }]);
  });

  it('reports removed named items', () => {
    expect(changes({ ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] }, { ports: [{ name: 'http', port: 80 }] }))
      .toEqual(['removed ports[name=metrics]']);
  });

  it('falls back to positions when items have no name or share one', () => {
    expect(changes({ rules: [{ a: 1 }, { a: 2 }] }, { rules: [{ a: 1 }, { a: 3 }, { a: 4 }] })).toEqual(['changed rules[1].a', 'added rules[2]']);
    expect(changes({ l: [{ name: 'x', v: 1 }, { name: 'x', v: 2 }] }, { l: [{ name: 'x', v: 1 }] })).toEqual(['removed l[1]']);
  });

  it('compares lists of scalars as a whole and prints only the items that went and came', () => {
    const [f] = diffFields({ args: ['--port=80', '--verbose', '--tls'] }, { args: ['--port=80', '--tls', '--debug'] });
    expect(f).toEqual({ path: ['args'], op: 'changed', before: ['--port=80', '--verbose', '--tls'], after: ['--port=80', '--tls', '--debug'] });
    expect(fieldLines(f).map(lineText)).toEqual(['  args', '-   - --verbose', '+   - --debug']);
    const [reordered] = diffFields({ a: ['x', 'z'] }, { a: ['z', 'x'] });
    expect(fieldLines(reordered).map(lineText)).toEqual(['  a', '    order changed', '-   - x', '-   - z', '+   - z', '+   - x']);
  });

  it('quotes scalars whose type would otherwise be ambiguous, and shows a changed type', () => {
    const [f] = diffFields({ v: 20 }, { v: '20' });
    expect(fieldLines(f).map(lineText)).toEqual(['  v', '-   20', '+   "20"']);
    // As the written files quote them: a YAML 1.1 reader would take yes for a boolean.
    const [label] = diffFields({ team: true }, { team: 'yes' });
    expect(fieldLines(label).map(lineText)).toEqual(['  team', '-   true', '+   "yes"']);
  });

  it('diffs multi-line strings line by line, with two lines of context around each change', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].join('\n');
    const after = ['a', 'b', 'c', 'd', 'E', 'f', 'g', 'h'].join('\n');
    expect(textLines(before, after).map(lineText)).toEqual(['    …', '    c', '    d', '-   e', '+   E', '    f', '    g', '    …']);
  });

  it('names paths as a TypeScript user reads them', () => {
    expect(formatFieldPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(formatFieldPath(['spec', 'containers', { name: 'app' }, 'args', 2])).toBe('spec.containers[name=app].args[2]');
    expect(formatFieldPath([])).toBe('(whole document)');
  });
});
