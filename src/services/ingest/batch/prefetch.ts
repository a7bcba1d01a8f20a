import type { EntityManager } from '@mikro-orm/postgresql';
import { Chamado } from '../../../../entities/chamado.entity.ts';
import { OPEN_STATUSES } from '../../../../entities/chamado-status.ts';
import type { RecurrenceLifecycle } from '../../../../entities/recurrence-group.entity.ts';
import type { ExecutionStatus } from '../../../../entities/runbook-levels.ts';
import { OneRoundTrip } from '../../../db/one-round-trip.ts';
import { executePrepared } from '../../../db/prepared-statements.ts';
import { alertStatesByChamadoIds } from '../../chamados/alerts.ts';
import { arrayOf, sqlPart, type Sql } from '../../../db/sql.ts';
import { TRAILING_HOURS, type GroupBefore } from '../../recurrence/lifecycle.ts';
import type { RecurrenceSettings } from '../../recurrence/settings.ts';
import { MAX_THRESHOLD_WINDOW_MINUTES } from '../../recurrence/silences.ts';
import { exactDedupKey } from '../dedup.ts';
import type { StagedEvent } from '../place-event.ts';
import { resolutionIdOf } from '../sources/alertmanager.ts';
import { alertsOfRows, isRuledResolutionTurn, type ChamadoAlerts } from './chamado-alerts.ts';
import type { BatchTurn } from './turn.ts';

const HOUR_MS = 3_600_000;

/** A runbook execution as the recurrence lifecycle compares them (latest by created_at, then id). */
export interface RunStamp {
  status: ExecutionStatus;
  finishedAt: Date | null;
  createdAt: Date;
  id: number;
}

/** A recurrence group as it was when the batch (or the rest of it) began. */
export interface GroupSnapshot {
  id: number;
  before: GroupBefore & { lastRun: RunStamp | null };
  silencedUntil: Date | null;
  silenceReason: string | null;
  openThreshold: number | null;
  openWindowMinutes: number | null;
  linkedChamados: Set<number>;
}

/** What the batch's turns read, all read at once before the turns (a few statements per batch). */
export interface Prefetched {
  /** By scoped key `project\u0000key` (scopedKey). */
  groups: Map<string, GroupSnapshot>;
  explicit: Map<string, number>;
  session: Map<string, number>;
  /** The latest non-duplicate event of the recurrence key that is on a chamado. */
  fingerprint: Map<string, { eventId: number; chamadoId: number }>;
  domain: Map<string, number>;
  agent: Map<string, number>;
  /** Where each of those chamados' merges lead (itself when not merged). */
  survivorOf: Map<number, number>;
  /** The survivors, locked for the batch and managed by its entity manager. */
  chamados: Map<number, Chamado>;
  /** Of those: their agent observables among the batch's agents, and their latest run. */
  chamadoAgents: Map<number, Set<string>>;
  chamadoLastRun: Map<number, RunStamp | null>;
  /** Of those: the recurrence groups each is linked to. */
  chamadoGroups: Map<number, Set<number>>;
  /**
   * Of those: their alerts, read only when the batch holds an alert resolution the rules may act on
   * (the turn asks whether it ends its chamado's last firing alert).
   */
  chamadoAlerts: Map<number, ChamadoAlerts>;
  /** Outside originals of the batch's duplicates: their chamado, as the copy is shown under it. */
  originals: Map<number, { chamadoId: number | null; publicId: string | null }>;
  /** Recurrence keys with events held by an opening threshold inside their window. */
  heldKeys: Set<string>;
  /** Alert resolutions stored before their firing, waiting for it (by scoped resolution id). */
  earlyResolutions: Set<string>;
}

/** One key of a project: correlation never crosses projects. */
export function scopedKey(projectId: string, key: string): string {
  return `${projectId}\u0000${key}`;
}

