import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Cluster, LAYERS } from '../cluster';
import { ConfigError, Problem } from '../errors';
import { describeConstruct } from '../props';
import { commonLabels } from './labels';
import { Destination, Manifest, RenderedArtifact, RenderedObject } from './manifest';

/** Everything one fleet renders, before any check or file. */
export interface Rendering {
  /** Cluster names, in the order they were defined. */
  readonly clusters: readonly string[];
  readonly objects: readonly RenderedObject[];
  readonly artifacts: readonly RenderedArtifact[];
}

/** Builds the fleet into a fresh cdk8s App and renders every object of every cluster. No I/O. */
export function renderFleet(build: (app: App) => void): Rendering {
  const app = new App({ outdir: '.' });
  build(app);
  runConstructValidations(app);
  const clusters = app.node.findAll().filter((c): c is Cluster => c instanceof Cluster);
  const objects: RenderedObject[] = [];
  const problems: Problem[] = [];
  for (const cluster of clusters) {
    const rendered = [...LAYERS.flatMap((layer) => renderChart(cluster, cluster.layer(layer), layer)), ...renderChart(cluster, cluster.fluxChart, 'flux')];
    objects.push(...rendered);
    problems.push(...cluster.checkRendered(rendered));
  }
  if (problems.length) throw new ConfigError(problems);
  // Artifacts last: some are rendered from what the objects and add-ons declared.
  const artifacts: RenderedArtifact[] = clusters.flatMap((cluster) => cluster.artifacts.map((a) => ({ cluster: cluster.clusterName, ...a })));
  return { clusters: clusters.map((c) => c.clusterName), objects, artifacts };
}

function renderChart(cluster: Cluster, chart: Chart, destination: Destination): RenderedObject[] {
  const depth = chart.node.scopes.length;
  return chart.node.findAll()
    .filter((c): c is ApiObject => ApiObject.isApiObject(c))
    .map((obj) => {
      // The first path segment below the chart is the component (see Cluster.scopeFor).
      const component = obj.node.scopes[depth]?.node.id ?? chart.node.id;
      for (const [k, v] of Object.entries(commonLabels(cluster.clusterName, component))) {
        if (obj.metadata.getLabel(k) === undefined) obj.metadata.addLabel(k, v);
      }
      return {
        cluster: cluster.clusterName,
        destination,
        component,
        constructPath: obj.node.path,
        manifest: obj.toJson() as Manifest,
      };
    });
}

/** Runs the validations constructs registered (cdk8s-plus adds some), as `cdk8s synth` would. */
function runConstructValidations(app: App): void {
  const problems: Problem[] = [];
  for (const c of app.node.findAll() as IConstruct[]) {
    for (const message of c.node.validate()) problems.push({ where: describeConstruct(c), field: '', message });
  }
  if (problems.length) throw new ConfigError(problems);
}
