import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../src/demo/demo-seed.ts';
import { ensureUser } from '../src/services/auth/accounts.ts';
import { forgetIdSpans } from '../src/db/windowed-page.ts';
import { compileDiscoverQuery } from '../src/services/events/discover-query/index.ts';
import { scratchDatabase } from './helpers/scratch-database.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { statementsOf } from './helpers/sql-statements.ts';

/*
 * Discover past the id ranges listEvents reads full-text queries in (the newest 20 000 ids, then
 * the rest): 230 000 events in a database of this file's own, every query checked
 * against the plain statement it replaced (all matches newest first, counted whole), with a count
 * bound of 100 so that bigger totals come back flagged as estimates.
 */

const ROWS = 230_000;
const BOUND = 100;
type Json = Record<string, any>;

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let server: TestServer;

/**
 * Text placed where the ranges split the table: `segfault` only among the oldest 50 000 ids,
 * `quota` only 30 000–150 000 ids below the newest, `error` every 7th row, `"invalid user"` in
 * every 13th, and `"ok routine"`, two words on almost every row that are never adjacent in that
 * order: the phrase PostgreSQL thinks common and that matches nothing. `pump` (every 400th row)
 * leaves a page one row short in the newest range, so the rest is walked; `fan` (every 250th) does
 * the same to the count.
 */
const FILL = `
  insert into events (source, event_type, severity, summary, payload, received_at)
  select (array['wazuh', 'alertmanager', 'support', 'audit'])[1 + g % 4], 'test.scale', g % 16,
    case when g % 1000 = 3 and g <= 50000 then 'kernel segfault in worker'
         when g % 500 = 0 and g between ${ROWS} - 150000 and ${ROWS} - 30000 then 'mailbox quota exceeded warning'
         when g % 250 = 11 then 'fan speed warning'
         when g % 400 = 13 then 'pump pressure low'
         when g % 13 = 0 then 'sshd: invalid user admin from 10.0.0.1'
         when g % 7 = 0 then 'disk error on node'
         else 'routine heartbeat ok' end,
    '{}'::jsonb, now() - (${ROWS} - g) * interval '1 second'
  from generate_series(1, ${ROWS}) g`;

const EVENTS = `query ScaleEvents($filter: EventFilter, $first: Int, $after: String, $offset: Int) {
  events(filter: $filter, first: $first, after: $after, offset: $offset) {
    totalCount totalCountIsEstimate pageInfo { hasNextPage endCursor } edges { node { eventId } } } }`;

beforeAll(async () => {
  db = await scratchDatabase();
  const viewer = DEMO_USERS.find((u) => u.username === 'viewer')!;
  await ensureUser(db.orm.em.fork(), { ...viewer, password: 'opsgraph-viewer', email: 'viewer@opsgraph.test' });
  await db.orm.em.getConnection().execute(FILL);
  await db.orm.em.getConnection().execute('analyze events');
  server = await startTestServer({ DATABASE_URL: db.url, EVENTS_COUNT_BOUND: String(BOUND) });
}, 180_000);
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

/** What the statement before the ranges served: every match, newest first. */
async function oracle(q: string): Promise<number[]> {
  const { sql, params } = compileDiscoverQuery(q);
  const rows = await db.orm.em.getConnection().execute<{ id: string }[]>(`select e.id from events e where ${sql} order by e.id desc`, params);
  return rows.map((r) => Number(r.id));
}

async function page(q: string, vars: Json): Promise<{ statements: number; events: Json }> {
  const { statements, data } = await statementsOf(server, EVENTS, { filter: { q }, ...vars });
  return { statements, events: data.events };
}

const idsOf = (events: Json): number[] => events.edges.map((e: Json) => e.node.eventId);

const QUERIES = ['"invalid user" source:wazuh severity>=10', 'segfault', 'quota', 'error', 'pump', 'fan', '"ok routine"', '"heartbeat ok" -error', 'source:wazuh severity>=12'];

describe('Discover at scale', () => {
  it.each(QUERIES)('pages %s by cursor exactly as the plain statement did', async (q) => {
    const all = await oracle(q);
    const served: number[] = [];
    let after: string | null = null;
    // Every page of the small results, through each range boundary; the first four of the big ones.
    for (let i = 0; i < 6; i++) {
      const { events } = await page(q, { first: 50, after });
      served.push(...idsOf(events));
      expect(events.pageInfo.hasNextPage).toBe(served.length < all.length);
      if (!events.pageInfo.hasNextPage) break;
      after = events.pageInfo.endCursor;
    }
    expect(served).toEqual(all.slice(0, served.length));
    expect(served.length).toBe(Math.min(all.length, 300));
  });

  it('counts exactly up to the bound and flags an estimate past it', async () => {
    for (const q of QUERIES) {
      const all = await oracle(q);
      const { events } = await page(q, { first: 10 });
      if (all.length <= BOUND) {
        expect({ q, total: events.totalCount, estimate: events.totalCountIsEstimate }).toEqual({ q, total: all.length, estimate: false });
      } else {
        expect(events.totalCountIsEstimate, q).toBe(true);
        expect(events.totalCount, q).toBeGreaterThan(BOUND);
        // Spread evenly over the ids, matches extrapolate closely; `quota`, bunched in one range, does not.
        if (q !== 'quota') expect(Math.abs(events.totalCount - all.length) / all.length, q).toBeLessThan(0.1);
      }
    }
  });

  it('REST keeps `total`: exact under the bound, the estimate past it', async () => {
    const quota = await server.rest('GET', `/api/v1/discover?${new URLSearchParams({ q: 'segfault', limit: '20', offset: '10' })}`, { as: 'viewer' });
    expect(quota.status).toBe(200);
    const segfaults = await oracle('segfault');
    expect(quota.body.total).toBe(segfaults.length);
    expect(quota.body.events.map((e: Json) => e.id)).toEqual(segfaults.slice(10, 30));
    const errors = await server.rest('GET', `/api/v1/discover?${new URLSearchParams({ q: 'error', limit: '5' })}`, { as: 'viewer' });
    expect(errors.body.total).toBeGreaterThan(BOUND);
  });

  it('pages with offset (the legacy paths) across the ranges like the plain statement', async () => {
    const all = await oracle('quota');
    const { events } = await page('quota', { first: 30, offset: 100 });
    expect(idsOf(events)).toEqual(all.slice(100, 130));
  });

  it('costs a bounded number of statements, the same whatever the page size', async () => {
    // windowed-page.ts: the id span (read here for every page: forgotten before each), the newest
    // range, the older rows only when the newest range found too few, the rows; a cursor page
    // reads the ranges from its own start as well.
    const fresh = (q: string, vars: Json) => {
      forgetIdSpans();
      return page(q, vars);
    };
    const seen: number[] = [];
    for (const q of ['quota', '"ok routine"', 'error']) {
      const first = await fresh(q, { first: 1 });
      const big = await fresh(q, { first: 100 });
      const later = await fresh(q, { first: 20, after: first.events.pageInfo.endCursor });
      expect(big.statements).toBe(first.statements);
      expect(later.statements - first.statements).toBeLessThanOrEqual(2);
      seen.push(first.statements, later.statements);
    }
    expect(Math.max(...seen)).toBeLessThanOrEqual(6);
    // `error` (every 7th row) fills the count in the newest range: span, range, rows.
    expect((await fresh('error', { first: 50 })).statements).toBe(3);
    // Within a second the span is not read again.
    expect((await page('error', { first: 50 })).statements).toBe(2);
  });
});