/** The resolution an alert firing's early-arrived resolution would carry, scoped; null if none can. */
export function earlyResolutionKey(event: StagedEvent): string | null {
  const { normalized: ev, recurrenceKey, delivery } = event;
  if (ev.alertStatus !== 'firing' || !ev.providerEventId || !recurrenceKey || (ev.source !== 'alertmanager' && ev.source !== 'signoz')) return null;
  const resolutionId = resolutionIdOf(ev.providerEventId);
  return resolutionId ? scopedKey(delivery.projectId, `${ev.source}\u0000${recurrenceKey}\u0000${resolutionId}`) : null;
}

interface Keyed {
  projectId: string;
  key: string;
}

function distinct(pairs: Keyed[]): Keyed[] {
  const seen = new Map<string, Keyed>();
  for (const p of pairs) seen.set(scopedKey(p.projectId, p.key), p);
  return [...seen.values()];
}

function keyedParams(pairs: Keyed[]) {
  return [arrayOf(pairs.map((p) => p.projectId), 'text'), arrayOf(pairs.map((p) => p.key), 'text')];
}

const runStamp = (raw: { status: string; finishedAt: string | null; createdAt: string; id: number } | null): RunStamp | null =>
  raw
    ? { status: raw.status as ExecutionStatus, finishedAt: raw.finishedAt ? new Date(raw.finishedAt) : null, createdAt: new Date(raw.createdAt), id: Number(raw.id) }
    : null;

const RUN_JSON = `json_build_object('status', x.status, 'finishedAt', x.finished_at, 'createdAt', x.created_at, 'id', x.id)`;

/** The reads that need only the events, not their dedup verdicts: prefetch's first round trip. */
export type FirstReads = Pick<
  Prefetched,
  'groups' | 'explicit' | 'session' | 'fingerprint' | 'domain' | 'agent' | 'originals' | 'heldKeys' | 'earlyResolutions'
> & {
  /**
   * The merge survivors of every chamado those reads pick, read and locked right behind them;
   * null when they were not asked for (prefetch reads them for the live turns then).
   */
  survivors: Survivors | null;
};

interface PrefetchSettings {
  recurrence: RecurrenceSettings;
  correlationWindowMs: number;
  rules: { autoResolveSources: readonly string[] };
}

/**
 * Queues on `round` every read that needs only the events: it can go out before their dedup
 * verdicts are known (with the statement that reads the keys' holders and takes the correlation
 * locks, store-batch.ts). So each is made for every event, duplicates included: a duplicate's
 * turn looks up none of it but its original's chamado, read here for the holders of its keys.
 * Every read is queued even with no key to look up (it then finds nothing), so the statement
 * always has the same text: one prepared statement, not one per mix of reads a batch needs
 * (seven of the thirteen statements a server had prepared after 3,000 deliveries were such mixes;
 * past sixteen, statements run unprepared).
 */
export function queueFirstReads(
  round: OneRoundTrip,
  locking: OneRoundTrip | null,
  events: readonly StagedEvent[],
  settings: PrefetchSettings,
  now: Date,
): Promise<FirstReads> {
  const keys = correlationKeys(events, new Date(now.getTime() - settings.correlationWindowMs));
  return Promise.all([
    readGroups(round, keys.recurrence, now),
    readIds(round, keys.explicit, EXPLICIT_LOOKUP),
    readIds(round, keys.session, SESSION_LOOKUP),
    readFingerprints(round, keys.recurrence),
    readIds(round, keys.domain, keys.domainLookup),
    readIds(round, keys.agent, keys.agentLookup),
    readOriginals(round, events),
    readHeldKeys(round, keys.recurrence, settings.recurrence, now),
    readEarlyResolutions(round, events),
    // Its own statement, after the reads above: the chamados they pick, found again in SQL, so
    // the batch waits for one round trip instead of two.
    locking
      ? readSurvivors((sql) => locking.query<SurvivorRow>(sql.sql, sql.params), sqlPart('array(?)', candidatesOf(keys)), agentsOf(events))
      : null,
  ]).then(([groups, explicit, session, fingerprint, domain, agent, originals, heldKeys, earlyResolutions, survivors]) => ({
    groups,
    explicit,
    session,
    fingerprint,
    domain,
    agent,
    originals,
    heldKeys,
    earlyResolutions,
    survivors,
  }));
}

