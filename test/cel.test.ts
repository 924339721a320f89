/** The test evaluator (test/support/cel.ts) and the image glob matcher: what they claim to support. */
import { parse } from '@bufbuild/cel';
import { compileGlob } from '../lib/addons/kyverno/glob';
import { parseCel, sharedForm } from '../lib/synth/admission/cel';
import { synthesize } from '../lib/synth/pipeline';
import { exampleFleet } from './fixtures/example-fleet';
import { CelEvaluationError, evaluateCel, evaluateMutation, evaluateValidation, PolicyManifest, resourceOf } from './support/cel';
import { configMap, pod } from './support/workloads';

const policy = (kind: string, spec: object): PolicyManifest => ({ apiVersion: 'policies.kyverno.io/v1', kind, metadata: { name: 'p' }, spec });
const pods = { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] };

describe('evaluateCel', () => {
  it('reads JSON integers as CEL ints and returns plain JSON', () => {
    expect(evaluateCel('type(object.n) == int && object.n == 1 && object.f == 1.5', { object: { n: 1, f: 1.5 } })).toBe(true);
    expect(evaluateCel('object.items.map(i, i * 2)', { object: { items: [1, 2] } })).toEqual([2, 4]);
    expect(evaluateCel('{"a": [1]}', {})).toEqual({ a: [1] });
  });

  it('has the strings extension', () => {
    expect(evaluateCel('"a,b".split(",").size() == 2 && ["x", "y"].join("-") == "x-y" && "AB".lowerAscii() == "ab"', {})).toBe(true);
  });

  it('builds Object{…} and JSONPatch{…} as maps', () => {
    expect(evaluateCel('Object{metadata: Object.metadata{labels: {"a": "b"}}}', {})).toEqual({ metadata: { labels: { a: 'b' } } });
    expect(evaluateCel('[JSONPatch{op: "add", path: "/x", value: 1}]', {})).toEqual([{ op: 'add', path: '/x', value: 1 }]);
  });

  it('throws on errors instead of reading them as a result', () => {
    expect(() => evaluateCel('object.spec.missing == 1', { object: { spec: {} } })).toThrow(CelEvaluationError);
    expect(() => evaluateCel('object.?spec', { object: {} })).toThrow(/does not parse/);
    expect(() => evaluateValidation(policy('ValidatingPolicy', { matchConstraints: { resourceRules: [pods] }, validations: [{ expression: '"not a bool"' }] }), pod()))
      .toThrow('ValidatingPolicy p validations[0]: yields "not a bool", not a bool');
  });
});

describe('evaluateValidation', () => {
  const check = (extra: object) => policy('ValidatingPolicy', {
    validationActions: ['Deny'],
    matchConstraints: { resourceRules: [pods] },
    validations: [{ expression: 'object.metadata.name != "web"', message: 'static', messageExpression: '"no " + object.metadata.name' }],
    ...extra,
  });

  it('matches operations, resources, exclusions and selectors', () => {
    expect(evaluateValidation(check({}), pod())).toMatchObject({ matched: true, allowed: false, admitted: false, messages: ['no web'] });
    expect(evaluateValidation(check({}), pod(), { operation: 'DELETE' }).matched).toBe(false);
    expect(evaluateValidation(check({}), configMap()).matched).toBe(false);
    expect(evaluateValidation(check({ matchConstraints: { resourceRules: [pods], excludeResourceRules: [{ ...pods, resourceNames: ['web'] }] } }), pod()).matched).toBe(false);
    expect(evaluateValidation(check({ matchConstraints: { resourceRules: [pods], objectSelector: { matchLabels: { team: 'other' } } } }), pod()).matched).toBe(false);
    const prod = { matchConstraints: { resourceRules: [pods], namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] } } };
    expect(evaluateValidation(check(prod), pod()).matched).toBe(false);
    expect(evaluateValidation(check(prod), pod(), { namespaceLabels: { env: 'prod' } }).matched).toBe(true);
  });

  it('applies matchConditions and variables in order', () => {
    const p = check({
      matchConditions: [{ name: 'labelled', expression: 'has(object.metadata.labels)' }],
      variables: [{ name: 'n', expression: 'object.metadata.name' }, { name: 'upper', expression: 'variables.n.upperAscii()' }],
      validations: [{ expression: 'variables.upper == "WEB"' }],
    });
    expect(evaluateValidation(p, pod()).allowed).toBe(true);
    const bare = pod();
    delete (bare.metadata as { labels?: unknown }).labels;
    expect(evaluateValidation(p, bare).matched).toBe(false);
  });
});

describe('evaluateMutation', () => {
  it('applies JSON patches', () => {
    const p = policy('MutatingPolicy', {
      matchConstraints: { resourceRules: [pods] },
      mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: '[JSONPatch{op: "add", path: "/metadata/annotations", value: {"a~b/c": "1"}}, JSONPatch{op: "remove", path: "/metadata/labels/team"}]' } }],
    });
    expect(evaluateMutation(p, pod()).metadata).toEqual({ name: 'web', namespace: 'apps', labels: {}, annotations: { 'a~b/c': '1' } });
  });
});

