/**
 * What `npm run import` changes in the bindings cdk8s import writes: only how their toJson converters drop
 * undefined values. Every object of every cluster goes through its kind's converter, which cdk8s writes as
 * an object literal of every field of the schema, then `Object.entries(result).reduce((r, i) => (i[1] ===
 * undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})`: the growing result copied for every entry, quadratic in
 * the number of fields (a tenth of rendering a big fleet). Here a converter's fields are assigned one by
 * one, each only when defined, and the filters of maps of values become one loop (a helper added at the end
 * of the file): the same keys, in the same order, with the same values.
 */

/** A converter's body as cdk8s import writes it: its fields, one a line, then the filter. */
const CONVERTER_BODY = /^ {2}const result = \{\n((?: {4}'[^'\n]+': [^\n]*,\n)*) {2}\};\n {2}\/\/ filter undefined values\n {2}return Object\.entries\(result\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: i\[1\] \}\), \{\}\);\n/gm;
const FIELD = /^ {4}('[^'\n]+'): ([^\n]*),$/;

/** The fields assigned one by one, each only when defined (a `'__proto__'` field sets the prototype, as in the literal). */
function directBody(fields: string): string {
  const lines = fields.split('\n').filter(Boolean).map((line) => {
    const m = FIELD.exec(line) as RegExpExecArray;
    return `  value = ${m[2]};\n  if (value !== undefined) result[${m[1]}] = value;\n`;
  });
  return `  const result: { [key: string]: any } = {};\n  let value: any;\n${lines.join('')}  return result;\n`;
}

/** The filter as cdk8s import writes it: the object filtered, and what each defined value becomes (of `i[1]`). */
const SPREAD_FILTER = /Object\.entries\(([\w.]+)\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: (.*?) \}\), \{\}\)/g;

/** The one helper the filters of maps of values call, added at the end of a file that uses it. */
const HELPER = `
/** \`o\`'s defined values converted by \`f\` (added by npm run import: one pass instead of a spread per entry). */
function definedEntries<V, R>(o: { [key: string]: V }, f: (v: V) => R): { [key: string]: R } {
  const out: { [key: string]: R } = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined) continue;
    // An object literal's computed key defines even __proto__ as a property: so does this.
    if (k === '__proto__') Object.defineProperty(out, k, { value: f(v), enumerable: true, writable: true, configurable: true });
    else out[k] = f(v);
  }
  return out;
}
`;

/** The binding with its undefined-value filters written as one pass each (unchanged when it has none). */
export function linearFilters(source: string): string {
  let used = false;
  const out = source.replace(CONVERTER_BODY, (_whole: string, fields: string) => directBody(fields)).replace(SPREAD_FILTER, (whole: string, object: string, value: string) => {
    // Anything but the value of the entry in the conversion: left as cdk8s wrote it.
    if (/\bi\[0\]|reduce\(/.test(value)) return whole;
    used = true;
    return `definedEntries(${object}, (v) => ${value.replace(/\bi\[1\]/g, 'v')})`;
  });
  return used ? out + HELPER : out;
}