/*
 * The correlation rules' lookups (DOMAIN.md order, same conditions as correlate.ts), each by
 * `k.key` of `k.project_id`: written once for the first reads, which say which key found which
 * chamado, and for the survivors' read, which takes the chamados they found.
 */
const EXPLICIT_LOOKUP = sqlPart('select id from chamados where public_id = k.key and project_id = k.project_id');
const SESSION_LOOKUP = sqlPart('select id from chamados where session_id = k.key and project_id = k.project_id order by id desc limit 1');
const FINGERPRINT_LOOKUP = `select id, chamado_id from events where project_id = k.project_id and recurrence_key = k.key
  and chamado_id is not null and not is_duplicate order by id desc limit 1`;
const domainLookup = (since: Date) =>
  sqlPart(
    `select id from chamados where domain = k.key and project_id = k.project_id and status = any(?) and merged_into_id is null and updated_at >= ?
     order by updated_at desc limit 1`,
    arrayOf(OPEN_STATUSES, 'text'),
    since,
  );
const agentLookup = (since: Date) =>
  sqlPart(
    `select c.id from chamados c join observables o on o.chamado_id = c.id and o.tipo = 'agent' and o.valor = k.key
     where c.project_id = k.project_id and c.status = any(?) and c.merged_into_id is null and c.updated_at >= ?
     order by c.updated_at desc limit 1`,
    arrayOf(OPEN_STATUSES, 'text'),
    since,
  );

/** The events' distinct agents (whose observables the survivors' read reports). */
function agentsOf(events: readonly StagedEvent[]): string[] {
  return [...new Set(events.map((s) => s.normalized.agent).filter((a): a is string => Boolean(a)))];
}

/** The events' distinct keys for each lookup, and the window's lookups. */
function correlationKeys(events: readonly StagedEvent[], since: Date) {
  const of = (pick: (s: StagedEvent) => string | null | undefined) =>
    distinct(events.flatMap((s) => (pick(s) ? [{ projectId: s.delivery.projectId, key: pick(s)! }] : [])));
  return {
    recurrence: of((s) => s.recurrenceKey),
    explicit: of((s) => s.normalized.chamadoPublicId),
    session: of((s) => s.normalized.sessionId),
    domain: of((s) => s.normalized.domain),
    agent: of((s) => s.normalized.agent),
    domainLookup: domainLookup(since),
    agentLookup: agentLookup(since),
  };
}

/**
 * Every chamado a lookup finds for the keys, as one query: a superset of the live turns' own (a
 * duplicate's keys are looked up too; its turn needs none), which only locks a few more rows.
 */
function candidatesOf(keys: ReturnType<typeof correlationKeys>): Sql {
  const by = (pairs: Keyed[], lookup: Sql) =>
    sqlPart('select c.id from unnest(?, ?) as k(project_id, key) cross join lateral (?) c', ...keyedParams(pairs), lookup);
  return sqlPart(
    `? union ? union select e.chamado_id from unnest(?, ?) as k(project_id, key) cross join lateral (${FINGERPRINT_LOOKUP}) e union ? union ?`,
    by(keys.explicit, EXPLICIT_LOOKUP),
    by(keys.session, SESSION_LOOKUP),
    ...keyedParams(keys.recurrence),
    by(keys.domain, keys.domainLookup),
    by(keys.agent, keys.agentLookup),
  );
}

