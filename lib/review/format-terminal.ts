import { admissionLines } from './admission';
import { describeChange, FleetDiff, formatCounts, groupChanges, ObjectChange } from './diff';
import { changeLines, DiffLine, lineText, movedNote, objectLabel } from './lines';
import { RISK_KINDS } from './risks';

/** What the header of a diff says it compares, such as `working tree vs main (merge-base 1a2b3c4)`. */
export interface DiffTitle {
  readonly title: string;
}

export interface TerminalOptions {
  /** ANSI colours. */
  readonly color: boolean;
  /** Print every field of an added object. @default true */
  readonly bodies?: boolean;
}

const ANSI = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' } as const;
type Style = keyof typeof ANSI;

const MARK: Record<ObjectChange['status'], { sign: string; style: Style }> = {
  added: { sign: '+', style: 'green' },
  removed: { sign: '-', style: 'red' },
  changed: { sign: '~', style: 'yellow' },
};
const LINE_STYLE: Record<DiffLine['sign'], Style | undefined> = { ' ': undefined, '-': 'red', '+': 'green' };

/** The diff for a terminal: risks first, then cluster → layer → kind → object → fields. */
export function formatTerminal(diff: FleetDiff, title: DiffTitle, options: TerminalOptions): string {
  const paint = (style: Style | undefined, text: string) => (options.color && style ? `\x1b[${ANSI[style]}m${text}\x1b[0m` : text);
  const out: string[] = [paint('bold', `Rendered diff: ${title.title}`)];
  if (!diff.changes.length) return [...out, `No changes (${diff.unchanged} objects unchanged).`, ''].join('\n');

  const clusters = groupChanges(diff.changes);
  out.push(`${clusters.length} cluster${clusters.length === 1 ? '' : 's'} changed: ${formatCounts(diff.changes)}, ${diff.unchanged} unchanged`, '');

  if (diff.risks.length) {
    out.push(paint('bold', `Risks (${diff.risks.length})`));
    const width = Math.max(...diff.risks.map((r) => RISK_KINDS[r.kind].title.length));
    for (const r of diff.risks) {
      const level = r.severity === 'high' ? paint('red', 'HIGH') : paint('yellow', 'warn');
      out.push(`  ${level}  ${RISK_KINDS[r.kind].title.padEnd(width)}  ${describeChange(r.change)}: ${r.message}`);
    }
    out.push('');
  }

  const admission = admissionLines(diff.admission ?? { introduced: [], denied: 0 });
  if (admission.length) {
    out.push(paint('bold', `Admission: violations introduced (${admission.length})`));
    for (const a of admission) out.push(`  ${a.denied ? paint('red', 'DENY') : paint('yellow', 'warn')}  ${a.text}`);
    out.push('');
  }

  for (const group of clusters) {
    out.push(`${paint('bold', group.cluster)}  ${paint('dim', `(${formatCounts(group.changes)})`)}`);
    for (const { layer, kinds } of group.layers) {
      out.push(`  ${paint('cyan', layer)}`);
      for (const { kind, changes } of kinds) {
        out.push(`    ${paint('bold', kind)}`);
        for (const c of changes) {
          const mark = MARK[c.status];
          out.push(`      ${paint(mark.style, `${mark.sign} ${objectLabel(c)}`)}${paint('dim', movedNote(c))}`);
          for (const l of changeLines(c, { bodies: options.bodies ?? true })) {
            out.push(`        ${paint(LINE_STYLE[l.sign], lineText(l))}`);
          }
        }
      }
    }
    out.push('');
  }
  return out.join('\n');
}
