import * as fs from 'node:fs';
import { App } from 'cdk8s';
import { ConfigError, isConfigError, isWarning, Problem } from '../errors';
import { addNotes, Check, CheckNotes, DEFAULT_CHECKS, emptyNotes, summariesOf } from './checks';
import { ownedDirs, planFiles } from './files';
import { byKey } from '../order';
import { GateCache } from './gate-cache';
import { Destination, RenderedObject } from './manifest';
import { buildFleetApp, BuiltFleet, renderClusters, renderFleet, Rendering } from './render';
import { expectedClusters, Helpers, ParallelEntry, PlanOutput, recordClusters, Share, threadsFor } from './parallel';
import { withOutputLock } from './lock';
import { withPreviousOutput } from './previous';
import { firstFew, makeStagingFolder, removeStaleStaging, StagedFile, Stager, WriteOptions, writeTree, WriteStats } from './write';

/** A fleet description: adds Clusters to the app. */
export type FleetBuilder = (app: App) => void;

export interface SynthOptions {
  /** Checks run over the rendered objects before anything is written. @default DEFAULT_CHECKS */
  readonly checks?: readonly Check[];
  /** Render, check and write only these clusters (`--cluster`); every other file stays as it is. @default every cluster */
  readonly clusters?: readonly string[];
  /**
   * How to run the synth again in helper threads, so a big fleet renders on every core (lib/synth/parallel.ts).
   * @default one thread
   */
  readonly parallel?: ParallelEntry;
  /** The gate's verdicts on clusters whose rendering did not change (lib/synth/gate-cache.ts). @default every check runs */
  readonly gateCache?: GateCache;
}

/** The rendered fleet as files, checked, not yet written. */
export interface SynthResult extends Rendering {
  /** Relative path → content of every output file, sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  /** What the checks found worth saying that fails nothing, in check order. */
  readonly warnings: readonly Problem[];
  /** One-line accounts the checks give of what they did (`admission: …`). */
  readonly summaries: readonly string[];
}

/** The checks found problems: a ConfigError that also carries their warnings and summaries. */
export class CheckFailure extends ConfigError {
  constructor(problems: readonly Problem[], readonly warnings: readonly Problem[], readonly summaries: readonly string[]) {
    super(problems);
  }
}

/** Renders and checks the fleet; throws a CheckFailure (a ConfigError) listing every problem (warnings aside). No I/O. */
export function synthesize(build: FleetBuilder, options: SynthOptions = {}): SynthResult {
  return checked(renderFleet(build, options.clusters), options);
}

/** The rendering checked (a CheckFailure listing every problem) and planned as files. */
function checked(rendering: Rendering, options: SynthOptions): SynthResult & { readonly notes: CheckNotes } {
  const notes = emptyNotes();
  const found = [...gateFindings(rendering.objects, options, notes), ...rendering.clusterProblems];
  const problems = found.filter((p) => !isWarning(p));
  const warnings = found.filter(isWarning);
  if (problems.length) throw new CheckFailure(problems, warnings, summariesOf(notes));
  return { ...rendering, files: planFiles(rendering.clusters, rendering.objects, rendering.artifacts), warnings, summaries: summariesOf(notes), notes };
}

/**
 * What the checks find, adding their counts to `notes`. With a gate cache (the default checks only), each
 * cluster whose rendering the cache knows takes its kept verdict, and the checks run over each other
 * cluster on its own (every check looks within one cluster), which is then kept when it passes.
 */
function gateFindings(objects: readonly RenderedObject[], options: SynthOptions, notes: CheckNotes): Problem[] {
  const checks = options.checks ?? DEFAULT_CHECKS;
  const cache = options.checks ? undefined : options.gateCache;
  if (!cache) return checks.flatMap((check) => check(objects, notes));
  const byCluster = new Map<string, RenderedObject[]>();
  for (const o of objects) {
    const list = byCluster.get(o.cluster);
    if (list) list.push(o);
    else byCluster.set(o.cluster, [o]);
  }
  const found: Problem[] = [];
  for (const [cluster, own] of byCluster) {
    const key = cache.keyOf(own);
    const kept = cache.get(cluster, key);
    if (kept) {
      found.push(...kept.warnings);
      addNotes(notes, kept.notes);
      continue;
    }
    const clusterNotes = emptyNotes();
    const clusterFound = checks.flatMap((check) => check(own, clusterNotes));
    addNotes(notes, clusterNotes);
    found.push(...clusterFound);
    if (!clusterFound.some((p) => !isWarning(p))) cache.set(cluster, key, { warnings: clusterFound, notes: clusterNotes });
  }
  return found;
}

