#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `node scripts/run-ts.js <entry.ts> [args]`: runs a TypeScript entry point (`npm run synth`, the cdk8s.yaml
 * `app`, `npm run bench`) the fast way.
 *
 * Why not `node --import tsx`: tsx hands every imported file to Node's ESM loader thread and V8 then compiles
 * all of it, including generated bindings such as imports/k8s.ts (1.6 MB) of which the synth uses a handful
 * of classes; that was ~0.4 s of every synth. Here esbuild bundles the entry instead (types stripped, no
 * type-checking: that is `npm run typecheck`; exports nobody uses dropped) into one CommonJS file under
 * .cache/run-ts/, which later runs reuse while every file it was built from keeps its size and
 * modification time. An edit costs one rebundle (~0.2 s), the first run of a fresh clone two (the
 * second once it knows which files use `__dirname`); no manual build step.
 *
 * What could differ from running the sources directly is kept as it was: class names (errors name
 * constructs by `constructor.name`), `__dirname`/`__filename` of each source file, and stack traces (they
 * point into the .ts files through a source map).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
/** Where bundles are kept (gitignored); tests point it elsewhere. */
const CACHE_DIR = process.env.RUN_TS_CACHE_DIR ?? path.join(ROOT, '.cache', 'run-ts');
/** Inputs modified this recently are not trusted to be what esbuild read (coarse file-system clocks). */
const SETTLE_MS = 2000;
/** Files outside the bundle graph that change how it is built. */
const BUILD_CONFIG = ['tsconfig.json', 'package.json'];

/**
 * What a cache entry records: the bundle's file name, the size and mtime of each input, and which inputs
 * use `__dirname`/`__filename` (so a rebuild can leave the others alone).
 * @typedef {{ bundle: string, inputs: Record<string, [number, number]>, dirnameUsers: string[] }} Manifest
 */

function main() {
  const [entryArg, ...args] = process.argv.slice(2);
  if (!entryArg) {
    console.error('usage: node scripts/run-ts.js <entry.ts> [args...]');
    process.exit(2);
  }
  const entry = fs.realpathSync(path.resolve(entryArg));
  process.argv = [process.argv[0], entry, ...args];
  const manifestFile = path.join(CACHE_DIR, `${cacheKey(entry)}.json`);
  const previous = readManifest(manifestFile);
  const cached = previous && freshBundle(previous);
  if (cached) return run(cached);
  bundle(entry, manifestFile, previous?.dirnameUsers ?? []).then(
    (file) => process.nextTick(run, file),
    (err) => {
      // esbuild has already printed the errors it found (with file and line).
      if (!err || !Array.isArray(err.errors)) console.error(err);
      process.exitCode = 1;
    },
  );
}

/** Changes whenever the entry, the bundler or this launcher changes. */
function cacheKey(entry) {
  const { version } = require('esbuild/package.json');
  return crypto.createHash('sha1').update(`${entry}\0${version}\0`).update(fs.readFileSync(__filename)).digest('hex').slice(0, 16);
}

