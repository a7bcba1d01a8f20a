import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { compileDiscoverQuery } from '../src/services/events/discover-query/index.ts';

/**
 * Runs compiled queries against the real PostgreSQL, on TEMP tables that live and die with this one
 * client session (they shadow any real `events`, since pg_temp is searched first): proves the SQL
 * is valid and that the full-text, LIKE-escaping, case and NULL semantics do what the unit tests
 * claim.
 */
const client = new pg.Client({
  connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
});

// id, source, event_type, domain, session_id, agent, rule_id, severity, fingerprint, alertname,
// namespace, target_resource, chamado_id, is_duplicate, summary
type Row = [number, string, string, ...(string | number | boolean | null)[]];
const ROWS: Row[] = [
  [1, 'wazuh', 'wazuh.alert', null, null, 'vm112-mail', '5712', 10, null, null, null, null, 1, false, 'sshd: brute force trying to get access to the system'],
  [2, 'wazuh', 'wazuh.alert', null, null, 'vm112-mail', '5710', 5, null, null, null, null, null, false, 'sshd: Invalid user admin from 10.0.0.5'],
  [3, 'wazuh', 'wazuh.alert', null, null, 'vm112_web', '31101', 12, null, null, null, null, null, false, 'web server 400 error'],
  [4, 'wazuh', 'wazuh.alert', null, null, 'vm112xweb', '31101', 3, null, null, null, null, null, false, 'web server 400 error'],
  [5, 'sentry', 'issue.created', 'Example.COM', null, null, null, 8, 'fp-1', null, null, null, null, false, 'TypeError: invalid user id'],
  [6, 'sentry', 'issue.created', 'example.com', null, null, null, 8, 'fp-1', null, null, null, null, true, 'TypeError: invalid user id'],
  [7, 'onboard', 'account.created', 'example.com', 'sess-1', null, null, null, null, null, null, null, 2, false, 'account created for ana'],
  [8, 'alertmanager', 'alert.firing', null, null, null, null, 12, 'am-77', 'KubePodCrashLooping', 'payments', 'deploy/api', null, false, 'pod api restarted 5 times'],
  [9, 'alertmanager', 'alert.resolved', null, null, null, null, null, 'am-77', 'KubePodCrashLooping', 'payments-staging', 'deploy/api', null, false, 'pod api is fine'],
  [10, 'support', 'ticket', 'other.org', null, '100%_done', null, 1, null, null, null, null, 3, false, 'user invalid after all'],
  [11, 'support', 'ticket', null, null, '1000_x', null, 1, null, null, null, null, null, false, "user said 'drop table' lol"],
];
const ALL_IDS = ROWS.map((r) => r[0]);

beforeAll(async () => {
  await client.connect();
  await client.query(`
    create temp table events (
      id bigint primary key,
      source text not null,
      event_type text not null,
      domain text,
      session_id text,
      agent text,
      rule_id text,
      severity int,
      fingerprint text,
      alertname text,
      namespace text,
      target_resource text,
      chamado_id int,
      is_duplicate bool not null default false,
      summary text,
      search tsvector generated always as (to_tsvector('simple',
        coalesce(summary,'') || ' ' || coalesce(event_type,'') || ' ' || coalesce(domain,'') || ' ' ||
        coalesce(agent,'') || ' ' || coalesce(rule_id,''))) stored
    )`);
  await client.query('create temp table chamados (id int primary key, public_id text not null unique)');
  await client.query(`insert into chamados values (1, 'CH-2025-00001'), (2, 'CH-2025-00002'), (3, 'CH-2026-00001')`);
  for (const row of ROWS) {
    await client.query(
      `insert into events (id, source, event_type, domain, session_id, agent, rule_id, severity, fingerprint, alertname,
         namespace, target_resource, chamado_id, is_duplicate, summary)
       values (${row.map((_, i) => `$${i + 1}`).join(', ')})`,
      row,
    );
  }
});

afterAll(async () => {
  await client.end();
});

