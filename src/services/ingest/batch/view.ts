import type { EntityManager } from '@mikro-orm/postgresql';
import { Chamado, ChamadoSchema } from '../../../../entities/chamado.entity.ts';
import { EventSchema, type Event } from '../../../../entities/event.entity.ts';
import { TimelineEntrySchema, type TimelineEntry } from '../../../../entities/timeline-entry.entity.ts';
import { OPEN_STATUSES } from '../../../../entities/chamado-status.ts';
import { ObservableSchema } from '../../../../entities/observable.entity.ts';
import { columnLimits, cutToLength } from '../../../../entities/column-facts.ts';
import { insertEntitiesCte, updateEntitiesCte } from '../../../db/entity-rows.ts';
import { executePipelined } from '../../../db/prepared-statements.ts';
import { arrayOf, sqlPart, type Sql } from '../../../db/sql.ts';
import { claimsCte } from '../key-claims.ts';
import type { ObservableFact } from '../../chamados/observables.ts';
import { reserveChamados } from '../../chamados/public-ids.ts';
import type { EventRow } from '../../events/reads.ts';
import { ChangeCollector } from '../../live/change-collector.ts';
import { feedReadsFor } from '../../live/feed-prefetch.ts';
import type { RecurrenceSettings } from '../../recurrence/settings.ts';
import type { CorrelationMatch } from '../correlate.ts';
import { alertsAfter, mayEndLastAlert, type ChamadoAlerts } from './chamado-alerts.ts';
import { GroupTouches } from './group-touches.ts';
import { scopedKey, type Prefetched } from './prefetch.ts';
import type { BatchTurn } from './turn.ts';

const OBSERVABLE = columnLimits(ObservableSchema);

export interface ViewMatch extends Omit<CorrelationMatch, 'chamadoId'> {
  chamado: Chamado;
}

/**
 * The database as the batch's next turn would read it one by one: what was prefetched, plus what
 * the earlier turns of the batch did in memory (chamados joined or opened, observables added,
 * events placed, groups touched). Those writes wait here and are stored together by `write`.
 */
export class BatchView {
  readonly data: Prefetched;
  readonly groups: GroupTouches;
  readonly #now: Date;
  readonly #batchEvents: ReadonlyMap<number, Event>;
  /** Chamados joined or opened by earlier turns, the latest last (their updated_at is now). */
  readonly #touched: Chamado[] = [];
  readonly #openedBySession = new Map<string, Chamado>();
  readonly #fingerprint = new Map<string, { eventId: number; chamado: Chamado }>();
  readonly #addedAgents = new Map<Chamado, Set<string>>();
  readonly #opened: Chamado[] = [];
  readonly #observables: { chamado: Chamado; fact: ObservableFact; eventId: number }[] = [];
  /** Correlation records that name a chamado opened here, filled in once its number is taken. */
  readonly #publicIdsToFill: { chamado: Chamado; record: { chamado_public_id: string | null } }[] = [];
  /** The turns' events and timeline entries, written by `write`'s statement, not the unit of work. */
  readonly #events: Event[] = [];
  readonly #timelineEntries: TimelineEntry[] = [];
  /** The alerts of the chamados read with the batch or opened by it, as the turns moved them. */
  readonly #alerts: Map<number | Chamado, ChamadoAlerts>;
  /** Alert resolutions of this batch stored on no chamado (what a later firing would adopt). */
  readonly resolutionsOnNoChamado = new Set<string>();

  constructor(data: Prefetched, recurrence: RecurrenceSettings, now: Date, batchEvents: ReadonlyMap<number, Event>) {
    this.data = data;
    this.groups = new GroupTouches(recurrence, now, data.groups);
    this.#now = now;
    this.#batchEvents = batchEvents;
    this.#alerts = new Map(data.chamadoAlerts);
  }