/** @returns {Manifest | undefined} */
function readManifest(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The cached bundle, if it exists and none of its inputs changed since it was built.
 * @param {Manifest} manifest
 */
function freshBundle(manifest) {
  for (const [rel, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
    const st = fs.statSync(path.join(ROOT, rel), { throwIfNoEntry: false });
    if (!st || st.size !== size || st.mtimeMs !== mtimeMs) return undefined;
  }
  const file = path.join(CACHE_DIR, manifest.bundle);
  return fs.existsSync(file) ? file : undefined;
}

/**
 * Bundles the entry into a new file, records its inputs, and returns the file.
 * @param {string[]} dirnameUsers the inputs that used `__dirname` in the previous build (none known: [])
 */
async function bundle(entry, manifestFile, dirnameUsers) {
  const esbuild = require('esbuild');
  const started = Date.now();
  const base = path.basename(manifestFile, '.json');
  const name = `${base}-${started}-${process.pid}.js`;
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const build = (/** @type {string[]} */ users) =>
    esbuild.build({
      entryPoints: [entry],
      absWorkingDir: ROOT,
      outfile: path.join(CACHE_DIR, name),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      keepNames: true,
      sourcemap: 'linked',
      sourcesContent: false,
      metafile: true,
      logLevel: 'warning',
      plugins: [ownDirname(users)],
    });
  /** @type {Manifest} */
  let manifest;
  try {
    manifest = recordInputs(name, Object.keys((await build(dirnameUsers)).metafile.inputs));
    // The first build, or an edit, brought in a file that uses __dirname: build again, giving it its own.
    if (manifest.dirnameUsers.some((f) => !dirnameUsers.includes(f))) {
      manifest = recordInputs(name, Object.keys((await build(manifest.dirnameUsers)).metafile.inputs));
    }
  } finally {
    esbuild.stop();
  }
  const settled = Object.values(manifest.inputs).every(([, mtimeMs]) => mtimeMs <= started - SETTLE_MS);
  if (settled) {
    writeAtomically(manifestFile, JSON.stringify(manifest));
    removeOtherBundles(base, name);
  }
  return path.join(CACHE_DIR, name);
}

/**
 * @param {string} bundleName
 * @param {string[]} bundled the inputs esbuild lists, relative to ROOT
 * @returns {Manifest}
 */
function recordInputs(bundleName, bundled) {
  /** @type {Manifest['inputs']} */
  const inputs = {};
  for (const rel of [...bundled, ...BUILD_CONFIG]) {
    const st = fs.statSync(path.join(ROOT, rel), { throwIfNoEntry: false });
    if (st) inputs[rel] = [st.size, st.mtimeMs];
  }
  const dirnameUsers = bundled.filter((rel) => CODE.test(rel) && usesDirname(fs.readFileSync(path.join(ROOT, rel), 'utf8')));
  return { bundle: bundleName, inputs, dirnameUsers };
}

function writeAtomically(file, content) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/**
 * Older bundles of the same entry, but only those whose process has exited: a bundle's name ends in the pid
 * of the run that built it, and a concurrent run may not have loaded its bundle yet (or may need its source
 * map to report an error), so a live process's bundle is left for a later run to remove.
 */
function removeOtherBundles(base, keep) {
  for (const f of fs.readdirSync(CACHE_DIR)) {
    if (!f.startsWith(`${base}-`) || f.startsWith(keep)) continue;
    const pid = Number(/-(\d+)\.js(\.map)?$/.exec(f)?.[1]);
    if (!pid || !isAlive(pid)) fs.rmSync(path.join(CACHE_DIR, f), { force: true });
  }
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

/** @type {Record<string, import('esbuild').Loader>} */
const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx' };

const CODE = /\.[cm]?[jt]sx?$/;
const usesDirname = (/** @type {string} */ source) => /\b__(dirname|filename)\b/.test(source);
const escapeRegExp = (/** @type {string} */ s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Gives the bundled files that use `__dirname`/`__filename` their own values, as Node would: in a bundle
 * they would otherwise name the cache folder. Inserted after a shebang or "use strict", on the first line
 * of code, so line numbers stay right. Only the files known to use them are handed to JS: a call into JS
 * for every file made a build up to twice as slow on a busy machine.
 * @param {string[]} users paths relative to ROOT
 * @returns {import('esbuild').Plugin}
 */
const ownDirname = (users) => ({
  name: 'own-dirname',
  setup(build) {
    if (!users.length) return;
    const filter = new RegExp(`^(?:${users.map((rel) => escapeRegExp(path.join(ROOT, rel))).join('|')})$`);
    build.onLoad({ filter }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      if (!usesDirname(source)) return undefined;
      const decl = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};`;
      const prologue = /^(#![^\n]*\n)?(\s*(['"])use strict\3;?)?/.exec(source)?.[0] ?? '';
      return { contents: prologue + decl + source.slice(prologue.length), loader: LOADERS[path.extname(args.path)] };
    });
  },
});

function run(file) {
  process.setSourceMapsEnabled(true);
  require(file);
}

main();
