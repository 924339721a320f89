import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problem } from '../errors';
import { byString } from '../order';
import type { RenderedObject } from './manifest';
import type { CheckNotes } from './validation/check';
import { yamlOfManifest } from './yaml';

/**
 * The gate's verdicts on clusters it passed, so a synth whose rendering of a cluster did not change
 * skips that cluster's checks (half of a warm synth of the reference fleet, most of a no-op synth of a
 * big fleet). A verdict is kept per cluster in `.cache/synth/gate/<cluster>.json` (gitignored) under a
 * key that covers everything the checks read: the code (the bundle scripts/run-ts.js runs, named anew
 * by every build), the schemas loaded at run time (size and modification time of each file under
 * schemas/ but the vendored upstream copies), and the cluster's rendered objects. Any other input gives
 * another key: the checks run. Only a cluster with no problem is kept, so a mistake is reported every time.
 */
export interface GateVerdict {
  readonly warnings: readonly Problem[];
  readonly notes: CheckNotes;
}

/**
 * Where scripts/run-ts.js puts the name of the bundle it runs: a global of this process (and of each
 * helper thread, which runs the launcher too), never the environment, which child processes inherit.
 */
export const BUNDLE_KEY = Symbol.for('talos-flux-synth.bundle');

/** The name of the bundle this code runs from; undefined under tests or tsx. */
export const currentBundle = (): string | undefined => (globalThis as Record<symbol, unknown>)[BUNDLE_KEY] as string | undefined;

export class GateCache {
  private readonly dir: string;
  private readonly codeKey: string;
  private made = false;

  /**
   * The cache of the repository at `root`; undefined where there is no bundle to name the code (tests,
   * tsx) or `SYNTH_GATE_CACHE=off` asks for every check to run.
   */
  static open(root: string, bundle = currentBundle(), env: NodeJS.ProcessEnv = process.env): GateCache | undefined {
    if (!bundle || env.SYNTH_GATE_CACHE === 'off') return undefined;
    return new GateCache(root, `${bundle}\0${schemaSignature(root)}`);
  }

  private constructor(root: string, codeKey: string) {
    this.dir = path.join(root, '.cache', 'synth', 'gate');
    this.codeKey = codeKey;
  }

  /**
   * The key of a cluster's rendering: each object's manifest (as the YAML it is written as, lossless for
   * JSON and already needed for its file) and what else the checks read of it.
   */
  keyOf(objects: readonly RenderedObject[]): string {
    // One string, hashed at once: an update call per field of every object cost more than the hashing.
    const parts = [this.codeKey];
    for (const { manifest, ...about } of objects) parts.push(JSON.stringify(about), yamlOfManifest(manifest));
    return crypto.createHash('sha256').update(parts.join('\0')).digest('hex');
  }

  /** The verdict kept for this cluster under this key, if any. */
  get(cluster: string, key: string): GateVerdict | undefined {
    try {
      const entry = JSON.parse(fs.readFileSync(this.fileOf(cluster), 'utf8')) as { key?: string; verdict?: GateVerdict };
      return entry.key === key ? entry.verdict : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Keeps a passing verdict. A cache that cannot be written only costs the next synth its checks. Written
   * in place: synth holds the output lock while it writes, and a file cut short by a crash does not parse,
   * which reads as no verdict.
   */
  set(cluster: string, key: string, verdict: GateVerdict): void {
    try {
      if (!this.made) fs.mkdirSync(this.dir, { recursive: true });
      this.made = true;
      fs.writeFileSync(this.fileOf(cluster), JSON.stringify({ key, verdict }));
    } catch {
      // see above
    }
  }

  private fileOf(cluster: string): string {
    return path.join(this.dir, `${cluster}.json`);
  }
}

/** Size and modification time of every file the gate may load from schemas/ at run time. */
function schemaSignature(root: string): string {
  const hash = crypto.createHash('sha256');
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => byString(a.name, b.name))) {
      const child = `${rel}/${e.name}`;
      if (child === 'schemas/upstream') continue;
      if (e.isDirectory()) walk(child);
      else {
        const st = fs.statSync(path.join(root, child));
        hash.update(`${child}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk('schemas');
  return hash.digest('hex');
}
