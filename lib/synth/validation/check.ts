import type { Problem } from '../../errors';
import type { RenderedObject } from '../manifest';

/** A check over the whole rendered fleet; returns every problem it finds (never only the first). */
export type Check = (objects: readonly RenderedObject[]) => Problem[];
