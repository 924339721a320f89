import { formatPath, Problem } from '../../errors';
import type { Check } from './check';
import { describeObject, RenderedObject } from '../manifest';
import { at, list, record } from './access';
import { clusterViews } from './cluster-view';
import { chartOf, coalesce, isHelmRelease, ReleaseChart } from './helm';
import { describeErrors } from './schema-errors';
import { schemas } from './schemas';

/**
 * HelmRelease values match the chart's values.schema.json where the chart ships one, checked as Helm
 * checks them: merged over the chart's values.yaml. A release with valuesFrom is skipped, since part
 * of its values is not in the tree.
 */
export const helmValues: Check = (objects) =>
  clusterViews(objects).flatMap((view) =>
    view.objects.filter((o) => isHelmRelease(o.manifest)).flatMap((o): Problem[] => {
      const chart = chartOf(o.manifest, (ref) => view.manifest(ref));
      const known = chart ? schemas.chartVersions(chart.name) : [];
      if (chart && !known.length && o.valuesSchemaExpected && Object.keys(record(at(o.manifest, 'spec', 'values')) ?? {}).length) return [uncheckedValues(o, chart)];
      if (!chart || !known.length || list(at(o.manifest, 'spec', 'valuesFrom')).length) return [];
      const where = describeObject(o);
      const values = chart.version ? schemas.chartValues(chart.name, chart.version) : undefined;
      if (!chart.version || !values) {
        return [{
          where,
          field: chart.versionField,
          message: `no values schema for ${chart.name} ${chart.version ?? '(no version)'} (schemas/ has ${known.join(', ')}); pin one of those, or add its values schema with npm run import -- --chart-schema ${chart.name}@${chart.version ?? '<version>'} <values.schema.json> [values.yaml]`,
        }];
      }
      const merged = coalesce(values.defaults, record(at(o.manifest, 'spec', 'values')) ?? {});
      if (values.validate(merged)) return [];
      return describeErrors(values.validate.errors ?? [], merged, {
        schemaName: `${chart.name} ${chart.version} values`,
        allowedFields: (path) => schemas.chartFieldsAt(chart.name, values.version, path),
      }).map((p) => ({ where, field: formatPath(['spec', 'values', ...p.path]), message: p.message }));
    }),
  );

/**
 * Values a user wrote for a chart with no values schema in schemas/: accepted (many charts ship none),
 * but said once, with the command that adds a schema.
 */
function uncheckedValues(o: RenderedObject, chart: ReleaseChart): Problem {
  const pin = `${chart.name}@${chart.version ?? '<version>'}`;
  return {
    where: `${o.cluster}/${o.component}`,
    field: '',
    message: `values (${pin}) are unchecked: no values schema of ${chart.name} is imported; add the chart's with npm run import -- --chart-schema ${pin} <values.schema.json> [values.yaml]`,
    severity: 'warning',
  };
}
