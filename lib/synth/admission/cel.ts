/**
 * The CEL engine of admission at synth: @bufbuild/cel, an implementation of the CEL spec (the language
 * cel-go, and so Kubernetes and Kyverno, implement), without a type-check: a type error cel-go would
 * reject when the policy is created shows here only when evaluated.
 *
 * Supported: standard CEL with its macros (has, all, exists, exists_one, map, filter) and functions,
 * the strings extension (Kubernetes' `split`, `join`, `lowerAscii`, …), and Kubernetes' `Object{…}` /
 * `Object.<path>{…}` and `JSONPatch{…}` constructors (rewritten into maps before planning). Not
 * supported: the optional syntax (`?.`, `[?…]`, `orValue`), Kubernetes' quantity, url, ip/cidr, sets,
 * lists and authorizer libraries, Kyverno's http/resource/globalContext/image data libraries.
 * `matches()` uses JavaScript regular expressions, not RE2. JSON integers become CEL ints, as
 * Kubernetes decodes them.
 *
 * Each expression is parsed and planned once (a cache by text and function set), so a policy costs
 * one compilation per synth, not one per pod.
 */
import { celEnv, isCelError, isCelList, isCelMap, isCelUint, parse, plan } from '@bufbuild/cel';
import type { CelFunc, CelInput, CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { setOwn } from '../../validators';

/** A CEL expression failed to parse or evaluate. */
export class CelEvaluationError extends Error {
  /** What failed, without the expression. */
  readonly reason: string;

  constructor(where: string, expression: string, cause: string) {
    super(`${where}: ${cause}\n  in: ${expression}`);
    this.name = 'CelEvaluationError';
    this.reason = cause;
  }
}

/** Plain JSON as CEL input: integral numbers become ints (bigint), as Kubernetes decodes JSON. */
export function toCel(value: unknown): CelInput {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object' && !isCelMap(value) && !isCelList(value)) {
    // One pass, no entry pairs: every object of every admission request is converted.
    const out: Record<string, CelInput> = {};
    for (const k of Object.keys(value)) setOwn(out, k, toCel((value as Record<string, unknown>)[k]));
    return out;
  }
  return value as CelInput;
}

/** A CEL value as plain JSON: ints become numbers, lists arrays, maps objects. */
export function fromCel(value: CelValue | unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (isCelUint(value)) return Number(value.value);
  if (isCelList(value)) return [...value].map(fromCel);
  if (isCelMap(value)) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(fromCel(k)), fromCel(v)]));
  return value;
}

type Expr = ReturnType<typeof parse>['expr'];

// Kubernetes' typed object constructors (Object{…}, Object.spec{…}, JSONPatch{…}) build what is, for
// an unstructured object, a map with those fields: rewrite them into map literals before planning.
const OBJECT_TYPE = /^(Object(\.[A-Za-z_][\w]*)*|JSONPatch)$/;

function rewriteObjectConstructors(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(rewriteObjectConstructors);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const expr = node as Partial<Expr>;
  if (expr.exprKind?.case === 'structExpr' && OBJECT_TYPE.test(expr.exprKind.value.messageName)) {
    const struct = expr.exprKind.value;
    struct.messageName = '';
    for (const entry of struct.entries) {
      if (entry.keyKind.case !== 'fieldKey') continue;
      const key = entry.keyKind.value;
      entry.keyKind = {
        case: 'mapKey',
        value: { $typeName: 'cel.expr.Expr', id: entry.id, exprKind: { case: 'constExpr', value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'stringValue', value: key } } } } as Expr,
      };
    }
  }
  for (const child of Object.values(node)) rewriteObjectConstructors(child);
}

/** CEL bindings already converted with toCel. */
export type CelBindings = Record<string, CelInput>;

/** A compiled expression: evaluates to a CEL value, or throws CelEvaluationError. */
export type CelProgram = (bindings: CelBindings) => CelValue;

interface Compiler {
  readonly env: ReturnType<typeof celEnv>;
  readonly programs: Map<string, CelProgram | CelEvaluationError>;
}

const NO_FUNCS: readonly CelFunc[] = [];
const compilers = new WeakMap<readonly CelFunc[], Compiler>();

