import type { Problem } from '../../errors';
import type { RenderedObject } from '../manifest';

/** What checks say besides problems and warnings; synth and validate print it. */
export interface CheckNotes {
  /** One-line accounts of what a check did (`admission: 5 pod specs checked, 0 denied, 1 warning`). */
  readonly summaries: string[];
}

/**
 * A check over the whole rendered fleet; returns every problem it finds (never only the first), those
 * that fail nothing with `severity: 'warning'`, and may add a summary to `notes`.
 */
export type Check = (objects: readonly RenderedObject[], notes?: CheckNotes) => Problem[];
