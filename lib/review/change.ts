import type { FieldChange } from './field-diff';
import type { ReviewLayer, TreeObject } from './tree';

export type ObjectStatus = 'added' | 'removed' | 'changed';

/** What a change does to one object of one cluster. */
export interface ObjectChange {
  readonly status: ObjectStatus;
  readonly cluster: string;
  /** The layer it is in after the change (before, when removed). */
  readonly layer: ReviewLayer;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly before?: TreeObject;
  readonly after?: TreeObject;
  /** Field-level changes; empty unless `changed`. */
  readonly fields: readonly FieldChange[];
  /** The layer it was in before, when the change moves it to another layer. */
  readonly movedFrom?: ReviewLayer;
}