/**
 * Reads everything the turns of `turns` will decide on, as it is now: their recurrence groups,
 * the chamados each correlation rule would pick for their keys (DOMAIN.md order, same conditions
 * as correlate.ts), those chamados' merge survivors — locked, in id order — and the few facts
 * that send a turn down the one-by-one path (held occurrences, early resolutions). `first` is
 * queueFirstReads' answer when it was already sent for these turns' events.
 */
export async function prefetch(
  tx: EntityManager,
  turns: readonly BatchTurn[],
  settings: PrefetchSettings,
  now: Date,
  first?: Promise<FirstReads>,
): Promise<Prefetched> {
  if (!first) {
    const round = new OneRoundTrip();
    first = queueFirstReads(
      round,
      null, // the survivors are read once the live turns are known
      turns.map((t) => t.staged),
      settings,
      now,
    );
    await round.send(tx);
  }
  const { survivors: firstSurvivors, ...reads } = await first;
  const live = turns.filter((t) => !t.duplicate);
  const agents = agentsOf(live.map((t) => t.staged));
  const picked = [...new Set(live.flatMap((t) => pickedFor(reads, t.staged)))];
  // Sent with the batch's first statement (store-batch.ts), the survivors came with the reads.
  const survivorsRead = await completeSurvivors(tx, picked, agents, firstSurvivors ?? noSurvivors());
  const { survivorOf, agents: chamadoAgents, lastRun: chamadoLastRun, groups: chamadoGroups, rows } = survivorsRead;
  // The live turns' own: the first round trip also locked those of duplicates' keys, which no turn reads.
  const ofPicked = picked.map((id) => survivorOf.get(id)).filter((id): id is number => id !== undefined);
  const survivors = [...new Set(ofPicked)].sort((a, b) => a - b);
  // Managed by the batch's entity manager, as a find would leave them (the unit of work writes them).
  const chamados = survivors.map((id) => tx.map(Chamado, rows.get(id)!));
  // Read under the chamados' locks, like resolveWhenAlertsEnd reads them.
  const resolutions = live.some((turn) => isRuledResolutionTurn(turn, settings.rules.autoResolveSources));
  const chamadoAlerts = resolutions && survivors.length ? alertsOfRows(await alertStatesByChamadoIds(tx, survivors)) : new Map<number, ChamadoAlerts>();
  // A survivor with no alert has none to read back.
  if (resolutions) for (const id of survivors) if (!chamadoAlerts.has(id)) chamadoAlerts.set(id, new Map());
  return {
    ...reads,
    survivorOf,
    chamados: new Map(chamados.map((c) => [c.id, c])),
    chamadoAgents,
    chamadoLastRun,
    chamadoGroups,
    chamadoAlerts,
  };
}

/**
 * `known` (what the first round trip read) with the survivors of every chamado in `picked` (the
 * live turns' keys picked them) it lacks. The survivors' statement looks the keys up again, a
 * moment after the reads: a chamado a command changed in between (reopened, closed) can be found
 * by one and not the other, and the one the reads picked is then read here.
 */
async function completeSurvivors(tx: EntityManager, picked: readonly number[], agents: string[], known: Survivors): Promise<Survivors> {
  const missing = picked.filter((id) => !known.survivorOf.has(id));
  if (missing.length === 0) return known;
  // Prepared, like the batch's other reads: its text never changes.
  const read = await readSurvivors((sql) => executePrepared<SurvivorRow>(tx, sql), arrayOf(missing, 'bigint'), agents);
  for (const key of ['survivorOf', 'agents', 'lastRun', 'groups', 'rows'] as const) {
    for (const [id, value] of read[key] as Map<number, unknown>) (known[key] as Map<number, unknown>).set(id, value);
  }
  return known;
}

