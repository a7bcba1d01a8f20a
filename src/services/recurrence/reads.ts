import type { EntityManager } from '@mikro-orm/postgresql';
import { selectList, type RowOf } from '../../../entities/column-facts.ts';
import { RecurrenceGroupSchema, type RecurrenceGroup } from '../../../entities/recurrence-group.entity.ts';
import { anyOf, isUuid } from '../../db/sql.ts';

/* Recurrence read side: plain rows of the maintained groups, batched by key for DataLoaders. */

const GROUP_PROPS = [
  'id',
  'uuid',
  'projectId',
  'recurrenceKey',
  'ruleVersion',
  'basis',
  'why',
  'provider',
  'alertname',
  'ruleId',
  'severity',
  'namespace',
  'targetResource',
  'fingerprint',
  'occurrenceTotal',
  'resolvedTotal',
  'duplicateTotal',
  'sourceRefTotal',
  'missingSourceRefsTotal',
  'sentryRefTotal',
  'signozRefTotal',
  'alertRefTotal',
  'firstReceivedAt',
  'latestReceivedAt',
  'latestOccurrenceAt',
  'latestAlertStatus',
  'lifecycle',
  'lifecycleChangedAt',
  'lifecycleReason',
  'silencedUntil',
  'silenceReason',
  'openThreshold',
  'openWindowMinutes',
  'changeSeq',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof RecurrenceGroup)[];
const GROUP_REFS = ['firstEvent', 'latestEvent', 'silencedBy'] as const satisfies readonly (keyof RecurrenceGroup)[];

/** A group as stored (its `lifecycle` is the stored one: see lifecycle.ts effectiveLifecycle). */
export type RecurrenceGroupRow = RowOf<RecurrenceGroup, (typeof GROUP_PROPS)[number], (typeof GROUP_REFS)[number]>;

/** The select list of a group row, for `recurrence_groups g`. */
export const GROUP_COLUMNS = selectList('g', RecurrenceGroupSchema, GROUP_PROPS, GROUP_REFS);

export async function groupsByIds(em: EntityManager, ids: readonly number[]): Promise<RecurrenceGroupRow[]> {
  if (ids.length === 0) return [];
  return em.execute<RecurrenceGroupRow[]>(`select ${GROUP_COLUMNS} from recurrence_groups g where ?`, [anyOf('g.id', ids, 'int')]);
}

/** Groups by their public id (the REST `work_item_id`); a malformed uuid matches nothing. */
export async function groupsByUuids(em: EntityManager, uuids: readonly string[]): Promise<RecurrenceGroupRow[]> {
  const valid = uuids.filter(isUuid).map((u) => u.toLowerCase());
  if (valid.length === 0) return [];
  return em.execute<RecurrenceGroupRow[]>(`select ${GROUP_COLUMNS} from recurrence_groups g where ?`, [anyOf('g.uuid', valid, 'uuid')]);
}
