import { App } from 'cdk8s';
import { ConfigError } from '../errors';
import { Check, DEFAULT_CHECKS } from './checks';
import { OUTPUT_DIRS, planFiles } from './files';
import { Destination } from './manifest';
import { renderFleet, Rendering } from './render';
import { writeTree, WriteStats } from './write';

/** A fleet description: adds Clusters to the app. */
export type FleetBuilder = (app: App) => void;

export interface SynthOptions {
  /** Checks run over the rendered objects before anything is written. @default DEFAULT_CHECKS */
  readonly checks?: readonly Check[];
}

/** The rendered fleet as files, checked, not yet written. */
export interface SynthResult extends Rendering {
  /** Relative path → content of every output file, sorted by path. */
  readonly files: ReadonlyMap<string, string>;
}

/** Renders and checks the fleet; throws a ConfigError listing every problem. No I/O. */
export function synthesize(build: FleetBuilder, options: SynthOptions = {}): SynthResult {
  const rendering = renderFleet(build);
  const problems = [...(options.checks ?? DEFAULT_CHECKS).flatMap((check) => check(rendering.objects)), ...rendering.clusterProblems];
  if (problems.length) throw new ConfigError(problems);
  return { ...rendering, files: planFiles(rendering.clusters, rendering.objects, rendering.artifacts) };
}

export interface SynthSummary {
  readonly clusters: number;
  readonly objectsByDestination: Readonly<Record<Destination, number>>;
  readonly stats: WriteStats;
  /** The files written or kept, by path below root. */
  readonly files: ReadonlyMap<string, string>;
}

/** Renders, checks and writes the fleet under `root` (dist/ and clusters/); nothing is written if anything fails. */
export function synthToDisk(build: FleetBuilder, root: string, options: SynthOptions = {}): SynthSummary {
  const result = synthesize(build, options);
  const stats = writeTree(root, OUTPUT_DIRS, result.files);
  const objectsByDestination = { controllers: 0, configs: 0, apps: 0, flux: 0 };
  for (const o of result.objects) objectsByDestination[o.destination]++;
  return { clusters: result.clusters.length, objectsByDestination, stats, files: result.files };
}

export function formatSummary(s: SynthSummary, ms: number): string {
  const o = s.objectsByDestination;
  const total = o.controllers + o.configs + o.apps + o.flux;
  const { written, changed, removed, unchanged } = s.stats;
  return `synth: ${s.clusters} clusters, ${total} objects (controllers ${o.controllers}, configs ${o.configs}, apps ${o.apps}, flux ${o.flux}); ` +
    `files: ${written} written, ${changed} changed, ${removed} removed, ${unchanged} unchanged; ${ms} ms`;
}
