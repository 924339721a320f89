/**
 * What every fleet must satisfy, whatever its clusters: these checks name, count and order no cluster, so
 * a cluster added to apps/fleet.ts (or removed from it) needs no change to a test. test/fleet.test.ts runs
 * them on apps/fleet.ts; test/fleet-new-cluster.test.ts on apps/fleet.ts plus the README's new cluster.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { FleetBuilder, synthesize, SynthResult, synthToDisk } from '../../lib/synth/pipeline';
import { tempDir } from '../helpers';
import { evaluatePolicies, KubeObject, PolicyManifest } from './cel';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod']);

/**
 * What the workloads of one cluster violate of that cluster's own Kyverno policies, in every mode: an Audit
 * finding today is a Deny failure on the day the policy is switched. A cluster without policies has none.
 */
export function policyFindings(result: SynthResult, cluster: string): string[] {
  const objects = result.objects.filter((o) => o.cluster === cluster);
  const policies = objects.map((o) => o.manifest).filter((m) => m.apiVersion === 'policies.kyverno.io/v1') as unknown as PolicyManifest[];
  return objects.filter((o) => WORKLOAD_KINDS.has(o.manifest.kind)).flatMap((o) => {
    const verdict = evaluatePolicies(policies, o.manifest as unknown as KubeObject, { operation: 'CREATE' });
    const where = `${o.destination}/${o.manifest.kind}/${o.manifest.metadata.namespace}/${o.manifest.metadata.name}`;
    return [...verdict.violations.map((v) => `${where}: ${v}`), ...(verdict.admitted ? [] : [`${where}: not admitted`])];
  });
}

/** The folders Flux builds: clusters/<cluster> and dist/<cluster>/<layer>, each with its kustomization.yaml. */
export const fluxPaths = (files: ReadonlyMap<string, string>): string[] =>
  [...files.keys()].filter((rel) => rel.endsWith('/kustomization.yaml')).map((rel) => path.posix.dirname(rel));

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Registers the checks every fleet passes, for the fleet `build` builds; returns its rendering. */
export function describeFleetChecks(title: string, build: FleetBuilder): SynthResult {
  const result = synthesize(build);
  const clusters = result.clusters;
  describe(title, () => {
    it('renders at least one cluster, each into dist/<cluster>/ and clusters/<cluster>/', () => {
      expect(clusters.length).toBeGreaterThan(0);
      const without = (prefix: string) => clusters.filter((c) => ![...result.files.keys()].some((rel) => rel.startsWith(`${prefix}/${c}/`)));
      expect({ dist: without('dist'), clusters: without('clusters') }).toEqual({ dist: [], clusters: [] });
    });

    it('renders byte-identical output again from the same input', () => {
      expect(synthesize(build).files).toEqual(result.files);
    });

    if (clusters.length) {
      it.each(clusters)('%s: every workload passes the Kyverno policies of its own cluster', (cluster) => {
        expect(policyFindings(result, cluster)).toEqual([]);
      });
    }

    (kubectl ? describe : describe.skip)('kubectl kustomize', () => {
      const paths = fluxPaths(result.files);
      let out = '';
      beforeAll(() => {
        out = tempDir();
        synthToDisk(build, out);
      });
      if (paths.length) {
        it.each(paths)('builds %s into the objects its kustomization.yaml lists', (rel) => {
          const built = execFileSync('kubectl', ['kustomize', path.join(out, rel)], { encoding: 'utf8' });
          const resources = (result.files.get(`${rel}/kustomization.yaml`) ?? '').split('\n').filter((l) => l.startsWith('  - ')).length;
          expect(built.split(/^---$/m).filter((d) => d.trim()).length).toBe(resources);
        });
      }
    });
  });
  return result;
}
