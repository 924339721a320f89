import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './helpers';

const LAUNCHER = path.resolve(__dirname, '../scripts/run-ts.js');

/** A small TypeScript program in a temp folder, its files dated a minute back (settled, so cacheable). */
function program(files: Record<string, string>): string {
  const dir = tempDir('run-ts-');
  for (const [rel, content] of Object.entries(files)) write(dir, rel, content, -60_000);
  return dir;
}

function write(dir: string, rel: string, content: string, ageMs: number): void {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  const t = new Date(Date.now() + ageMs);
  fs.utimesSync(file, t, t);
}

function run(dir: string, cache: string, args: string[] = []) {
  const r = spawnSync(process.execPath, [LAUNCHER, 'main.ts', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, RUN_TS_CACHE_DIR: cache } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The environment without Go's garbage collector settings, whatever the machine running the tests has. */
function withoutGoSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { GOGC: _gogc, GOMEMLIMIT: _limit, ...rest } = env;
  return rest;
}

/** The bundle the cache holds for the entry (there is one manifest per entry). */
function cachedBundle(cache: string): string {
  const [manifest] = fs.readdirSync(cache).filter((f) => f.endsWith('.json'));
  return JSON.parse(fs.readFileSync(path.join(cache, manifest), 'utf8')).bundle;
}

describe('scripts/run-ts.js', () => {
  it('names the bundle it runs for the gate cache in this process only: a child process (npm test from the bench) does not inherit it', () => {
    const dir = program({
      'main.ts': [
        "import { execFileSync } from 'node:child_process';",
        "const key = Symbol.for('talos-flux-synth.bundle');",
        'const mine = (globalThis as Record<symbol, unknown>)[key];',
        "const child = execFileSync(process.execPath, ['-e', `console.log(typeof globalThis[Symbol.for('talos-flux-synth.bundle')], Object.keys(process.env).filter((k) => /TALOS_FLUX_SYNTH/.test(k)).length)`], { encoding: 'utf8' }).trim();",
        'console.log(typeof mine === "string" && mine.endsWith(".js"), child);',
        '',
      ].join('\n'),
    });
    expect(run(dir, tempDir()).stdout).toBe('true undefined 0\n');
  });

  it('runs a TypeScript entry with its arguments, and passes its exit code on', () => {
    const dir = program({
      'main.ts': "import { greet } from './lib/greet';\nconsole.log(greet(process.argv.slice(2)));\nprocess.exitCode = 3;\n",
      'lib/greet.ts': "export const greet = (who: string[]): string => `hello ${who.join(' and ')}`;\n",
    });
    const r = run(dir, tempDir(), ['a', 'b']);
    expect(r).toMatchObject({ status: 3, stdout: 'hello a and b\n' });
  });

  it('reuses the bundle until an imported file changes', () => {
    const dir = program({ 'main.ts': "import { n } from './n';\nconsole.log(n);\n", 'n.ts': 'export const n = 1;\n' });
    const cache = tempDir();
    expect(run(dir, cache).stdout).toBe('1\n');
    const first = cachedBundle(cache);
    expect(run(dir, cache).stdout).toBe('1\n');
    expect(cachedBundle(cache)).toBe(first);

    write(dir, 'n.ts', 'export const n = 22;\n', -30_000);
    expect(run(dir, cache).stdout).toBe('22\n');
    expect(cachedBundle(cache)).not.toBe(first);
    expect(fs.readdirSync(cache).filter((f) => f.endsWith('.js'))).toEqual([cachedBundle(cache)]);
  });

  it("never deletes the bundle of a run that is still alive (it may not have loaded it yet), only those of exited runs", () => {
    const dir = program({ 'main.ts': 'console.log(1);\n' });
    const cache = tempDir();
    expect(run(dir, cache).stdout).toBe('1\n');
    const base = fs.readdirSync(cache).find((f) => f.endsWith('.json'))?.replace(/\.json$/, '');
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    try {
      const others = [`${base}-1-${live.pid}.js`, `${base}-1-${live.pid}.js.map`, `${base}-1-${dead}.js`, `${base}-1-${dead}.js.map`];
      for (const f of others) fs.writeFileSync(path.join(cache, f), '');
      write(dir, 'main.ts', 'console.log(2);\n', -30_000);
      expect(run(dir, cache).stdout).toBe('2\n');
      expect(fs.readdirSync(cache).filter((f) => f.includes('-1-')).sort()).toEqual(others.slice(0, 2));
    } finally {
      live.kill();
    }
  });

  it('gives __dirname its own value in a file that starts using it in an edit', () => {
    const dir = program({ 'main.ts': "import { n } from './sub/n';\nconsole.log(n);\n", 'sub/n.ts': 'export const n = 1;\n' });
    const cache = tempDir();
    expect(run(dir, cache).stdout).toBe('1\n');
    write(dir, 'sub/n.ts', 'export const n = __dirname;\n', -30_000);
    expect(run(dir, cache).stdout).toBe(`${path.join(fs.realpathSync(dir), 'sub')}\n`);
  });

  it('reuses a bundle built from files modified moments before (a fresh clone) by their content, and sees an edit within the same clock tick', () => {
    const dir = program({ 'main.ts': "import { n } from './n';\nconsole.log(n);\n", 'n.ts': 'export const n = 1;\n' });
    write(dir, 'n.ts', 'export const n = 2;\n', 0);
    const cache = tempDir();
    expect(run(dir, cache).stdout).toBe('2\n');
    const first = cachedBundle(cache);
    expect(run(dir, cache).stdout).toBe('2\n');
    expect(cachedBundle(cache)).toBe(first);
    // Same size and modification time, other content: what a coarse file-system clock shows of a quick edit.
    const file = path.join(dir, 'n.ts');
    const { mtime } = fs.statSync(file);
    fs.writeFileSync(file, 'export const n = 3;\n');
    fs.utimesSync(file, mtime, mtime);
    expect(run(dir, cache).stdout).toBe('3\n');
    expect(cachedBundle(cache)).not.toBe(first);
  });

  it('on a first build, hands esbuild only the files it must: a young one (hashed) and a __dirname user; it reads the others itself', () => {
    const dir = program({ 'main.ts': "import { n } from './n';\nimport { where } from './where';\nconsole.log(n, where === __dirname);\n", 'n.ts': 'export const n = 1;\n', 'where.ts': 'export const where = __dirname;\n' });
    write(dir, 'main.ts', "import { n } from './n';\nimport { where } from './where';\nconsole.log(n + 1, where === __dirname);\n", 0);
    const cache = tempDir();
    expect(run(dir, cache).stdout).toBe('2 true\n');
    const [manifest] = fs.readdirSync(cache).filter((f) => f.endsWith('.json'));
    const { inputs } = JSON.parse(fs.readFileSync(path.join(cache, manifest), 'utf8')) as { inputs: Record<string, unknown[]> };
    const hashedOf = (suffix: string) => Object.entries(inputs).find(([rel]) => rel.endsWith(suffix))?.[1].length === 3;
    // Young: its hash is of what esbuild got. Settled and plain: read by esbuild, trusted by size and time.
    expect([hashedOf('/main.ts'), hashedOf('/n.ts'), hashedOf('/where.ts')]).toEqual([true, false, true]);
    // And the bundle is reused as it is.
    const first = cachedBundle(cache);
    expect(run(dir, cache).stdout).toBe('2 true\n');
    expect(cachedBundle(cache)).toBe(first);
  });

  it('lists every input of a first build without a metafile, whatever loads it: an edit of an imported text file rebuilds', () => {
    const dir = program({ 'main.ts': "// @ts-expect-error: a text import\nimport note from './note.txt';\nconsole.log(note.trim());\n", 'note.txt': 'one\n' });
    const cache = tempDir();
    expect(run(dir, cache).stdout).toBe('one\n');
    const first = cachedBundle(cache);
    expect(run(dir, cache).stdout).toBe('one\n');
    expect(cachedBundle(cache)).toBe(first);
    write(dir, 'note.txt', 'two\n', -30_000);
    expect(run(dir, cache).stdout).toBe('two\n');
    expect(cachedBundle(cache)).not.toBe(first);
  });

  it("runs esbuild's service without Go's garbage collector, as esbuild's own command line builds, unless the environment sets it; the entry does not see it", () => {
    const dir = program({ 'main.ts': 'console.log(`${process.env.GOGC} ${process.env.GOMEMLIMIT}`);\n' });
    // esbuild's JavaScript API starts the binary ESBUILD_BINARY_PATH names: one that records its environment.
    const seen = path.join(tempDir(), 'service-env');
    const binary = path.join(tempDir(), 'esbuild');
    fs.writeFileSync(binary, `#!/bin/sh\necho "$GOGC $GOMEMLIMIT" >> ${JSON.stringify(seen)}\nexec ${JSON.stringify(require.resolve('esbuild/bin/esbuild'))} "$@"\n`, { mode: 0o755 });
    const launch = (env: Record<string, string>) =>
      spawnSync(process.execPath, [LAUNCHER, 'main.ts'], { cwd: dir, encoding: 'utf8', env: { ...withoutGoSettings(process.env), RUN_TS_CACHE_DIR: tempDir(), ESBUILD_BINARY_PATH: binary, ...env } }).stdout;
    expect(launch({})).toBe('undefined undefined\n');
    expect(launch({ GOGC: '50' })).toBe('50 undefined\n');
    expect(fs.readFileSync(seen, 'utf8')).toBe('off 1GiB\n50 \n');
  });

  it('keeps V8\'s code cache of the bundle next to it and uses it on the next run', () => {
    const dir = program({ 'main.ts': 'console.log([1, 2].map((x) => x * 2).join());\n' });
    const cache = tempDir();
    expect(run(dir, cache).stdout).toBe('2,4\n');
    const codeCache = path.join(cache, `${cachedBundle(cache)}.v8`);
    expect(fs.existsSync(codeCache)).toBe(true);
    const written = fs.statSync(codeCache).mtimeMs;
    expect(run(dir, cache).stdout).toBe('2,4\n');
    expect(fs.statSync(codeCache).mtimeMs).toBe(written); // accepted, so not written again
    fs.writeFileSync(codeCache, 'not a code cache');
    expect(run(dir, cache).stdout).toBe('2,4\n');
    expect(fs.readFileSync(codeCache, 'utf8')).not.toBe('not a code cache');
  });

  it('keeps V8\'s code cache of the repository\'s own CommonJS files required at run time (the precompiled validators)', () => {
    // Inside the repository (.cache/ is gitignored): only its own files are cached, not node_modules.
    fs.mkdirSync(path.resolve(__dirname, '../.cache'), { recursive: true });
    const dir = fs.mkdtempSync(path.resolve(__dirname, '../.cache/run-ts-test-'));
    try {
      write(dir, 'main.ts', "const data = require(require('node:path').join(__dirname, 'data.js'));\nconsole.log(data.n);\n", -60_000);
      write(dir, 'data.js', 'module.exports = { n: 42 };\n', -60_000);
      const cache = tempDir();
      expect(run(dir, cache).stdout).toBe('42\n');
      const modules = path.join(cache, 'modules');
      const [entry] = fs.readdirSync(modules);
      expect(entry).toMatch(/^[0-9a-f]{40}\.v8$/);
      const written = fs.statSync(path.join(modules, entry)).mtimeMs;
      expect(run(dir, cache).stdout).toBe('42\n');
      expect(fs.statSync(path.join(modules, entry)).mtimeMs).toBe(written);
      fs.writeFileSync(path.join(modules, entry), 'not a code cache');
      expect(run(dir, cache).stdout).toBe('42\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves CDK for Terraform out of the bundle (required from node_modules when used)', () => {
    const dir = program({ 'main.ts': "import { Testing } from 'cdktf';\nconsole.log(typeof Testing.synth);\n" });
    fs.symlinkSync(path.resolve(__dirname, '../node_modules'), path.join(dir, 'node_modules'), 'dir');
    const cache = tempDir();
    expect(run(dir, cache).stdout).toBe('function\n');
    const bundle = fs.readFileSync(path.join(cache, cachedBundle(cache)), 'utf8');
    expect(bundle).toContain('cdktf/lib/index.js")');
    expect(bundle.length).toBeLessThan(20_000);
  });

  it("keeps each file's __dirname and __filename, and class names that collide across files", () => {
    const dir = program({
      'main.ts': "import { where, Thing as Other } from './sub/where';\nclass Thing {}\nconsole.log(where(), __filename, new Thing().constructor.name, new Other().constructor.name);\n",
      'sub/where.ts': "export const where = (): string => __dirname;\nexport class Thing {}\n",
    });
    const real = fs.realpathSync(dir);
    expect(run(dir, tempDir()).stdout).toBe(`${path.join(real, 'sub')} ${path.join(real, 'main.ts')} Thing Thing\n`);
  });

  it('points stack traces at the TypeScript source', () => {
    const dir = program({ 'main.ts': "function fail(): never {\n  throw new Error('boom');\n}\nfail();\n" });
    const r = run(dir, tempDir());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${path.join(fs.realpathSync(dir), 'main.ts')}:2:`);
  });

  it('builds a source map only when a stack needs one, and only for the bundle it maps', () => {
    const dir = program({ 'main.ts': "import { dir } from './sub/where';\nif (process.argv[2] === 'fail') throw new Error(`boom in ${dir}`);\nconsole.log('ok');\n", 'sub/where.ts': 'export const dir = __dirname;\n' });
    const cache = tempDir();
    expect(run(dir, cache).stdout).toBe('ok\n');
    const bundle = path.join(cache, cachedBundle(cache));
    expect(fs.existsSync(`${bundle}.map`)).toBe(false);
    const failed = run(dir, cache, ['fail']);
    expect(failed.stderr).toContain(`boom in ${path.join(fs.realpathSync(dir), 'sub')}`);
    expect(failed.stderr).toContain(`${path.join(fs.realpathSync(dir), 'main.ts')}:2:`);
    expect(fs.existsSync(`${bundle}.map`)).toBe(true);
    expect(fs.readdirSync(cache).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('reports a syntax error with its file and exits 1', () => {
    const dir = program({ 'main.ts': 'const x = ;\n' });
    const r = run(dir, tempDir());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('main.ts:1:10');
  });
});
