import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Cluster, LAYERS } from '../cluster';
import { Component } from '../component';
import { ConfigError, isConfigError, Problem } from '../errors';
import { VALUES_SCHEMA_EXPECTED } from '../flux/helm-release';
import { describeConstruct, UNRENDERED_PROPS_UNCHECKED } from '../props';
import { crossLayerProblems } from '../talos/cross-layer';
import { commonLabels } from './labels';
import { installFastResolve } from './resolve';
import { checkSelection, DEFER_BODIES_CONTEXT, SELECTION_CONTEXT } from '../selection';
import { droppedPatchesOf } from './validation/escape-hatches';
import { Destination, Manifest, RenderedArtifact, RenderedObject } from './manifest';

/** Everything one fleet renders, before any check or file. */
export interface Rendering {
  /** Cluster names, in the order they were defined. */
  readonly clusters: readonly string[];
  readonly objects: readonly RenderedObject[];
  readonly artifacts: readonly RenderedArtifact[];
  /**
   * What each cluster found wrong between its rendered objects and its Talos layer (lib/talos/cross-layer.ts),
   * and in the Talos layer itself: reported together with the checks' problems.
   */
  readonly clusterProblems: readonly Problem[];
}

/**
 * Builds the fleet into a fresh cdk8s App and renders every object of every cluster, or of the clusters
 * `selection` names (the others are neither rendered nor checked, and their bodies not built: see
 * lib/selection.ts). No I/O.
 */
export function renderFleet(build: (app: App) => void, selection?: readonly string[]): Rendering {
  const fleet = buildFleetApp(build, selection);
  return renderClusters(fleet, fleet.clusters);
}

/** A built fleet: its App and the clusters to render (the selected ones, in the order they were defined). */
export interface BuiltFleet {
  readonly app: App;
  readonly clusters: readonly Cluster[];
  /** The names of every cluster of the fleet, selected or not, in the order they were defined. */
  readonly names: readonly string[];
}

/**
 * Builds the fleet into a fresh cdk8s App; throws what the fleet's code got wrong. The bodies of clusters
 * (lib/cluster.ts) wait: renderClusters builds those it renders. With a selection, the props of the
 * clusters not rendered go unchecked (lib/props.ts); should that build fail, the fleet is built again with
 * every prop checked, so the error is the one validation reports.
 */
export function buildFleetApp(build: (app: App) => void, selection?: readonly string[]): BuiltFleet {
  if (selection) {
    try {
      return buildOnce(build, selection, true);
    } catch {
      // built again below, every prop checked
    }
  }
  return buildOnce(build, selection, false);
}

function buildOnce(build: (app: App) => void, selection: readonly string[] | undefined, unrenderedUnchecked: boolean): BuiltFleet {
  const app = new App({ outdir: '.' });
  if (selection) app.node.setContext(SELECTION_CONTEXT, [...selection]);
  if (unrenderedUnchecked) app.node.setContext(UNRENDERED_PROPS_UNCHECKED, true);
  app.node.setContext(DEFER_BODIES_CONTEXT, true);
  buildTree(app, () => build(app));
  const built = app.node.findAll().filter((c): c is Cluster => c instanceof Cluster);
  if (selection) checkSelection(selection, built.map((c) => c.clusterName));
  return { app, clusters: built.filter((c) => c.selected), names: built.map((c) => c.clusterName) };
}

/**
 * Renders `clusters` of a built fleet: all of its clusters, or a share of them when several threads
 * render one fleet (lib/synth/parallel.ts). What concerns no cluster (validations of constructs outside
 * every cluster, objects in no cluster) is checked with the share that holds the fleet's first cluster.
 */
export function renderClusters(fleet: BuiltFleet, clusters: readonly Cluster[]): Rendering {
  installFastResolve();
  // The bodies the fleet's code left for the synth, built now: every one before any is checked, as if built with the fleet.
  for (const cluster of clusters) if (!cluster.built) buildTree(fleet.app, () => cluster.build());
  const first = !fleet.clusters.length || clusters.includes(fleet.clusters[0]);
  runConstructValidations(fleet.app, new Set(clusters), first);
  if (first) rejectObjectsOutsideClusters(fleet.app);
  const objects: RenderedObject[] = [];
  const problems: Problem[] = [];
  const clusterProblems: Problem[] = [];
  for (const cluster of clusters) {
    const rendered = cluster.whileRendering(() => [...LAYERS.flatMap((layer) => renderChart(cluster, cluster.layer(layer), layer, problems)), ...renderChart(cluster, cluster.fluxChart, 'flux', problems)]);
    objects.push(...rendered);
    clusterProblems.push(...cluster.talos.problems(), ...crossLayerProblems(cluster.talos, rendered));
  }
  if (problems.length) throw new ConfigError(problems);
  // Artifacts last: some are rendered from what the objects and add-ons declared.
  const artifacts: RenderedArtifact[] = clusters.flatMap((cluster) => cluster.artifacts.map((a) => ({ cluster: cluster.clusterName, ...a })));
  return { clusters: clusters.map((c) => c.clusterName), objects, artifacts, clusterProblems };
}

