import type { EntityManager as BaseEntityManager, EventSubscriber, FlushEventArgs, TransactionEventArgs } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Counter } from 'prom-client';
import { anyOf, arrayOf, sqlPart } from '../../db/sql.ts';
import type { EventRow } from '../events/reads.ts';
import { attachPrefetched } from './feed-prefetch.ts';
import { GroupMoveCoalescer } from './group-move-coalescer.ts';
import type { LivePubSub, LiveTopics } from './pubsub.ts';

interface Changes {
  chamados: Set<number>;
  events: Set<number>;
  approvals: Set<number>;
  /** Projects whose recurrence groups ingest changed (the recurrenceChanged feed). */
  recurrence: Set<string>;
  /** Groups changed through the unit of work, or that got a work-item entry. */
  groups: Set<number>;
  /** Of those, the ones whose change_seq the writer moved itself (silences.ts does). */
  moved: Set<number>;
  /**
   * Chamados whose groups changed with them: a run on them changed (the groups' work item and
   * latest run), an event of a group moved onto them, or they were merged (the groups' chamados).
   */
  groupChamados: Set<number>;
  /** Discovered resources' status changes (the resourceHealthChanged feed). */
  healthChanges: Set<number>;
  /** The earliest received_at of the new events (ms), when every one of them said it. */
  eventsReceivedFrom: number | null;
  everyEventDated: boolean;
  /**
   * The writer is answered before groupChamados' groups move (ingest: a webhook's 202 promises the
   * event, not the recurrence feed; a batch waiting on that statement would hold up the next one).
   */
  answerFirst: boolean;
  /** What the writer read for the Discover feeds, by their read's key (feed-prefetch.ts). */
  feedRows: Map<string, EventRow[]>;
}

function noChanges(): Changes {
  return {
    chamados: new Set(),
    events: new Set(),
    approvals: new Set(),
    recurrence: new Set(),
    groups: new Set(),
    moved: new Set(),
    groupChamados: new Set(),
    healthChanges: new Set(),
    eventsReceivedFrom: null,
    everyEventDated: true,
    answerFirst: false,
    feedRows: new Map(),
  };
}

/** A new event: the Discover feed, its recurrence group's project, and the chamado it joined. */
function eventInserted(changes: Changes, entity: Record<string, unknown>, primaryKey: unknown, groupsOfChamado = true): void {
  changes.events.add(Number(entity.id ?? primaryKey));
  const receivedAt = entity.receivedAt instanceof Date ? entity.receivedAt.getTime() : NaN;
  if (Number.isNaN(receivedAt)) changes.everyEventDated = false;
  else changes.eventsReceivedFrom = Math.min(changes.eventsReceivedFrom ?? receivedAt, receivedAt);
  // Ingest counts every stored event into its group (raw SQL, same transaction).
  if (entity.recurrenceKey) changes.recurrence.add(String(entity.projectId));
  // Ingest writes an event once, already on the chamado it joined.
  const chamadoId = idOf(entity.chamado);
  if (chamadoId) {
    changes.chamados.add(chamadoId);
    if (entity.recurrenceKey && groupsOfChamado) changes.groupChamados.add(chamadoId);
  }
}

function timelineEntryWritten(changes: Changes, entity: Record<string, unknown>): void {
  const id = idOf(entity.chamado);
  if (id) changes.chamados.add(id);
}

const SETS = ['chamados', 'events', 'approvals', 'recurrence', 'groups', 'moved', 'groupChamados', 'healthChanges'] as const;

const idOf = (value: unknown): number | null => {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && 'id' in value) return Number((value as { id: unknown }).id);
  return null;
};

/**
 * Turns committed writes into live pokes, whatever code path made them: it watches the unit of
 * work (chamados and timeline entries → that chamado; events → the Discover feed; approval
 * requests and decisions → approvals; events with a recurrence key, recurrence groups, their
 * work-item entries and runs on their chamados → recurrence; discovered resources' status
 * changes → resourceHealth) and publishes only after the transaction commits, so a rolled-back
 * change is never announced. Writes done in raw SQL also update their chamado entity (counters,
 * updated_at), which is what puts them here; ingest's events and timeline entries, which skip the
 * unit of work, are reported through `inserted`.
 */
