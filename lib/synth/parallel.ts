/**
 * Rendering a big fleet on every core: helper threads (worker_threads) run the synth's own entry point
 * again, build the same fleet, and render and check clusters that they take one at a time from a counter
 * shared with the main thread, which renders too; the main thread merges the files and writes them. The
 * files are the same as a single thread's (each cluster is rendered and checked alone either way, and the
 * tree is sorted by path); any problem sends the main thread back to the single-thread path, so the
 * messages are the same too.
 *
 * The main thread waits for the helpers synchronously (Atomics.wait, receiveMessageOnPort), so the
 * pipeline stays synchronous.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Problem } from '../errors';
import type { Destination } from './manifest';
import type { StagedFile } from './write';
import type { CheckNotes } from './validation/check';

/** How to start the synth again in a helper thread: its entry point and arguments (`apps/main.ts --cluster a`). */
export interface ParallelEntry {
  readonly argv: readonly string[];
}

/** Below this many clusters a helper's start-up (loading the bundle, building the fleet) costs more than it saves. */
export const DEFAULT_PARALLEL_MIN = 50;

/** Threads to render `clusters` clusters with: SYNTH_THREADS (default: 2, at most the cores), from SYNTH_PARALLEL_MIN clusters. */
export function threadsFor(clusters: number, env: NodeJS.ProcessEnv = process.env): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const max = Number(env.SYNTH_THREADS ?? Math.min(2, cores));
  const min = Number(env.SYNTH_PARALLEL_MIN ?? DEFAULT_PARALLEL_MIN);
  if (!Number.isInteger(max) || !Number.isInteger(min) || max < 2 || clusters < Math.max(min, 2)) return 1;
  return Math.min(max, clusters);
}

/**
 * Where a synth that writes puts its output: the tree's root, whose files may be reused
 * (lib/synth/previous.ts), and the staging folder the rendering threads stage files in.
 */
export interface PlanOutput {
  readonly root: string;
  readonly staging?: string;
}

/** A share of the fleet as a thread rendered it: its files and object counts. */
export interface Share {
  /** Path → content of the files it planned and did not stage (all of them, when it stages none). */
  readonly files: ReadonlyArray<readonly [string, string]>;
  readonly objectsByDestination: Readonly<Record<Destination, number>>;
  /** Clusters rendered. */
  readonly rendered: number;
  /** The checks' warnings about these clusters. */
  readonly warnings: readonly Problem[];
  /** The checks' counts over these clusters, which add up over the threads. */
  readonly notes: CheckNotes;
  /** What the thread found of each file on disk, when it staged them (lib/synth/write.ts): their content stays in the staging folder or the tree. */
  readonly staged?: ReadonlyArray<readonly [string, StagedFile]>;
  /** The files on disk below the folders of the clusters it rendered, by folder (when it staged; a folder it could not list is left out). */
  readonly listed?: ReadonlyArray<readonly [string, readonly string[]]>;
}

/** What a helper thread is given (workerData). */
export interface ShareTask {
  readonly kind: typeof SHARE_TASK;
  /** The index of the next cluster to render, shared by every thread. */
  readonly next: Int32Array;
  /** Slot `helper` is set to 1 before the helper takes its first cluster. */
  readonly started: Int32Array;
  /** Slot `helper` is set to 1 when the helper has posted its result. */
  readonly done: Int32Array;
  readonly helper: number;
  readonly port: MessagePort;
  /** The output folder whose files may be reused (lib/synth/previous.ts), when the synth writes one. */
  readonly root?: string;
  /** The staging folder to stage this helper's files in, when the synth writes. */
  readonly staging?: string;
}

const SHARE_TASK = 'talos-flux-synth/share';

export function isShareTask(data: unknown): data is ShareTask {
  return !!data && typeof data === 'object' && (data as { kind?: unknown }).kind === SHARE_TASK;
}

/**
 * The number of clusters the last synth of each entry point (and arguments) built, kept in .cache/
 * (gitignored): when it was big, the helpers start before the fleet is built, so they build it at the
 * same time as the main thread instead of after it.
 */
const SIZE_HINTS = path.resolve(__dirname, '..', '..', '.cache', 'synth', 'fleet-sizes.json');

const hintKey = (entry: ParallelEntry) => entry.argv.join(' ');