describe('resourceOf', () => {
  it('knows the built-in kinds and pluralizes the rest as Kubernetes does', () => {
    expect(['Pod', 'Ingress', 'NetworkPolicy', 'ScaledObject', 'Gateway', 'ResourceClass'].map(resourceOf))
      .toEqual(['pods', 'ingresses', 'networkpolicies', 'scaledobjects', 'gateways', 'resourceclasses']);
  });
});

describe('compileGlob', () => {
  const matches = (glob: string, s: string) => {
    const c = compileGlob(glob);
    if ('error' in c) throw new Error(c.error);
    return c.regexp.test(s);
  };

  it('matches as Kyverno does: * across / and :, ?, classes, alternatives, escapes', () => {
    expect(matches('cgr.dev/chainguard/*', 'cgr.dev/chainguard/nginx:1.27')).toBe(true);
    expect(matches('cgr.dev/chainguard/*', 'cgr.dev/chainguard/sub/nginx@sha256:ab')).toBe(true);
    expect(matches('cgr.dev/chainguard/*', 'cgr.dev/chainguardx/nginx')).toBe(false);
    expect(matches('cgr.dev/chainguard/*', 'xcgr.dev/chainguard/nginx')).toBe(false);
    expect(matches('ghcr.io/my-org/app:v?', 'ghcr.io/my-org/app:v1')).toBe(true);
    expect(matches('ghcr.io/[a-c]*', 'ghcr.io/beta')).toBe(true);
    expect(matches('ghcr.io/[!a-c]*', 'ghcr.io/beta')).toBe(false);
    expect(matches('{cgr.dev,quay.io}/*', 'quay.io/x')).toBe(true);
    expect(matches('cgr.dev/a\\*', 'cgr.dev/a*')).toBe(true);
    expect(matches('cgr.dev/a\\*', 'cgr.dev/ab')).toBe(false);
  });

  it('says what is wrong with an invalid glob', () => {
    expect(['', 'a b', 'x\\', 'x[]', 'x]}', '{a,b'].map((g) => (compileGlob(g) as { error?: string }).error)).toEqual([
      'a glob cannot be empty',
      'an image reference has no whitespace',
      "it ends with an escape '\\' that escapes nothing",
      "'[' at 2 opens an empty character class",
      "'}' at 3 has no opening '{'",
      "'{' at 1 is never closed",
    ]);
  });
});

describe('parseCel: expressions that differ only in their strings share one parse', () => {
  /** Every CEL expression of the example fleet's policies. */
  function fleetExpressions(): string[] {
    const out: string[] = [];
    const walk = (v: unknown, key = ''): void => {
      if (typeof v === 'string' && /[eE]xpression$/.test(key)) out.push(v);
      else if (Array.isArray(v)) v.forEach((x) => walk(x));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    for (const o of synthesize(exampleFleet).objects) walk(o.manifest);
    return out;
  }

  const tree = (e: () => ReturnType<typeof parse>) => JSON.stringify(e().expr, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

  it('gives the tree parse gives, for every expression of the example fleet and for forms it does not share', () => {
    const expressions = [
      ...fleetExpressions(),
      // One shape, other strings (a label per cluster), after the first of that shape was parsed.
      'Object{metadata: Object.metadata{labels: {"team": has(object.metadata.labels) && "team" in object.metadata.labels ? object.metadata.labels["team"] : "a"}}}',
      'Object{metadata: Object.metadata{labels: {"tier": has(object.metadata.labels) && "tier" in object.metadata.labels ? object.metadata.labels["tier"] : ""}}}',
      '"x" + "" + "\u0000" + "y"',
      // Not shared: escapes, single quotes, raw and bytes strings, triple quotes.
      '"a\\"b" + "\\n"',
      "'single' + \"double\"",
      'r"raw\\d" + b"bytes".string()',
      '"""triple""" + "x"',
    ];
    expect(expressions.length).toBeGreaterThan(20);
    for (const e of expressions) expect([e, tree(() => parseCel(e))]).toEqual([e, tree(() => parse(e))]);
  });

  it('shares the form of a per-cluster expression, and not of strings it cannot read as they are', () => {
    const labels = fleetExpressions().find((e) => e.startsWith('Object{metadata: Object.metadata{labels:')) ?? '';
    expect(sharedForm(labels)?.strings).toContain('talos-flux-synth.dev/cluster');
    // Another cluster's: the default value (the last string) differs.
    const other = labels.replace(/"[^"]*"\}\}\}$/, '"another-cluster"}}}');
    expect(other).not.toBe(labels);
    expect(sharedForm(other)?.template).toBe(sharedForm(labels)?.template);
    expect(sharedForm('object.kind == "Pod" && r"a" == "b"')).toBeUndefined();
    expect(sharedForm('B"bytes" == b"x"')).toBeUndefined();
    expect(sharedForm('"a\\"b" + "\\n"')).toBeUndefined();
    expect(sharedForm('"a" + \'b\'')).toBeUndefined();
    expect(sharedForm('"a" // "b"')).toBeUndefined();
    expect(sharedForm('"a\nb"')).toBeUndefined();
    expect(sharedForm('"for" == "bar"')?.strings).toEqual(['for', 'bar']);
  });

  it('reports a syntax error as parse does', () => {
    const messageOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('parsed');
    };
    for (const e of ['object.?spec == "x"', '"open', 'a + "b" +']) expect(messageOf(() => parseCel(e))).toBe(messageOf(() => parse(e)));
  });
});

