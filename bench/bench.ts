/**
 * `npm run bench [-- --runs 5 --sizes 1,10,100 --stock-runs 5 --big 1000 --big-runs 1 --test --label provisional]`
 * (`--quick`: 3 runs, 1 stock run, sizes 1,10,100, 1,000 clusters once, no npm test: a few minutes)
 *
 * Times the synth end to end as a user runs it (a child process per run: start-up, build, validation,
 * checks, writing), on the reference fleet and on synthetic fleets stamped from it, and the stock cdk8s
 * path (`cdk8s synth` running a ts-node app) on the same fleets in the same run. Everything runs in a
 * scratch copy of the working tree, so the repository's dist/ and clusters/ are never touched.
 * Prints a Markdown table and writes it with the raw figures to bench/results/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { threadsFor } from '../lib/synth/parallel';

const REPO = path.resolve(__dirname, '..');
/**
 * Left out of the scratch copy: the output the runs write, what git keeps, caches, and node_modules
 * (linked, not copied). Everything else is copied, so a new source folder (schemas/, say) is never missed.
 */
const NOT_COPIED = new Set(['node_modules', 'dist', 'clusters', '.git', '.cache', 'coverage']);
const STOCK_APP = 'npx ts-node bench/stock-app.ts';

/** The command `npm run synth` runs, from package.json: the bench times it without npm, its node flags included. */
function synthScript(root: string): string {
  return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.synth;
}

/** synthScript as argv, its files made absolute under `root` (the synthetic fleets run it from their output folder). */
function synthCommand(root: string): string[] {
  const script = synthScript(root);
  const argv = script.split(/\s+/).filter(Boolean);
  if (argv[0] !== 'node') throw new Error(`npm run synth must run node, not: ${script}`);
  return argv.map((a, i) => (i > 0 && !a.startsWith('-') ? path.join(root, a) : a));
}
/** The synthetic fleet whose single cluster `--cluster` synthesizes, compared with the reference fleet. */
const ONE_OF = 100;

interface Options {
  readonly runs: number;
  readonly sizes: readonly number[];
  readonly stockRuns: number;
  /** The big synthetic fleet (full and no-op synth; no stock path): 0 leaves it out. */
  readonly big: number;
  readonly bigRuns: number;
  /** Time `npm test` too (slow: about a minute). */
  readonly test: boolean;
  readonly label: string;
  readonly out: string;
}

/** One timed run of one command. */
interface Sample {
  readonly ms: number;
  readonly rssKb: number | undefined;
  /** User + system CPU time of the command and its children: less disturbed by other load than wall time. */
  readonly cpuMs: number | undefined;
  readonly stdout: string;
}

interface Stats {
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly peakRssMb: number | undefined;
  readonly medianCpuMs: number | undefined;
}

interface NoOpCheck {
  /** Files whose content or modification time a no-op synth changed (must be 0). */
  readonly rewritten: number;
  readonly files: number;
}

interface ReferenceResult {
  readonly objects: number;
  readonly npmSynth: Stats;
  readonly direct: Stats;
  /** The direct command with admission at synth left out (SYNTH_ADMISSION=off): what admission costs. */
  readonly withoutAdmission: Stats;
  /** `direct` over the output it wrote, as a user runs it in a fleet repository. */
  readonly warm: Stats;
  /** A bare `node` that only loads cdk8s, constructs, yaml and zod: the floor of any synth. */
  readonly floor: Stats;
  readonly firstRun: Stats;
  /** The run after the first one of a fresh clone, and whether it reused the first run's bundle every time. */
  readonly secondRun: Stats & { readonly reused: boolean };
  readonly afterEdit: Stats;
  readonly tsx: Stats;
  readonly stock: Stats;
  readonly noOp: Stats & NoOpCheck;
}

interface SizeResult {
  readonly clusters: number;
  readonly objects: number;
  readonly synth: Stats;
  readonly noOp: Stats & NoOpCheck;
  readonly stock: Stats & { readonly objects: number };
  /** `--cluster` of one cluster of this fleet (run for the 100-cluster fleet). */
  readonly oneCluster?: Stats;
}

// ---------------------------------------------------------------------------------------------------
// Running and measuring one command

interface Usage {
  readonly rssKb: number | undefined;
  readonly cpuMs: number | undefined;
}
type Meter = (argv: readonly string[], env: NodeJS.ProcessEnv) => { argv: string[]; env: NodeJS.ProcessEnv; read: () => Usage };

/**
 * Peak RSS and CPU time of a command and all its children: GNU time where there is one, else a preload
 * in every Node process (each appends `maxRSS cpu` to a file; the largest RSS and the sum of CPU count).
 */
