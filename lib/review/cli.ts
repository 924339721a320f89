import * as fs from 'node:fs';
import * as path from 'node:path';
import { isConfigError } from '../errors';
import { debugRequested, describeException, mappedStack } from '../synth/exception';
import { OUTPUT_DIRS } from '../synth/files';
import { DEFAULT_CHECKS, withoutAdmission } from '../synth/checks';
import { FleetBuilder, SynthOptions, synthesize } from '../synth/pipeline';
import { diffAdmission } from './admission';
import { diffTrees, FleetDiff } from './diff';
import { formatMarkdown } from './format-markdown';
import { formatTerminal } from './format-terminal';
import { BaseRef, GitError, readTreeAt, resolveBase } from './git';

export const DIFF_USAGE = `usage: npm run diff [-- --base <git-ref>] [--format terminal|markdown] [--color|--no-color] [--output <file>]

Renders the working tree (in memory; dist/ and clusters/ are not touched) and compares it, object
by object, with dist/ and clusters/ as committed at the base: by default the merge-base of HEAD and
main (or origin/main), else HEAD.`;

export interface DiffArgs {
  readonly base?: string;
  readonly format: 'terminal' | 'markdown';
  /** Forced on or off; undefined: decided by NO_COLOR, FORCE_COLOR and whether stdout is a terminal. */
  readonly color?: boolean;
  readonly output?: string;
  readonly help: boolean;
}

/** A command-line mistake: printed with the usage, exit 2. */
class UsageError extends Error {}

export function parseDiffArgs(argv: readonly string[]): DiffArgs {
  const args: { -readonly [K in keyof DiffArgs]: DiffArgs[K] } = { format: 'terminal', help: false };
  const rest = [...argv];
  const valueOf = (flag: string, inline: string | undefined) => {
    const v = inline ?? rest.shift();
    if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
    return v;
  };
  while (rest.length) {
    const arg = rest.shift() as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    switch (flag) {
      case '--base': args.base = valueOf(flag, inline); break;
      case '--output': case '-o': args.output = valueOf(flag, inline); break;
      case '--format': {
        const f = valueOf(flag, inline);
        if (f !== 'terminal' && f !== 'markdown') throw new UsageError(`--format ${f}: use terminal or markdown`);
        args.format = f;
        break;
      }
      case '--color': args.color = true; break;
      case '--no-color': args.color = false; break;
      case '--help': case '-h': args.help = true; break;
      default: throw new UsageError(`unknown argument ${arg}`);
    }
  }
  return args;
}

/** Colour when asked; else never with NO_COLOR (no-color.org), always with FORCE_COLOR, otherwise on a terminal. */
export function useColor(forced: boolean | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (forced !== undefined) return forced;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return isTTY;
}

export interface DiffCliEnv {
  /** The project root: where dist/ and clusters/ are, inside a git repository. */
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly isTTY: boolean;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Options of the render, as `npm run synth` uses them. */
  readonly synth?: SynthOptions;
}

/**
 * Renders the fleet in memory and compares it with dist/ and clusters/ as committed at the base
 * (read from git, never re-rendered). Touches no file. Admission at synth is compared rather than
 * enforced: the render runs without it, and the diff lists the violations the change introduces
 * (those of Deny policies too, which `npm run synth` refuses).
 */
export function diffAgainstBase(build: FleetBuilder, root: string, requestedBase?: string, options: SynthOptions = {}): { base: BaseRef; diff: FleetDiff } {
  const base = resolveBase(root, requestedBase);
  const baseTree = readTreeAt(root, base.commit, OUTPUT_DIRS);
  const head = synthesize(build, { ...options, checks: withoutAdmission(options.checks ?? DEFAULT_CHECKS) });
  return { base, diff: { ...diffTrees(baseTree, head.files), admission: diffAdmission(baseTree, head.objects) } };
}

const processEnv = (): DiffCliEnv => ({
  root: process.cwd(),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
});

/**
 * `npm run diff`: what the working tree's fleet renders, compared with the committed output at the
 * base. Returns the exit code: 0 (whether or not anything changed), 1 when the fleet does not
 * render or its own Deny policies refuse it at admission, 2 for a bad argument or a git problem.
 */
export function runDiffCli(build: FleetBuilder, argv: readonly string[], io: DiffCliEnv = processEnv()): number {
  let args: DiffArgs;
  try {
    args = parseDiffArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`diff: ${err.message}\n${DIFF_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(`${DIFF_USAGE}\n`);
    return 0;
  }
  try {
    const { base, diff } = diffAgainstBase(build, io.root, args.base, io.synth);
    const title = { title: `working tree vs ${base.description} (${base.commit.slice(0, 7)})` };
    const color = args.output === undefined && useColor(args.color, io.env, io.isTTY);
    const text = args.format === 'markdown' ? formatMarkdown(diff, title) : formatTerminal(diff, title, { color });
    if (args.output !== undefined) fs.writeFileSync(path.resolve(io.root, args.output), text);
    else io.stdout(text);
    const denied = diff.admission?.denied ?? 0;
    if (denied) {
      io.stderr(`diff failed: the working tree's own policies deny ${denied} time${denied === 1 ? '' : 's'} at admission, so npm run synth refuses it (see Admission)\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (err instanceof GitError) {
      io.stderr(`diff: ${err.message}\n`);
      return 2;
    }
    if (!isConfigError(err)) {
      // Any other exception while building the fleet (a user's TypeError): one line, as npm run synth says it.
      if (debugRequested([], io.env)) io.stderr(`${mappedStack(err)}\n`);
      io.stderr(`error: ${describeException(err)}\ndiff failed: the working tree does not render\n`);
      return 1;
    }
    io.stderr(`${err.message.split('\n').map((p) => `error: ${p}`).join('\n')}\ndiff failed: the working tree does not render (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'})\n`);
    return 1;
  }
}
