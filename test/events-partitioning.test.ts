import { randomBytes } from 'node:crypto';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPubSub } from 'graphql-yoga';
import { Event } from '../entities/event.entity.ts';
import { capturingPgCalls, executeOf, type PgCall } from '../scripts/pg-calls.ts';
import { ormOptions } from '../src/db/orm.ts';
import { DEMO_USERS } from '../src/demo/demo-seed.ts';
import { ensureUser } from '../src/services/auth/accounts.ts';
import { dropExpiredEventPartitions, ensureEventPartitions, monthStart, partitionName } from '../src/services/events/partitions.ts';
import { listEvents } from '../src/services/events/reads.ts';
import { ChangeCollector } from '../src/services/live/change-collector.ts';
import { discoverFeed } from '../src/services/live/feeds.ts';
import type { LiveTopics } from '../src/services/live/pubsub.ts';
import { createChamado } from './helpers/fixtures.ts';
import { scratchDatabase } from './helpers/scratch-database.ts';
import { dataOf, startTestServer, type TestServer } from './helpers/server.ts';

/*
 * Events partitioned by month (entities/event.entity.ts): the partitions a database has, the
 * maintenance that makes and drops them (src/services/events/partitions.ts), Discover planning
 * only the months asked, and the migration converting a table that already holds rows. In a
 * database of this file's own: partitions are made and dropped here.
 */

type Json = Record<string, any>;
const NOW = new Date();
const month = (offset: number) => monthStart(NOW, offset);
/** A moment `days` into the month `offset` months from now's. */
const inMonth = (offset: number, days = 3) => new Date(month(offset).getTime() + days * 86_400_000);

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let server: TestServer;