/** The chamados each correlation rule would pick for an event, as the first reads found them. */
function pickedFor(reads: Omit<FirstReads, 'survivors'>, event: StagedEvent): number[] {
  const { normalized: ev, recurrenceKey, delivery } = event;
  const found = (map: ReadonlyMap<string, number>, key: string | null | undefined) =>
    key ? map.get(scopedKey(delivery.projectId, key)) : undefined;
  const fingerprint = recurrenceKey ? reads.fingerprint.get(scopedKey(delivery.projectId, recurrenceKey))?.chamadoId : undefined;
  return [
    found(reads.explicit, ev.chamadoPublicId),
    found(reads.session, ev.sessionId),
    fingerprint,
    found(reads.domain, ev.domain),
    found(reads.agent, ev.agent),
  ].filter((id): id is number => id !== undefined);
}

async function readIds(round: OneRoundTrip, keys: Keyed[], lookup: Sql): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const rows = await round.query<{ project_id: string; key: string; id: number }>(
    `select k.project_id, k.key, c.id from unnest(?, ?) as k(project_id, key) cross join lateral (?) c`,
    [...keyedParams(keys), lookup],
  );
  for (const r of rows) found.set(scopedKey(r.project_id, r.key), Number(r.id));
  return found;
}

async function readFingerprints(round: OneRoundTrip, keys: Keyed[]): Promise<Prefetched['fingerprint']> {
  const found: Prefetched['fingerprint'] = new Map();
  const rows = await round.query<{ project_id: string; key: string; id: number; chamado_id: number }>(
    `select k.project_id, k.key, e.id, e.chamado_id from unnest(?, ?) as k(project_id, key) cross join lateral (${FINGERPRINT_LOOKUP}) e`,
    keyedParams(keys),
  );
  for (const r of rows) found.set(scopedKey(r.project_id, r.key), { eventId: Number(r.id), chamadoId: Number(r.chamado_id) });
  return found;
}

/** What the turns know of the chamados their keys pick: where each merge leads, and the survivors. */
interface Survivors {
  survivorOf: Map<number, number>;
  agents: Map<number, Set<string>>;
  lastRun: Map<number, RunStamp | null>;
  groups: Map<number, Set<number>>;
  rows: Map<number, Record<string, unknown>>;
}

const noSurvivors = (): Survivors => ({ survivorOf: new Map(), agents: new Map(), lastRun: new Map(), groups: new Map(), rows: new Map() });

interface SurvivorRow {
  start: string;
  id: string;
  agents: string[];
  last_run: Parameters<typeof runStamp>[0];
  groups: string[];
  chamado: Record<string, unknown>;
}

/**
 * correlate.ts's survivor() for many chamados at once (`ids`: an array expression), with what the
 * turns need to know of each survivor: its agent observables among the batch's agents, its latest
 * runbook execution, the recurrence groups linked to it (whose feed shows it, so an event joining
 * it moves them too), and its row, locked for the batch in id order — one statement where a find
 * after it was a second. `run` sends it (prepared alone, or in the batch's first round trip).
 */
async function readSurvivors(run: (statement: Sql) => Promise<SurvivorRow[]>, ids: Sql, agents: string[]): Promise<Survivors> {
  const { survivorOf, agents: agentsOf, lastRun, groups, rows: chamados } = noSurvivors();
  const rows = await run(
    sqlPart(
      `with recursive chain(start, id, merged_into_id, depth) as (
       select id, id, merged_into_id, 0 from chamados where id = any(?)
       union all
       select chain.start, c.id, c.merged_into_id, chain.depth + 1 from chamados c join chain on c.id = chain.merged_into_id where chain.depth < 20
     )
     select s.start, s.id,
       array(select o.valor from observables o where o.chamado_id = s.id and o.tipo = 'agent' and o.valor = any(?)) as agents,
       (select ${RUN_JSON} from runbook_executions x where x.chamado_id = s.id order by x.created_at desc, x.id desc limit 1) as last_run,
       array(select gc.group_id from recurrence_group_chamados gc where gc.chamado_id = s.id) as groups,
       to_jsonb(c) as chamado
     from chain s join chamados c on c.id = s.id where s.merged_into_id is null
     order by c.id for update of c`,
      ids,
      arrayOf(agents, 'text'),
    ),
  );
  for (const r of rows) {
    survivorOf.set(Number(r.start), Number(r.id));
    agentsOf.set(Number(r.id), new Set(r.agents));
    lastRun.set(Number(r.id), runStamp(r.last_run));
    groups.set(Number(r.id), new Set(r.groups.map(Number)));
    chamados.set(Number(r.id), r.chamado);
  }
  return { survivorOf, agents: agentsOf, lastRun, groups, rows: chamados };
}