function usageMeter(scratch: string): { kind: string; wrap: Meter } {
  const file = path.join(scratch, '.bench-usage');
  const read = (combine: (rows: number[][]) => Usage) => (): Usage => {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    fs.rmSync(file, { force: true });
    const rows = text.split('\n').filter((l) => /^[\d. ]+$/.test(l)).map((l) => l.trim().split(/ +/).map(Number));
    return rows.length ? combine(rows) : { rssKb: undefined, cpuMs: undefined };
  };
  if (spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', file, 'true']).status === 0) {
    return {
      kind: 'GNU time %M (the largest process of the command); CPU: %U + %S',
      wrap: (argv, env) => ({
        argv: ['/usr/bin/time', '-f', '%M %U %S', '-o', file, ...argv],
        env,
        read: read((rows) => {
          const [kb, user, sys] = rows[rows.length - 1];
          return { rssKb: kb, cpuMs: (user + sys) * 1000 };
        }),
      }),
    };
  }
  const preload = path.join(scratch, 'bench/usage.js');
  return {
    kind: 'process.resourceUsage() of each Node process of the command (the largest maxRSS; CPU summed)',
    wrap: (argv, env) => ({
      argv: [...argv],
      env: { ...env, BENCH_USAGE_FILE: file, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${preload}`.trim() },
      read: read((rows) => ({ rssKb: Math.max(...rows.map((r) => r[0])), cpuMs: rows.reduce((sum, r) => sum + r[1], 0) / 1000 })),
    }),
  };
}

function runTimed(meter: Meter, argv: readonly string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Sample {
  const m = meter(argv, { ...process.env, ...extraEnv });
  const start = performance.now();
  const r = spawnSync(m.argv[0], m.argv.slice(1), { cwd, env: m.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - start;
  const usage = m.read();
  if (r.status !== 0) throw new Error(`${argv.join(' ')} (in ${cwd}) failed with ${r.status ?? r.signal}:\n${r.stderr}${r.stdout}`);
  return { ms, ...usage, stdout: r.stdout };
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

const known = (values: ReadonlyArray<number | undefined>) => values.filter((v): v is number => v !== undefined);

function stats(samples: readonly Sample[]): Stats {
  const ms = samples.map((s) => s.ms);
  const rss = known(samples.map((s) => s.rssKb));
  const cpu = known(samples.map((s) => s.cpuMs));
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    runs: ms.length,
    medianMs: round(median(ms)),
    minMs: round(Math.min(...ms)),
    maxMs: round(Math.max(...ms)),
    peakRssMb: rss.length ? round(Math.max(...rss) / 1024) : undefined,
    medianCpuMs: cpu.length ? round(median(cpu)) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------------
// What a synth did

/** The summary line `npm run synth` prints (lib/synth/pipeline.ts formatSummary). */
function parseSummary(stdout: string): { objects: number; written: number; changed: number; removed: number } {
  const m = /synth: \d+ clusters?, (\d+) objects.*files: (\d+) written, (\d+) changed, (\d+) removed/.exec(stdout);
  if (!m) throw new Error(`no synth summary line in the output:\n${stdout}`);
  return { objects: Number(m[1]), written: Number(m[2]), changed: Number(m[3]), removed: Number(m[4]) };
}

/** Kubernetes objects in the YAML files the stock path wrote (one document per object). */
function countStockObjects(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.yaml')) n += fs.readFileSync(path.join(dir, f), 'utf8').split(/^---$/m).filter((d) => /^kind:/m.test(d)).length;
  }
  return n;
}

/** Every file below the output folders, with its modification time. */
function outputTree(root: string): Map<string, number> {
  const files = new Map<string, number>();
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else files.set(child, fs.statSync(path.join(root, child)).mtimeMs);
    }
  };
  for (const dir of ['dist', 'clusters']) walk(dir);
  return files;
}

/** Backdates every output file so that any rewrite shows in its modification time. */
function ageOutput(root: string): Map<string, number> {
  const old = new Date(Date.now() - 3600_000);
  for (const rel of outputTree(root).keys()) fs.utimesSync(path.join(root, rel), old, old);
  return outputTree(root);
}

function rewrittenFiles(before: Map<string, number>, after: Map<string, number>): number {
  let n = 0;
  for (const [rel, mtime] of after) if (before.get(rel) !== mtime) n++;
  for (const rel of before.keys()) if (!after.has(rel)) n++;
  return n;
}

/** Every source file dated a minute back, as after the copy (the bundle cache trusts them by size and time again). */
function ageSources(root: string): void {
  dateSources(root, new Date(Date.now() - 60_000));
}

/** An edit as the bundle cache sees it: apps/catalyst.ts gets a new modification time (settled, 10 s back). */
function touchSource(root: string): void {
  const t = new Date(Date.now() - 10_000);
  fs.utimesSync(path.join(root, 'apps/catalyst.ts'), t, t);
}

/** Sets the modification time of every source file (what the scratch copy copied; not node_modules). */
function dateSources(root: string, time: Date): void {
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) fs.utimesSync(path.join(root, child), time, time);
    }
  };
  for (const name of fs.readdirSync(root)) {
    if (NOT_COPIED.has(name) || name.startsWith('.')) continue;
    if (fs.statSync(path.join(root, name)).isDirectory()) walk(name);
    else fs.utimesSync(path.join(root, name), time, time);
  }
}

/**
 * What a fresh clone looks like to the bundle cache: no .cache/, and every source file just written
 * (git checks files out with the current time). node_modules is the repository's own: left alone.
 */
function freshClone(root: string): void {
  fs.rmSync(path.join(root, '.cache'), { recursive: true, force: true });
  dateSources(root, new Date());
}

/** The bundle files the launcher's cache holds (a rebuild adds one). */
function bundles(root: string): string[] {
  const dir = path.join(root, '.cache/run-ts');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort() : [];
}

function clearOutput(root: string): void {
  for (const dir of ['dist', 'clusters']) fs.rmSync(path.join(root, dir), { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------
// The disk, which moves the full synths' figures more than small changes of the code

const PROBE_FOLDERS = 100;
const PROBE_FILES = 48;

/**
 * Creating a 100-cluster fleet's worth of files (4,800 of 1.5 KB in 100 new folders), in ms: most of a full
 * synth's system time is file creation, and its cost varies several times over. On ext4 without a journal,
 * for a minute or more after a large deletion, the kernel skips each recently freed inode one by one before
 * it picks one for a new file (recently_deleted() in ext4's inode allocator). The files stay in the scratch
 * copy until the end: deleting them here would slow the runs that follow.
 */
function diskProbe(scratch: string, when: string): number {
  progress(`disk probe: ${when}`);
  const root = fs.mkdtempSync(path.join(scratch, '.bench-disk-probe-'));
  const data = 'x'.repeat(1500);
  const started = process.hrtime.bigint();
  for (let f = 0; f < PROBE_FOLDERS; f++) {
    const dir = path.join(root, String(f));
    fs.mkdirSync(dir);
    for (let i = 0; i < PROBE_FILES; i++) fs.writeFileSync(path.join(dir, `${i}.yaml`), data);
  }
  return Number(process.hrtime.bigint() - started) / 1e6;
}

// ---------------------------------------------------------------------------------------------------
// The measurements

class Bench {
  private readonly meter: Meter;
  readonly usageKind: string;

  constructor(
    private readonly opts: Options,
    private readonly scratch: string,
  ) {
    const m = usageMeter(scratch);
    this.meter = m.wrap;
    this.usageKind = m.kind;
  }

  /**
   * A new empty folder for one run's output. Old output is removed only at the end: right after a big
   * delete the file system is several times slower (ext4 discarding the freed blocks), which would
   * charge one run for the previous run's clean-up.
   */
  private freshDir(): string {
    return fs.mkdtempSync(path.join(this.scratch, '.bench-out-'));
  }

  /** The stock path into a folder that does not exist yet (the CLI deletes and recreates its output folder). */
  private stock(env: NodeJS.ProcessEnv = {}): { sample: Sample; outdir: string } {
    const cli = path.join(this.scratch, 'node_modules/.bin/cdk8s');
    const outdir = path.join(this.freshDir(), 'dist');
    // --no-check-upgrade: the CLI's version check asks the npm registry; it is not part of synthesizing.
    const sample = runTimed(this.meter, [cli, 'synth', '--no-check-upgrade', '--app', STOCK_APP, '--output', outdir], this.scratch, env);
    return { sample, outdir };
  }

  /** A synth into an empty output folder (`cwd`); then a second one that must change nothing. */
  private synthTwice(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): { full: Sample; noOp: Sample; check: NoOpCheck } {
    const full = runTimed(this.meter, argv, cwd, env);
    const before = ageOutput(cwd);
    const noOp = runTimed(this.meter, argv, cwd, env);
    const s = parseSummary(noOp.stdout);
    const rewritten = Math.max(rewrittenFiles(before, outputTree(cwd)), s.written + s.changed + s.removed);
    return { full, noOp, check: { rewritten, files: before.size } };
  }

  reference(): ReferenceResult {
    const s = this.scratch;
    const npm = ['npm', 'run', '--silent', 'synth'];
    const direct = synthCommand(s);
    const tsx = ['node', '--import', 'tsx', 'apps/main.ts'];
    progress('reference fleet: warm-up');
    runTimed(this.meter, npm, s);
    this.stock();
    const floor = ['node', '-e', "require('cdk8s');require('constructs');require('yaml');require('zod')"];
    const samples = { npm: [] as Sample[], direct: [] as Sample[], noAdmission: [] as Sample[], warm: [] as Sample[], floor: [] as Sample[], first: [] as Sample[], second: [] as Sample[], edit: [] as Sample[], tsx: [] as Sample[], stock: [] as Sample[], noOp: [] as Sample[] };
    let reused = true;
    let rewritten = 0;
    let files = 0;
    for (let r = 0; r < this.opts.runs; r++) {
      progress(`reference fleet: run ${r + 1}/${this.opts.runs}`);
      // npm run needs the package folder as its working folder: its output (20 files) is cleared in place.
      clearOutput(s);
      const twice = this.synthTwice(npm, s);
      samples.npm.push(twice.full);
      samples.noOp.push(twice.noOp);
      rewritten += twice.check.rewritten;
      files = twice.check.files;
      // Every check run (no kept verdicts of the gate), with and without admission: what admission costs.
      clearOutput(s);
      samples.direct.push(runTimed(this.meter, direct, s, { SYNTH_GATE_CACHE: 'off' }));
      clearOutput(s);
      samples.noAdmission.push(runTimed(this.meter, direct, s, { SYNTH_ADMISSION: 'off', SYNTH_GATE_CACHE: 'off' }));
      // Warm, as a user runs it: over the output it wrote (committed in a fleet repository).
      samples.warm.push(runTimed(this.meter, direct, s));
      samples.floor.push(runTimed(this.meter, floor, s));
      // A fresh clone has the committed output: the tree the runs above wrote.
      freshClone(s);
      samples.first.push(runTimed(this.meter, npm, s));
      const built = bundles(s);
      samples.second.push(runTimed(this.meter, npm, s));
      reused &&= built.length === 1 && bundles(s).join() === built.join();
      clearOutput(s);
      // Settled again (as the clone's files are a few seconds later), so the next edit is measured alone.
      ageSources(s);
      touchSource(s);
      samples.edit.push(runTimed(this.meter, npm, s));
      clearOutput(s);
      samples.tsx.push(runTimed(this.meter, tsx, s));
      if (r < this.opts.stockRuns) samples.stock.push(this.stock().sample);
    }
    return {
      objects: parseSummary(samples.npm[0].stdout).objects,
      npmSynth: stats(samples.npm),
      direct: stats(samples.direct),
      withoutAdmission: stats(samples.noAdmission),
      warm: stats(samples.warm),
      floor: stats(samples.floor),
      firstRun: stats(samples.first),
      secondRun: { ...stats(samples.second), reused },
      afterEdit: stats(samples.edit),
      tsx: stats(samples.tsx),
      stock: stats(samples.stock),
      noOp: { ...stats(samples.noOp), rewritten, files },
    };
  }

  size(clusters: number, runs = this.opts.runs, stockRuns = this.opts.stockRuns): SizeResult {
    const env = { BENCH_CLUSTERS: String(clusters) };
    const argv = synthCommand(this.scratch);
    progress(`${clusters} clusters: warm-up`);
    runTimed(this.meter, argv, this.freshDir(), env);
    const synth: Sample[] = [];
    const noOp: Sample[] = [];
    const stock: Sample[] = [];
    let rewritten = 0;
    let files = 0;
    let stockObjects = 0;
    const one: Sample[] = [];
    for (let r = 0; r < runs; r++) {
      progress(`${clusters} clusters: run ${r + 1}/${runs}`);
      const dir = this.freshDir();
      const twice = this.synthTwice(argv, dir, env);
      synth.push(twice.full);
      noOp.push(twice.noOp);
      rewritten += twice.check.rewritten;
      files = twice.check.files;
      // One cluster of the 100, over the fleet's output: what a CI matrix job or an edit of one cluster runs.
      if (clusters === ONE_OF) one.push(runTimed(this.meter, [...argv, '--cluster', 'catalyst-000'], dir, env));
      if (r < stockRuns) {
        const run = this.stock(env);
        stock.push(run.sample);
        stockObjects = countStockObjects(run.outdir);
      }
    }
    return {
      clusters,
      objects: parseSummary(synth[0].stdout).objects,
      synth: stats(synth),
      noOp: { ...stats(noOp), rewritten, files },
      stock: { ...stats(stock), objects: stockObjects },
      ...(one.length ? { oneCluster: stats(one) } : {}),
    };
  }

  /**
   * `npm test` once (type-check and the whole suite) in the repository itself, as a developer runs it:
   * the scratch copy has the bench's fleet switched in and no Git history, which the suite reads.
   */
  npmTest(): Stats {
    progress('npm test');
    return stats([runTimed(this.meter, ['npm', 'test', '--silent'], REPO)]);
  }
}

// ---------------------------------------------------------------------------------------------------
// Report

interface Report {
  readonly label: string;
  readonly date: string;
  readonly commit: string;
  readonly machine: { readonly node: string; readonly cpu: string; readonly cores: number; readonly memoryGb: number; readonly loadAverage: readonly [number, number] };
  /** How peak RSS and CPU time were measured. */
  readonly usage: string;
  readonly runs: number;
  readonly stockRuns: number;
  readonly reference: ReferenceResult;
  readonly sizes: readonly SizeResult[];
  /** The big fleet (`--big`), full and no-op; undefined when left out. */
  readonly big?: SizeResult;
  /** `npm test` wall time (`--test`). */
  readonly npmTest?: Stats;
  /** Threads the big fleet renders on (SYNTH_THREADS or the default). */
  readonly bigThreads?: number;
  /** The disk probe at the start of the run and before the big fleet, in ms. */
  readonly diskMs: { readonly start: number; readonly beforeBig?: number };
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const wall = (s: Stats) => (s.runs ? `${sec(s.medianMs)} (${(s.minMs / 1000).toFixed(2)}–${(s.maxMs / 1000).toFixed(2)}, ${s.runs} runs)` : 'not run');
const cpu = (s: Stats) => (s.medianCpuMs === undefined ? 'n/a' : sec(s.medianCpuMs));
const mb = (s: Stats) => (s.peakRssMb === undefined ? 'n/a' : `${Math.round(s.peakRssMb)} MB`);
const ratio = (slow: Stats, fast: Stats) => (slow.runs && fast.runs ? `${(slow.medianMs / fast.medianMs).toFixed(1)}×` : 'n/a');

/** What admission at synth adds: wall and CPU medians with it minus without it. */
function admissionCost(ref: ReferenceResult): string {
  const ms = (n: number) => `${Math.round(n)} ms`;
  const cpuCost = ref.direct.medianCpuMs !== undefined && ref.withoutAdmission.medianCpuMs !== undefined
    ? `, ${ms(ref.direct.medianCpuMs - ref.withoutAdmission.medianCpuMs)} CPU` : '';
  return `${ms(ref.direct.medianMs - ref.withoutAdmission.medianMs)} wall${cpuCost}`;
}

/** Every target of issues 9 and 16, with what was measured and whether it is met. */
function targets(r: Report): Array<[string, string, boolean | undefined]> {
  const ref = r.reference;
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const rows: Array<[string, string, boolean | undefined]> = [
    ['reference fleet, `npm run synth` ≤ 1.0 s', sec(ref.npmSynth.medianMs), ref.npmSynth.medianMs <= 1000],
    [`reference fleet, warm synth (\`${synthScript(REPO)}\` over its output) ≤ 1.8 × bare node loading cdk8s, constructs, yaml, zod (${sec(ref.floor.medianMs)})`,
      `${sec(ref.warm.medianMs)}: ${x(ref.warm.medianMs, ref.floor.medianMs)}`, ref.warm.medianMs <= 1.8 * ref.floor.medianMs],
    [`reference fleet, the same into an empty output with every check run (every bootstrap stack synthesized, no kept verdict of the gate; not a target of the issue) ≤ 1.8 × the floor`,
      `${sec(ref.direct.medianMs)}: ${x(ref.direct.medianMs, ref.floor.medianMs)}`, ref.direct.medianMs <= 1.8 * ref.floor.medianMs],
    ['reference fleet, stock path ÷ warm synth ≥ 20×', ratio(ref.stock, ref.warm), ref.stock.runs ? ref.stock.medianMs / ref.warm.medianMs >= 20 : undefined],
    ['reference fleet, stock path ÷ `npm run synth` ≥ 5×', ratio(ref.stock, ref.npmSynth), ref.stock.runs ? ref.stock.medianMs / ref.npmSynth.medianMs >= 5 : undefined],
    ['first `npm run synth` in a fresh clone ≤ 1.0 s', sec(ref.firstRun.medianMs), ref.firstRun.medianMs <= 1000],
    ['the second run of a fresh clone reuses the first run\'s bundle', `${ref.secondRun.reused ? 'reused' : '**rebuilt**'} (${sec(ref.secondRun.medianMs)})`, ref.secondRun.reused],
  ];
  const at = (n: number) => r.sizes.find((s) => s.clusters === n) ?? (r.big?.clusters === n ? r.big : undefined);
  const s10 = at(10);
  const s100 = at(100);
  if (s100) {
    rows.push(['100 clusters ≤ 10 s', sec(s100.synth.medianMs), s100.synth.medianMs <= 10_000]);
    rows.push(['100 clusters ≤ 1.5 GB peak RSS', mb(s100.synth), (s100.synth.peakRssMb ?? Infinity) <= 1536]);
    if (s100.oneCluster) {
      rows.push([`\`--cluster\` of one cluster of ${ONE_OF} (over the fleet's output) ≤ 1.5 × the reference fleet's warm synth`, `${sec(s100.oneCluster.medianMs)}: ${x(s100.oneCluster.medianMs, ref.warm.medianMs)}`,
        s100.oneCluster.medianMs <= 1.5 * ref.warm.medianMs]);
    }
  }
  if (s10 && s100) rows.push(['100 clusters ≤ 12 × 10 clusters', x(s100.synth.medianMs, s10.synth.medianMs), s100.synth.medianMs <= 12 * s10.synth.medianMs]);
  const big = r.big;
  if (big) {
    const n = big.clusters.toLocaleString('en');
    rows.push([`${n} clusters, full synth ≤ 8 s`, sec(big.synth.medianMs), big.synth.medianMs <= 8000]);
    rows.push([`${n} clusters, full synth ≤ 1 GB peak RSS`, mb(big.synth), (big.synth.peakRssMb ?? Infinity) <= 1024]);
    rows.push([`${n} clusters, no-op synth ≤ ½ full synth`, `${sec(big.noOp.medianMs)}: ${x(big.noOp.medianMs, big.synth.medianMs)}`, big.noOp.medianMs <= big.synth.medianMs / 2]);
    if (s100) {
      const f = big.clusters / 100;
      rows.push([`100 → ${n} clusters no worse than linear (≤ ${f}×)`, x(big.synth.medianMs, s100.synth.medianMs), big.synth.medianMs <= f * s100.synth.medianMs]);
    }
  }
  if (r.npmTest) rows.push(['`npm test` ≤ 60 s', sec(r.npmTest.medianMs), r.npmTest.medianMs <= 60_000]);
  const rewritten = ref.noOp.rewritten + [...r.sizes, ...(big ? [big] : [])].reduce((n, s) => n + s.noOp.rewritten, 0);
  rows.push(['a synth that changes nothing rewrites no file', `${rewritten} files rewritten`, rewritten === 0]);
  return rows;
}

/** What the disk probe found, for a reader comparing this run with another (the stock rows show the CPU's speed). */
function diskLine(r: Report): string {
  const files = PROBE_FOLDERS * PROBE_FILES;
  const one = (ms: number) => `${Math.round(ms)} ms (${Math.round((ms * 1000) / files)} µs a file)`;
  const big = r.diskMs.beforeBig !== undefined && r.big ? `, ${one(r.diskMs.beforeBig)} before the ${r.big.clusters.toLocaleString('en')}-cluster fleet` : '';
  return `Creating ${files.toLocaleString('en')} files in ${PROBE_FOLDERS} new folders (bench/bench.ts, diskProbe) took ${one(r.diskMs.start)} at the start${big}; the stock rows show the CPU's speed of the moment.`;
}

function markdown(r: Report): string {
  const ref = r.reference;
  const m = r.machine;
  const refRow = (what: string, st: Stats, vsStock = ratio(ref.stock, st)) => `| ${what} | ${wall(st)} | ${cpu(st)} | ${mb(st)} | ${vsStock} |`;
  const lines = [
    '# Synth benchmark',
    '',
    ...(r.label ? [`**${r.label}**`, ''] : []),
    `${r.date}, commit ${r.commit}; Node ${m.node}, ${m.cores} × ${m.cpu}, ${m.memoryGb} GB; load average ${m.loadAverage[0]} at the start, ${m.loadAverage[1]} at the end.`,
    diskLine(r),
    `Each command runs as a child process. Wall: median (min–max, runs). CPU: median user + system time, which other load on the machine disturbs less than wall time. Peak RSS and CPU: ${r.usage}. Generated by \`npm run bench\`.`,
    '',
    `## Reference fleet (apps/: ${ref.objects} objects)`,
    '',
    '| Command | Wall | CPU | Peak RSS | Stock ÷ this (wall) |',
    '|---|---|---|---|---|',
    refRow('`npm run synth`', ref.npmSynth),
    refRow(`\`${synthScript(REPO)}\` (what \`npm run synth\` runs, without npm), into an empty output, every check run (\`SYNTH_GATE_CACHE=off\`)`, ref.direct),
    refRow('the same with `SYNTH_ADMISSION=off` (admission at synth left out)', ref.withoutAdmission),
    refRow('the same, warm: over the output it wrote (as in a fleet repository, where the output is committed)', ref.warm),
    refRow("bare `node` loading cdk8s, constructs, yaml and zod (the floor)", ref.floor),
    refRow('`npm run synth`, first run in a fresh clone (no bundle yet, every source file just written, the output committed)', ref.firstRun),
    refRow(`\`npm run synth\`, second run of a fresh clone (bundle ${ref.secondRun.reused ? 'reused' : 'rebuilt'})`, ref.secondRun),
    refRow('`npm run synth` after an edit (bundle rebuilt)', ref.afterEdit),
    refRow('`node --import tsx apps/main.ts` (the synth command before the bundling launcher)', ref.tsx),
    refRow(`stock: \`cdk8s synth --app "${STOCK_APP}"\``, ref.stock, '1.0×'),
    refRow(`\`npm run synth\` that changes nothing (${ref.noOp.rewritten} of ${ref.noOp.files} files rewritten)`, ref.noOp, ''),
    '',
    `Admission at synth (each cluster's policies over every pod spec) adds ${admissionCost(ref)} to the reference fleet's synth (median of the two rows above, same run).`,
    '',
    '## Synthetic fleets (bench/fleet.ts: copies of the reference clusters, alternating)',
    '',
    `Synth: \`${synthScript(REPO)}\` with \`BENCH_CLUSTERS\` set, into an empty folder (everything written). Stock: \`cdk8s synth --app "${STOCK_APP}"\`. No-op: the synth again over its own output.`,
    '',
    '| Clusters | Objects | Synth wall | Synth CPU | Objects/s | Peak RSS | Stock wall | Stock CPU | Stock RSS | Stock ÷ synth (wall) | No-op synth | Files rewritten by no-op |',
    '|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---|---:|',
    ...[...r.sizes, ...(r.big ? [r.big] : [])].map((s) =>
      `| ${s.clusters} | ${s.objects} | ${wall(s.synth)} | ${cpu(s.synth)} | ${Math.round(s.objects / (s.synth.medianMs / 1000))} | ${mb(s.synth)} | ` +
      `${wall(s.stock)} | ${cpu(s.stock)} | ${mb(s.stock)} | ${ratio(s.stock, s.synth)} | ${wall(s.noOp)} | ${s.noOp.rewritten} of ${s.noOp.files} |`),
    ...r.sizes
      .filter((s) => s.stock.runs && s.stock.objects !== s.objects)
      .map((s) => `\n**Warning:** at ${s.clusters} clusters the stock path wrote ${s.stock.objects} objects, the synth ${s.objects}: the fleets differ.`),
    '',
    ...r.sizes.filter((s) => s.oneCluster).map((s) => `\n\`--cluster catalyst-000\` of the ${s.clusters}-cluster fleet, over the fleet's output: ${wall(s.oneCluster as Stats)}, CPU ${cpu(s.oneCluster as Stats)}, ${mb(s.oneCluster as Stats)} peak RSS.`),
    ...(r.big ? [`\nThe ${r.big.clusters.toLocaleString('en')}-cluster fleet runs on ${r.bigThreads} threads (lib/synth/parallel.ts); no stock run at that size.`] : []),
    ...(r.npmTest ? ['', `\`npm test\` (type-check and every suite): ${wall(r.npmTest)}, CPU ${cpu(r.npmTest)}, ${mb(r.npmTest)} peak RSS of its largest process.`] : []),
    '',
    '## Targets',
    '',
    '| Target | Measured | Met |',
    '|---|---|---|',
    ...targets(r).map(([what, got, ok]) => `| ${what} | ${got} | ${ok === undefined ? 'not measured' : ok ? 'yes' : '**no**'} |`),
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------

function parseArgs(argv: readonly string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? undefined : argv[i + 1];
  };
  const quick = argv.includes('--quick');
  const runs = Number(get('runs') ?? (quick ? 3 : 5));
  const sizes = (get('sizes') ?? '1,10,100').split(',').map(Number);
  const stockRuns = Number(get('stock-runs') ?? (quick ? 1 : runs));
  const big = Number(get('big') ?? 1000);
  const bigRuns = Number(get('big-runs') ?? 1);
  if (![runs, stockRuns, bigRuns, ...sizes].every((n) => Number.isInteger(n) && n > 0) || !Number.isInteger(big) || big < 0) {
    throw new Error('usage: npm run bench -- [--quick] [--runs N] [--sizes 1,10,100] [--stock-runs N] [--big 1000 (0: none)] [--big-runs N] [--test] [--label TEXT] [--out DIR]');
  }
  return {
    runs,
    sizes,
    stockRuns: Math.min(stockRuns, runs),
    big,
    bigRuns,
    test: argv.includes('--test'),
    label: get('label') ?? '',
    out: path.resolve(REPO, get('out') ?? 'bench/results'),
  };
}

function progress(what: string): void {
  process.stderr.write(`bench: ${what}\n`);
}

function commitOf(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '.', ...[...NOT_COPIED].map((n) => `:!${n}`), ':!bench/results'], { cwd: REPO, encoding: 'utf8' }).trim();
    return dirty ? `${sha} with uncommitted changes` : sha;
  } catch {
    return 'unknown';
  }
}

/**
 * Replaces the scratch copy's apps/fleet.ts: with BENCH_CLUSTERS set, its `buildFleet` builds a synthetic
 * fleet, so the synthetic fleets go through apps/main.ts exactly as `npm run synth` runs it (whatever
 * options it passes) and through bench/stock-app.ts; without it, the reference fleet as before.
 */
const FLEET_SWITCH = `// Written by npm run bench into its scratch copy (bench/bench.ts); the original is apps/fleet-reference.ts.
import { fleetFromEnv } from '../bench/fleet';
import { buildFleet as reference } from './fleet-reference';

export * from './fleet-reference';
export const buildFleet: typeof reference = (...args) => (process.env.BENCH_CLUSTERS ? fleetFromEnv(reference)(args[0]) : reference(...args));
`;

function switchFleet(scratch: string): void {
  const apps = path.join(scratch, 'apps');
  fs.renameSync(path.join(apps, 'fleet.ts'), path.join(apps, 'fleet-reference.ts'));
  fs.writeFileSync(path.join(apps, 'fleet.ts'), FLEET_SWITCH);
  const settled = new Date(Date.now() - 60_000);
  fs.utimesSync(path.join(apps, 'fleet.ts'), settled, settled);
}

/** A copy of the working tree's sources with the repository's node_modules linked in. */
function makeScratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-bench-'));
  const results = path.join(REPO, 'bench/results');
  // Timestamps kept: run-ts trusts a bundle only when its inputs were not modified in the last seconds.
  const copied = fs.readdirSync(REPO).filter((name) => !NOT_COPIED.has(name) && !name.startsWith('.synth-staging-'));
  for (const name of copied) fs.cpSync(path.join(REPO, name), path.join(dir, name), { recursive: true, preserveTimestamps: true, filter: (src) => src !== results });
  fs.symlinkSync(fs.realpathSync(path.join(REPO, 'node_modules')), path.join(dir, 'node_modules'), 'dir');
  switchFleet(dir);
  return dir;
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const scratch = makeScratch();
  const loadStart = os.loadavg()[0];
  try {
    const bench = new Bench(opts, scratch);
    const diskStart = diskProbe(scratch, 'start');
    const reference = bench.reference();
    const sizes = opts.sizes.map((n) => bench.size(n));
    const diskBeforeBig = opts.big ? diskProbe(scratch, `before ${opts.big} clusters`) : undefined;
    // The big fleet: fewer runs, and no stock path (minutes per run at that size).
    const big = opts.big ? bench.size(opts.big, opts.bigRuns, 0) : undefined;
    const npmTest = opts.test ? bench.npmTest() : undefined;
    const report: Report = {
      label: opts.label,
      date: new Date().toISOString().slice(0, 10),
      commit: commitOf(),
      machine: {
        node: process.version,
        cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
        cores: os.cpus().length,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        loadAverage: [Number(loadStart.toFixed(2)), Number(os.loadavg()[0].toFixed(2))],
      },
      usage: bench.usageKind,
      runs: opts.runs,
      stockRuns: opts.stockRuns,
      reference,
      sizes,
      ...(big ? { big, bigThreads: threadsFor(big.clusters) } : {}),
      ...(npmTest ? { npmTest } : {}),
      diskMs: { start: diskStart, ...(diskBeforeBig !== undefined ? { beforeBig: diskBeforeBig } : {}) },
    };
    const md = markdown(report);
    fs.mkdirSync(opts.out, { recursive: true });
    fs.writeFileSync(path.join(opts.out, 'results.md'), md);
    fs.writeFileSync(path.join(opts.out, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(md);
    console.log(`written: ${path.relative(process.cwd(), path.join(opts.out, 'results.md'))} and results.json`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main();
