import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Cluster, LAYERS } from '../cluster';
import { ConfigError, isConfigError, Problem } from '../errors';
import { describeConstruct } from '../props';
import { commonLabels } from './labels';
import { droppedPatchesOf } from './validation/escape-hatches';
import { Destination, Manifest, RenderedArtifact, RenderedObject } from './manifest';

/** Everything one fleet renders, before any check or file. */
export interface Rendering {
  /** Cluster names, in the order they were defined. */
  readonly clusters: readonly string[];
  readonly objects: readonly RenderedObject[];
  readonly artifacts: readonly RenderedArtifact[];
  /**
   * What each cluster found wrong between its rendered objects and its Talos layer (Cluster.checkRendered):
   * reported together with the checks' problems.
   */
  readonly clusterProblems: readonly Problem[];
}

/** Builds the fleet into a fresh cdk8s App and renders every object of every cluster. No I/O. */
export function renderFleet(build: (app: App) => void): Rendering {
  const app = new App({ outdir: '.' });
  buildTree(app, build);
  runConstructValidations(app);
  const clusters = app.node.findAll().filter((c): c is Cluster => c instanceof Cluster);
  const objects: RenderedObject[] = [];
  const problems: Problem[] = [];
  const clusterProblems: Problem[] = [];
  for (const cluster of clusters) {
    const rendered = [...LAYERS.flatMap((layer) => renderChart(cluster, cluster.layer(layer), layer, problems)), ...renderChart(cluster, cluster.fluxChart, 'flux', problems)];
    objects.push(...rendered);
    clusterProblems.push(...cluster.checkRendered(rendered));
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
        ...(droppedPatches.length ? { droppedPatches } : {}),
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

function buildTree(app: App, build: (app: App) => void): void {
  try {
    build(app);
  } catch (err) {
    const m = err instanceof Error && !isConfigError(err) ? DUPLICATE_ID.exec(err.message) : null;
    if (!m) throw err;
    const [, id, className, scopeId] = m;
    const scope = app.node.findAll().find((c) => c.constructor.name === className && c.node.id === (scopeId ?? '') && c.node.tryFindChild(id));
    throw ConfigError.single(scope ? describeConstruct(scope) : className, 'id', `${JSON.stringify(id)} is the id of another construct in the same scope; give each its own`);
  }
}

/** Runs the validations constructs registered (cdk8s-plus adds some), as `cdk8s synth` would. */
function runConstructValidations(app: App): void {
  const problems: Problem[] = [];
  for (const c of app.node.findAll() as IConstruct[]) {
    for (const message of c.node.validate()) problems.push({ where: describeConstruct(c), field: '', message });
  }
  if (problems.length) throw new ConfigError(problems);
}
