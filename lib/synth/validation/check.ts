import type { Problem } from '../../errors';
import type { RenderedObject } from '../manifest';

/** What admission at synth counted (lib/synth/admission). */
export interface AdmissionTally {
  podSpecs: number;
  denied: number;
  warnings: number;
}

/**
 * What checks count besides problems and warnings; synth and validate print it. Counts, not text, so the
 * notes of the threads that render a big fleet add up (lib/synth/parallel.ts).
 */
export interface CheckNotes {
  admission?: AdmissionTally;
}

/**
 * A check over the whole rendered fleet; returns every problem it finds (never only the first), those
 * that fail nothing with `severity: 'warning'`, and may add to the counts of `notes`.
 */
export type Check = (objects: readonly RenderedObject[], notes?: CheckNotes) => Problem[];