/** recurrence/maintain.ts's groupBefore for every key of the batch, with what a touch returns. */
async function readGroups(round: OneRoundTrip, keys: Keyed[], now: Date): Promise<Map<string, GroupSnapshot>> {
  const groups = new Map<string, GroupSnapshot>();
  const current = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const previous = new Date(current.getTime() - HOUR_MS);
  const trailingStart = new Date(previous.getTime() - TRAILING_HOURS * HOUR_MS);
  const rows = await round.query<
    {
      id: number;
      project_id: string;
      recurrence_key: string;
      lifecycle: RecurrenceLifecycle;
      latest_occurrence_at: string | null;
      silenced_until: string | null;
      silence_reason: string | null;
      open_threshold: number | null;
      open_window_minutes: number | null;
      last_run: Parameters<typeof runStamp>[0];
      linked: number[];
      current_hour: number;
      previous_hour: number;
      trailing: number;
    }
  >(
    `select g.id, g.project_id, g.recurrence_key, g.lifecycle, g.latest_occurrence_at, g.silenced_until, g.silence_reason,
       g.open_threshold, g.open_window_minutes,
       (select ${RUN_JSON} from recurrence_group_chamados gc join runbook_executions x on x.chamado_id = gc.chamado_id
          where gc.group_id = g.id order by x.created_at desc, x.id desc limit 1) as last_run,
       array(select chamado_id from recurrence_group_chamados where group_id = g.id) as linked,
       h.current_hour, h.previous_hour, h.trailing
     from unnest(?, ?) as k(project_id, key)
     join recurrence_groups g on g.project_id = k.project_id and g.recurrence_key = k.key
     cross join lateral (
       select coalesce(sum(occurrences) filter (where hour = ?), 0)::int as current_hour,
         coalesce(sum(occurrences) filter (where hour = ?), 0)::int as previous_hour,
         coalesce(sum(occurrences) filter (where hour >= ? and hour < ?), 0)::int as trailing
       from recurrence_hours where group_id = g.id and hour >= ?) h`,
    [...keyedParams(keys), current, previous, trailingStart, previous, trailingStart],
  );
  for (const r of rows) {
    groups.set(scopedKey(r.project_id, r.recurrence_key), {
      id: Number(r.id),
      before: {
        lifecycle: r.lifecycle,
        latestOccurrenceAt: r.latest_occurrence_at ? new Date(r.latest_occurrence_at) : null,
        lastRun: runStamp(r.last_run),
        currentHour: r.current_hour,
        previousHour: r.previous_hour,
        trailing: r.trailing,
      },
      silencedUntil: r.silenced_until ? new Date(r.silenced_until) : null,
      silenceReason: r.silence_reason,
      openThreshold: r.open_threshold,
      openWindowMinutes: r.open_window_minutes,
      linkedChamados: new Set(r.linked.map(Number)),
    });
  }
  return groups;
}

/**
 * The chamado of every original behind the events' dedup keys: the holder of a key, or what the
 * holder is a copy of. Read by key, so it needs no verdict (a key the batch itself holds later
 * has no row yet; the view knows those originals).
 */
