/*
 * The bench suite's data (issue 12): a migrated OpsGraph database filled as six months of
 * production would have left it, generated inside PostgreSQL with set-based SQL (see
 * bench/suite/dataset/). Everything is a function of integers hashed with fixed salts, and times
 * count back from the start of the current UTC day: two runs on the same day load identical data
 * (but for the password hashes' salts).
 */
import { buildRecurrence, finishChamados } from './dataset/finish.ts';
import { createCatalogTables } from './dataset/catalog-tables.ts';
import { planChamados } from './dataset/chamados.ts';
import { MAILBOX_USERS, NOTES, MANUAL_TITLES } from './dataset/catalogs.ts';
import { insertDedupKeys } from './dataset/dedup-keys.ts';
import { planEvents } from './dataset/event-plan.ts';
import { insertEvents } from './dataset/events.ts';
import { dropPlainIndexes, recreateIndexes } from './dataset/indexes.ts';
import { insertObservables } from './dataset/observables.ts';
import { openLoadSession, type LoadSession } from './dataset/session.ts';
import { monthStart, partitionName } from '../../src/services/events/partitions.ts';
import { insertTimeline } from './dataset/timeline.ts';
import { createUsers } from './dataset/users.ts';
import type { Scale } from './types.ts';

export const BENCH_USERS = {
  lead: { username: 'bench-lead', password: 'bench-lead-password-1', role: 'ops_lead' },
  viewer: { username: 'bench-viewer', password: 'bench-viewer-password-1', role: 'viewer' },
} as const;

export interface DatasetSummary {
  scale: Scale;
  chamados: number;
  events: number;
  timelineEntries: number;
  observables: number;
  recurrenceGroups: number;
  users: number;
  seconds: number;
}

const SIZES: Record<Scale, { chamados: number; events: number }> = {
  small: { chamados: 5_000, events: 100_000 },
  large: { chamados: 50_000, events: 1_000_000 },
};

/** Share of the events that are redeliveries of an earlier one. */
const DUPLICATE_SHARE = 0.02;

/** The tables a million rows go into: their plain indexes are built after the load (dataset/indexes.ts). */
const BULK_TABLES = ['events', 'timeline_entries', 'observables', 'recurrence_hours'];

const LOADED_TABLES = [
  'users', 'chamados', 'chamado_sequences', 'events', 'event_dedup_keys', 'timeline_entries', 'observables',
  'recurrence_groups', 'recurrence_hours', 'recurrence_group_chamados',
];

/** How far back the dataset's history reaches (its users are created before that). */
const HISTORY_DAYS = 200;

/**
 * The month partitions of events the history falls in, made before it is loaded, as the
 * partition maintenance (src/services/events/partitions.ts) would have made them month by month:
 * otherwise the rows would sit in events_default and the service would move them at start.
 */
async function createMonthPartitions(session: LoadSession, from: Date, to: Date): Promise<void> {
  for (let month = monthStart(from); month <= to; month = monthStart(month, 1)) {
    // Built from code (a date), never from input; partition bounds must be literals.
    await session.step(
      'partitions',
      `create table if not exists "${partitionName(month)}" partition of events
       for values from ('${month.toISOString()}') to ('${monthStart(month, 1).toISOString()}')`,
    );
  }
}

export async function generateDataset(databaseUrl: string, scale: Scale, log: (line: string) => void = () => {}): Promise<DatasetSummary> {
  const started = performance.now();
  const size = SIZES[scale];
  const anchor = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  log(`dataset ${scale}: ${size.chamados} chamados, ${size.events} events, up to ${anchor.toISOString()}`);
  const session = await openLoadSession(databaseUrl, log);
  try {
    const [{ n }] = (await session.query<{ n: number }>('select count(*)::int as n from events')) as [{ n: number }];
    if (n > 0) throw new Error(`generateDataset needs an empty database; this one holds ${n} events`);
    // One transaction: a failed load leaves the database as it was, and the temp tables go with it.
    await session.query('begin');
    const operators = await createUsers(session, [BENCH_USERS.lead, BENCH_USERS.viewer], new Date(anchor.getTime() - HISTORY_DAYS * 86_400_000));
    await session.step(
      'parameters',
      `create temp table ds_param (anchor timestamptz, n_c int, n_base int, n_e int, op_ids int[], op_names text[],
         notes text[], manual_titles text[], mailbox_users text[])`,
    );
    const duplicates = Math.round(size.events * DUPLICATE_SHARE);
    await session.step('parameters', `insert into ds_param values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
      anchor, size.chamados, size.events - duplicates, size.events, operators.ids, operators.usernames, NOTES, MANUAL_TITLES, MAILBOX_USERS,
    ]);
    await createCatalogTables(session);
    await planChamados(session);
    await planEvents(session);
    const indexes = await dropPlainIndexes(session, BULK_TABLES);
    await createMonthPartitions(session, new Date(anchor.getTime() - HISTORY_DAYS * 86_400_000), anchor);
    await insertEvents(session);
    await insertDedupKeys(session);
    await insertTimeline(session);
    await insertObservables(session);
    await finishChamados(session);
    await buildRecurrence(session);
    await recreateIndexes(session, indexes);
    await session.query('commit');
    // Frozen as autovacuum leaves old rows: otherwise the first scenario to read them pays the
    // one-time writes of their hint bits (Discover's first rounds ran a third slower than its last).
    await session.step('vacuum', `vacuum (freeze, analyze) ${LOADED_TABLES.join(', ')}`);
    const [counts] = await session.query<Omit<DatasetSummary, 'scale' | 'seconds'>>(
      `select (select count(*)::int from chamados) as chamados, (select count(*)::int from events) as events,
         (select count(*)::int from timeline_entries) as "timelineEntries", (select count(*)::int from observables) as observables,
         (select count(*)::int from recurrence_groups) as "recurrenceGroups", (select count(*)::int from users) as users`,
    );
    const summary = { scale, ...counts!, seconds: Math.round((performance.now() - started) / 100) / 10 };
    log(`dataset ${scale}: ${JSON.stringify(summary)}`);
    return summary;
  } catch (error) {
    await session.query('rollback').catch(() => {});
    throw error;
  } finally {
    await session.close();
  }
}
