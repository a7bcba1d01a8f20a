/*
 * The ingest ceiling: node:http and a pg Pool of POOL_SIZE (default 16) connections; each
 * POST /ingest body is one JSON event, answered 202 once its transaction committed.
 *
 * Where it writes: tables of its own, created at start when missing — `bench_bare_events` and
 * `bench_bare_event_dedup_keys`, made `LIKE` OpsGraph's `events` and `event_dedup_keys` INCLUDING
 * ALL, so every column, default, the generated full-text column, every index (the GIN one
 * included) and the constraints are the real ones; the events table is range-partitioned by
 * `received_at` like ours (its rows all land in one partition, as ours land in the current month),
 * with no foreign keys into it (ours have none either), and the tables are logged (as durable as
 * ours, same synchronous_commit). Own tables so the rows it writes never show up in
 * what the OpsGraph side of another scenario reads. They persist across runs on the same database,
 * like OpsGraph's events do.
 *
 * Per event, on one pooled connection: BEGIN; INSERT the event row (RETURNING id); INSERT its dedup
 * key ON CONFLICT DO NOTHING (RETURNING key); only when the key was already held (a redelivery)
 * an UPDATE marking the row a duplicate of the holder; COMMIT. That is 2 statements besides
 * BEGIN/COMMIT for a first copy (4 sent) and 3 for a redelivery (5 sent); /bench/stats counts all.
 *
 * The event: any JSON object. `source` from `?source=` (else the body's `source`, else `events`);
 * the dedup key is `<source>:exact:<id>` with id the `webhook-id` header (Standard Webhooks: a
 * redelivery reuses it), else the body's `id`/`event_id`, else the body's SHA-256. `event_type`/`type`, `summary`/`title`, `domain`
 * and `severity` are copied when present; the whole body is the jsonb payload.
 */
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import pg from 'pg';
import { answerStats, listenAndAnnounce, readBody, referencePort, requiredDatabaseUrl } from './lifecycle.ts';
import { countStatements } from './sql-counter.ts';

const MAX_BODY_BYTES = 1_048_576;
const poolSize = Number(process.env.POOL_SIZE ?? 16);
if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`POOL_SIZE must be a positive integer, got ${process.env.POOL_SIZE}`);

const pool = new pg.Pool({ connectionString: requiredDatabaseUrl(), max: poolSize });
const sqlStatements = countStatements(pool);

await createTables(pool);

const server = createServer(async (req, res) => {
  if (answerStats(req, res, sqlStatements)) return;
  const url = new URL(req.url ?? '/', 'http://reference');
  if (req.method !== 'POST' || url.pathname !== '/ingest') return send(res, 404, { error: 'NOT_FOUND' });
  const raw = await readBody(req, MAX_BODY_BYTES);
  if (raw === null) return send(res, 413, { error: 'PAYLOAD_TOO_LARGE' });
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return send(res, 400, { error: 'MALFORMED_JSON' });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return send(res, 400, { error: 'NOT_AN_OBJECT' });
  const webhookId = req.headers['webhook-id'];
  try {
    const stored = await store(raw, body, url.searchParams.get('source'), typeof webhookId === 'string' ? webhookId : null);
    send(res, 202, stored);
  } catch (error) {
    console.error(error);
    send(res, 500, { error: 'INTERNAL' });
  }
});
await listenAndAnnounce(server, referencePort(), () => pool.end());

async function store(raw: string, body: Record<string, unknown>, sourceParam: string | null, webhookId: string | null) {
  const source = cut(sourceParam ?? text(body.source) ?? 'events', 32);
  const providerId = text(body.id) ?? text(body.event_id);
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const key = cut(`${source}:exact:${webhookId ?? providerId ?? sha256}`, 600);
  const severity = typeof body.severity === 'number' && Number.isInteger(body.severity) ? body.severity : null;
  const client = await pool.connect();
  try {
    await client.query('begin');
    const inserted = await client.query<{ id: string }>(
      `insert into bench_bare_events (source, event_type, provider_event_id, domain, severity, summary, delivery_id,
         payload, content_sha256, content_length, received_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, now()) returning id`,
      [
        source,
        cut(text(body.event_type) ?? text(body.type) ?? 'unknown', 128),
        providerId === null ? null : cut(providerId, 200),
        nullableCut(text(body.domain)?.toLowerCase() ?? null, 253),
        severity,
        text(body.summary) ?? text(body.title),
        nullableCut(webhookId, 200),
        raw,
        sha256,
        Buffer.byteLength(raw),
      ],
    );
    const eventId = inserted.rows[0]!.id;
    const won = await client.query('insert into bench_bare_event_dedup_keys (key, event_id, created_at) values ($1, $2, now()) on conflict (key) do nothing returning key', [key, eventId]);
    let duplicateOf: string | null = null;
    if (won.rowCount === 0) {
      const marked = await client.query<{ duplicate_of_id: string | null }>(
        `update bench_bare_events set is_duplicate = true,
           duplicate_of_id = (select coalesce(e.duplicate_of_id, e.id) from bench_bare_event_dedup_keys k join bench_bare_events e on e.id = k.event_id where k.key = $1)
         where id = $2 returning duplicate_of_id`,
        [key, eventId],
      );
      duplicateOf = marked.rows[0]?.duplicate_of_id ?? null;
    }
    await client.query('commit');
    client.release();
    return { status: duplicateOf === null ? 'accepted' : 'duplicate', eventId: Number(eventId), duplicateOf: duplicateOf === null ? null : Number(duplicateOf) };
  } catch (error) {
    // A connection whose rollback fails is in an unknown state: discard it rather than pool it.
    await client.query('rollback').then(
      () => client.release(),
      (rollbackError: Error) => client.release(rollbackError),
    );
    throw error;
  }
}

async function createTables(target: pg.Pool): Promise<void> {
  const client = await target.connect();
  try {
    await client.query('begin');
    // Two references started at once on one database must not both create the tables.
    await client.query("select pg_advisory_xact_lock(hashtext('bench_bare_events'))");
    const exists = await client.query("select to_regclass('bench_bare_events') is not null as present");
    if (!exists.rows[0].present) {
      await client.query(`
        create sequence bench_bare_events_id_seq;
        create table bench_bare_events (like events including all) partition by range (received_at);
        create table bench_bare_events_default partition of bench_bare_events default;
        alter table bench_bare_events alter column id set default nextval('bench_bare_events_id_seq');
        alter sequence bench_bare_events_id_seq owned by bench_bare_events.id;
        create table bench_bare_event_dedup_keys (like event_dedup_keys including all);
      `);
    }
    await client.query('commit');
  } finally {
    client.release();
  }
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

function cut(value: string, length: number): string {
  return value.length > length ? value.slice(0, length) : value;
}

function nullableCut(value: string | null, length: number): string | null {
  return value === null ? null : cut(value, length);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
