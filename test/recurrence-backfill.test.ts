import { afterAll, beforeAll, expect, it } from 'vitest';
import { RECURRENCE_BACKFILL } from '../migrations/Migration20261205054110.ts';
import { loadConfig } from '../src/config.ts';
import { postWebhook, withIds } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * The migration that introduced recurrence groups rebuilds them from the events already stored;
 * from then on ingest maintains them. Both must agree: events of one project are ingested here
 * (groups maintained), then the migration's statements run against copies of those events in
 * temporary tables (they shadow the real ones for this transaction only) and the rebuilt groups,
 * hours and chamado links must equal the maintained ones.
 */

let server: TestServer;
beforeAll(async () => {
  // A high escalation minimum: the rebuild does not replay escalations.
  server = await startTestServer({ RECURRENCE_ESCALATION_MIN: '1000' });
});
afterAll(async () => server?.close());

const secrets = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets;

const GROUP_FIELDS = `recurrence_key, rule_version, basis, why, provider, alertname, rule_id, severity, namespace, target_resource,
  fingerprint, occurrence_total, resolved_total, duplicate_total, source_ref_total, missing_source_refs_total, sentry_ref_total,
  signoz_ref_total, alert_ref_total, first_event_id, latest_event_id, first_received_at, latest_received_at, latest_occurrence_at,
  latest_alert_status, lifecycle`;

it('rebuilding groups from stored events gives what ingest maintained', async () => {
  const project = unique('bf');
  const post = (source: string, body: unknown) => postWebhook(server, `${source}?project_id=${project}`, body, secrets[source]!);
  const fp = unique('fp');
  const firing = withIds('alertmanager-firing', { fingerprint: fp }, { singleAlert: true }).body;
  const resolved = withIds('alertmanager-resolved', { fingerprint: fp }, { singleAlert: true }).body;
  expect((await post('alertmanager', firing)).status).toBe(202);
  expect((await post('alertmanager', firing)).body.status).toBe('duplicate');
  expect((await post('alertmanager', resolved)).status).toBe(202);
  const refire = structuredClone(firing);
  refire.alerts[0].startsAt = new Date().toISOString();
  expect((await post('alertmanager', refire)).status).toBe(202);
  const agent = unique('vm');
  for (let i = 0; i < 3; i++) expect((await post('wazuh', withIds('wazuh-brute-force', { agent }).body)).status).toBe(202);
  expect((await post('sentry', withIds('sentry-issue-created').body)).status).toBe(202);
  // Two alerts in one delivery, two groups; and a non-alert event that belongs to no group.
  expect((await post('alertmanager', withIds('alertmanager-firing').body)).status).toBe(202);
  expect((await post('onboard', withIds('onboard-account-created').body)).status).toBe(202);

  const diff = await server.orm.em.fork().transactional(async (tx) => {
    const copy = (table: string, where = 'false') =>
      tx.execute(`create temp table ${table} on commit drop as select * from public.${table} where ${where}`);
    await copy('events', `project_id = '${project}'`);
    for (const table of ['recurrence_groups', 'recurrence_hours', 'recurrence_group_chamados']) {
      await tx.execute(`create temp table ${table} (like public.${table} including defaults) on commit drop`);
    }
    for (const sql of RECURRENCE_BACKFILL) await tx.execute(sql);
    const count = async (sql: string) => Number((await tx.execute<{ n: string }[]>(`select count(*) as n from (${sql}) d`))[0]!.n);
    const maintained = `select ${GROUP_FIELDS} from public.recurrence_groups where project_id = '${project}'`;
    const rebuilt = `select ${GROUP_FIELDS} from pg_temp.recurrence_groups`;
    const hours = (schema: string) =>
      `select g.recurrence_key, h.hour, h.occurrences from ${schema}.recurrence_hours h join ${schema}.recurrence_groups g on g.id = h.group_id where g.project_id = '${project}'`;
    const links = (schema: string) =>
      `select g.recurrence_key, l.chamado_id from ${schema}.recurrence_group_chamados l join ${schema}.recurrence_groups g on g.id = l.group_id where g.project_id = '${project}'`;
    return {
      groups: await count(maintained),
      rebuiltGroups: await count(rebuilt),
      groupsOnlyMaintained: await count(`${maintained} except ${rebuilt}`),
      groupsOnlyRebuilt: await count(`${rebuilt} except ${maintained}`),
      hours: await count(hours('public')),
      hoursDiffer: await count(`(${hours('public')} except ${hours('pg_temp')}) union all (${hours('pg_temp')} except ${hours('public')})`),
      links: await count(links('public')),
      linksDiffer: await count(`(${links('public')} except ${links('pg_temp')}) union all (${links('pg_temp')} except ${links('public')})`),
      lifecycles: await tx.execute<{ lifecycle: string }[]>(`select lifecycle from pg_temp.recurrence_groups order by lifecycle`),
    };
  });
  expect(diff).toMatchObject({ groups: 5, rebuiltGroups: 5, groupsOnlyMaintained: 0, groupsOnlyRebuilt: 0, hoursDiffer: 0, linksDiffer: 0 });
  expect(diff.hours).toBeGreaterThanOrEqual(5);
  expect(diff.links).toBeGreaterThanOrEqual(3);
  expect(diff.lifecycles.map((r) => r.lifecycle)).toEqual(['new', 'new', 'new', 'ongoing', 'regressed']);
});
