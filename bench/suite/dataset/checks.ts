import pg from 'pg';
import { recurrenceKey } from '../../../src/services/ingest/sanitize.ts';

/** Queries whose every row is a broken promise of the dataset; each must return none. */
const INVARIANTS: Record<string, string> = {
  'chamado counters match their original events': `
    select c.id from chamados c left join (select chamado_id, count(*) n, max(severity) m, array_agg(distinct source::text order by source::text) s
      from events where chamado_id is not null and not is_duplicate group by chamado_id) e on e.chamado_id = c.id
    where c.event_count <> coalesce(e.n, 0) or c.max_severity is distinct from e.m
       or not (c.sources @> coalesce(e.s, '{}') and coalesce(e.s, '{}') || array[c.origin] @> c.sources)`,
  'one timeline event entry per original event of a chamado': `
    select e.id from events e left join timeline_entries t on t.event_id = e.id and t.chamado_id = e.chamado_id
    where e.chamado_id is not null and not e.is_duplicate and t.id is null`,
  'duplicates are not on timelines and point at an original of the same chamado': `
    select e.id from events e join events o on o.id = e.duplicate_of_id
    where e.is_duplicate and (o.is_duplicate or e.chamado_id is distinct from o.chamado_id
      or exists (select 1 from timeline_entries t where t.chamado_id = e.chamado_id and t.event_id = e.id))`,
  'every original with a provider or delivery id holds its exact key': `
    select e.id from events e where not e.is_duplicate and (e.provider_event_id is not null or e.delivery_id is not null)
      and not exists (select 1 from event_dedup_keys k where k.event_id = e.id and k.key like e.source || ':exact:%')`,
  'events arrive inside their chamado life': `
    select e.id from events e join chamados c on c.id = e.chamado_id
    where not e.is_duplicate and (e.received_at < c.created_at or e.received_at > c.updated_at)`,
  'timeline ids follow time within a chamado': `
    select t.id from timeline_entries t join timeline_entries u on u.chamado_id = t.chamado_id and u.id = t.id + 1
    where u.created_at < t.created_at limit 5`,
  'status facts agree with the status': `
    select id from chamados where (status in ('resolvido', 'fechado')) <> (resolved_at is not null)
      or (status = 'fechado') <> (closed_at is not null) or (status in ('assumido', 'em_correcao', 'aguardando') and assignee_id is null)`,
  'public ids are CH-<year>-<5 digits> below the year sequence': `
    select c.id from chamados c left join chamado_sequences s on s.year = split_part(c.public_id, '-', 2)::int
    where c.public_id !~ '^CH-[0-9]{4}-[0-9]{5}$' or s.last_value is null or split_part(c.public_id, '-', 3)::int > s.last_value`,
  'version counts the changes': `
    select c.id from chamados c join (select chamado_id, count(*) n from timeline_entries group by 1) t on t.chamado_id = c.id where c.version <> t.n`,
  'recurrence groups count their occurrences': `
    select g.id from recurrence_groups g join (select recurrence_key, count(*) filter (where not is_duplicate and alert_status is distinct from 'resolved') n
      from events where recurrence_key is not null group by 1) e on e.recurrence_key = g.recurrence_key where g.occurrence_total <> e.n`,
};

export async function checkDataset(databaseUrl: string, log: (line: string) => void): Promise<void> {
  // A client of its own: over a million rows these take longer than OpsGraph's statement timeout.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await runChecks({ execute: async <T>(sql: string) => (await client.query(sql)).rows as T }, log);
  } finally {
    await client.end();
  }
}

async function runChecks(em: { execute<T = unknown[]>(sql: string): Promise<T> }, log: (line: string) => void): Promise<void> {
  let failed = 0;
  for (const [name, sql] of Object.entries(INVARIANTS)) {
    const rows = await em.execute<unknown[]>(sql);
    if (rows.length) failed++;
    log(`${rows.length ? 'FAIL' : 'ok  '} ${name}${rows.length ? ` (${rows.length} rows, e.g. ${JSON.stringify(rows.slice(0, 3))})` : ''}`);
  }
  // The SQL derivation of recurrence keys against the service's own function.
  const sample = await em.execute<{ source: string; fingerprint: string | null; alertname: string | null; rule_id: string | null; namespace: string | null; target_resource: string | null; recurrence_key: string | null }[]>(
    `select distinct on (source) source, fingerprint, alertname, rule_id, namespace, target_resource, recurrence_key from events order by source, id`,
  );
  for (const e of sample) {
    const expected = recurrenceKey({ source: e.source as never, fingerprint: e.fingerprint, alertname: e.alertname, ruleId: e.rule_id, namespace: e.namespace, targetResource: e.target_resource });
    if (expected !== e.recurrence_key) failed++;
    log(`${expected === e.recurrence_key ? 'ok  ' : 'FAIL'} recurrence key of ${e.source}: ${e.recurrence_key}`);
  }
  for (const [name, sql] of Object.entries(SHAPES)) log(`${name}: ${JSON.stringify(await em.execute(sql))}`);
  if (failed) throw new Error(`${failed} dataset checks failed`);
}

/** Distributions worth eyeballing, and a digest of the loaded rows to compare two runs by. */
const SHAPES: Record<string, string> = {
  'digest (same day, same digest)': `select
    (select md5(string_agg(md5(t::text), '' order by id)) from events t) events,
    (select md5(string_agg(md5(t::text), '' order by id)) from chamados t) chamados,
    (select md5(string_agg(md5(t::text), '' order by id)) from timeline_entries t) timeline,
    (select md5(string_agg(md5(t::text), '' order by id)) from observables t) observables,
    (select md5(string_agg(md5(t::text), '' order by id)) from recurrence_groups t) groups,
    (select md5(string_agg(md5(t::text), '' order by key)) from event_dedup_keys t) dedup_keys,
    (select md5(string_agg(md5(t::text), '' order by group_id, hour)) from recurrence_hours t) hours`,
  'rows': `select (select count(*) from users) users, (select count(*) from chamados) chamados, (select count(*) from events) events,
    (select count(*) from event_dedup_keys) dedup_keys, (select count(*) from timeline_entries) timeline, (select count(*) from observables) observables,
    (select count(*) from recurrence_groups) groups, (select count(*) from recurrence_hours) hours, (select count(*) from recurrence_group_chamados) group_chamados`,
  'events by source': `select source, count(*) n from events group by 1 order by 2 desc`,
  'events by severity': `select severity, count(*) n from events group by 1 order by 1`,
  'events by month': `select to_char(received_at, 'YYYY-MM') m, count(*) n from events group by 1 order by 1`,
  'events by decision': `select correlation->>'decision' d, correlation->>'rule' r, count(*) n from events group by 1, 2 order by 3 desc`,
  'chamados by status': `select status, count(*) n, count(assignee_id) assigned from chamados group by 1 order by 2 desc`,
  'chamados by origin': `select origin, count(*) n from chamados group by 1 order by 2 desc`,
  'events per chamado': `select min(event_count), percentile_disc(0.5) within group (order by event_count) median, max(event_count) from chamados`,
  'observables per chamado': `select n, count(*) chamados from (select count(*) n from observables group by chamado_id) x group by 1 order by 1`,
  'timeline by kind': `select kind, count(*) from timeline_entries group by 1 order by 2 desc`,
  'groups by lifecycle': `select provider, lifecycle, count(*) from recurrence_groups group by 1, 2 order by 1, 3 desc`,
};