/** Parses and plans an expression once per function set; throws CelEvaluationError when it does not parse. */
export function compileCel(expression: string, funcs: readonly CelFunc[] = NO_FUNCS, where = 'CEL'): CelProgram {
  let compiler = compilers.get(funcs);
  if (!compiler) {
    compiler = { env: celEnv({ funcs: [...strings, ...funcs] }), programs: new Map() };
    compilers.set(funcs, compiler);
  }
  let program = compiler.programs.get(expression);
  if (!program) {
    program = planExpression(compiler.env, expression);
    compiler.programs.set(expression, program);
  }
  if (program instanceof CelEvaluationError) throw new CelEvaluationError(where, expression, program.reason);
  const run = program;
  return (bindings) => {
    let result: unknown;
    try {
      result = run(bindings);
    } catch (err) {
      throw new CelEvaluationError(where, expression, (err as Error).message);
    }
    if (isCelError(result)) throw new CelEvaluationError(where, expression, result.message);
    return result as CelValue;
  };
}

function planExpression(env: ReturnType<typeof celEnv>, expression: string): CelProgram | CelEvaluationError {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parseCel(expression);
  } catch (err) {
    return new CelEvaluationError('CEL', expression, `does not parse: ${(err as Error).message}`);
  }
  rewriteObjectConstructors(parsed);
  const planned = plan(env, parsed);
  return (bindings) => planned(bindings) as CelValue;
}

/**
 * Expressions that differ only in their strings (a policy rendered for each cluster, with the cluster's
 * own labels or registries in it) share one parse: parsing is most of compiling an expression, and a big
 * fleet has one such expression per cluster. Their strings are replaced by numbered placeholders, the
 * result is parsed once, and each expression gets a copy of that tree with its own strings put back:
 * the tree `parse` gives for the expression itself (the planner reads no source positions). Only
 * expressions whose strings are all in double quotes without escapes take this way (their value is their
 * text); any other is parsed as it is, as is one whose shared form does not parse.
 */
export function parseCel(expression: string): ReturnType<typeof parse> {
  const shared = sharedForm(expression);
  if (!shared) return parse(expression);
  let tree = sharedTrees.get(shared.template);
  if (tree === undefined) {
    try {
      tree = parse(shared.template);
    } catch {
      tree = null;
    }
    sharedTrees.set(shared.template, tree);
  }
  if (tree === null) return parse(expression);
  return withStrings(tree, shared.strings) as ReturnType<typeof parse>;
}

/** Parsed shared forms (null: does not parse). */
const sharedTrees = new Map<string, ReturnType<typeof parse> | null>();

/** Single quotes, escapes, backquoted names, triple quotes: not shared. */
const NOT_SHARED = /['\\`]|"""/;
const PLAIN_STRING = /"([^"\n\r]*)"/g;
const PLACEHOLDER = /^\u0000(\d+)$/;
/** In the shared form: a raw or bytes string (its prefix), or a comment. */
const NOT_SHARED_FORM = /(^|[^\w.])[rRbB]"\u0000|\/\//;

/** The form an expression shares with those that differ from it only in their strings, and its strings; undefined when it shares none. */
export function sharedForm(expression: string): { template: string; strings: string[] } | undefined {
  if (NOT_SHARED.test(expression) || !expression.includes('"')) return undefined;
  const strings: string[] = [];
  const template = expression.replace(PLAIN_STRING, (_, text: string) => `"\u0000${strings.push(text) - 1}"`);
  // A quote left over (a string across lines), a raw or bytes string, a comment: not a form to share.
  if (template.replace(/"\u0000\d+"/g, '').includes('"') || NOT_SHARED_FORM.test(template)) return undefined;
  return { template, strings };
}

/** A copy of a parsed shared form with each string back in place of its placeholder (a string constant). */
function withStrings(node: unknown, strings: readonly string[]): unknown {
  if (Array.isArray(node)) return node.map((child) => withStrings(child, strings));
  if (node === null || typeof node !== 'object') return node;
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(node)) copy[k] = withStrings((node as Record<string, unknown>)[k], strings);
  const constant = copy as { case?: unknown; value?: unknown };
  if (constant.case === 'stringValue' && typeof constant.value === 'string') {
    const m = PLACEHOLDER.exec(constant.value);
    if (m) constant.value = strings[Number(m[1])];
  }
  return copy;
}

/** Evaluates one CEL expression with plain-JSON bindings; returns plain JSON; throws CelEvaluationError on any error. */
export function evaluateCel(expression: string, bindings: Record<string, unknown>, funcs: readonly CelFunc[] = NO_FUNCS, where = 'CEL'): unknown {
  return fromCel(compileCel(expression, funcs, where)(toCel(bindings) as CelBindings));
}
