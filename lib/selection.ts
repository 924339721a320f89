import { IConstruct } from 'constructs';

/**
 * The clusters a synth renders (`npm run synth -- --cluster <name>`): put in the App's context before the
 * fleet is built, so a Cluster knows at once whether it is rendered. Nothing of an unselected cluster is
 * rendered, checked or written, and its body (lib/cluster.ts) is not even built; a cluster written without a
 * body is built by the fleet's own code.
 */
export const SELECTION_CONTEXT = 'talos-flux-synth:clusters';

/**
 * Context the synth sets before it builds the fleet: a Cluster with a body (lib/cluster.ts) builds it only
 * when the synth renders the cluster, so what is not rendered is not built either.
 */
export const DEFER_BODIES_CONTEXT = 'talos-flux-synth:defer-cluster-bodies';

/** Whether a cluster in `scope`'s app leaves its body for the synth to build when it renders the cluster. */
export function bodiesDeferred(scope: IConstruct): boolean {
  return scope.node.tryGetContext(DEFER_BODIES_CONTEXT) === true;
}

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
