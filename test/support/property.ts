/**
 * What the property tests share: arbitraries of props (mostly valid, sometimes anything), the test
 * cluster constructs are built in, and the property itself — synth renders output that passes every
 * check, or fails with a clean ConfigError (one line per problem, naming where and what), never
 * anything else.
 */
import { App } from 'cdk8s';
import * as fc from 'fast-check';
import { Cluster, ClusterProps } from '../../lib/cluster';
import { Component } from '../../lib/component';
import { ConfigError, isWarning } from '../../lib/errors';
import { DEFAULT_CHECKS } from '../../lib/synth/checks';
import { synthesize } from '../../lib/synth/pipeline';
import { TalosNamespace } from '../../lib/talos/namespace';
import { clusterProps } from '../helpers';

/** A construct under test: an arbitrary of its props and how to build a fleet with them. */
export interface ConstructArbitrary {
  readonly name: string;
  readonly props: fc.Arbitrary<unknown>;
  readonly build: (props: never) => (a: App) => void;
}

/**
 * Any JavaScript value, exotic ones included: BigInt, Map, Set, Date, boxed values, sparse and typed
 * arrays, objects without prototype (messages must show them without throwing).
 */
export const anyValue = fc.anything({
  withBigInt: true, withMap: true, withSet: true, withDate: true, withBoxedValues: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true,
});

/**
 * Props of a construct: valid ones, the same with one field replaced by `anything` (or removed), or
 * `anything` itself. About half render, the rest must be rejected cleanly.
 */
export function propsOf<T extends object>(valid: fc.Arbitrary<T>, anything: fc.Arbitrary<unknown> = anyValue): fc.Arbitrary<unknown> {
  const mutated = valid.chain((p) => {
    const keys = Object.keys(p);
    if (!keys.length) return fc.constant(p);
    return fc.tuple(fc.constantFrom(...keys), fc.option(anything, { nil: undefined })).map(([key, value]) => ({ ...p, [key]: value }));
  });
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: anything });
}

/** An optional field. */
export const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/**
 * Usually a valid value, sometimes one of the mistakes users make with it: rarely enough that props
 * with many such fields are still often valid as a whole.
 */
export const mostly = <T>(valid: fc.Arbitrary<T>, ...mistakes: readonly unknown[]): fc.Arbitrary<T | unknown> =>
  mistakes.length ? fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom(...mistakes) }) : valid;

/** A list of one or two items, sometimes empty. */
export const nonEmpty = <T>(item: fc.Arbitrary<T>) => mostly(fc.array(item, { minLength: 1, maxLength: 2 }), []);

export const label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
/** A name: usually a DNS label, sometimes one with capitals, underscores, a leading '-', or too long. */
export const name = mostly(label, 'My_App', 'Web', '-web', 'web-', '', 'a'.repeat(64));
export const duration = fc.constantFrom('5m', '1h30m', '720h', '10s');
/** A duration as users write them, right or wrong. */
export const anyDuration = mostly(duration, '30d', '1w', '-5m', '5 m', '', '10');
/** A cron expression as users write them, right or wrong. */
export const anyCron = mostly(fc.constantFrom('*/10 * * * *', '0 3 * * *', '30 2 * * 1-5', '0 */6 * * *'), '0 3 * *', '61 * * * *', '* * * * * *', '@every 5m', 'daily', '0 3 * * 8', '');
/** A quantity as users write them, right or wrong. */
export const anyQuantity = mostly(fc.constantFrom<string | number>('250m', '512Mi', '2', '1.5Gi', 1, 0.5), '2 GB', '-1', -1, 'Mi', '1.2.3', '');
/** An http(s) URL as users write them, right or wrong. */
export const anyUrl = mostly(fc.constantFrom('http://prometheus.monitoring:9090', 'https://prometheus.example.com/api'), 'prometheus.monitoring:9090', 'ftp://example.com', 'http://', '', 'https://');
export const labels = fc.dictionary(fc.stringMatching(/^[a-z]([-a-z0-9.]{0,8}[a-z0-9])?(\/[a-z]{1,5})?$/), fc.stringMatching(/^[a-z0-9]{0,8}$/), { maxKeys: 2 });
/** A namespace the test cluster has (app, or a system one), or one it lacks. */
export const namespace = fc.constantFrom('app', 'app', 'kube-system', 'flux-system', 'missing');

/** A cluster `prop` whose component `app` has namespace `app`, with constructs added by `add`. */
export function inCluster(add: (app: Component) => void, props: Partial<ClusterProps> = {}): (a: App) => void {
  return (a) => {
    const cluster = new Cluster(a, clusterProps({ name: 'prop', ...props }));
    const app = new Component(cluster, 'app');
    new TalosNamespace(app.scope('controllers'), 'namespace', { name: 'app' });
    add(app);
  };
}


/**
 * The property: synth renders output that passes every check, or throws a ConfigError whose every
 * line has the one-line format and whose every problem is placed in `cluster` (when given); any
 * other exception fails. Both outcomes must occur, so neither half holds vacuously.
 * PROPERTY_RUNS=2000 npx jest property overrides `numRuns`, for a deeper search; PROPERTY_SEED=random
 * (or a number) changes the otherwise fixed seed.
 */
export function assertValidOutputOrCleanError(c: ConstructArbitrary, { numRuns, cluster }: { numRuns: number; cluster?: string }): void {
  const outcomes = { rendered: 0, rejected: 0 };
  fc.assert(
    fc.property(c.props, (props) => {
      let result;
      try {
        result = synthesize(c.build(props as never));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        // expect() only for a failure's message: called on every run, it cost more than the property.
        if (!isClean(err, cluster)) expectClean(err, cluster);
        outcomes.rejected++;
        return;
      }
      // Warnings (values of a chart with no values schema) fail nothing.
      const problems = DEFAULT_CHECKS.flatMap((check) => check(result.objects)).filter((p) => !isWarning(p));
      if (problems.length > 0) expect(problems).toEqual([]);
      outcomes.rendered++;
    }),
    // A fixed seed keeps CI reproducible; PROPERTY_SEED=<n> (or random) explores other inputs.
    { numRuns: Number(process.env.PROPERTY_RUNS ?? numRuns), seed: propertySeed() },
  );
  expect(outcomes.rendered).toBeGreaterThan(0);
  expect(outcomes.rejected).toBeGreaterThan(0);
}

/** One line per problem (`where: field: message`), where is a path in the cluster (if given), message says what. */
function isClean(err: ConfigError, cluster: string | undefined): boolean {
  return (
    err.problems.length > 0 &&
    err.message.split('\n').length === err.problems.length &&
    err.problems.every((p) => /.\/./.test(p.where) && p.message.trim() !== '' && (!cluster || p.where.startsWith(`${cluster}/`)))
  );
}

/** isClean as expectations, for the message of the one that fails. */
function expectClean(err: ConfigError, cluster: string | undefined): void {
  expect(err.problems.length).toBeGreaterThan(0);
  expect(err.message.split('\n')).toHaveLength(err.problems.length);
  for (const p of err.problems) {
    expect(p.where).toMatch(/.\/./);
    expect(p.message.trim()).not.toBe('');
    if (cluster) expect(p.where.startsWith(`${cluster}/`)).toBe(true);
  }
}

function propertySeed(): number {
  const env = process.env.PROPERTY_SEED;
  if (env === 'random') return Date.now() ^ (Math.random() * 0x7fffffff);
  return env ? Number(env) : 20261121;
}