function readHints(): Record<string, number> {
  try {
    return JSON.parse(fs.readFileSync(SIZE_HINTS, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** How many clusters the last synth of this entry built (0: unknown). */
export function expectedClusters(entry: ParallelEntry): number {
  const n = readHints()[hintKey(entry)];
  return typeof n === 'number' ? n : 0;
}

/** Records how many clusters this synth built, for the next one. A hint that cannot be written is only a slower next run. */
export function recordClusters(entry: ParallelEntry, clusters: number): void {
  const hints = readHints();
  if (hints[hintKey(entry)] === clusters) return;
  hints[hintKey(entry)] = clusters;
  try {
    fs.mkdirSync(path.dirname(SIZE_HINTS), { recursive: true });
    const tmp = `${SIZE_HINTS}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(hints));
    fs.renameSync(tmp, SIZE_HINTS);
  } catch {
    // see above
  }
}

/** The launcher the helpers run the entry point with (it reuses the main thread's bundle). */
const RUN_TS = path.resolve(__dirname, '..', '..', 'scripts', 'run-ts.js');

/**
 * Runs in the helper before the entry point: whatever happens to the entry (a failure to load it, an
 * exception), the main thread is told the helper is done, and gets no share from it.
 */
const HELPER_PRELUDE = `
const { workerData } = require('node:worker_threads');
process.on('exit', () => {
  if (Atomics.load(workerData.done, workerData.helper) === 0) {
    workerData.port.postMessage({ error: 'the helper thread exited before it finished' });
    Atomics.store(workerData.done, workerData.helper, 1);
    Atomics.notify(workerData.done, workerData.helper);
  }
});
require(${JSON.stringify(RUN_TS)});
`;

/** The helper threads of one synth, started. */
export class Helpers {
  readonly next = new Int32Array(new SharedArrayBuffer(4));
  private readonly started: Int32Array;
  private readonly done: Int32Array;
  private readonly ports: MessagePort[] = [];

  constructor(count: number, entry: ParallelEntry, output: PlanOutput | undefined) {
    this.started = new Int32Array(new SharedArrayBuffer(4 * count));
    this.done = new Int32Array(new SharedArrayBuffer(4 * count));
    for (let helper = 0; helper < count; helper++) {
      const { port1, port2 } = new MessageChannel();
      const task: ShareTask = { kind: SHARE_TASK, next: this.next, started: this.started, done: this.done, helper, port: port2, root: output?.root, staging: output?.staging };
      const worker = new Worker(HELPER_PRELUDE, { eval: true, argv: [...entry.argv], workerData: task, transferList: [port2], stdout: true });
      // The main thread never waits for a helper to exit: one that took no cluster is stopped by the exit.
      worker.unref();
      this.ports.push(port1);
    }
  }

  /** The index of the next cluster to render (past the end: none left). */
  take(): number {
    return Atomics.add(this.next, 0, 1);
  }

  /** Lets no thread take another cluster. */
  stop(): void {
    Atomics.store(this.next, 0, 2 ** 30);
  }

  /**
   * The shares of the helpers that took clusters, once every cluster is taken; an Error when one failed.
   * A helper that had not started taking clusters by then can take none: it is not waited for.
   */
  shares(timeoutMs = 600_000): Share[] | Error {
    const shares: Share[] = [];
    const deadline = Date.now() + timeoutMs;
    for (let helper = 0; helper < this.ports.length; helper++) {
      if (Atomics.load(this.started, helper) === 0) continue;
      while (Atomics.load(this.done, helper) === 0) {
        if (Date.now() > deadline) return new Error(`helper thread ${helper + 1} did not finish within ${timeoutMs / 1000} s`);
        Atomics.wait(this.done, helper, 0, 1000);
      }
      const message = receiveMessageOnPort(this.ports[helper])?.message as Share | { error: string } | undefined;
      if (!message || 'error' in message) return new Error(message?.error ?? `helper thread ${helper + 1} sent no result`);
      shares.push(message);
    }
    return shares;
  }
}

/** In a helper: renders clusters as long as there are any left (`render`), then posts the share. */
export function runShareTask(task: ShareTask, render: (take: () => number) => Share): void {
    try {
    const share = render(() => {
      Atomics.store(task.started, task.helper, 1);
      return Atomics.add(task.next, 0, 1);
    });
    task.port.postMessage(share);
  } catch (err) {
    task.port.postMessage({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  } finally {
    Atomics.store(task.done, task.helper, 1);
    Atomics.notify(task.done, task.helper);
  }
}
