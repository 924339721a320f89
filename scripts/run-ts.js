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
 * modification time (a file modified moments before the build: its content hash). An edit costs one
 * rebundle (~0.2 s), and so does the first run of a fresh clone (every file through the plugin, which
 * does not know yet which files use `__dirname`); no manual build step.
 *
 * Start-up is most of a warm synth, so: CDK for Terraform stays out of the bundle (required from
 * node_modules when a bootstrap stack really has to be synthesized, see lib/bootstrap/reuse.ts); V8's
 * code cache of the bundle (the functions the run compiled) is kept next to it and handed to V8 on the
 * next run, which then skips most compiling (so is the cache of the repository's own CommonJS files the
 * bundle requires at run time, the precompiled validators); and source maps are neither built nor loaded up
 * front (a tenth of a build; their line tables cost ~40 ms a run): the first stack to map (an uncaught
 * exception's, or one lib/synth/exception.ts reports) has the bundle built again with its map.
 *
 * What could differ from running the sources directly is kept as it was: class names (errors name
 * constructs by `constructor.name`), `__dirname`/`__filename` of each source file, and stack traces (they
 * point into the .ts files through the source map).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const ROOT = path.resolve(__dirname, '..');
/** Where bundles are kept (gitignored); tests point it elsewhere. */
const CACHE_DIR = process.env.RUN_TS_CACHE_DIR ?? path.join(ROOT, '.cache', 'run-ts');
/**
 * Inputs modified this recently are not trusted to be what esbuild read by their size and modification
 * time alone (coarse file-system clocks): their content is hashed as esbuild reads it, and compared.
 */
const SETTLE_MS = 2000;
/** Files outside the bundle graph that change how it is built. */
const BUILD_CONFIG = ['tsconfig.json', 'package.json'];
/** Left out of the bundle, required from node_modules when used: CDK for Terraform (see the header). */
const EXTERNAL = /^(cdktf|@cdktf\/[^/]+)(\/|$)/;

/**
 * What a cache entry records: the bundle's file name, the size and mtime of each input (and the sha1 of
 * the content of one modified moments before the build), and which inputs use `__dirname`/`__filename`
 * (so a rebuild can leave the others alone).
 * @typedef {[number, number] | [number, number, string]} Input
 * @typedef {{ bundle: string, inputs: Record<string, Input>, dirnameUsers: string[] }} Manifest
 */

function main() {
  const [entryArg, ...args] = process.argv.slice(2);
  if (entryArg === SOURCE_MAP_FLAG) {
    writeSourceMap(args[0], args[1]).catch(() => {
      process.exitCode = 1;
    });
    return;
  }
  if (!entryArg) {
    console.error('usage: node scripts/run-ts.js <entry.ts> [args...]');
    process.exit(2);
  }
  const entry = fs.realpathSync(path.resolve(entryArg));
  runEntry = entry;
  process.argv = [process.argv[0], entry, ...args];
  const manifestFile = path.join(CACHE_DIR, `${cacheKey(entry)}.json`);
  const previous = readManifest(manifestFile);
  const cached = previous && freshBundle(previous, manifestFile);
  if (cached) return run(cached);
  bundle(entry, manifestFile, previous).then(
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

const sha1 = (/** @type {string | Buffer} */ data) => crypto.createHash('sha1').update(data).digest('hex');

/**
 * The cached bundle, if it exists and none of its inputs changed since it was built. An input recorded
 * with its hash is compared by content; once it has settled, the manifest keeps only its size and time.
 * @param {Manifest} manifest
 * @param {string} manifestFile
 */
function freshBundle(manifest, manifestFile) {
  let settledNow = false;
  for (const [rel, [size, mtimeMs, hash]] of Object.entries(manifest.inputs)) {
    const file = path.join(ROOT, rel);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st || st.size !== size) return undefined;
    if (hash === undefined) {
      if (st.mtimeMs !== mtimeMs) return undefined;
      continue;
    }
    const checkedAt = Date.now();
    if (sha1(fs.readFileSync(file)) !== hash) return undefined;
    if (st.mtimeMs <= checkedAt - SETTLE_MS) {
      manifest.inputs[rel] = [st.size, st.mtimeMs];
      settledNow = true;
    }
  }
  const file = path.join(CACHE_DIR, manifest.bundle);
  if (!fs.existsSync(file)) return undefined;
  if (settledNow) writeAtomically(manifestFile, JSON.stringify(manifest));
  return file;
}

/**
 * esbuild, its service started as its own command line runs a build: with Go's garbage collector off. The
 * command line turns it off for a build and exits; the service that the JavaScript API starts keeps it on,
 * as a long-lived process must, and a build of the synth then takes about 1.6 times as long (0.45–0.5 s
 * against 0.27–0.37 s on a 2-core machine). This process stops the service after one or two builds. The
 * variables apply to the service alone: the entry and its child processes do not see them.
 */
function startEsbuild() {
  const esbuild = require('esbuild');
  const runtime = goRuntimeEnv(process.env);
  const set = Object.keys(runtime);
  for (const key of set) process.env[key] = runtime[key];
  try {
    // Starts the service now, with this environment (it would start with the first build otherwise).
    esbuild.initialize({});
  } finally {
    for (const key of set) delete process.env[key];
  }
  return esbuild;
}

/**
 * The Go runtime settings for the esbuild service: no collection until its heap nears 1 GiB. A build of the
 * synth allocates about 200 MiB; a project whose builds need more is collected from there on, as Go's memory
 * limit has it. A GOGC or GOMEMLIMIT of the environment is left to rule.
 * @param {NodeJS.ProcessEnv} env
 * @returns {Record<string, string>}
 */
function goRuntimeEnv(env) {
  if (env.GOGC !== undefined || env.GOMEMLIMIT !== undefined) return {};
  return { GOGC: 'off', GOMEMLIMIT: '1GiB' };
}

/**
 * Bundles the entry into a new file, records its inputs, and returns the file.
 * @param {string} entry
 * @param {string} manifestFile
 * @param {Manifest | undefined} previous the last build's manifest, if any
 */
async function bundle(entry, manifestFile, previous) {
  const esbuild = startEsbuild();
  const started = Date.now();
  const base = path.basename(manifestFile, '.json');
  const name = `${base}-${started}-${process.pid}.js`;
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const young = (/** @type {string} */ rel) => {
    const st = fs.statSync(path.join(ROOT, rel), { throwIfNoEntry: false });
    return !!st && st.mtimeMs > started - SETTLE_MS;
  };
  /** @type {Map<string, string>} the content hash of each young input, as esbuild was given it */
  const hashes = new Map();
  /** @type {Map<string, boolean>} whether each code file the plugin loaded uses __dirname, by absolute path */
  const dirnameSeen = new Map();
  /** @type {Set<string>} every file a first build loaded, by absolute path */
  const loaded = new Set();
  /** The build's inputs, relative to ROOT with forward slashes (as esbuild's metafile names them). */
  const build = async (/** @type {string[]} */ users, /** @type {string[]} */ hashed) => {
    const result = await esbuild.build({
      ...buildOptions(entry, path.join(CACHE_DIR, name)),
      // A first build lists its inputs itself, since every file goes through its plugin: the metafile is a
      // tenth of a build.
      metafile: !!previous,
      // Without a previous build (a fresh clone) every file goes through the plugin: one build instead of two.
      plugins: [external(), ownDirname(previous ? users : undefined, hashed, hashes, dirnameSeen, (file) => young(path.relative(ROOT, file)), loaded)],
    });
    return result.metafile ? Object.keys(result.metafile.inputs) : [...loaded].map((file) => path.relative(ROOT, file).split(path.sep).join('/'));
  };
  let dirnameUsers = previous?.dirnameUsers ?? [];
  let hashed = Object.keys(previous?.inputs ?? {}).filter(young);
  /** @type {Manifest} */
  let manifest;
  try {
    manifest = recordInputs(name, await build(dirnameUsers, hashed), hashes, dirnameSeen, started);
    // The first build, or an edit, brought in a file that uses __dirname, or a young file esbuild read on
    // its own (no hash of what it read): build again, giving the first its own, hashing the second.
    const unhashed = Object.entries(manifest.inputs).filter(([rel, input]) => input.length === 2 && young(rel)).map(([rel]) => rel);
    if (previous && (manifest.dirnameUsers.some((f) => !dirnameUsers.includes(f)) || unhashed.length)) {
      dirnameUsers = manifest.dirnameUsers;
      hashed = [...hashed, ...unhashed];
      manifest = recordInputs(name, await build(dirnameUsers, hashed), hashes, dirnameSeen, started);
    }
  } finally {
    esbuild.stop();
  }
  const trusted = Object.values(manifest.inputs).every(([, mtimeMs, hash]) => hash !== undefined || mtimeMs <= started - SETTLE_MS);
  if (trusted) {
    writeAtomically(manifestFile, JSON.stringify(manifest));
    removeOtherBundles(base, name);
  }
  return path.join(CACHE_DIR, name);
}

/**
 * How an entry is bundled. No source map: it is a tenth of a build and only a stack trace needs it, so it
 * is written when one is first mapped (sourceMapOf), by building the bundle again with it.
 * @param {string} entry
 * @param {string} outfile
 * @returns {import('esbuild').BuildOptions & { metafile: true }}
 */
function buildOptions(entry, outfile) {
  return {
    entryPoints: [entry],
    absWorkingDir: ROOT,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    keepNames: true,
    // Not minified, not even whitespace (~10 ms of a warm synth): the source map then maps a throw to
    // the wrong line of the user's file.
    sourcemap: false,
    metafile: true,
    logLevel: 'warning',
  };
}

/**
 * The entry point this process runs (set by main): what a bundle's source map is built from.
 * @type {string | undefined}
 */
let runEntry;

/**
 * The source map of a bundle this process runs: `<bundle>.map`, built the first time it is needed by a
 * child process that bundles the entry again with a map (about as long as a build, on the path of an
 * error only), kept only when that build's code is the bundle's own (no input changed since). Undefined
 * when there is none.
 * @param {string} file the bundle
 * @returns {string | undefined}
 */
function sourceMapOf(file) {
  const map = `${file}.map`;
  if (!fs.existsSync(map) && runEntry) {
    require('node:child_process').spawnSync(process.execPath, [__filename, SOURCE_MAP_FLAG, file, runEntry], { stdio: 'ignore', timeout: 120_000 });
  }
  return fs.existsSync(map) ? map : undefined;
}

const SOURCE_MAP_FLAG = '--write-source-map';

/**
 * In the child process of sourceMapOf: bundles `entry` again, with a source map, next to `file`, and keeps
 * the map as `<file>.map` if the code is `file`'s byte for byte (a source map adds only its link).
 * @param {string} file
 * @param {string} entry
 */
async function writeSourceMap(file, entry) {
  const esbuild = startEsbuild();
  const manifest = readManifest(path.join(CACHE_DIR, `${cacheKey(entry)}.json`));
  const tmp = `${file}.${process.pid}.tmp.js`;
  try {
    await esbuild.build({
      ...buildOptions(entry, tmp),
      sourcemap: 'linked',
      sourcesContent: false,
      // The files that use __dirname, as the bundle's build found them (without its manifest: every file, as a first build).
      plugins: [external(), ownDirname(manifest?.bundle === path.basename(file) ? manifest.dirnameUsers : undefined, [], new Map(), new Map(), () => true)],
    });
    const code = fs.readFileSync(tmp, 'utf8').replace(/\/\/# sourceMappingURL=\S+\n$/, '');
    if (code === fs.readFileSync(file, 'utf8')) writeAtomically(`${file}.map`, fs.readFileSync(`${tmp}.map`));
  } finally {
    esbuild.stop();
    for (const f of [tmp, `${tmp}.map`]) fs.rmSync(f, { force: true });
  }
}

/**
 * @param {string} bundleName
 * @param {string[]} bundled the inputs esbuild lists, relative to ROOT
 * @param {Map<string, string>} hashes content hashes of the young inputs, by absolute path
 * @param {Map<string, boolean>} dirnameSeen whether the code files the plugin loaded use __dirname (not read again)
 * @param {number} started when the build started
 * @returns {Manifest}
 */
function recordInputs(bundleName, bundled, hashes, dirnameSeen, started) {
  /** @type {Manifest['inputs']} */
  const inputs = {};
  for (const rel of [...bundled, ...BUILD_CONFIG]) {
    const file = path.join(ROOT, rel);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st) continue;
    // Build configuration is read by esbuild itself, not through a plugin: hashed here, before it could change much.
    const hash = hashes.get(file) ?? (BUILD_CONFIG.includes(rel) && st.mtimeMs > started - SETTLE_MS ? sha1(fs.readFileSync(file)) : undefined);
    inputs[rel] = hash === undefined ? [st.size, st.mtimeMs] : [st.size, st.mtimeMs, hash];
  }
  const dirnameUsers = bundled.filter((rel) => {
    if (!CODE.test(rel)) return false;
    const file = path.join(ROOT, rel);
    return dirnameSeen.get(file) ?? usesDirname(fs.readFileSync(file, 'utf8'));
  });
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
    const pid = Number(/-(\d+)\.js(\.map|\.v8)?$/.exec(f)?.[1]);
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
const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx', '.json': 'json' };

const CODE = /\.[cm]?[jt]sx?$/;
const usesDirname = (/** @type {string} */ source) => /\b__(dirname|filename)\b/.test(source);
const escapeRegExp = (/** @type {string} */ s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * CDK for Terraform is left out of the bundle: required by absolute path from node_modules, so the
 * bundle works wherever the cache folder is.
 * @returns {import('esbuild').Plugin}
 */
const external = () => ({
  name: 'external',
  setup(build) {
    build.onResolve({ filter: EXTERNAL }, (args) => ({ path: require.resolve(args.path, { paths: [args.resolveDir || ROOT] }), external: true }));
  },
});

/**
 * Gives the bundled files that use `__dirname`/`__filename` their own values, as Node would: in a bundle
 * they would otherwise name the cache folder. Inserted after a shebang or "use strict", on the first line
 * of code, so line numbers stay right. Only the files known to use them, or to have been modified moments
 * before (whose content is hashed as esbuild gets it), are handed to JS, unless no file is known yet (the
 * first build): a call into JS for every file made a rebuild up to twice as slow on a busy machine, while
 * the first build would otherwise have to run twice.
 * @param {string[] | undefined} users paths relative to ROOT; undefined: every file
 * @param {string[]} hashed paths relative to ROOT
 * @param {Map<string, string>} hashes receives the content hash of each file of `hashed`, by absolute path
 * @param {Map<string, boolean>} dirnameSeen receives whether each code file it loads uses __dirname, by absolute path
 * @param {(file: string) => boolean} young whether a file (absolute path) was modified moments before the build
 * @param {Set<string>} [loaded] receives every file it is asked about when it loads every file, by absolute path
 * @returns {import('esbuild').Plugin}
 */
const ownDirname = (users, hashed, hashes, dirnameSeen, young, loaded) => ({
  name: 'own-dirname',
  setup(build) {
    const files = [...new Set([...(users ?? []), ...hashed])];
    if (users && !files.length) return;
    const filter = users ? new RegExp(`^(?:${files.map((rel) => escapeRegExp(path.join(ROOT, rel))).join('|')})$`) : /.*/;
    build.onLoad({ filter, namespace: 'file' }, (args) => {
      if (!users) loaded?.add(args.path);
      const loader = LOADERS[path.extname(args.path)];
      if (!loader) return undefined; // esbuild reads it; a young one stays untrusted
      // Bytes, not a string: esbuild takes them as they are (a string is encoded again for it).
      const bytes = fs.readFileSync(args.path);
      const usesIt = CODE.test(args.path) && (bytes.includes('__dirname') || bytes.includes('__filename')) && usesDirname(bytes.toString('utf8'));
      if (CODE.test(args.path)) dirnameSeen.set(args.path, usesIt);
      // A file of the first build that needs nothing of JS: esbuild reads it again itself, which costs less
      // than the copy through its pipe (the dependencies are most of the bytes). A young one is handed over,
      // so its hash is of what esbuild got.
      if (!users && !usesIt && !young(args.path)) return undefined;
      hashes.set(args.path, sha1(bytes));
      if (!usesIt) return { contents: bytes, loader };
      const source = bytes.toString('utf8');
      const decl = `var __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};`;
      const prologue = /^(#![^\n]*\n)?(\s*(['"])use strict\3;?)?/.exec(source)?.[0] ?? '';
      return { contents: prologue + decl + source.slice(prologue.length), loader };
    });
  },
});

/**
 * Runs the bundle as the main module, compiled with V8's code cache of an earlier run when there is one
 * (`<bundle>.v8`, written when a run without a usable one exits, so it holds the functions that run
 * compiled). An exception thrown while it loads gets a stack mapped to the .ts files.
 * @param {string} file
 */
function run(file) {
  // Names the code for lib/synth/gate-cache.ts: every build is a new file, so a kept verdict of the gate
  // is never reused by other code.
  // A global, not the environment: child processes (npm test from the bench) must not inherit it.
  /** @type {Record<symbol, unknown>} */ (globalThis)[Symbol.for('talos-flux-synth.bundle')] = path.basename(file);
  // For lib/synth/exception.ts, which maps the stack of an exception it reports.
  /** @type {Record<symbol, unknown>} */ (globalThis)[Symbol.for('talos-flux-synth.source-map')] = sourceMapOf;
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = `${file}.v8`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        writeAtomically(cacheFile, script.createCachedData());
      } catch {
        // A cache that cannot be written only costs the next run its compile time.
      }
    });
  }
  cacheRepositoryModules();
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  require.cache[file] = mod;
  const fn = script.runInThisContext();
  try {
    fn.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  } catch (err) {
    throw withMappedStack(err, file);
  }
  mod.loaded = true;
}

/**
 * V8's code cache for the CommonJS files of this repository (outside node_modules) that the bundle
 * requires at run time, as for the bundle itself: the precompiled validators in schemas/validators/
 * (1.7 MB) cost a warm synth some 50 ms to compile. Kept in CACHE_DIR/modules/ by a hash of file name and
 * content, written when a run finds none.
 */
function cacheRepositoryModules() {
  const dir = path.join(CACHE_DIR, 'modules');
  const own = (/** @type {string} */ filename) => filename.startsWith(ROOT + path.sep) && !filename.split(path.sep).includes('node_modules');
  /** @type {Array<[string, import('node:vm').Script]>} */
  const missing = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (/** @type {string} */ content, /** @type {string} */ filename) {
    if (!own(filename) || !filename.endsWith('.js')) return compile.call(this, content, filename);
    const cacheFile = path.join(dir, `${sha1(`${filename}\0${content}`)}.v8`);
    let cachedData;
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) missing.push([cacheFile, script]);
    return script.runInThisContext().call(this.exports, this.exports, Module.createRequire(filename), this, filename, path.dirname(filename));
  };
  process.once('exit', () => {
    try {
      if (missing.length) fs.mkdirSync(dir, { recursive: true });
      for (const [cacheFile, script] of missing) writeAtomically(cacheFile, script.createCachedData());
    } catch {
      // Only the next run's compile time.
    }
  });
}

/**
 * The error with the bundle's frames of its stack mapped to the .ts files through the bundle's source
 * map (read only now, on failure).
 * @param {unknown} err
 * @param {string} file the bundle
 */
function withMappedStack(err, file) {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return err;
  try {
    const mapFile = sourceMapOf(file);
    if (!mapFile) return err;
    const map = new Module.SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8')));
    const at = new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+)`, 'g');
    const stack = err.stack.replace(at, (whole, line, column) => {
      const e = /** @type {{ originalSource?: string, originalLine?: number, originalColumn?: number }} */ (map.findEntry(Number(line) - 1, Number(column) - 1));
      if (!e.originalSource || e.originalLine === undefined || e.originalColumn === undefined) return whole;
      const src = e.originalSource.startsWith('file://') ? require('node:url').fileURLToPath(e.originalSource) : path.resolve(path.dirname(file), e.originalSource);
      return `${src}:${e.originalLine + 1}:${e.originalColumn + 1}`;
    });
    Object.defineProperty(err, 'stack', { value: stack, configurable: true, writable: true });
  } catch {
    // No source map: the stack as it is.
  }
  return err;
}

main();