async function readOriginals(round: OneRoundTrip, events: readonly StagedEvent[]): Promise<Prefetched['originals']> {
  const keys = [...new Set(events.flatMap((s) => s.dedupKeys.map((k) => k.key)))];
  const originals: Prefetched['originals'] = new Map();
  const rows = await round.query<{ id: number; chamado_id: number | null; public_id: string | null }>(
    // The chamado by a subquery, one index lookup per original: as a join, the generic plan
    // (plan_cache_mode, orm.ts) hashed every chamado for the few keys a batch has.
    `select o.id, o.chamado_id, (select c.public_id from chamados c where c.id = o.chamado_id) as public_id
     from event_dedup_keys k
     join events e on e.id = k.event_id
     join events o on o.id = coalesce(e.duplicate_of_id, e.id)
     where k.key = any(?)`,
    [arrayOf(keys, 'text')],
  );
  for (const r of rows) originals.set(Number(r.id), { chamadoId: r.chamado_id === null ? null : Number(r.chamado_id), publicId: r.public_id });
  return originals;
}

/**
 * opening-hold.ts's attachHeldOccurrences would find something for these keys: events held by an
 * opening threshold, inside the window of their group (its own, else the configured one).
 */
async function readHeldKeys(round: OneRoundTrip, keys: Keyed[], settings: RecurrenceSettings, now: Date): Promise<Set<string>> {
  const held = new Set<string>();
  // The widest window any group can have, as a bound of its own: PostgreSQL then searches only the
  // months it reaches. With the per-group window alone it planned and searched every month (9 ms
  // of a 10 ms read before this read was prepared).
  const widest = new Date(now.getTime() - Math.max(MAX_THRESHOLD_WINDOW_MINUTES * 60_000, settings.openWindowMs));
  const rows = await round.query<{ project_id: string; key: string }>(
    `select k.project_id, k.key from unnest(?, ?) as k(project_id, key)
     left join recurrence_groups g on g.project_id = k.project_id and g.recurrence_key = k.key
     where exists (select 1 from events e where e.project_id = k.project_id and e.recurrence_key = k.key
       and e.received_at > ?::timestamptz - coalesce(g.open_window_minutes * 60000, ?) * interval '1 millisecond'
       and e.received_at > ?::timestamptz
       and e.chamado_id is null and not e.is_duplicate and e.correlation @> '{"held_by":"threshold"}')`,
    [...keyedParams(keys), now, settings.openWindowMs, widest],
  );
  for (const r of rows) held.add(scopedKey(r.project_id, r.key));
  return held;
}

/**
 * early-resolutions.ts's adoptEarlyResolutions would find something for these firings. A
 * resolution's first copy holds its exact dedup key, so it is found by that key's primary key
 * instead of among every event of the alert.
 */
async function readEarlyResolutions(round: OneRoundTrip, events: readonly StagedEvent[]): Promise<Set<string>> {
  const wanted = events.flatMap((s) => {
    const { normalized: ev, recurrenceKey, delivery } = s;
    const key = earlyResolutionKey(s);
    return key ? [{ key, dedupKey: exactDedupKey(delivery.projectId, ev.source, resolutionIdOf(ev.providerEventId!)!), recurrenceKey: recurrenceKey!, source: ev.source }] : [];
  });
  const found = new Set<string>();
  const rows = await round.query<{ n: number }>(
    `select w.n from unnest(?, ?, ?) with ordinality as w(dedup_key, recurrence_key, source, n)
     join event_dedup_keys k on k.key = w.dedup_key
     join events e on e.id = k.event_id and e.recurrence_key = w.recurrence_key and e.source = w.source
       and not e.is_duplicate and e.chamado_id is null`,
    [
      arrayOf(wanted.map((w) => w.dedupKey), 'text'),
      arrayOf(wanted.map((w) => w.recurrenceKey), 'text'),
      arrayOf(wanted.map((w) => w.source), 'text'),
    ],
  );
  for (const r of rows) found.add(wanted[Number(r.n) - 1]!.key);
  return found;
}
