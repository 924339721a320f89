import { App } from 'cdk8s';
import { ConfigError } from '../errors';
import { Check, DEFAULT_CHECKS } from './checks';
import { ownedDirs, planFiles } from './files';
import { Destination } from './manifest';
import { renderFleet, Rendering } from './render';
import { withOutputLock } from './lock';
import { withPreviousOutput } from './previous';
import { firstFew, removeStaleStaging, WriteOptions, writeTree, WriteStats } from './write';

/** A fleet description: adds Clusters to the app. */
export type FleetBuilder = (app: App) => void;

export interface SynthOptions {
  /** Checks run over the rendered objects before anything is written. @default DEFAULT_CHECKS */
  readonly checks?: readonly Check[];
  /** Render, check and write only these clusters (`--cluster`); every other file stays as it is. @default every cluster */
  readonly clusters?: readonly string[];
}

/** The rendered fleet as files, checked, not yet written. */
export interface SynthResult extends Rendering {
  /** Relative path → content of every output file, sorted by path. */
  readonly files: ReadonlyMap<string, string>;
}

/** Renders and checks the fleet; throws a ConfigError listing every problem. No I/O. */
export function synthesize(build: FleetBuilder, options: SynthOptions = {}): SynthResult {
  const rendering = renderFleet(build, options.clusters);
  const problems = [...(options.checks ?? DEFAULT_CHECKS).flatMap((check) => check(rendering.objects)), ...rendering.clusterProblems];
  if (problems.length) throw new ConfigError(problems);
  return { ...rendering, files: planFiles(rendering.clusters, rendering.objects, rendering.artifacts) };
}

export interface DiskOptions extends SynthOptions, WriteOptions {
  /** Write a fleet that builds no cluster (which deletes everything under dist/ and clusters/). @default false: refuse */
  readonly allowEmpty?: boolean;
}

export interface SynthSummary {
  readonly clusters: number;
  readonly objectsByDestination: Readonly<Record<Destination, number>>;
  readonly stats: WriteStats;
}

/**
 * Renders, checks and writes the fleet under `root` (dist/ and clusters/); nothing is written if anything
 * fails. The write holds the output lock: a concurrent synth waits, then writes the same tree again (a no-op).
 */
export function synthToDisk(build: FleetBuilder, root: string, options: DiskOptions = {}): SynthSummary {
  // Renderers may reuse a file of the previous output that is provably unchanged (lib/synth/previous.ts).
  const result = withPreviousOutput(root, () => synthesize(build, options));
  const stats = withOutputLock(root, () => {
    removeStaleStaging(root);
    if (!result.clusters.length && !options.allowEmpty) throw emptyFleet();
    return writeTree(root, ownedDirs(options.clusters), result.files, options);
  });
  const objectsByDestination = { controllers: 0, configs: 0, apps: 0, flux: 0 };
  for (const o of result.objects) objectsByDestination[o.destination]++;
  return { clusters: result.clusters.length, objectsByDestination, stats };
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
    `files: ${written} written, ${changed} changed, ${removed} removed, ${unchanged} unchanged; ${ms} ms`;
  return removed ? `${line}\nremoved: ${firstFew(s.stats.removedFiles)}` : line;
}
