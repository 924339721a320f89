/**
 * `npm run bench [-- --runs 5 --sizes 1,10,100 --stock-runs 5 --label provisional]`
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

const REPO = path.resolve(__dirname, '..');
/**
 * Left out of the scratch copy: the output the runs write, what git keeps, caches, and node_modules
 * (linked, not copied). Everything else is copied, so a new source folder (schemas/, say) is never missed.
 */
const NOT_COPIED = new Set(['node_modules', 'dist', 'clusters', '.git', '.cache', 'coverage']);
const STOCK_APP = 'npx ts-node bench/stock-app.ts';

interface Options {
  readonly runs: number;
  readonly sizes: readonly number[];
  readonly stockRuns: number;
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
  readonly firstRun: Stats;
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

/** An edit as the bundle cache sees it: apps/catalyst.ts gets a new modification time (settled, 10 s back). */
function touchSource(root: string): void {
  const t = new Date(Date.now() - 10_000);
  fs.utimesSync(path.join(root, 'apps/catalyst.ts'), t, t);
}

function clearOutput(root: string): void {
  for (const dir of ['dist', 'clusters']) fs.rmSync(path.join(root, dir), { recursive: true, force: true });
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
    const direct = ['node', 'scripts/run-ts.js', 'apps/main.ts'];
    const tsx = ['node', '--import', 'tsx', 'apps/main.ts'];
    progress('reference fleet: warm-up');
    runTimed(this.meter, npm, s);
    this.stock();
    const samples = { npm: [] as Sample[], direct: [] as Sample[], noAdmission: [] as Sample[], first: [] as Sample[], edit: [] as Sample[], tsx: [] as Sample[], stock: [] as Sample[], noOp: [] as Sample[] };
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
      clearOutput(s);
      samples.direct.push(runTimed(this.meter, direct, s));
      clearOutput(s);
      samples.noAdmission.push(runTimed(this.meter, direct, s, { SYNTH_ADMISSION: 'off' }));
      clearOutput(s);
      fs.rmSync(path.join(s, '.cache'), { recursive: true, force: true });
      samples.first.push(runTimed(this.meter, npm, s));
      clearOutput(s);
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
      firstRun: stats(samples.first),
      afterEdit: stats(samples.edit),
      tsx: stats(samples.tsx),
      stock: stats(samples.stock),
      noOp: { ...stats(samples.noOp), rewritten, files },
    };
  }

  size(clusters: number): SizeResult {
    const env = { BENCH_CLUSTERS: String(clusters) };
    const argv = ['node', path.join(this.scratch, 'scripts/run-ts.js'), path.join(this.scratch, 'apps/main.ts')];
    progress(`${clusters} clusters: warm-up`);
    runTimed(this.meter, argv, this.freshDir(), env);
    const synth: Sample[] = [];
    const noOp: Sample[] = [];
    const stock: Sample[] = [];
    let rewritten = 0;
    let files = 0;
    let stockObjects = 0;
    for (let r = 0; r < this.opts.runs; r++) {
      progress(`${clusters} clusters: run ${r + 1}/${this.opts.runs}`);
      const twice = this.synthTwice(argv, this.freshDir(), env);
      synth.push(twice.full);
      noOp.push(twice.noOp);
      rewritten += twice.check.rewritten;
      files = twice.check.files;
      if (r < this.opts.stockRuns) {
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
    };
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

function targets(r: Report): Array<[string, string, boolean]> {
  const ref = r.reference;
  const rows: Array<[string, string, boolean]> = [
    ['reference fleet, `npm run synth` ≤ 1.0 s', sec(ref.npmSynth.medianMs), ref.npmSynth.medianMs <= 1000],
    ['reference fleet, stock path ÷ `npm run synth` ≥ 5×', ratio(ref.stock, ref.npmSynth), ref.stock.medianMs / ref.npmSynth.medianMs >= 5],
  ];
  const at = (n: number) => r.sizes.find((s) => s.clusters === n);
  const s10 = at(10);
  const s100 = at(100);
  if (s100) {
    rows.push(['100 clusters ≤ 10 s', sec(s100.synth.medianMs), s100.synth.medianMs <= 10_000]);
    rows.push(['100 clusters ≤ 1.5 GB peak RSS', mb(s100.synth), (s100.synth.peakRssMb ?? Infinity) <= 1536]);
  }
  if (s10 && s100) rows.push(['100 clusters ≤ 12 × 10 clusters', `${(s100.synth.medianMs / s10.synth.medianMs).toFixed(1)}×`, s100.synth.medianMs <= 12 * s10.synth.medianMs]);
  const rewritten = ref.noOp.rewritten + r.sizes.reduce((n, s) => n + s.noOp.rewritten, 0);
  rows.push(['a synth that changes nothing rewrites no file', `${rewritten} files rewritten`, rewritten === 0]);
  return rows;
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
    `Each command runs as a child process. Wall: median (min–max, runs). CPU: median user + system time, which other load on the machine disturbs less than wall time. Peak RSS and CPU: ${r.usage}. Generated by \`npm run bench\`.`,
    '',
    `## Reference fleet (apps/: ${ref.objects} objects)`,
    '',
    '| Command | Wall | CPU | Peak RSS | Stock ÷ this (wall) |',
    '|---|---|---|---|---|',
    refRow('`npm run synth`', ref.npmSynth),
    refRow('`node scripts/run-ts.js apps/main.ts` (what `npm run synth` runs, without npm)', ref.direct),
    refRow('the same with `SYNTH_ADMISSION=off` (admission at synth left out)', ref.withoutAdmission),
    refRow('`npm run synth`, first run in a fresh clone (no bundle yet)', ref.firstRun),
    refRow('`npm run synth` after an edit (bundle rebuilt)', ref.afterEdit),
    refRow('`node --import tsx apps/main.ts` (the synth command before the bundling launcher)', ref.tsx),
    refRow(`stock: \`cdk8s synth --app "${STOCK_APP}"\``, ref.stock, '1.0×'),
    refRow(`\`npm run synth\` that changes nothing (${ref.noOp.rewritten} of ${ref.noOp.files} files rewritten)`, ref.noOp, ''),
    '',
    `Admission at synth (each cluster's policies over every pod spec) adds ${admissionCost(ref)} to the reference fleet's synth (median of the two rows above, same run).`,
    '',
    '## Synthetic fleets (bench/fleet.ts: copies of the reference clusters, alternating)',
    '',
    `Synth: \`node scripts/run-ts.js apps/main.ts\` with \`BENCH_CLUSTERS\` set, into an empty folder (everything written). Stock: \`cdk8s synth --app "${STOCK_APP}"\`. No-op: the synth again over its own output.`,
    '',
    '| Clusters | Objects | Synth wall | Synth CPU | Objects/s | Peak RSS | Stock wall | Stock CPU | Stock RSS | Stock ÷ synth (wall) | No-op synth | Files rewritten by no-op |',
    '|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---|---:|',
    ...r.sizes.map((s) =>
      `| ${s.clusters} | ${s.objects} | ${wall(s.synth)} | ${cpu(s.synth)} | ${Math.round(s.objects / (s.synth.medianMs / 1000))} | ${mb(s.synth)} | ` +
      `${wall(s.stock)} | ${cpu(s.stock)} | ${mb(s.stock)} | ${ratio(s.stock, s.synth)} | ${wall(s.noOp)} | ${s.noOp.rewritten} of ${s.noOp.files} |`),
    ...r.sizes
      .filter((s) => s.stock.runs && s.stock.objects !== s.objects)
      .map((s) => `\n**Warning:** at ${s.clusters} clusters the stock path wrote ${s.stock.objects} objects, the synth ${s.objects}: the fleets differ.`),
    '',
    '## Targets',
    '',
    '| Target | Measured | Met |',
    '|---|---|---|',
    ...targets(r).map(([what, got, ok]) => `| ${what} | ${got} | ${ok ? 'yes' : '**no**'} |`),
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
  const runs = Number(get('runs') ?? 5);
  const sizes = (get('sizes') ?? '1,10,100').split(',').map(Number);
  const stockRuns = Number(get('stock-runs') ?? runs);
  if (![runs, stockRuns, ...sizes].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error('usage: npm run bench -- [--runs N] [--sizes 1,10,100] [--stock-runs N] [--label TEXT] [--out DIR]');
  }
  return { runs, sizes, stockRuns: Math.min(stockRuns, runs), label: get('label') ?? '', out: path.resolve(REPO, get('out') ?? 'bench/results') };
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
    const reference = bench.reference();
    const sizes = opts.sizes.map((n) => bench.size(n));
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
