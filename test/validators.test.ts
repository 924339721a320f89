import { decodePointer } from '../lib/synth/validation/access';
import * as fc from 'fast-check';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { z } from 'zod';
import { validateProps } from '../lib/props';
import { expectEqualInLoop } from './support/expect-in-loop';
import { cronError, isDnsLabel, isDuration, isExactVersion, isLabelKey, isQuantity, isTimeZone, jsonCopy, jsonObject, quantityBytes } from '../lib/validators';

describe('cron', () => {
  it.each(['*/10 * * * *', '0 3 * * *', '0 8-20 * * MON-FRI', '15,45 */2 1 JAN,jul SUN', '@daily', '@hourly', '0 0 * * 7'])('accepts %s', (expr) => {
    expect(cronError(expr)).toBeUndefined();
  });

  it.each([
    ['*/61 * * * *', "minute: step 61 is larger than the field's maximum 59"],
    ['* * * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 4'],
    ['0 24 * * *', 'hour: "24" is not a value from 0 to 23'],
    ['0 0 0 * *', 'day of month: "0" is not a value from 1 to 31'],
    ['*/0 * * * *', 'minute: step must be at least 1'],
    ['0 20-8 * * *', 'hour: range "20-8" runs backwards'],
    ['0 0 * * FUNDAY', 'day of week: "FUNDAY" is not a value from 0 to 7'],
    ['@fortnightly', 'unknown descriptor @fortnightly'],
    ['0 0 * * * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 6'],
  ])('rejects %s', (expr, message) => {
    expect(cronError(expr)).toBe(message);
  });
});

describe('duration', () => {
  it.each(['720h', '5m30s', '1.5h', '0', '300ms'])('accepts %s', (d) => expect(isDuration(d)).toBe(true));
  it.each(['30d', '1 h', 'h', '', '10'])('rejects %s', (d) => expect(isDuration(d)).toBe(false));
});

describe('quantity', () => {
  it.each(['250m', '512Mi', '2', '1.5Gi', '1e3', '100k'])('accepts %s', (q) => expect(isQuantity(q)).toBe(true));
  it.each(['2 GB', '2GB', 'Mi', '1.2.3', ''])('rejects %s', (q) => expect(isQuantity(q)).toBe(false));
});

describe('DNS label', () => {
  it.each(['a', 'web-1', '0abc', 'x'.repeat(63)])('accepts %s', (s) => expect(isDnsLabel(s)).toBe(true));
  it.each(['', 'Web', '-a', 'a-', 'a.b', 'a_b', 'x'.repeat(64)])('rejects %s', (s) => expect(isDnsLabel(s)).toBe(false));
});

describe('JSON pointer', () => {
  it('splits a pointer into unescaped segments, ~1 before ~0', () => {
    expect(decodePointer('')).toEqual([]);
    expect(decodePointer('/')).toEqual(['']);
    expect(decodePointer('/metadata/labels/app.kubernetes.io~1name')).toEqual(['metadata', 'labels', 'app.kubernetes.io/name']);
    expect(decodePointer('/spec/containers/0/~01')).toEqual(['spec', 'containers', '0', '~1']);
  });
});

describe('labels and versions', () => {
  it('checks label keys', () => {
    expect(isLabelKey('app.kubernetes.io/part-of')).toBe(true);
    expect(isLabelKey('team')).toBe(true);
    expect(isLabelKey('Bad Key')).toBe(false);
    expect(isLabelKey('UPPER.example/x')).toBe(false);
  });

  it('accepts only exact versions', () => {
    expect(isExactVersion('0.36.0')).toBe(true);
    expect(isExactVersion('v26.7.0')).toBe(true);
    expect(isExactVersion('>=1.0.0')).toBe(false);
    expect(isExactVersion('1.x')).toBe(false);
    expect(isExactVersion('*')).toBe(false);
  });
});

