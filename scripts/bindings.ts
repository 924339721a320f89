/**
 * What `npm run import` changes in the bindings cdk8s import writes: only how their toJson converters drop
 * undefined values. cdk8s writes `Object.entries(x).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: … }), {})`,
 * which copies the growing result for every entry: quadratic in the number of fields, and a tenth of
 * rendering a big fleet (every object of every cluster goes through its converter). The same filter is
 * written as one loop over the entries, by two helpers added at the end of the file: the same keys, in
 * the same order, with the same values.
 */

/** The filter as cdk8s import writes it: the object filtered, and what each defined value becomes (of `i[1]`). */
const SPREAD_FILTER = /Object\.entries\(([\w.]+)\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: (.*?) \}\), \{\}\)/g;

const HELPERS = {
  definedValues: `
/** \`o\` without its undefined values (added by npm run import: one pass instead of a spread per entry). */
function definedValues<V>(o: { [key: string]: V }): { [key: string]: V } {
  const out: { [key: string]: V } = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined) continue;
    // An object literal's computed key defines even __proto__ as a property: so does this.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}
`,
  definedEntries: `
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
`,
};

/** The binding with its undefined-value filters written as one pass each (unchanged when it has none). */
export function linearFilters(source: string): string {
  const used = new Set<keyof typeof HELPERS>();
  const out = source.replace(SPREAD_FILTER, (whole: string, object: string, value: string) => {
    // Anything but the value of the entry in the conversion: left as cdk8s wrote it.
    if (/\bi\[0\]|reduce\(/.test(value)) return whole;
    if (value === 'i[1]') {
      used.add('definedValues');
      return `definedValues(${object})`;
    }
    used.add('definedEntries');
    return `definedEntries(${object}, (v) => ${value.replace(/\bi\[1\]/g, 'v')})`;
  });
  return out + [...used].sort().map((name) => HELPERS[name]).join('');
}
