import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * An exception that is not a ConfigError, thrown while the fleet is built (a TypeError from a call with the
 * wrong arguments: synth runs type-stripped code, so the type-checker never saw it; a cdk8s-plus or cdk8s
 * check such as a negative Size), as one line: the user's `file:line`, the message, what to do.
 *
 * The stack is read only here, on failure: frames that point into the esbuild bundle of scripts/run-ts.js
 * (when Node did not map them itself) are mapped through the bundle's source map, read on demand.
 */
export function describeException(err: unknown): string {
  if (!(err instanceof Error)) return `${oneLine(String(err))} was thrown (SYNTH_DEBUG=1 prints the stack)`;
  const message = `${err.name}: ${oneLine(err.message)}`;
  const frames = stackFrames(err).map(mapFrame);
  // The user's frame: the first outside this project's library and dependencies; else where it was thrown.
  const user = frames.find((f) => !f.unmapped && !isLibrary(f.file)) ?? frames.find((f) => isInside(PROJECT_ROOT, f.file));
  const where = user ? `${showPath(user.file)}:${user.line}:${user.column}: ` : '';
  const hint = err instanceof TypeError || err instanceof ReferenceError ? '; run npm run typecheck to find type mistakes' : '';
  return `${where}${message}${hint} (SYNTH_DEBUG=1 prints the stack)`;
}

/** The stack with every bundle frame mapped to its TypeScript source: what the debug switch prints. */
export function mappedStack(err: unknown): string {
  if (!(err instanceof Error) || !err.stack) return String(err);
  return err.stack.replace(FRAME_LOCATION, (whole, file: string, line: string, column: string) => {
    const mapped = mapFrame({ file: toPath(file), line: Number(line), column: Number(column) });
    return mapped ? `${mapped.file}:${mapped.line}:${mapped.column}` : whole;
  });
}

/** Whether the debug switch is on: `--debug` or SYNTH_DEBUG set to anything but 0 or empty. */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--debug') || (env.SYNTH_DEBUG !== undefined && env.SYNTH_DEBUG !== '' && env.SYNTH_DEBUG !== '0');
}

interface Frame {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** A bundle location the source map has no source for (esbuild's own helpers). */
  readonly unmapped?: boolean;
}

// `at fn (/abs/file.js:12:5)`, `at /abs/file.js:12:5`, `at fn (file:///abs/file.js:12:5)`.
const FRAME_LOCATION = /((?:file:\/\/)?\/[^():\n]+):(\d+):(\d+)/g;

function stackFrames(err: Error): Frame[] {
  const lines = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  return lines.flatMap((l) => {
    const m = [...l.matchAll(FRAME_LOCATION)].pop();
    return m ? [{ file: toPath(m[1]), line: Number(m[2]), column: Number(m[3]) }] : [];
  });
}

const toPath = (file: string) => (file.startsWith('file://') ? fileURLToPath(file) : file);

/**
 * The source map of a bundle: scripts/run-ts.js builds it when first asked (bundles are built without one);
 * without that launcher, `<bundle>.map` if there is one.
 */
function mapFileOf(file: string): string | undefined {
  const build = (globalThis as Record<symbol, unknown>)[Symbol.for('talos-flux-synth.source-map')];
  return typeof build === 'function' ? (build as (f: string) => string | undefined)(file) : `${file}.map`;
}

/** Source maps of bundles, read once per process, on failure only. */
const sourceMaps = new Map<string, SourceMap | null>();

function sourceMapOf(file: string): SourceMap | null {
  if (!sourceMaps.has(file)) {
    let map: SourceMap | null = null;
    try {
      const mapFile = file.endsWith('.js') ? mapFileOf(file) : undefined;
      if (mapFile) map = new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8')));
    } catch {
      map = null;
    }
    sourceMaps.set(file, map);
  }
  return sourceMaps.get(file) ?? null;
}

/** The TypeScript location of a bundle frame; other frames as they are. */
function mapFrame(frame: Frame): Frame {
  const map = sourceMapOf(frame.file);
  if (!map) return frame;
  const entry = map.findEntry(frame.line - 1, frame.column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
  if (!entry.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return { ...frame, unmapped: true };
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : path.resolve(path.dirname(frame.file), entry.originalSource);
  return { file: source, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/** The repository: lib/synth/ is two levels down. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return !!rel && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** This project's own code and dependencies: where a user's mistake surfaces, not where it is. */
function isLibrary(file: string): boolean {
  if (file.split(path.sep).includes('node_modules')) return true;
  if (!isInside(PROJECT_ROOT, file)) return false;
  return ['lib', 'scripts', 'imports', '.cache'].includes(path.relative(PROJECT_ROOT, file).split(path.sep)[0]);
}

/** Relative to the repository when inside it (`apps/catalyst.ts`), else absolute. */
function showPath(file: string): string {
  return isInside(PROJECT_ROOT, file) ? path.relative(PROJECT_ROOT, file).split(path.sep).join('/') : file;
}

/** Newlines and runs of blanks in a message collapsed, so it stays on its one line. */
function oneLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}
