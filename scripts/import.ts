/**
 * Regenerates imports/ from the `imports` list in cdk8s.yaml, and schemas/ from schemas/sources.yaml,
 * offline. `npm run import -- bindings` or `-- schemas` regenerates only one of them.
 *
 * It also adds a user's own inputs first, then regenerates everything (see scripts/user-inputs.ts):
 *
 *   npm run import -- --crd <file or https URL> [--version <v>] [--no-binding]
 *   npm run import -- --chart-schema <chart>@<version> <values.schema.json file or URL> [<values.yaml file or URL>]
 *
 * It drives cdk8s-cli's own importer, so the output is what `cdk8s import` writes online, with two
 * differences: `k8s@<version>` would download cdk8s' Kubernetes definitions; here they are read from
 * the repository's copy in schemas/upstream/kubernetes/cdk8s-kubernetes-schemas/ (see `npm run vendor`).
 * And the converters drop undefined values in one pass, not a copy per field (scripts/bindings.ts).
 * The validation schemas are compiled by scripts/schemas.ts (see there for what it changes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { linearFilters } from './bindings';
import { generateSchemas } from './schemas';
import { addChartSchema, addCrd, applyEdits, Edits, UsageError } from './user-inputs';
import { ChartSchemaEntry, generateValuesTypes } from './values-types';

const root = path.resolve(__dirname, '..');
const upstream = path.join(root, 'schemas', 'upstream');
const K8S_SCHEMA_URL = /^https:\/\/raw\.githubusercontent\.com\/cdk8s-team\/cdk8s\/master\/kubernetes-schemas\/v([\d.]+)\/_definitions\.json$/;

const USAGE = 'npm run import [-- bindings | schemas | --crd <file or https URL> [--version <v>] [--no-binding] | --chart-schema <chart>@<version> <values.schema.json> [<values.yaml>]]';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.some((a) => a.startsWith('--'))) return addUserInputs(args);
  const only = args[0];
  if (args.length > 1 || (only !== undefined && only !== 'bindings' && only !== 'schemas')) throw new UsageError(`unknown target ${args.join(' ')} (usage: ${USAGE})`);
  await regenerate(only);
}

async function regenerate(only?: string): Promise<void> {
  if (only !== 'schemas') await importBindings();
  if (only !== 'bindings') console.log(`schemas: ${generateSchemas(root).length} files written to schemas/`);
}

/** `--crd …` and `--chart-schema …`: reads and checks every input, writes the copies and entries, regenerates. */
async function addUserInputs(args: readonly string[]): Promise<void> {
  const edits: Edits = { files: new Map(), added: [] };
  for (let i = 0; i < args.length;) {
    const flag = args[i++];
    const operands: string[] = [];
    while (i < args.length && !args[i].startsWith('--')) operands.push(args[i++]);
    if (flag === '--crd') {
      const options: { version?: string; binding: boolean } = { binding: true };
      while (args[i] === '--version' || args[i] === '--no-binding') {
        if (args[i++] === '--no-binding') options.binding = false;
        else if (args[i] === undefined || args[i].startsWith('--')) throw new UsageError('--version needs a value');
        else options.version = args[i++];
      }
      if (operands.length !== 1) throw new UsageError(`--crd takes one file or https URL (usage: ${USAGE})`);
      await addCrd(root, { location: operands[0], ...options }, edits);
    } else if (flag === '--chart-schema') {
      if (operands.length < 2 || operands.length > 3) throw new UsageError(`--chart-schema takes <chart>@<version>, the values.schema.json and optionally the values.yaml (usage: ${USAGE})`);
      await addChartSchema(root, { chart: operands[0], schema: operands[1], values: operands[2] }, edits);
    } else {
      throw new UsageError(`unknown option ${flag} (usage: ${USAGE})`);
    }
  }
  const restore = applyEdits(root, edits);
  try {
    await regenerate();
  } catch (err) {
    // The new input broke the regeneration (a kind that already has a schema, a CRD cdk8s cannot
    // import): put the files back and regenerate what was there, so nothing changed.
    restore();
    await regenerate().catch(() => undefined);
    throw new UsageError(`the added input cannot be used, nothing was changed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  for (const line of edits.added) console.log(`added: ${line}`);
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
    for (const name of fs.readdirSync(staging).filter((f) => f.endsWith('.ts'))) {
      const file = path.join(staging, name);
      fs.writeFileSync(file, linearFilters(fs.readFileSync(file, 'utf8')));
    }
    const sources = parse(fs.readFileSync(path.join(root, 'schemas', 'sources.yaml'), 'utf8')) as { charts?: ChartSchemaEntry[] };
    await generateValuesTypes(root, sources.charts ?? [], staging);
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.renameSync(staging, outdir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

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
