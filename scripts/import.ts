/**
 * Regenerates imports/ from the `imports` list in cdk8s.yaml, and schemas/ from schemas/sources.yaml,
 * offline. `npm run import -- bindings` or `-- schemas` regenerates only one of them.
 *
 * It drives cdk8s-cli's own importer, so the output is what `cdk8s import` writes online. The one
 * difference: `k8s@<version>` would download cdk8s' Kubernetes definitions; here they are read from
 * the repository's copy in schemas/upstream/kubernetes/cdk8s-kubernetes-schemas/ (see `npm run vendor`).
 * The validation schemas are compiled by scripts/schemas.ts (see there for what it changes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { generateSchemas } from './schemas';

const root = path.resolve(__dirname, '..');
const upstream = path.join(root, 'schemas', 'upstream');
const K8S_SCHEMA_URL = /^https:\/\/raw\.githubusercontent\.com\/cdk8s-team\/cdk8s\/master\/kubernetes-schemas\/v([\d.]+)\/_definitions\.json$/;

async function main(): Promise<void> {
  const only = process.argv[2];
  if (only !== undefined && only !== 'bindings' && only !== 'schemas') throw new UsageError(`unknown target ${only} (bindings or schemas)`);
  if (only !== 'schemas') await importBindings();
  if (only !== 'bindings') console.log(`schemas: ${generateSchemas(root).length} files written to schemas/`);
}

async function importBindings(): Promise<void> {
  const config = parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')) as { imports?: string[] };
  const specs = (config.imports ?? []).map(parseSpec);

  // cdk8s-cli resolves its download helper through the module object, so replacing it here
  // redirects the k8s schema download to the local copy.
  // The package's "exports" map hides lib/, so the modules are loaded by file path.
  const cli = path.dirname(require.resolve('cdk8s-cli/package.json', { paths: [root] }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const util = require(path.join(cli, 'lib/util.js'));
  const download: (url: string) => Promise<string> = util.download;
  util.download = async (url: string) => {
    const m = K8S_SCHEMA_URL.exec(url);
    if (!m) return download(path.resolve(root, url));
    const local = path.join(upstream, 'kubernetes/cdk8s-kubernetes-schemas', `v${m[1]}`, '_definitions.json');
    if (!fs.existsSync(local)) throw new UsageError(`no local copy of the k8s ${m[1]} definitions at ${local}`);
    return fs.readFileSync(local, 'utf8');
  };

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { importDispatch } = require(path.join(cli, 'lib/import/dispatch.js'));
  // Written to a folder beside imports/ and swapped in only when complete: a failed import leaves
  // the committed bindings as they were.
  const outdir = path.join(root, 'imports');
  const staging = fs.mkdtempSync(path.join(root, '.import-'));
  try {
    fs.chmodSync(staging, 0o777 & ~process.umask());
    await importDispatch(
      specs.map((s) => ({ ...s, source: s.source.startsWith('k8s@') ? s.source : path.resolve(root, s.source) })),
      {},
      { outdir: staging, targetLanguage: 'typescript', save: false },
    );
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.renameSync(staging, outdir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** A mistake in the command or the inputs, reported in one line; anything else is a bug and shows its stack. */
class UsageError extends Error {}

function isUsageError(err: unknown): boolean {
  return err instanceof UsageError || (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT');
}

function parseSpec(spec: string): { source: string; moduleNamePrefix?: string } {
  const at = spec.indexOf(':=');
  return at < 0 ? { source: spec } : { moduleNamePrefix: spec.slice(0, at), source: spec.slice(at + 2) };
}

main().catch((err) => {
  if (isUsageError(err)) console.error(`import failed: ${(err as Error).message}`);
  else console.error(`import failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
