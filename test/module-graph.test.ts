/**
 * The module graph of lib/: acyclic, type imports included, and layered as CONTRIBUTING.md says. Imports are
 * read with TypeScript's own scanner (`ts.preProcessFile`), which sees `import`, `import type`,
 * `export … from`, `require()` and `import()` alike: a type borrowed from a higher module is an edge too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..');

/** Every .ts file below `dir`, as a path relative to the repository root with `/` separators. */
function sourcesOf(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourcesOf(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** A module graph: each file's relative imports, resolved to files (`x.ts` or `x/index.ts`), as repository paths. */
type Graph = ReadonlyMap<string, readonly string[]>;

/** The graph of `files`, whose text `read` gives; a relative import that resolves to no file is an error. */
function graphOf(files: readonly string[], read: (file: string) => string, exists: (file: string) => boolean): Graph {
  return new Map(files.map((file) => {
    const specifiers = ts.preProcessFile(read(file), true, true).importedFiles.map((i) => i.fileName).filter((s) => s.startsWith('.'));
    return [file, specifiers.map((s) => {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), s));
      const target = [`${base}.ts`, `${base}/index.ts`].find(exists);
      if (!target) throw new Error(`${file}: import ${JSON.stringify(s)} resolves to no .ts file`);
      return target;
    })];
  }));
}

/** The cycles of a graph: its strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cyclesOf(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue; // outside the files examined
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) cycles.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** `a.ts -> b.ts` for every edge inside one cycle: what to look at to break it. */
const describeCycle = (graph: Graph, cycle: readonly string[]) =>
  cycle.flatMap((from) => (graph.get(from) ?? []).filter((to) => cycle.includes(to)).map((to) => `${from} -> ${to}`)).join('; ');

const libGraph = graphOf(sourcesOf('lib'), (f) => fs.readFileSync(path.join(root, f), 'utf8'), (f) => fs.existsSync(path.join(root, f)));

/** The layering rules: no file matching `from` imports a file matching `to` (see CONTRIBUTING.md, "Modules"). */
const RULES: ReadonlyArray<{ readonly rule: string; readonly from: RegExp; readonly to: RegExp }> = [
  { rule: 'nothing in lib/ imports apps/, scripts/, bench/ or test/', from: /^lib\//, to: /^(apps|scripts|bench|test)\// },
  { rule: 'only lib/addons/ imports lib/addons/ (lib/flux, lib/talos, lib/synth, lib/bootstrap, lib/review and the core never do)', from: /^lib\/(?!addons\/)/, to: /^lib\/addons\// },
];

describe('lib/ module graph', () => {
  it('reads every kind of import, type imports included, and finds a cycle through them', () => {
    const files: Record<string, string> = {
      'x/a.ts': "import type { B } from './b';\nexport type A = B;",
      'x/b.ts': "export { C } from './c/index';",
      'x/c/index.ts': "import type * as a from '../a';\nexport const C = 1;",
      'x/d.ts': "const e = require('./e'); type F = typeof import('./f');",
      'x/e.ts': "import { G } from 'some-package';",
      'x/f.ts': "import './d';",
    };
    const graph = graphOf(Object.keys(files), (f) => files[f], (f) => f in files);
    expect(Object.fromEntries(graph)).toEqual({
      'x/a.ts': ['x/b.ts'], 'x/b.ts': ['x/c/index.ts'], 'x/c/index.ts': ['x/a.ts'], 'x/d.ts': ['x/e.ts', 'x/f.ts'], 'x/e.ts': [], 'x/f.ts': ['x/d.ts'],
    });
    expect(cyclesOf(graph)).toEqual([['x/a.ts', 'x/b.ts', 'x/c/index.ts'], ['x/d.ts', 'x/f.ts']]);
  });

  it('has no import cycle, type imports included (move a shared type down into the lower module)', () => {
    expect(cyclesOf(libGraph).map((c) => describeCycle(libGraph, c))).toEqual([]);
  });

  it.each(RULES)('keeps the layering: $rule', ({ from, to }) => {
    const violations = [...libGraph].flatMap(([file, targets]) => (from.test(file) ? targets.filter((t) => to.test(t)).map((t) => `${file} -> ${t}`) : []));
    expect(violations).toEqual([]);
  });
});