/** The fleet's files and what the summary counts: what writing or comparing needs. */
export interface PlannedFleet {
  /** The clusters rendered, in the order they were defined. */
  readonly clusters: readonly string[];
  /** Relative path → content of every output file the rendering threads did not stage (all of them when they stage none), sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  readonly objectsByDestination: Readonly<Record<Destination, number>>;
  /** What the checks found worth saying that fails nothing. */
  readonly warnings: readonly Problem[];
  /** One-line accounts the checks give of what they did (`admission: …`). */
  readonly summaries: readonly string[];
  /** The other output files: the rendering threads compared them with the tree and staged them (a synth that writes, on several threads). */
  readonly staged?: ReadonlyMap<string, StagedFile>;
  /** The files on disk below the folders of the clusters the threads rendered, by folder, as they listed them. */
  readonly listed?: ReadonlyMap<string, readonly string[]>;
}

const countByDestination = (objects: readonly { destination: Destination }[]) => {
  const counts = { controllers: 0, configs: 0, apps: 0, flux: 0 };
  for (const o of objects) counts[o.destination]++;
  return counts;
};

/**
 * Renders and checks the fleet into its files, on several threads when `options.parallel` allows and the
 * fleet is big enough (lib/synth/parallel.ts); the same files either way. `output`, when the synth
 * writes: where, and the staging folder in which the rendering threads stage what differs from the tree.
 */
export function planFleet(build: FleetBuilder, options: SynthOptions = {}, output?: PlanOutput): PlannedFleet {
  const entry = options.parallel;
  const expected = entry ? threadsFor(expectedClusters(entry)) : 1;
  // Started before the fleet is built when the last synth was big: they build it meanwhile.
  let helpers = entry && expected > 1 ? new Helpers(expected - 1, entry, output) : undefined;
  const fleet = buildFleetApp(build, options.clusters);
  const threads = entry ? threadsFor(fleet.clusters.length) : 1;
  if (entry) recordClusters(entry, fleet.clusters.length);
  if (threads <= 1) helpers?.stop();
  else if (entry) helpers ??= new Helpers(threads - 1, entry, output);
  if (threads > 1 && helpers) {
    let mine: Share | undefined;
    try {
      mine = renderShare(fleet, () => helpers.take(), options, output?.staging === undefined ? undefined : new Stager(output.root, output.staging, 'main-'));
    } catch (err) {
      if (!isConfigError(err)) throw err;
    }
    if (mine?.rendered === fleet.clusters.length) return mergeShares(fleet, [mine]);
    helpers.stop();
    const theirs = helpers.shares();
    if (mine && !(theirs instanceof Error)) return mergeShares(fleet, [mine, ...theirs]);
    // A problem anywhere: the single-thread path, on a fleet built afresh, finds every problem in the fleet's order.
    return planned(synthesize(build, options));
  }
  return planned(checked(renderClusters(fleet, fleet.clusters), options));
}

const planned = (result: SynthResult): PlannedFleet => ({
  clusters: result.clusters, files: result.files, objectsByDestination: countByDestination(result.objects), warnings: result.warnings, summaries: result.summaries,
});

/**
 * The clusters a thread takes one at a time (`take` gives the index of the next, until past the end),
 * each rendered, checked and planned as files, then released: a thread holds one cluster's objects at a
 * time. With a stager, each file is compared with the tree and staged as soon as it is planned (its
 * content is not kept), and the cluster's folders in the tree are listed.
 */
export function renderShare(fleet: BuiltFleet, take: () => number, options: SynthOptions = {}, stager?: Stager): Share {
  const files: Array<[string, string]> = [];
  const staged: Array<[string, StagedFile]> = [];
  const listed: Array<[string, string[]]> = [];
  const objectsByDestination = { controllers: 0, configs: 0, apps: 0, flux: 0 };
  const warnings: Problem[] = [];
  const notes = emptyNotes();
  let rendered = 0;
  for (let i = take(); i < fleet.clusters.length; i = take()) {
    const cluster = fleet.clusters[i];
    const result = checked(renderClusters(fleet, [cluster]), options);
    for (const [rel, content] of result.files) {
      if (stager) staged.push([rel, stager.stage(rel, content)]);
      else files.push([rel, content]);
    }
    if (stager) {
      for (const dir of ownedDirs([cluster.clusterName])) {
        const found = stager.list(dir);
        if (found) listed.push([dir, found]);
      }
    }
    for (const o of result.objects) objectsByDestination[o.destination]++;
    warnings.push(...result.warnings);
    addNotes(notes, result.notes);
    cluster.release();
    rendered++;
  }
  return { files, ...(stager ? { staged, listed } : {}), objectsByDestination, rendered, warnings, notes };
}

