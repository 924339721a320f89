import { IConstruct } from 'constructs';

/**
 * The clusters a synth renders (`npm run synth -- --cluster <name>`): put in the App's context before the
 * fleet is built, so a Cluster knows at once whether it is rendered. An unselected cluster is still built
 * (its constructs come from the fleet's own code) but nothing of it is rendered, checked or written.
 */
export const SELECTION_CONTEXT = 'talos-flux-synth:clusters';

/** Whether the cluster named `name` in `scope`'s app is rendered: every cluster when no selection was made. */
export function isSelected(scope: IConstruct, name: string): boolean {
  const selection = scope.node.tryGetContext(SELECTION_CONTEXT) as readonly string[] | undefined;
  return !selection || selection.includes(name);
}

/**
 * The cluster names of `--cluster a --cluster b,c` in the order given, without repeats; undefined when
 * the flag is absent. A flag without a name is a usage error (thrown as a plain one-line Error).
 */
export function parseClusterFlags(argv: readonly string[]): string[] | undefined {
  const names: string[] = [];
  let seen = false;
  argv.forEach((arg, i) => {
    let value: string | undefined;
    if (arg === '--cluster') value = argv[i + 1];
    else if (arg.startsWith('--cluster=')) value = arg.slice('--cluster='.length);
    else return;
    seen = true;
    const list = (value ?? '').split(',').map((n) => n.trim()).filter(Boolean);
    if (!list.length || value?.startsWith('--')) throw new SelectionError('--cluster needs a cluster name (--cluster catalyst, or several: --cluster a,b)');
    for (const n of list) if (!names.includes(n)) names.push(n);
  });
  return seen ? names : undefined;
}

/** `--cluster` named no cluster of the fleet, or was given without a name: one line, nothing touched. */
export class SelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectionError';
  }
}

/** Every selected name is a cluster of the fleet; otherwise one line naming the unknown ones and the known ones. */
export function checkSelection(selection: readonly string[], clusters: readonly string[]): void {
  const unknown = selection.filter((n) => !clusters.includes(n));
  if (!unknown.length) return;
  const names = unknown.map((n) => JSON.stringify(n)).join(', ');
  throw new SelectionError(`--cluster ${names}: ${unknown.length === 1 ? 'no cluster of the fleet has that name' : 'no clusters of the fleet have these names'}; the fleet has ${clusters.join(', ') || 'no cluster'}`);
}