  /** The chamado a duplicate's original is on: an event of this batch (placed by an earlier turn) or a stored one. */
  originalOf(eventId: number): { chamado: Chamado | null; chamadoId: number | null; publicId: string | null } {
    const here = this.#batchEvents.get(eventId);
    if (here) return { chamado: here.chamado ?? null, chamadoId: null, publicId: null };
    const stored = this.data.originals.get(eventId);
    return { chamado: null, chamadoId: stored?.chamadoId ?? null, publicId: stored?.publicId ?? null };
  }

  /** correlate.ts's findCorrelation over this view (same rules, same order, same conditions). */
  correlate(turn: BatchTurn, windowMs: number): ViewMatch | null {
    const { normalized: ev, recurrenceKey, delivery } = turn.staged;
    const scoped = (key: string) => scopedKey(delivery.projectId, key);
    const fromDb = (id: number | undefined) => (id === undefined ? undefined : this.data.chamados.get(this.data.survivorOf.get(id) ?? id));
    const since = this.#now.getTime() - windowMs;
    const inWindow = (c: Chamado) => c.projectId === delivery.projectId && !c.mergedInto && OPEN_STATUSES.includes(c.status) && c.updatedAt.getTime() >= since;
    const latestTouched = (test: (c: Chamado) => boolean) => this.#touched.findLast((c) => inWindow(c) && test(c));

    if (ev.chamadoPublicId) {
      // A chamado opened in this batch has no number any sender could know yet.
      const chamado = fromDb(this.data.explicit.get(scoped(ev.chamadoPublicId)));
      if (chamado) return { chamado, rule: 'explicit', key: ev.chamadoPublicId, includesClosed: true };
    }
    if (ev.sessionId) {
      const chamado = this.#openedBySession.get(scoped(ev.sessionId)) ?? fromDb(this.data.session.get(scoped(ev.sessionId)));
      if (chamado) return { chamado, rule: 'session', key: ev.sessionId, includesClosed: true };
    }
    if (recurrenceKey) {
      const here = this.#fingerprint.get(scoped(recurrenceKey));
      const stored = this.data.fingerprint.get(scoped(recurrenceKey));
      const chamado = here && (!stored || here.eventId > stored.eventId) ? here.chamado : fromDb(stored?.chamadoId);
      if (chamado) return { chamado, rule: 'fingerprint', key: recurrenceKey, includesClosed: true };
    }
    if (ev.domain) {
      const chamado = latestTouched((c) => c.domain === ev.domain) ?? fromDb(this.data.domain.get(scoped(ev.domain)));
      if (chamado) return { chamado, rule: 'domain_window', key: ev.domain, includesClosed: false };
    }
    if (ev.agent) {
      const agent = ev.agent;
      const chamado = latestTouched((c) => this.#hasAgent(c, agent)) ?? fromDb(this.data.agent.get(scoped(agent)));
      if (chamado) return { chamado, rule: 'agent_window', key: agent, includesClosed: false };
    }
    return null;
  }

  #hasAgent(chamado: Chamado, agent: string): boolean {
    return Boolean(this.#addedAgents.get(chamado)?.has(agent) || (chamado.id !== undefined && this.data.chamadoAgents.get(chamado.id)?.has(agent)));
  }

  /** A turn joined or opened `chamado` with a non-duplicate event (the fingerprint rule's input). */
  joined(chamado: Chamado, turn: BatchTurn): void {
    const index = this.#touched.indexOf(chamado);
    if (index >= 0) this.#touched.splice(index, 1);
    this.#touched.push(chamado);
    const { recurrenceKey, delivery, entity } = turn.staged;
    if (recurrenceKey) this.#fingerprint.set(scopedKey(delivery.projectId, recurrenceKey), { eventId: entity.id, chamado });
    const key = this.#alertsKey(chamado);
    const alerts = this.#alerts.get(key);
    if (alerts) this.#alerts.set(key, alertsAfter(alerts, turn, this.#now));
  }

  /**
   * Whether this alert resolution, joining `chamado`, may be the one that ends its last firing
   * alert (alert-resolution.ts then acts, which only the one-by-one path does).
   */
  mayEndLastAlert(chamado: Chamado, turn: BatchTurn): boolean {
    return mayEndLastAlert(this.#alerts.get(this.#alertsKey(chamado)), turn, this.#now);
  }

  #alertsKey(chamado: Chamado): number | Chamado {
    // A chamado opened here has no id before the batch is written: it is its own key.
    return this.isOpenedHere(chamado) ? chamado : chamado.id;
  }

  opened(chamado: Chamado): void {
    this.#alerts.set(chamado, new Map());
    this.#opened.push(chamado);
    if (chamado.sessionId) this.#openedBySession.set(scopedKey(chamado.projectId, chamado.sessionId), chamado);
  }

  isOpenedHere(chamado: Chamado): boolean {
    return this.#opened.includes(chamado);
  }

  addObservables(chamado: Chamado, facts: ObservableFact[], eventId: number): void {
    for (const fact of facts) {
      this.#observables.push({ chamado, fact, eventId });
      if (fact.tipo !== 'agent') continue;
      const agents = this.#addedAgents.get(chamado) ?? new Set();
      agents.add(cutToLength(fact.valor, OBSERVABLE.valor!).value);
      this.#addedAgents.set(chamado, agents);
    }
  }

  /** A turn placed its event: its row is written with the rest (never inserted, then updated). */
  writesEvent(event: Event): void {
    this.#events.push(event);
  }

  writesTimelineEntry(entry: TimelineEntry): void {
    this.#timelineEntries.push(entry);
  }

  /** `record.chamado_public_id` names `chamado`, whose number may only be taken at write time. */
  namesChamado(record: { chamado_public_id: string | null }, chamado: Chamado): void {
    if (this.isOpenedHere(chamado)) this.#publicIdsToFill.push({ chamado, record });
    else record.chamado_public_id = chamado.publicId;
  }

  /**
   * Stores what the turns left in memory (the view is not used after this) in one statement, or
   * two when the turns opened chamados (their numbers and ids are taken first, one round trip for
   * all, in opening order): the chamados opened and joined, the events and their timeline entries,
   * the groups with their hours and links, the observables, and the dedup keys the written events
   * hold (`claims`). None of it passes through the unit of work: MikroORM spent more of a batch's
   * time building its statements than PostgreSQL spent running them, and each was a round trip
   * (a chamado's update two: its version check, then the update) while the batch held its locks.
   * The chamados written are handed back to the entity manager as stored, so it holds them clean.
   * The statement itself checks that every claim landed (opsgraph_claims_held raises a
   * serialization failure otherwise), so with `commit` — the batch's last statement, in a
   * transaction the batch owns — its COMMIT is written right behind it.
   */
  async write(tx: EntityManager, claims: ReadonlyMap<string, number>, { commit = false } = {}): Promise<void> {
    // Before the chamados opened here are numbered (and no longer told apart).
    const groupChamados = this.#chamadosOfOtherGroups(this.#events);
    // Taken only now, all at once: a rolled-back batch hands its numbers back (public-ids.ts).
    const opened = this.#opened.splice(0);
    if (opened.length > 0) {
      const reserved = await reserveChamados(tx, this.#now, opened.length);
      opened.forEach((c, i) => {
        c.id = reserved[i]!.id!;
        c.publicId = reserved[i]!.publicId;
      });
    }
    for (const { chamado, record } of this.#publicIdsToFill.splice(0)) record.chamado_public_id = chamado.publicId;
    // Every chamado a turn changed is one it joined (opened ones too).
    const joined = this.#touched.splice(0).filter((c) => !opened.includes(c));
    const events = this.#events.splice(0);
    const timelineEntries = this.#timelineEntries.splice(0);
    const groups = this.groups.writeCtes();
    const nothing = events.length === 0 && joined.length === 0 && opened.length === 0 && groups === null;
    if (nothing && this.#observables.length === 0 && claims.size === 0) return;
    // Every part but the groups' is there even when empty, so the statement has two texts in all.
    const ctes = [
      insertEntitiesCte('inserted_chamados', ChamadoSchema, opened, { returning: 'to_jsonb(t) as row', keysTaken: true }),
      updateEntitiesCte('updated_chamados', ChamadoSchema, joined, { returning: 'to_jsonb(t) as row' }),
      insertEntitiesCte('inserted_events', EventSchema, events, { keysTaken: true }),
      insertEntitiesCte('inserted_timeline_entries', TimelineEntrySchema, timelineEntries, { keysTaken: false }),
      groups,
      this.#observablesCte(),
      claimsCte(claims),
    ].filter((c): c is Sql => c !== null);
    // Prepared: planned afresh it took 1.4–1.9 ms against 0.6 ms.
    const written = sqlPart(
      `with ${ctes.map(() => '?').join(', ')}
       select opsgraph_claims_held(array(select key from claimed_keys), ?) as claimed,
         (select coalesce(jsonb_agg(w.row), '[]') from (select row from inserted_chamados union all select row from updated_chamados) w) as chamados`,
      ...ctes,
      arrayOf([...claims.keys()], 'text'),
    );
    // The batch's last write: the listening Discover feeds' reads of its events go right behind it,
    // before the COMMIT (feed-prefetch.ts). An earlier write's events are read by the feeds themselves.
    const feedReads = commit ? feedReadsFor(events) : [];
    const [[row], ...feedRows] = (await executePipelined(tx, [written, ...feedReads.map((r) => r.statement)], { thenCommit: commit })) as [
      { chamados: Record<string, unknown>[] }[],
      ...EventRow[][],
    ];
    // The opened ones enter the identity map as themselves (the events and receipts hold them),
    // then every one takes its stored row as its clean state: nothing left for a flush to write.
    for (const chamado of opened) tx.merge(chamado);
    for (const stored of row!.chamados) tx.map(Chamado, stored);
    const prefetched = new Map(feedReads.map((read, i) => [read.key, feedRows[i]!]));
    await ChangeCollector.of(tx)?.inserted(tx, { events, timelineEntries, groupChamados, feedRows: prefetched });
  }

  /**
   * The chamados that events joined and that are linked to a group this batch did not touch: the
   * recurrence feed shows those groups with the chamado, so they are sent again (the collector
   * moves their change_seq after the commit, a statement of its own). Most of the time there is
   * none: a chamado opened here is linked to touched groups only, and a chamado's own group is
   * moved by the batch's write. A duplicate changes nothing of its original's chamado.
   */
  #chamadosOfOtherGroups(events: readonly Event[]): Set<number> {
    const touched = this.groups.touchedIds();
    const chamados = new Set<number>();
    for (const event of events) {
      const chamado = event.chamado;
      if (!event.recurrenceKey || event.isDuplicate || !chamado || this.isOpenedHere(chamado as Chamado)) continue;
      const linked = this.data.chamadoGroups.get(chamado.id);
      // Not read with the batch (not a correlation candidate): assume it has other groups.
      if (!linked || [...linked].some((id) => !touched.has(id))) chamados.add(chamado.id);
    }
    return chamados;
  }

  #observablesCte(): Sql {
    const observables = this.#observables.splice(0);
    return sqlPart(
      `added_observables as (
         insert into observables (chamado_id, tipo, valor, fonte, event_id, created_at)
         select o.chamado_id, o.tipo, o.valor, o.fonte, o.event_id, now()
         from unnest(?, ?, ?, ?, ?) with ordinality as o(chamado_id, tipo, valor, fonte, event_id, n)
         order by o.n
         on conflict (chamado_id, tipo, valor, fonte) do nothing)`,
      arrayOf(observables.map((o) => o.chamado.id), 'bigint'),
      arrayOf(observables.map((o) => o.fact.tipo), 'text'),
      arrayOf(observables.map((o) => cutToLength(o.fact.valor, OBSERVABLE.valor!).value), 'text'),
      arrayOf(observables.map((o) => o.fact.fonte), 'text'),
      arrayOf(observables.map((o) => o.eventId), 'bigint'),
    );
  }
}
