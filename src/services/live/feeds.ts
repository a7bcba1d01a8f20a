import type { EntityManager } from '@mikro-orm/postgresql';
import {
  chamadosByIds,
  chamadosMatching,
  latestTimelineId,
  timelineAfter,
  timelineEntryCreatedAt,
  type ChamadoFilter,
  type ChamadoRow,
  type TimelineRow,
} from '../chamados/reads.ts';
import { eventsAfter, eventsMatching, type EventFilter, type EventRow } from '../events/reads.ts';
import { approvalsByIds, type ApprovalRow } from '../runbooks/reads.ts';
import { countFeedRead, discoverReadKey, listenForPrefetch, prefetchedRows } from './feed-prefetch.ts';
import { pokeBatches } from './poke-batches.ts';
import type { LiveTopics } from './pubsub.ts';
import { sharedRead } from './shared-reads.ts';

/*
 * What each live feed sends. Every feed has the same shape: replay from the database what the
 * client missed (from its cursor), then re-read on every poke — so nothing is lost between replay
 * and live, and nothing is sent twice. The caller (resolvers/live.ts, through liveStream) starts
 * listening to the pokes before the replay. Reads triggered by a poke are shared by every
 * subscriber with the same filter (shared-reads.ts), on a fork of their own.
 */

export interface WizardStepChanged {
  kind: 'wizard';
  chamadoPublicId: string;
  step: string | null;
  label: string | null;
  at: Date | null;
}

export type ChamadoLiveUpdate = TimelineRow | WizardStepChanged;

/** A chamado's new timeline entries and wizard-step moves, after the `after` entry (or from now). */
export async function* chamadoLive(
  em: EntityManager,
  chamado: ChamadoRow,
  after: number | null,
  pokes: AsyncIterable<unknown>,
): AsyncGenerator<ChamadoLiveUpdate> {
  let lastId = after ?? (await latestTimelineId(em, chamado.id));
  // `undefined` = the client has not seen the current step: a resume after the step moved says so.
  let wizard: string | null | undefined = chamado.wizardStep;
  if (after !== null && chamado.wizardStepAt) {
    const seenAt = await timelineEntryCreatedAt(em, after);
    if (seenAt && new Date(chamado.wizardStepAt).getTime() > seenAt.getTime()) wizard = undefined;
  }
  async function* catchUp(): AsyncGenerator<ChamadoLiveUpdate> {
    for (const row of await timelineAfter(em, chamado.id, lastId)) {
      lastId = row.id;
      yield row;
    }
    const [fresh] = await chamadosByIds(em, [chamado.id]);
    if (fresh && fresh.wizardStep !== wizard) {
      wizard = fresh.wizardStep;
      yield { kind: 'wizard', chamadoPublicId: fresh.publicId, step: fresh.wizardStep, label: fresh.wizardStepLabel, at: fresh.wizardStepAt };
    }
  }
  yield* catchUp();
  for await (const _poke of pokes) yield* catchUp();
}

const REPLAY_PAGE = 1000;
const REMEMBERED_EVENTS = 10_000;

/** New events matching the filter; with a start cursor, first every matching event after it. */
export async function* discoverFeed(
  em: EntityManager,
  filter: EventFilter,
  start: number | null,
  pokes: AsyncIterable<LiveTopics['events'][0]>,
): AsyncGenerator<EventRow> {
  const seen = new Set<number>();
  const remember = (id: number) => {
    seen.add(id);
    if (seen.size > REMEMBERED_EVENTS) seen.delete(seen.values().next().value!);
  };
  const filterKey = JSON.stringify(filter);
  // Replay page by page: a client away for long may have missed more than one page.
  for (let cursor = start, page = REPLAY_PAGE; cursor !== null && page === REPLAY_PAGE; ) {
    const rows = await eventsAfter(em, filter, cursor, REPLAY_PAGE);
    for (const row of rows) {
      remember(row.id);
      cursor = row.id;
      yield row;
    }
    page = rows.length;
  }
  // Without a cursor the feed starts now: pokes only name events stored from here on.
  const stopPrefetch = listenForPrefetch(filterKey, filter);
  try {
    for await (const batch of pokeBatches(pokes)) {
      const ids = batch.length === 1 ? batch[0]!.ids : [...new Set(batch.flatMap((poke) => poke.ids))];
      const from = receivedFrom(batch);
      const key = discoverReadKey(filterKey, ids, from);
      // The writer may have read them for us, behind its write (feed-prefetch.ts).
      const ready = batch.length === 1 ? prefetchedRows(batch[0]!, key) : undefined;
      const rows = await sharedRead(batch[0]!, key, () => {
        if (ready) return Promise.resolve(ready);
        countFeedRead();
        return eventsMatching(em.fork(), filter, ids, from);
      });
      for (const row of rows) {
        if (seen.has(row.id)) continue;
        remember(row.id);
        yield row;
      }
    }
  } finally {
    stopPrefetch();
  }
}

/** The earliest `receivedFrom` of the pokes, or null when one of them did not say. */
function receivedFrom(pokes: readonly LiveTopics['events'][0][]): Date | null {
  let earliest: Date | null = null;
  for (const poke of pokes) {
    const at = poke.receivedFrom === undefined ? null : new Date(poke.receivedFrom);
    if (at === null || Number.isNaN(at.getTime())) return null;
    if (earliest === null || at < earliest) earliest = at;
  }
  return earliest;
}

/** Changed chamados that match the filter — the same SQL conditions as the chamado lists. */
export async function* chamadosChanged(
  em: EntityManager,
  filter: ChamadoFilter,
  pokes: AsyncIterable<{ ids: number[] }>,
): AsyncGenerator<ChamadoRow> {
  const filterKey = JSON.stringify(filter);
  for await (const poke of pokes) {
    yield* await sharedRead(poke, `chamados|${filterKey}`, () => chamadosMatching(em.fork(), filter, poke.ids));
  }
}

export async function* approvalsChanged(em: EntityManager, pokes: AsyncIterable<{ ids: number[] }>): AsyncGenerator<ApprovalRow> {
  for await (const poke of pokes) {
    yield* await sharedRead(poke, 'approvals', () => approvalsByIds(em.fork(), poke.ids));
  }
}
