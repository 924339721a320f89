/**
 * Image globs as Kyverno matches them (`matchImageReferences[].glob`, gobwas/glob without
 * separators): `*` any run of characters (including '/' and ':'), `?` one character, `[abc]`,
 * `[a-z]` and `[!abc]` character classes, `{a,b}` alternatives, `\` escapes the next character.
 */

export type GlobResult = { readonly regexp: RegExp } | { readonly error: string };

/** Compiles a glob to an anchored RegExp, or says why it is not a valid glob. */
export function compileGlob(pattern: string): GlobResult {
  if (pattern === '') return { error: 'a glob cannot be empty' };
  if (/\s/.test(pattern)) return { error: 'an image reference has no whitespace' };
  const state = { pos: 0 };
  try {
    const body = parseSequence(pattern, state, 0);
    return { regexp: new RegExp(`^${body}$`, 's') };
  } catch (err) {
    if (err instanceof GlobError) return { error: err.message };
    throw err;
  }
}

class GlobError extends Error {}

const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Parses until the end, or until '}' / ',' when inside `depth` alternatives. */
function parseSequence(p: string, s: { pos: number }, depth: number): string {
  let out = '';
  while (s.pos < p.length) {
    const c = p[s.pos];
    if (depth > 0 && (c === '}' || c === ',')) return out;
    if (c === '}') throw new GlobError(`'}' at ${s.pos + 1} has no opening '{'`);
    s.pos++;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '\\') {
      if (s.pos >= p.length) throw new GlobError("it ends with an escape '\\' that escapes nothing");
      out += escapeRegExp(p[s.pos++]);
    } else if (c === '[') out += parseClass(p, s);
    else if (c === '{') out += parseAlternatives(p, s, depth + 1);
    else out += escapeRegExp(c);
  }
  return out;
}

function parseClass(p: string, s: { pos: number }): string {
  const open = s.pos;
  const negate = p[s.pos] === '!';
  if (negate) s.pos++;
  let out = '';
  while (s.pos < p.length && p[s.pos] !== ']') {
    const lo = p[s.pos++];
    if (p[s.pos] === '-' && s.pos + 1 < p.length && p[s.pos + 1] !== ']') {
      const hi = p[s.pos + 1];
      if (hi < lo) throw new GlobError(`range '${lo}-${hi}' at ${open} runs backwards`);
      out += `${escapeRegExp(lo)}-${escapeRegExp(hi)}`;
      s.pos += 2;
    } else out += escapeRegExp(lo);
  }
  if (s.pos >= p.length) throw new GlobError(`'[' at ${open} is never closed`);
  if (out === '') throw new GlobError(`'[' at ${open} opens an empty character class`);
  s.pos++;
  return negate ? `[^${out}]` : `[${out}]`;
}

function parseAlternatives(p: string, s: { pos: number }, depth: number): string {
  const open = s.pos;
  const options: string[] = [];
  for (;;) {
    options.push(parseSequence(p, s, depth));
    if (s.pos >= p.length) throw new GlobError(`'{' at ${open} is never closed`);
    if (p[s.pos++] === '}') return `(?:${options.join('|')})`;
  }
}
