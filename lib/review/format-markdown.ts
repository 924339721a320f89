import { admissionLines } from './admission';
import { ClusterGroup, countChanges, describeChange, FleetDiff, formatCounts, groupChanges, ObjectChange } from './diff';
import type { DiffTitle } from './format-terminal';
import { changeLines, lineText, movedNote, objectLabel } from './lines';
import { Risk, RISK_KINDS } from './risks';

/** Marks the comment, so CI updates its own comment instead of adding one per push. */
export const COMMENT_MARKER = '<!-- talos-flux-synth:diff -->';

/** GitHub refuses comments over 65,536 characters; leave room for what CI adds. */
export const MAX_COMMENT_CHARS = 60_000;

export interface MarkdownOptions {
  /** Longest output; details are shortened, step by step, until the diff fits. @default MAX_COMMENT_CHARS */
  readonly maxChars?: number;
}

/** How much of each object a rendering shows; the first that fits is used. */
const DETAIL_LEVELS = [
  { bodies: true, fields: true },
  { bodies: false, fields: true },
  { bodies: false, fields: false },
] as const;
type Detail = (typeof DETAIL_LEVELS)[number];

const VERB: Record<ObjectChange['status'], string> = { added: 'added', removed: 'removed', changed: 'changed' };

/** A code fence longer than any run of backticks in the text. */
function fence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(longest + 1);
}

function summaryTable(clusters: readonly ClusterGroup[], diff: FleetDiff): string[] {
  const risksIn = (cluster?: string) => diff.risks.filter((r) => cluster === undefined || r.change.cluster === cluster).length;
  const row = (name: string, changes: readonly ObjectChange[], risks: number) => {
    const n = countChanges(changes);
    return `| ${name} | ${n.added} | ${n.removed} | ${n.changed} | ${risks} |`;
  };
  return [
    '| Cluster | Added | Removed | Changed | Risks |',
    '|---|--:|--:|--:|--:|',
    ...clusters.map((g) => row(`\`${g.cluster}\``, g.changes, risksIn(g.cluster))),
    ...(clusters.length > 1 ? [row('**total**', diff.changes, risksIn())] : []),
  ];
}

function riskLine(r: Risk): string {
  const icon = r.severity === 'high' ? '🛑' : '⚠️';
  return `- ${icon} **${RISK_KINDS[r.kind].title}** · \`${describeChange(r.change)}\` · ${r.message.replace(/[*_<>]/g, (ch) => `\\${ch}`)}`;
}

function objectSection(c: ObjectChange, detail: Detail): string[] {
  const head = `- ${VERB[c.status]} \`${objectLabel(c)}\`${movedNote(c)}`;
  const lines = detail.fields ? changeLines(c, { bodies: detail.bodies }) : [];
  if (!lines.length) return [head];
  const text = lines.map(lineText).join('\n');
  const f = fence(text);
  // Indented under the list item, so it belongs to it.
  return [head, '', ...`${f}diff\n${text}\n${f}`.split('\n').map((l) => (l ? `  ${l}` : ''))];
}

function clusterSection(g: ClusterGroup, detail: Detail): string[] {
  const out = ['<details>', `<summary><b>${g.cluster}</b>: ${formatCounts(g.changes)}</summary>`, ''];
  for (const { layer, kinds } of g.layers) {
    out.push(`#### ${layer}`, '');
    for (const { kind, changes } of kinds) out.push(`**${kind}**`, '', ...changes.flatMap((c) => objectSection(c, detail)), '');
  }
  return [...out, '</details>', ''];
}

function render(diff: FleetDiff, title: DiffTitle, detail: Detail | undefined, shortened: boolean): string {
  const out = [COMMENT_MARKER, `### Rendered changes: ${title.title}`, ''];
  if (!diff.changes.length) return [...out, `No changes to the rendered output (${diff.unchanged} objects unchanged).`, ''].join('\n');
  const clusters = groupChanges(diff.changes);
  out.push(...summaryTable(clusters, diff), '', `${diff.unchanged} objects unchanged.`, '');
  out.push(diff.risks.length ? `#### Risks (${diff.risks.length})` : '#### Risks: none flagged', '', ...diff.risks.map(riskLine));
  if (diff.risks.length) out.push('');
  const admission = admissionLines(diff.admission ?? { introduced: [], denied: 0 });
  if (admission.length) {
    out.push(`#### Admission: violations introduced (${admission.length})`, '');
    out.push(...admission.map((a) => `- ${a.denied ? '🛑 **Deny**' : '⚠️ audit/warn'} · ${a.text.replace(/[*_<>`]/g, (ch) => `\\${ch}`)}`), '');
  }
  if (shortened) out.push('_Details shortened to fit a comment: run `npm run diff` for all of them._', '');
  if (detail) for (const g of clusters) out.push(...clusterSection(g, detail));
  return out.join('\n');
}

/**
 * The diff as a pull-request comment: a table of counts per cluster, the risk flags, then one
 * collapsible section per cluster (layer → kind → object, with a `diff` block of field changes).
 * When that is too long for a comment, added objects lose their bodies, then objects their fields,
 * then the clusters their sections.
 */
export function formatMarkdown(diff: FleetDiff, title: DiffTitle, options: MarkdownOptions = {}): string {
  const max = options.maxChars ?? MAX_COMMENT_CHARS;
  for (const [i, detail] of DETAIL_LEVELS.entries()) {
    const text = render(diff, title, detail, i > 0);
    if (text.length <= max) return text;
  }
  return render(diff, title, undefined, true);
}
