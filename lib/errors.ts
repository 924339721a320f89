/**
 * User mistakes surface as ConfigError: one line per problem, naming where it is and what is wrong.
 * Anything else that escapes synth is a bug in this project and keeps its stack trace.
 */

/** One thing wrong with the fleet description or the rendered output. */
export interface Problem {
  /** Where: `cluster/Construct[id]` for props, `cluster/layer/Kind/namespace/name` for rendered objects. */
  readonly where: string;
  /** The field, as a path (`schedules[0].ttl`); empty when the problem is the whole thing. */
  readonly field: string;
  /** What is wrong, and where it helps, what to do instead. */
  readonly message: string;
  /** A warning is printed but fails nothing (output is still written). @default error */
  readonly severity?: 'error' | 'warning';
}

export const isWarning = (p: Problem): boolean => p.severity === 'warning';

export function formatProblem(p: Problem): string {
  const where = oneLine(p.where);
  return p.field ? `${where}: ${oneLine(p.field)}: ${oneLine(p.message)}` : `${where}: ${oneLine(p.message)}`;
}

/** Escapes control characters (a newline in an id, say), so each problem stays on its one line. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** A mistake in the fleet description: reported as one line per problem, never with a stack trace. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }

  static single(where: string, field: string, message: string): ConfigError {
    return new ConfigError([{ where, field, message }]);
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

/** Renders a property path the way a TypeScript user writes it: `a.b[0].c`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** A value as a message shows it: JSON where it can be, and never an exception (a user's value may be anything). */
export function showValue(value: unknown): string {
  // As written in code: JSON has no NaN, Infinity or BigInt.
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