describe('time zone', () => {
  it.each(['America/New_York', 'Europe/Berlin', 'UTC', 'Etc/UTC', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])('accepts %s', (tz) => {
    expect(isTimeZone(tz)).toBe(true);
  });
  // Go's LoadLocation opens tzdata files by exact name: no other case, no offsets, no "Local".
  it.each(['America/NewYork', 'america/new_york', 'America/New_york', '+05:00', 'Local', 'Mars/Olympus_Mons', ''])('rejects %s', (tz) => {
    expect(isTimeZone(tz)).toBe(false);
  });
  it('takes a canonical name without a DateTimeFormat only because each resolves to itself', () => {
    const unresolved = Intl.supportedValuesOf('timeZone').filter((tz) => new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone !== tz);
    expect(unresolved).toEqual([]);
  });
});

describe('quantityBytes', () => {
  it.each([['4Gi', 4 * 2 ** 30], ['512Mi', 512 * 2 ** 20], ['250m', 0.25], ['1e3', 1000], ['1E3', 1000], ['2E', 2e18], ['.5Ki', 512], ['+1k', 1000], [3, 3]] as const)('%s is %d', (q, value) => {
    expect(quantityBytes(q)).toBe(value);
  });

  it.each(['3GB', '1.2.3', 'Mi', ''])('%s is no quantity', (q) => {
    expect(quantityBytes(q)).toBeNaN();
  });
});

describe('jsonCopy', () => {
  /** Keys in order, own properties only, prototypes, -0: what toEqual does not tell apart. */
  const exact = (v: unknown): unknown => {
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : v;
    if (v === null || typeof v !== 'object') return v;
    return [Object.getPrototypeOf(v) === (Array.isArray(v) ? Array.prototype : Object.prototype), Object.getOwnPropertyNames(v).map((k) => [k, exact((v as Record<string, unknown>)[k])])];
  };
  const accepted = z.object({ values: jsonObject() });

  it('gives what the JSON round trip gives, for everything jsonObject accepts', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', '0', '10', 'constructor', ''));
    const leaf = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1, true, false, null));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, tie('list'), tie('map'), tie('bare')),
      list: fc.oneof(fc.array(tie('tree'), { maxLength: 4 }), fc.sparseArray(tie('tree'), { maxLength: 4 })),
      map: fc.dictionary(key, fc.oneof(tie('tree'), fc.constant(undefined)), { maxKeys: 4 }),
      // An object without prototype, as Object.create(null) or a parser may give.
      bare: fc.dictionary(key, tie('tree'), { maxKeys: 3 }).map((m) => Object.assign(Object.create(null) as object, m)),
    }));
    const root = fc.dictionary(key, fc.oneof(tree, fc.constant(undefined)), { maxKeys: 5 });
    fc.assert(fc.property(root, (values) => {
      fc.pre(accepted.safeParse({ values }).success);
      expectEqualInLoop(exact(jsonCopy(values)), exact(JSON.parse(JSON.stringify(values))));
    }), { numRuns: 2000 });
  });
});

describe('validateProps', () => {
  /** How many functions `run` compiles from source text (`new Function`), as zod's fast path does. */
  function functionsCompiledBy(run: () => void): number {
    const original = globalThis.Function;
    let compiled = 0;
    globalThis.Function = new Proxy(original, {
      construct: (target, args) => {
        compiled++;
        return Reflect.construct(target, args);
      },
    });
    try {
      run();
    } finally {
      globalThis.Function = original;
    }
    return compiled;
  }

  const schema = () => z.strictObject({ name: z.string(), replicas: z.number().int().optional(), labels: z.record(z.string(), z.string()).optional() });
  const props = { name: 'web', replicas: 2, labels: { tier: 'front' } };

  it('parses without compiling a parser per schema (code V8 would compile again on every run)', () => {
    const scope = new Construct(new App(), 'scope');
    expect(functionsCompiledBy(() => expect(validateProps(scope, schema(), props)).toEqual(props))).toBe(0);
    // What the probe sees of zod's own fast path, which validateProps leaves out.
    expect(functionsCompiledBy(() => schema().parse(props))).toBeGreaterThan(0);
  });

  it('still reports every problem of the props, one line each', () => {
    const scope = new Construct(new App(), 'scope');
    expect(() => validateProps(scope, schema(), { name: 'web', replicas: 1.5, extra: true })).toThrow(
      ['(no cluster)/Construct[scope]: replicas: Invalid input: expected int, received number', '(no cluster)/Construct[scope]: extra: unknown property; remove it or check its spelling'].join('\n'),
    );
  });
});