export class ChangeCollector implements EventSubscriber {
  #pending = new WeakMap<object, { changes: Changes; em: BaseEntityManager }>();
  #pubsub: LivePubSub | null = null;
  readonly #answeredMoves = new GroupMoveCoalescer(ANSWERED_MOVES_INTERVAL_MS, markGroupsChanged, (projectIds) =>
    this.#pubsub?.publish('recurrence', { projectIds }),
  );

  publishTo(pubsub: LivePubSub): void {
    this.#pubsub = pubsub;
  }

  /** The collector among `em`'s subscribers (none in a process that announces nothing). */
  static of(em: BaseEntityManager): ChangeCollector | undefined {
    return [...em.getEventManager().getSubscribers()].find((s): s is ChangeCollector => s instanceof ChangeCollector);
  }

  /** Runs once the flush's statements ran (ids of new rows are known). */
  async afterFlush(args: FlushEventArgs): Promise<void> {
    const changes = noChanges();
    for (const cs of args.uow.getChangeSets()) {
      const entity = cs.entity as Record<string, unknown>;
      switch (cs.meta.className) {
        case 'Chamado': {
          if (cs.type === 'delete') break;
          const id = Number(entity.id ?? cs.getPrimaryKey());
          changes.chamados.add(id);
          if (cs.type === 'update' && 'mergedInto' in cs.payload) changes.groupChamados.add(id);
          break;
        }
        case 'TimelineEntry':
          timelineEntryWritten(changes, entity);
          break;
        case 'Event':
          if (cs.type === 'create') eventInserted(changes, entity, cs.getPrimaryKey());
          else if (idOf(entity.chamado)) {
            changes.chamados.add(idOf(entity.chamado)!);
            // Moved or attached: the chamado it joined is now one of its group's.
            if (entity.recurrenceKey && 'chamado' in cs.payload) changes.groupChamados.add(idOf(entity.chamado)!);
          }
          break;
        case 'ApprovalRequest':
          changes.approvals.add(Number(entity.id ?? cs.getPrimaryKey()));
          break;
        case 'ApprovalDecision': {
          const id = idOf(entity.request);
          if (id) changes.approvals.add(id);
          break;
        }
        case 'RecurrenceGroup': {
          if (cs.type !== 'update') break;
          const id = Number(entity.id ?? cs.getPrimaryKey());
          changes.groups.add(id);
          if ('changeSeq' in cs.payload) {
            changes.moved.add(id);
            changes.recurrence.add(String(entity.projectId));
          }
          break;
        }
        case 'RecurrenceWorkItemEntry': {
          const id = idOf(entity.group);
          if (id) changes.groups.add(id);
          break;
        }
        case 'ResourceHealthChange':
          if (cs.type === 'create') changes.healthChanges.add(Number(entity.id ?? cs.getPrimaryKey()));
          break;
        case 'RunbookExecution': {
          const id = idOf(entity.chamado);
          if (id) changes.groupChamados.add(id);
          break;
        }
      }
    }
    await this.#collect(args.em, changes);
  }

  /**
   * Events and timeline entries a writer inserted with its own statement (ingest's batches: the
   * unit of work never sees them), announced with the rest of their transaction as if flushed.
   */
  async inserted(
    em: BaseEntityManager,
    rows: {
      events: readonly object[];
      timelineEntries: readonly object[];
      groupChamados: Iterable<number>;
      feedRows?: ReadonlyMap<string, EventRow[]>;
    },
  ): Promise<void> {
    const changes = { ...noChanges(), answerFirst: true, feedRows: new Map(rows.feedRows) };
    for (const event of rows.events) eventInserted(changes, event as Record<string, unknown>, undefined, false);
    for (const entry of rows.timelineEntries) timelineEntryWritten(changes, entry as Record<string, unknown>);
    // The writer knows which chamados' other groups must move (view.ts); the rest were moved by it.
    for (const id of rows.groupChamados) changes.groupChamados.add(id);
    await this.#collect(em, changes);
  }

  /** Adds a flush's changes to its transaction's; outside one, the flush has committed: announced now. */
  async #collect(em: BaseEntityManager, changes: Changes): Promise<void> {
    if (changes.events.size > 0 && !changes.everyEventDated) changes.eventsReceivedFrom = null;
    if (SETS.every((k) => changes[k].size === 0)) return;
    const key = em.isInTransaction() ? (em.getTransactionContext() as object) : em;
    const pending = this.#pending.get(key);
    if (!pending) this.#pending.set(key, { changes, em });
    else {
      for (const k of SETS) for (const v of changes[k]) (pending.changes[k] as Set<unknown>).add(v);
      pending.changes.eventsReceivedFrom = earliestReceived(pending.changes, changes);
      pending.changes.answerFirst ||= changes.answerFirst;
      for (const [key, rows] of changes.feedRows) pending.changes.feedRows.set(key, rows);
    }
    if (!em.isInTransaction()) await this.#publish(key);
  }

  async afterTransactionCommit(args: TransactionEventArgs): Promise<void> {
    if (args.transaction?.savepointName) return; // a nested savepoint is not the real commit
    if (args.transaction) await this.#publish(args.transaction);
    if (args.em) await this.#publish(args.em);
  }

  afterTransactionRollback(args: TransactionEventArgs): void {
    if (args.transaction?.savepointName) return;
    if (args.transaction) this.#pending.delete(args.transaction);
    if (args.em) this.#pending.delete(args.em);
  }

  async #publish(key: object): Promise<void> {
    const pending = this.#pending.get(key);
    if (!pending) return;
    this.#pending.delete(key);
    const pubsub = this.#pubsub;
    if (!pubsub) return;
    const { changes, em } = pending;
    for (const id of changes.chamados) pubsub.publish('chamado', id, { chamadoId: id });
    if (changes.chamados.size) pubsub.publish('chamados', { ids: [...changes.chamados] });
    if (changes.events.size) {
      const poke = eventsPoke(changes);
      attachPrefetched(poke, changes.feedRows);
      pubsub.publish('events', poke);
    }
    if (changes.approvals.size) pubsub.publish('approvals', { ids: [...changes.approvals] });
    if (changes.healthChanges.size) pubsub.publish('resourceHealth', { ids: [...changes.healthChanges] });
    // Only the recurrence feed waits for the groups' change_seq to move (one more statement).
    for (const id of changes.moved) changes.groups.delete(id);
    const toMove = changes.groups.size > 0 || changes.groupChamados.size > 0;
    if (toMove && changes.answerFirst) {
      // The feed is poked once the groups moved, with the moves of the batches around this one.
      this.#answeredMoves.request(em as EntityManager, changes.groups, changes.groupChamados, changes.recurrence);
      return;
    }
    if (toMove) {
      const moved = await markGroupsChanged(em.fork() as EntityManager, changes.groups, changes.groupChamados);
      for (const project of moved) changes.recurrence.add(project);
    }
    if (changes.recurrence.size) pubsub.publish('recurrence', { projectIds: [...changes.recurrence] });
  }
}