beforeAll(async () => {
  db = await scratchDatabase();
  for (const username of ['admin', 'ops', 'viewer']) {
    const user = DEMO_USERS.find((u) => u.username === username)!;
    await ensureUser(db.orm.em.fork(), { ...user, password: `opsgraph-${username}`, email: `${username}@opsgraph.test` });
  }
  server = await startTestServer({ DATABASE_URL: db.url });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

const sql = <T = Json>(text: string, params: unknown[] = []) => db.orm.em.getConnection().execute<T[]>(text, params);

async function partitions(): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass order by 1`,
  );
  return rows.map((r) => r.name);
}

async function insertEvent(receivedAt: Date, summary = 'partition fixture'): Promise<number> {
  const [row] = await sql<{ id: string }>(
    `insert into events (source, event_type, summary, payload, received_at) values ('wazuh', 'wazuh.alert', ?, '{}', ?) returning id`,
    [summary, receivedAt],
  );
  return Number(row!.id);
}

const partitionOf = async (id: number) => (await sql<{ p: string }>('select tableoid::regclass::text as p from events where id = ?', [id]))[0]?.p;

describe('month partitions', () => {
  it('a fresh database has the current month, the next two and the default', async () => {
    expect(await partitions()).toEqual(expect.arrayContaining([partitionName(month(0)), partitionName(month(1)), partitionName(month(2)), 'events_default']));
    const pk = await sql<{ def: string }>(`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'events_pkey'`);
    expect(pk.map((r) => r.def)).toEqual(['PRIMARY KEY (id, received_at)']);
    const fks = await sql(`select conname from pg_constraint where confrelid = 'events'::regclass`);
    expect(fks).toEqual([]);
  });

  it('makes the coming months at start, and schedules the maintenance', async () => {
    const ahead = partitionName(month(2));
    await sql(`drop table "${ahead}"`);
    expect(await partitions()).not.toContain(ahead);
    const another = await startTestServer({ DATABASE_URL: db.url });
    await another.close();
    expect(await partitions()).toContain(ahead);
    expect(await sql(`select name, cron from pgboss.schedule where name = 'event-partitions'`)).toEqual([{ name: 'event-partitions', cron: '17 * * * *' }]);
  });

  it('keeps an event for a month with no partition in the default, then moves it into the month made for it', async () => {
    const id = await insertEvent(inMonth(9), 'stray event');
    expect(await partitionOf(id)).toBe('events_default');
    const [before] = await sql<{ uuid: string }>('select uuid from events where id = ?', [id]);

    const ensured = await ensureEventPartitions(db.orm.em.fork() as EntityManager, NOW);
    expect(ensured).toMatchObject({ created: [partitionName(month(9))], moved: 1, defaultRows: 0 });
    expect(await partitionOf(id)).toBe(partitionName(month(9)));
    const [after] = await sql<{ uuid: string; search: string }>('select uuid, search::text from events where id = ?', [id]);
    expect(after).toEqual({ uuid: before!.uuid, search: expect.stringContaining("'stray'") });
  });

  it('makes the coming months idempotently', async () => {
    const later = inMonth(4);
    const first = await ensureEventPartitions(db.orm.em.fork() as EntityManager, later);
    expect(first).toEqual({ created: [4, 5, 6].map((o) => partitionName(month(o))), moved: 0, defaultRows: 0 });
    expect(await partitions()).toEqual(expect.arrayContaining([4, 5, 6].map((o) => partitionName(month(o)))));
    const again = await ensureEventPartitions(db.orm.em.fork() as EntityManager, later);
    expect(again).toEqual({ created: [], moved: 0, defaultRows: 0 });
    const concurrent = await Promise.all([1, 2, 3].map(() => ensureEventPartitions(db.orm.em.fork() as EntityManager, inMonth(8))));
    // Months 8 and 10 are made once between them (9 was made for the stray event above).
    expect(concurrent.flatMap((c) => c.created).sort()).toEqual([partitionName(month(8)), partitionName(month(10))]);
  });
});

describe('retention', () => {
  it('drops exactly the expired months, with their dedup keys, and chamados that showed their events still read', async () => {
    const old = [await insertEvent(inMonth(-5)), await insertEvent(inMonth(-4))];
    const kept = await insertEvent(inMonth(-3));
    await ensureEventPartitions(db.orm.em.fork() as EntityManager, NOW);
    expect(await partitionOf(old[0]!)).toBe(partitionName(month(-5)));
    const chamado = await createChamado(server);
    const attach = await dataOf(
      server,
      `mutation A($p: String!, $ids: [Int!]!) { attachEventsToChamado(publicId: $p, eventIds: $ids) { ... on AttachEventsPayload { attached } ... on Error { code } } }`,
      { p: chamado.publicId, ids: [...old, kept] },
      'ops',
    );
    expect(attach.attachEventsToChamado.attached).toBe(3);
    for (const id of [...old, kept]) await sql(`insert into event_dedup_keys (key, event_id, created_at) values (?, ?, now())`, [`partition-test:${id}`, id]);

    const before = await partitions();
    const dropped = await dropExpiredEventPartitions(db.orm.em.fork() as EntityManager, NOW, 3);
    expect(dropped).toEqual(before.filter((p) => /^events_\d{4}_\d{2}$/.test(p) && p < partitionName(month(-3))));
    expect(dropped).toEqual(expect.arrayContaining([partitionName(month(-5)), partitionName(month(-4))]));
    expect(await partitions()).toEqual(before.filter((p) => !dropped.includes(p)));
    expect(await partitions()).toEqual(expect.arrayContaining([partitionName(month(-3)), partitionName(month(0)), 'events_default']));
    const keys = await sql<{ key: string }>(`select key from event_dedup_keys where key like 'partition-test:%' order by key`);
    expect(keys.map((k) => k.key)).toEqual([`partition-test:${kept}`]);

    // The timeline still lists the dropped events' entries; their event reads as null.
    const read = await dataOf(
      server,
      `query C($p: String!) { chamado(publicId: $p) { eventCount timeline { eventId event { eventId } } } }`,
      { p: chamado.publicId },
      'viewer',
    );
    const entries = read.chamado.timeline.filter((t: Json) => t.eventId !== null);
    expect(entries.map((t: Json) => [t.eventId, t.event?.eventId ?? null])).toEqual([
      [old[0], null],
      [old[1], null],
      [kept, kept],
    ]);
    const rest = await server.rest('GET', `/api/v1/chamados/${chamado.publicId}`, { as: 'viewer' });
    expect(rest.status).toBe(200);
    const listed = await dataOf(server, `query E($c: String!) { events(filter: { chamado: $c }) { totalCount edges { node { eventId } } } }`, { c: chamado.publicId }, 'viewer');
    expect(listed.events.edges.map((e: Json) => e.node.eventId)).toEqual([kept]);

    expect(await dropExpiredEventPartitions(db.orm.em.fork() as EntityManager, NOW, 3)).toEqual([]);
    expect(await dropExpiredEventPartitions(db.orm.em.fork() as EntityManager, NOW, 0)).toEqual([]);
  });
});

/** The event partitions PostgreSQL plans for a statement (pruned ones are not in the plan). */
async function partitionsPlanned(statement: string, run: typeof sql = sql): Promise<Set<string>> {
  const [row] = await run<{ 'QUERY PLAN': Json[] }>(`explain (format json) ${statement}`);
  const found = new Set<string>();
  const walk = (node: Json) => {
    if (typeof node['Relation Name'] === 'string' && node['Relation Name'].startsWith('events')) found.add(node['Relation Name']);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(row!['QUERY PLAN'][0]!.Plan);
  return found;
}

describe('Discover plans only the months asked', () => {
  /**
   * The months PostgreSQL plans for each statement a Discover page sends over `events`, as the
   * server runs it: a named statement (src/db/prepared-statements.ts) through its generic plan, on
   * the one connection that prepared it, where months its values rule out are left out.
   */
  async function monthsOfPage(filter: Json, rows: { id: number }[] = []): Promise<{ statement: string; months: Set<string> }[]> {
    const calls: PgCall[] = [];
    const orm = await MikroORM.init(capturingPgCalls(ormOptions(db.url, { pool: { min: 0, max: 1 } }), calls));
    try {
      rows.push(...(await listEvents(orm.em.fork() as EntityManager, filter, { limit: 20 }, { countBound: 1000 })).rows);
      const onConnection = <T = Json>(text: string, params: unknown[] = []) => orm.em.getConnection().execute<T[]>(text, params);
      const planned = [];
      for (const call of calls.filter((c) => /\bevents\b/.test(c.text))) {
        const statement = call.name ? executeOf({ ...call, name: call.name }) : call.text;
        planned.push({ statement: `${call.text} ${JSON.stringify(call.values ?? [])}`, months: await partitionsPlanned(statement, onConnection) });
      }
      return planned;
    } finally {
      await orm.close(true);
    }
  }

  it.each([
    ['a plain filter', { source: 'wazuh' }],
    ['a full-text query', { q: 'routine' }],
  ])('with %s over one month, every statement reads that month alone', async (_, extra) => {
    for (const offset of [-1, 0, 1]) await insertEvent(inMonth(offset, 10), 'routine heartbeat');
    const statements = await monthsOfPage({ ...extra, from: month(0), to: month(1) });
    // windowed-page.ts' statements: the id span (unless kept from a page a moment ago), the ranges, the rows.
    expect(statements.length).toBeGreaterThanOrEqual(1);
    for (const { statement, months } of statements) expect([...months], statement).toEqual([partitionName(month(0))]);
    // Without the range the same page plans every month: the check above can tell the difference.
    const all = new Set<string>();
    for (const { months } of await monthsOfPage(extra)) for (const p of months) all.add(p);
    expect(all.size).toBeGreaterThan(1);
    const served = await dataOf(server, `query D($f: EventFilter) { events(filter: $f, first: 50) { edges { node { receivedAt } } } }`, { f: { ...extra, from: month(0).toISOString(), to: month(1).toISOString() } }, 'viewer');
    for (const e of served.events.edges) expect(new Date(e.node.receivedAt) >= month(0) && new Date(e.node.receivedAt) < month(1)).toBe(true);
  });

  it("reads a page's rows only in the months they were stored in", async () => {
    for (const offset of [-2, 0]) await insertEvent(inMonth(offset, 12), 'routine heartbeat');
    const rows: { id: number }[] = [];
    const statements = await monthsOfPage({ q: 'routine' }, rows);
    const stored = new Set(await Promise.all(rows.map((r) => partitionOf(r.id))));
    expect(stored.size).toBeGreaterThan(1);
    const read = statements.find((s) => s.statement.includes('= any('));
    expect(read, JSON.stringify(statements.map((s) => s.statement))).toBeDefined();
    expect([...read!.months].sort()).toEqual([...stored].sort());
    // The ranges before it read every month: the check above can tell the difference.
    expect(statements.some((s) => s.months.size > stored.size)).toBe(true);
  });
});

describe('the Discover feed reads only the months of the events it is poked about', () => {
  it('the poke of a stored event says when it was received, and the read it triggers runs over no earlier month', async () => {
    // An earlier month with a partition of its own, so leaving it out of the plan shows.
    await ensureEventPartitions(db.orm.em.fork() as EntityManager, inMonth(-1));
    const collector = new ChangeCollector();
    const pubsub = createPubSub<LiveTopics>();
    collector.publishTo(pubsub);
    // One connection: the feed's statement is prepared on it, and read back from it below.
    const orm = await MikroORM.init(ormOptions(db.url, { subscribers: [collector], pool: { min: 0, max: 1 } }));
    const onConnection = <T = Json>(text: string) => orm.em.getConnection().execute<T[]>(text);
    /** The feed's read as prepared on the connection, executed with these values for EXPLAIN. */
    const feedRead = async (withTime: boolean, values: string[]) => {
      const prepared = await onConnection<{ name: string; statement: string }>('select name, statement from pg_prepared_statements');
      const read = prepared.find((p) => p.statement.includes('e.id = any(') && p.statement.includes('e.received_at >=') === withTime);
      expect(read, JSON.stringify(prepared)).toBeDefined();
      return `execute ${read!.name}(${values.map((v) => `'${v}'`).join(', ')})`;
    };
    try {
      // The subscription listens from its first pull on.
      const nextPoke = pubsub.subscribe('events')[Symbol.asyncIterator]().next();
      const em = orm.em.fork();
      const event = em.create(Event, { source: 'wazuh', eventType: 'wazuh.alert', summary: 'feed months', payload: {} });
      await em.flush();
      const poke = (await nextPoke).value as LiveTopics['events'][0];
      expect(poke).toEqual({ ids: [event.id], receivedFrom: event.receivedAt.toISOString() });
      const [stored] = await sql<{ at: Date }>('select received_at as at from events where id = ?', [event.id]);
      expect(new Date(stored!.at).getTime()).toBe(new Date(poke.receivedFrom!).getTime());

      const feed = discoverFeed(orm.em.fork() as EntityManager, { source: 'wazuh' }, null, (async function* () { yield poke; })());
      expect((await feed.next()).value).toMatchObject({ id: event.id, summary: 'feed months' });
      await feed.return(undefined);
      // Its values in order: the filter's source, the ids, the time.
      const bounded = await partitionsPlanned(await feedRead(true, ['wazuh', `{${event.id}}`, poke.receivedFrom!]), onConnection);
      expect(bounded).toContain(partitionName(month(0)));
      expect(bounded).not.toContain(partitionName(month(-1)));
      // A poke without the time (an older instance's) is still read, over every month: the check above can tell.
      const older = discoverFeed(orm.em.fork() as EntityManager, { source: 'wazuh' }, null, (async function* () { yield { ids: poke.ids }; })());
      expect((await older.next()).value).toMatchObject({ id: event.id });
      await older.return(undefined);
      expect(await partitionsPlanned(await feedRead(false, ['wazuh', `{${event.id}}`]), onConnection)).toContain(partitionName(month(-1)));
    } finally {
      await orm.close(true);
    }
  });
});

describe('the Discover feed poke of a transaction with several flushes', () => {
  it('names every event and the earliest time among them', async () => {
    const collector = new ChangeCollector();
    const pubsub = createPubSub<LiveTopics>();
    collector.publishTo(pubsub);
    const orm = await MikroORM.init(ormOptions(db.url, { subscribers: [collector] }));
    try {
      const nextPoke = pubsub.subscribe('events')[Symbol.asyncIterator]().next();
      const earlier = new Date(Date.now() - 60_000);
      const ids = await orm.em.fork().transactional(async (tx) => {
        const later = tx.create(Event, { source: 'wazuh', eventType: 'wazuh.alert', summary: 'second flush first', payload: {} });
        await tx.flush();
        const first = tx.create(Event, { source: 'wazuh', eventType: 'wazuh.alert', summary: 'older one', payload: {}, receivedAt: earlier });
        await tx.flush();
        return [later.id, first.id];
      });
      expect((await nextPoke).value).toEqual({ ids, receivedFrom: earlier.toISOString() });
    } finally {
      await orm.close(true);
    }
  });
});

describe('the migration', () => {
  const PREVIOUS = 'Migration20261205103031';
  let url: string;
  let orm: MikroORM;
  let admin: MikroORM;
  let name: string;

  beforeAll(async () => {
    const server = new URL(inject('databaseUrl'));
    server.pathname = '/postgres';
    admin = await MikroORM.init({ clientUrl: server.toString(), entities: [], discovery: { warnWhenNoEntities: false } });
    name = `opsgraph_scratch_${Date.now()}_${randomBytes(3).toString('hex')}`;
    await admin.em.getConnection().execute(`create database "${name}"`);
    const target = new URL(server);
    target.pathname = `/${name}`;
    url = target.toString();
    // The snapshot stays as committed: this database passes through a schema no snapshot describes.
    const base = ormOptions(url);
    orm = await MikroORM.init({ ...base, migrations: { ...base.migrations, snapshot: false } });
  }, 60_000);
  afterAll(async () => {
    await orm?.close(true);
    await admin?.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
    await admin?.close(true);
  });

  it('moves the rows of the unpartitioned table into their months and ids go on growing', async () => {
    await orm.migrator.up({ to: PREVIOUS });
    const run = <T = Json>(text: string, params: unknown[] = []) => orm.em.getConnection().execute<T[]>(text, params);
    expect(await run(`select relkind from pg_class where relname = 'events'`)).toEqual([{ relkind: 'r' }]);
    const at = [inMonth(-14, 1), inMonth(-14, 20), inMonth(-12, 2), inMonth(0, 0)];
    const ids: number[] = [];
    for (const [i, receivedAt] of at.entries()) {
      const [row] = await run<{ id: string }>(
        `insert into events (source, event_type, summary, payload, received_at, duplicate_of_id) values ('wazuh', 'wazuh.alert', ?, '{"n": 1}', ?, ?) returning id`,
        [`old event ${i}`, receivedAt, ids[0] ?? null],
      );
      ids.push(Number(row!.id));
    }
    await run(`insert into event_dedup_keys (key, event_id, created_at) values ('migration-test', ?, now())`, [ids[1]]);
    const before = await run(`select id, uuid, received_at, summary, duplicate_of_id, payload, search::text from events order by id`);

    await orm.migrator.up();
    expect(await run(`select relkind from pg_class where relname = 'events'`)).toEqual([{ relkind: 'p' }]);
    expect(await run(`select id, uuid, received_at, summary, duplicate_of_id, payload, search::text from events order by id`)).toEqual(before);
    const placed = await run<{ id: string; p: string }>(`select id, tableoid::regclass::text as p from events order by id`);
    expect(placed.map((r) => r.p)).toEqual([partitionName(month(-14)), partitionName(month(-14)), partitionName(month(-12)), partitionName(month(0))]);
    const made = await run<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass order by 1`,
    );
    const expected = Array.from({ length: 17 }, (_, i) => partitionName(month(i - 14)));
    expect(made.map((r) => r.name)).toEqual([...expected, 'events_default'].sort());
    const [next] = await run<{ id: string }>(`insert into events (source, event_type, payload, received_at) values ('wazuh', 'x', '{}', now()) returning id`);
    expect(Number(next!.id)).toBeGreaterThan(Math.max(...ids));
    // Every index of the partitioned table, on an old month's partition too (13 when partitioning came, more since).
    const indexCount = async (table: string) =>
      (await run<{ n: number }>(`select count(*)::int as n from pg_indexes where tablename = ?`, [table]))[0]!.n;
    expect(await indexCount('events')).toBeGreaterThanOrEqual(13);
    expect(await indexCount(partitionName(month(-12)))).toBe(await indexCount('events'));
    expect(await run(`select conname from pg_constraint where confrelid = 'events'::regclass`)).toEqual([]);
  }, 60_000);
});