function mergeShares(fleet: BuiltFleet, shares: readonly Share[]): PlannedFleet {
  const files = new Map(shares.flatMap((s) => s.files).sort(byKey));
  // Only looked up: the writer orders what it does itself.
  const staged = shares.every((s) => s.staged) ? new Map(shares.flatMap((s) => s.staged ?? [])) : undefined;
  const listed = staged ? new Map(shares.flatMap((s) => s.listed ?? [])) : undefined;
  const objectsByDestination = { controllers: 0, configs: 0, apps: 0, flux: 0 };
  for (const s of shares) for (const d of Object.keys(objectsByDestination) as Destination[]) objectsByDestination[d] += s.objectsByDestination[d];
  const clusters = fleet.clusters.map((c) => c.clusterName);
  // Which thread took which cluster varies from run to run; the warnings come in the fleet's cluster order.
  const order = new Map(clusters.map((c, i) => [c, i]));
  const clusterOf = (w: Problem) => order.get(w.where.split('/')[0]) ?? clusters.length;
  const warnings = shares.flatMap((s) => s.warnings).map((w, i) => ({ w, i })).sort((a, b) => clusterOf(a.w) - clusterOf(b.w) || a.i - b.i).map(({ w }) => w);
  const notes = shares.reduce((all, s) => addNotes(all, s.notes), emptyNotes());
  return { clusters, files, objectsByDestination, warnings, summaries: summariesOf(notes), ...(staged ? { staged, listed } : {}) };
}

export interface DiskOptions extends SynthOptions, WriteOptions {
  /** Write a fleet that builds no cluster (which deletes everything under dist/ and clusters/). @default false: refuse */
  readonly allowEmpty?: boolean;
}

export interface SynthSummary {
  readonly clusters: number;
  readonly warnings: readonly Problem[];
  /** One-line accounts the checks give of what they did. */
  readonly summaries: readonly string[];
  readonly objectsByDestination: Readonly<Record<Destination, number>>;
  readonly stats: WriteStats;
}

/**
 * Renders, checks and writes the fleet under `root` (dist/ and clusters/); nothing is written if anything
 * fails. The write holds the output lock: a concurrent synth waits, then writes the same tree again (a no-op).
 */
export function synthToDisk(build: FleetBuilder, root: string, options: DiskOptions = {}): SynthSummary {
  // Renderers may reuse a file of the previous output that is provably unchanged (lib/synth/previous.ts).
  const gate = { ...options, gateCache: options.gateCache ?? GateCache.open(root) };
  // Held from the start: the rendering threads compare files with the tree and stage them (lib/synth/write.ts).
  const { result, stats } = withOutputLock(root, () => {
    removeStaleStaging(root);
    const staging = makeStagingFolder(root);
    let planned: PlannedFleet;
    try {
      planned = withPreviousOutput(root, () => planFleet(build, gate, { root, staging }));
      if (!planned.clusters.length && !options.allowEmpty) throw emptyFleet();
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    const prestaged = { dir: staging, files: planned.staged ?? new Map<string, StagedFile>(), listed: planned.listed };
    return { result: planned, stats: writeTree(root, ownedDirs(options.clusters), planned.files, options, prestaged) };
  });
  return { clusters: result.clusters.length, objectsByDestination: result.objectsByDestination, stats, warnings: result.warnings, summaries: result.summaries };
}

/** An empty fleet would delete the whole output: almost always a fleet.ts that lost its clusters. */
const emptyFleet = () => ConfigError.single('fleet', '', 'builds no cluster, so synth would delete every file under dist/ and clusters/; ' +
  'add a Cluster to the fleet, or run synth with --allow-empty if that is what you want');

/** The summary line, and the files removed, named (the first few) on a second line. */
export function formatSummary(s: SynthSummary, ms: number): string {
  const o = s.objectsByDestination;
  const total = o.controllers + o.configs + o.apps + o.flux;
  const { written, changed, removed, unchanged } = s.stats;
  const line = `synth: ${s.clusters} clusters, ${total} objects (controllers ${o.controllers}, configs ${o.configs}, apps ${o.apps}, flux ${o.flux}); ` +
    `files: ${written} written, ${changed} changed, ${removed} removed, ${unchanged} unchanged; ` +
    `${s.warnings.length ? `${s.warnings.length} warning${s.warnings.length === 1 ? '' : 's'}; ` : ''}${ms} ms`;
  return removed ? `${line}\nremoved: ${firstFew(s.stats.removedFiles)}` : line;
}