/** The `?` placeholders in MikroORM style become pg's `$n` (the compiler emits `?` nowhere else). */
async function ids(q: string): Promise<number[]> {
  const { sql, params } = compileDiscoverQuery(q);
  let n = 0;
  const numbered = sql.replace(/\?/g, () => `$${++n}`);
  const { rows } = await client.query<{ id: string }>(`select e.id from events e where ${numbered} order by e.id`, params);
  return rows.map((r) => Number(r.id));
}

describe('Discover query against PostgreSQL', () => {
  it('matches everything for the empty query', async () => {
    expect(await ids('  ')).toEqual(ALL_IDS);
  });

  it('combines field terms with implicit AND (the brief example)', async () => {
    expect(await ids('source:wazuh agent:"vm112-mail" severity>=10 rule_id:5712')).toEqual([1]);
  });

  it('mixes full-text words, phrases, OR and NOT (the brief example)', async () => {
    expect(await ids('(brute OR "invalid user") AND NOT source:sentry')).toEqual([1, 2]);
  });

  it('searches phrases in order and words anywhere in the search vector', async () => {
    expect(await ids('"invalid user"')).toEqual([2, 5, 6]);
    expect(await ids('user invalid')).toEqual([2, 5, 6, 10]);
    expect(await ids('vm112-mail')).toEqual([1, 2]);
    expect(await ids('5712')).toEqual([1]);
    expect(await ids('INVALID')).toEqual([2, 5, 6, 10]);
  });

  it('escapes LIKE metacharacters in prefix matches', async () => {
    expect(await ids('agent:vm112*')).toEqual([1, 2, 3, 4]);
    expect(await ids('agent:vm112_*')).toEqual([3]);
    expect(await ids('agent:100%*')).toEqual([10]);
    expect(await ids('agent:*')).toEqual([1, 2, 3, 4, 10, 11]);
  });

  it('compares domains regardless of case', async () => {
    expect(await ids('domain:EXAMPLE.com')).toEqual([5, 6, 7]);
    expect(await ids('domain:exa*')).toEqual([5, 6, 7]);
  });

  it('keeps events with a NULL column when negating a match on it', async () => {
    expect(await ids('NOT domain:example.com')).toEqual([1, 2, 3, 4, 8, 9, 10, 11]);
    expect(await ids('-severity>=5')).toEqual([4, 7, 9, 10, 11]);
    expect(await ids('-(source:wazuh OR domain:example.com)')).toEqual([8, 9, 10, 11]);
  });

  it('compares severity and id numerically', async () => {
    expect(await ids('severity>10')).toEqual([3, 8]);
    expect(await ids('severity<=5 severity>1')).toEqual([2, 4]);
    expect(await ids('severity:8')).toEqual([5, 6]);
    expect(await ids('id>=9')).toEqual([9, 10, 11]);
    expect(await ids('id:3 OR id=4')).toEqual([3, 4]);
  });

  it('filters duplicates, chamados and the recurrence fields', async () => {
    expect(await ids('duplicate:true')).toEqual([6]);
    expect(await ids('fingerprint:fp-1 duplicate:false')).toEqual([5]);
    expect(await ids('chamado:CH-2025-00001')).toEqual([1]);
    expect(await ids('chamado:ch-2025*')).toEqual([1, 7]);
    expect(await ids('chamado:CH-2099-00001')).toEqual([]);
    expect(await ids('alertname:KubePodCrashLooping namespace:payments')).toEqual([8]);
    expect(await ids('namespace:payments*')).toEqual([8, 9]);
    expect(await ids('target:deploy/api -type:alert.resolved')).toEqual([8]);
    expect(await ids('session:sess-1')).toEqual([7]);
    expect(await ids('rule:5712 OR rule_id:31101')).toEqual([1, 3, 4]);
  });

  it('binds injection attempts as plain values', async () => {
    expect(await ids(`source:"wazuh' or '1'='1"`)).toEqual([]);
    expect(await ids(`"'; drop table events; --"`)).toEqual([]);
    expect(await ids(`x';drop table events;--`)).toEqual([]);
    expect(await ids(`"drop table"`)).toEqual([11]);
    const { rows } = await client.query<{ n: string }>('select count(*) as n from events');
    expect(Number(rows[0]!.n)).toBe(ROWS.length);
  });
});