/** Two flushes' new events: the earlier received_at, or none when either flush had an event without one. */
function earliestReceived(a: Changes, b: Changes): number | null {
  const undated = (c: Changes) => c.events.size > 0 && c.eventsReceivedFrom === null;
  if (undated(a) || undated(b)) return null;
  const known = [a.eventsReceivedFrom, b.eventsReceivedFrom].filter((t): t is number => t !== null);
  return known.length ? Math.min(...known) : null;
}

/**
 * The Discover feed's poke: the new events' ids and, when known, the earliest received_at among
 * them, so the feed's read searches only the months they are in (events are partitioned by it).
 */
function eventsPoke(changes: Changes): LiveTopics['events'][0] {
  const ids = [...changes.events];
  return changes.eventsReceivedFrom === null ? { ids } : { ids, receivedFrom: new Date(changes.eventsReceivedFrom).toISOString() };
}

/**
 * At most one group move per this interval for writers answered first (GroupMoveCoalescer): under
 * a 16-sender burst (a batch every ~7 ms on two cores) 1,000 batches asked for ~190 statements
 * instead of ~600, and the recurrence feed hears of a move at most this much later.
 */
const ANSWERED_MOVES_INTERVAL_MS = 25;

const groupMoves = new Counter({
  name: 'opsgraph_live_group_moves_total',
  help: "Statements run after a commit to move recurrence groups' change_seq (the recurrenceChanged feed's extra statement)",
});

/**
 * Moves the change_seq of groups the unit of work changed (a work-item entry, a run on one of
 * their chamados, a group update that did not move it itself), so the recurrenceChanged feed,
 * which follows change_seq, sends them again; ingest and silences.ts move it in their own update. It runs after the commit, on its own: inside
 * the writer's transaction it would take the group's row lock after whatever that transaction
 * locked (a chamado, an execution), the reverse of ingest's order (group, then chamado), which
 * deadlocks. The change is committed by then: if this fails, the request still succeeds and the
 * group is sent with its next change (like a lost poke). Returns the projects of the groups moved.
 *
 * A group another transaction holds is skipped, never waited for: whoever changes a group moves
 * its change_seq in that change or right after it commits (ingest's batches, silences, the
 * recurrence clock, this), and the feed then reads the group — with its chamados as they are, this
 * change included — once that commits. Waiting would hold this statement's own locks on the other
 * groups meanwhile: a chamado that a flapping alert keeps joining is linked to dozens of groups,
 * and the next ingest batch, writing some of them, queued behind it. A holder that rolls back
 * leaves its group to be sent with its next change, like a lost poke.
 */
export async function markGroupsChanged(em: EntityManager, groups: Iterable<number>, groupChamados: Iterable<number>): Promise<string[]> {
  const chamadoIds = [...groupChamados];
  const chamados = chamadoIds.length ? anyOf('gc.chamado_id', chamadoIds, 'int') : sqlPart('false');
  groupMoves.inc();
  try {
    // Two `= any(array)` conditions, each an index scan; `? or g.id in (subquery)` made PostgreSQL
    // scan every group with a hashed subplan (3 ms per ingest batch at a few thousand groups).
    // The moved groups' projects, once each: a chamado's dozens of groups are mostly of one.
    const rows = await em.execute<{ project_id: string }[]>(
      `with moved as (
         update recurrence_groups g set change_seq = nextval('recurrence_change_seq')
         where g.id = any(array(
           select f.id from recurrence_groups f
           where f.id = any(?) or f.id = any(array(select gc.group_id from recurrence_group_chamados gc where ?))
           for no key update skip locked))
         returning g.project_id)
       select distinct project_id from moved`,
      [arrayOf([...groups], 'int'), chamados],
    );
    return rows.map((r) => r.project_id);
  } catch {
    return [];
  }
}
