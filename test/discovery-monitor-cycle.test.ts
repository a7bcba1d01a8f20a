import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import type { Actor } from '../src/services/actor.ts';
import { ensureUser } from '../src/services/auth/accounts.ts';
import { registerEnvironment, registerInstallation, registerResource } from '../src/services/discovery/commands.ts';
import { updateDiscoveryConfig } from '../src/services/discovery/config.ts';
import { announcePending } from '../src/services/discovery/monitor/announce.ts';
import { runMonitorCycle } from '../src/services/discovery/monitor/cycle.ts';
import { readMonitorSettings } from '../src/services/discovery/monitor/settings.ts';
import { runMonitorTick } from '../src/services/discovery/monitor/tick.ts';
import { DISCOVERY_MONITOR_QUEUE, startDiscoveryMonitor } from '../src/workers/discovery-monitor.ts';
import { waitFor } from './helpers/factories.ts';
import { closedPort, tcpListener, type TestListener } from './helpers/listeners.ts';
import { scratchDatabase } from './helpers/scratch-database.ts';

/**
 * The monitor's schedule and cycle against a database of its own (a cycle takes everything due,
 * which in the shared database would be every test file's resources): due-ness and the retry
 * interval, two cycles at once never checking a resource twice, history pruning, status changes
 * announced again after a failure without a second occurrence, and the pg-boss schedule.
 */

const ingest = loadConfig({ NODE_ENV: 'test' }).ingest;
const log = createLogger('silent');
const admin: Actor = { id: 0, username: 'admin', role: 'admin' };

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let orm: MikroORM;
const em = () => orm.em.fork() as EntityManager;
const listeners: TestListener[] = [];
let up: number[] = [];
let downPort: number;

beforeAll(async () => {
  db = await scratchDatabase();
  orm = db.orm;
  await ensureUser(em(), { username: 'admin', password: 'opsgraph-admin', fullName: 'Admin', role: 'admin', email: 'admin@opsgraph.test' });
  admin.id = (await orm.em.getConnection().execute<{ id: number }[]>("select id from users where username = 'admin'"))[0]!.id;
  await registerInstallation(em(), { totvsId: 'cycle-install' });
  await registerEnvironment(em(), 'cycle-install', 'PRODUCAO');
  for (let i = 0; i < 6; i++) listeners.push(await tcpListener());
  up = listeners.map((l) => l.port);
  downPort = await closedPort();
  for (const port of [...up, downPort]) {
    await registerResource(em(), null, { totvsId: 'cycle-install', environment: 'PRODUCAO', host: '127.0.0.1', port, category: 'server' });
  }
});
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  await db?.drop();
});

const checksOf = async () =>
  Number((await orm.em.getConnection().execute<{ n: string }[]>('select count(*) as n from discovery_checks'))[0]!.n);

describe('discovery monitor cycles', () => {
  it('two cycles at once check each due resource exactly once, and then nothing is due', async () => {
    const settings = await readMonitorSettings(em());
    const [a, b] = await Promise.all([runMonitorCycle(em(), { settings, ingest, log }), runMonitorCycle(em(), { settings, ingest, log })]);
    expect(a!.checked + b!.checked).toBe(7);
    expect(await checksOf()).toBe(7);
    const rows = await orm.em.getConnection().execute<{ port: number; next: Date; failStreak: number }[]>(
      'select port, next_check_at as next, fail_streak as "failStreak" from discovered_resources',
    );
    const failing = rows.find((r) => r.port === downPort)!;
    const passing = rows.filter((r) => r.port !== downPort);
    // The failing one comes back after the retry interval (1 min), the others after the interval (15 min).
    expect(failing.failStreak).toBe(1);
    expect(new Date(failing.next).getTime() - Date.now()).toBeLessThan(61_000);
    for (const r of passing) expect(new Date(r.next).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect((await runMonitorCycle(em(), { settings, ingest, log })).checked).toBe(0);
  });

  it('prunes checks and status changes older than historyDays, keeping the rest', async () => {
    const conn = orm.em.getConnection();
    await conn.execute(`insert into discovery_checks (resource_id, checked_at, allowed, ok, duration_ms, status, checks)
      select id, now() - interval '31 days', true, true, 1, 'success', '[]' from discovered_resources`);
    const before = await checksOf();
    const tick = await runMonitorTick(em(), ingest, log);
    expect(tick.active).toBe(false);
    expect(tick.cycle).toBeNull();
    expect(tick.pruned.checks).toBe(7);
    expect(await checksOf()).toBe(before - 7);
  });

  it('announces a status change again after a failure, storing one occurrence only', async () => {
    const conn = orm.em.getConnection();
    // Three failures turn the closed port's resource danger.
    await conn.execute('update discovered_resources set next_check_at = null where port = ?', [downPort]);
    const settings = await readMonitorSettings(em());
    for (let i = 0; i < 2; i++) {
      await conn.execute('update discovered_resources set next_check_at = null where port = ?', [downPort]);
      await runMonitorCycle(em(), { settings, ingest, log });
    }
    const [change] = await conn.execute<{ id: number; event_id: number | null; to_status: string }[]>(
      'select id, event_id, to_status from discovery_health_changes',
    );
    expect(change).toMatchObject({ to_status: 'danger' });
    expect(change!.event_id).not.toBeNull();
    // As if the process had died between the change and its event: announce again.
    await conn.execute('update discovery_health_changes set event_id = null');
    expect(await announcePending(em(), ingest, new Date(), log)).toBe(1);
    const events = await conn.execute<{ id: number; duplicate_of: number | null; chamado_id: number | null }[]>(
      "select id, duplicate_of_id as duplicate_of, chamado_id from events where source = 'discovery' order by id",
    );
    expect(events).toHaveLength(2);
    expect(events[1]!.duplicate_of).toBe(events[0]!.id);
    expect(events[0]!.chamado_id).not.toBeNull();
    const [relinked] = await conn.execute<{ event_id: number }[]>('select event_id from discovery_health_changes');
    expect(Number(relinked!.event_id)).toBe(Number(events[0]!.id));
    const groups = await conn.execute<{ occurrences: number }[]>('select occurrence_total as occurrences from recurrence_groups');
    expect(groups).toEqual([{ occurrences: 1 }]);
  });

  it('runs on the pg-boss schedule: one schedule row, and a tick job checks what is due when active', async () => {
    const boss = new PgBoss({ connectionString: db.url, schema: 'pgboss' });
    await boss.start();
    const stop = await startDiscoveryMonitor(boss, orm, ingest, log);
    try {
      const schedules = await orm.em.getConnection().execute<{ name: string; cron: string }[]>('select name, cron from pgboss.schedule');
      expect(schedules).toEqual([expect.objectContaining({ name: DISCOVERY_MONITOR_QUEUE, cron: '* * * * *' })]);
      await updateDiscoveryConfig(em(), admin, { monitorActive: true });
      await orm.em.getConnection().execute('update discovered_resources set next_check_at = null');
      const before = await checksOf();
      await boss.send(DISCOVERY_MONITOR_QUEUE, {});
      await waitFor('a scheduled tick checked every resource', checksOf, (n) => n >= before + 7);
    } finally {
      await updateDiscoveryConfig(em(), admin, { monitorActive: false });
      await stop();
      await boss.stop({ graceful: false });
    }
  });
});