function renderChart(cluster: Cluster, chart: Chart, destination: Destination, problems: Problem[]): RenderedObject[] {
  const depth = chart.node.scopes.length;
  return chart.node.findAll()
    .filter((c): c is ApiObject => ApiObject.isApiObject(c))
    .flatMap((obj) => {
      // The first path segment below the chart is the component (see Cluster.scopeFor).
      const component = obj.node.scopes[depth]?.node.id ?? chart.node.id;
      for (const [k, v] of Object.entries(commonLabels(cluster.clusterName, component))) {
        if (obj.metadata.getLabel(k) === undefined) obj.metadata.addLabel(k, v);
      }
      const manifest = serialize(obj, problems);
      if (!manifest) return [];
      const droppedPatches = droppedPatchesOf(obj, manifest);
      return [{
        cluster: cluster.clusterName,
        destination,
        component,
        constructPath: obj.node.path,
        manifest,
        kubernetesVersion: cluster.kubernetesVersion,
        ...(droppedPatches.length ? { droppedPatches } : {}),
        ...(obj.node.metadata.some((m) => m.type === VALUES_SCHEMA_EXPECTED) ? { valuesSchemaExpected: true as const } : {}),
      }];
    });
}

/**
 * An object's JSON. Data cdk8s cannot serialize (escape-hatch props with a BigInt, a cycle or an
 * object without prototype) is a user mistake: recorded as a problem of the construct.
 */
function serialize(obj: ApiObject, problems: Problem[]): Manifest | undefined {
  try {
    return obj.toJson() as Manifest;
  } catch (err) {
    // cdk8s wraps what it cannot serialize; data it cannot even print (an object without prototype as a
    // name) fails as a TypeError while cdk8s builds that message. Both come from the object's own props.
    const unprintable = err instanceof TypeError && /convert object to primitive/.test(err.message);
    if (!(err instanceof Error) || (!unprintable && !err.message.startsWith('Failed serializing construct'))) throw err;
    const cause = /': (\w*Error: .*)$/s.exec(err.message)?.[1] ?? err.message;
    problems.push({ where: describeConstruct(obj), field: '', message: `cannot be rendered (${cause.split('\n')[0]}); give it plain data: strings, numbers, booleans, null, arrays and plain objects` });
    return undefined;
  }
}

// constructs throws a plain Error when two children of one scope share an id: a user mistake in apps/.
const DUPLICATE_ID = /^There is already a Construct with name '(.*)' in (\S+)(?: \[(.*)\])?$/;

// cdk8s throws a plain Error when an object is created outside any chart: straight in a component or cluster.
const NO_CHART = /^cannot find a parent chart/;

const LAYER_SCOPES = "component.scope('controllers' | 'configs' | 'apps')";

/** Runs fleet code that builds constructs in `app`, turning what the construct tree throws at a user mistake into a ConfigError. */
function buildTree(app: App, build: () => void): void {
  try {
    build();
  } catch (err) {
    if (err instanceof Error && NO_CHART.test(err.message)) throw objectOutsideLayers(app, err);
    const m = err instanceof Error && !isConfigError(err) ? DUPLICATE_ID.exec(err.message) : null;
    if (!m) throw err;
    const [, id, className, scopeId] = m;
    const scope = app.node.findAll().find((c) => c.constructor.name === className && c.node.id === (scopeId ?? '') && c.node.tryFindChild(id));
    throw ConfigError.single(scope ? describeConstruct(scope) : className, 'id', `${JSON.stringify(id)} is the id of another construct in the same scope; give each its own`);
  }
}

/**
 * The construct that was created outside every chart: cdk8s adds it to the tree before it throws, so it
 * is the last topmost construct outside the charts (an add-on's own helper constructs come before it).
 */
function objectOutsideLayers(app: App, err: Error): Error {
  const outside = app.node.findAll().filter((c) => !(c instanceof App) && !(c instanceof Cluster) && !(c instanceof Component) && !c.node.scopes.some((s) => Chart.isChart(s)));
  const culprit = outside.filter((c) => !outside.includes(c.node.scope as IConstruct)).pop();
  return culprit ? ConfigError.single(describeConstruct(culprit), '', `objects go in a layer: create them in ${LAYER_SCOPES}`) : err;
}

/** Objects in a chart of no cluster would be rendered nowhere: a mistake, not something to drop quietly. */
function rejectObjectsOutsideClusters(app: App): void {
  const problems: Problem[] = [];
  walk(app, () => false, (c) => {
    if (ApiObject.isApiObject(c)) problems.push({ where: describeConstruct(c), field: '', message: `${c.kind} ${JSON.stringify(c.name)} is in no cluster, so it would be rendered nowhere; create it in a component of a Cluster, in ${LAYER_SCOPES}` });
  });
  if (problems.length) throw new ConfigError(problems);
}

/**
 * Visits the constructs below `root` in pre-order, as findAll lists them, each with the outermost Cluster
 * it is in. A cluster for which `enter` is false is left out with everything in it, unwalked: the
 * unselected clusters of a big fleet cost nothing here.
 */
function walk(root: IConstruct, enter: (cluster: Cluster) => boolean, visit: (c: IConstruct, cluster: Cluster | undefined) => void): void {
  const go = (c: IConstruct, cluster: Cluster | undefined): void => {
    if (!cluster && c instanceof Cluster) {
      if (!enter(c)) return;
      cluster = c;
    }
    visit(c, cluster);
    for (const child of c.node.children) go(child, cluster);
  };
  go(root, undefined);
}

/**
 * Runs the validations constructs registered (cdk8s-plus adds some), as `cdk8s synth` would: of the
 * constructs of `clusters`, and of those outside every cluster when `outside`, in the tree's order.
 */
function runConstructValidations(app: App, clusters: ReadonlySet<Cluster>, outside: boolean): void {
  const problems: Problem[] = [];
  const validate = (c: IConstruct) => {
    for (const message of c.node.validate()) problems.push({ where: describeConstruct(c), field: '', message });
  };
  if (outside) walk(app, (cluster) => clusters.has(cluster), validate);
  else for (const cluster of clusters) walk(cluster, () => true, validate);
  if (problems.length) throw new ConfigError(problems);
}
