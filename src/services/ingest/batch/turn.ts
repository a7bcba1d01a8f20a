import type { Duplicate } from '../dedup.ts';
import type { StagedEvent } from '../place-event.ts';

/** An event of a batch with its dedup verdict, in the batch's order. */
export interface BatchTurn {
  staged: StagedEvent;
  duplicate: Duplicate | null;
}
