import type { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { MikroORM } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createLogger } from '../src/logger.ts';

// The test server trusts local connections, so any password is accepted — and must never be logged.
const CANARY = 'canary-pw-7f3a91';

interface PooledClient {
  processID: number;
  query: (sql: string, values?: unknown[]) => Promise<unknown>;
  release: () => void;
}
type PgPool = EventEmitter & { connect: () => Promise<PooledClient> };

function memoryLog(factory: (sink: Writable) => pino.Logger) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk).trim());
      done();
    },
  });
  return { log: factory(sink), lines };
}

let orm: MikroORM;

beforeAll(async () => {
  const url = new URL(inject('databaseUrl'));
  url.password = CANARY;
  orm = await MikroORM.init({ clientUrl: url.toString(), entities: [], discovery: { warnWhenNoEntities: false } });
});

afterAll(async () => {
  await orm.close(true);
});

/** An idle pooled connection the server drops: pg-pool attaches the whole client to the error it emits. */
async function droppedIdleConnectionError(): Promise<Error> {
  const pool = (await orm.em.getConnection().getNativeClient()) as unknown as PgPool;
  const victim = await pool.connect();
  const killer = await pool.connect();
  const dropped = new Promise<Error>((resolve) => pool.once('error', resolve));
  victim.release();
  await killer.query('select pg_terminate_backend($1)', [victim.processID]);
  killer.release();
  return dropped;
}

describe('logging a dependency error', () => {
  it('writes a dropped connection as message, code and stack: small, without the client or its parameters', async () => {
    const err = await droppedIdleConnectionError();
    // The hazard is real: the error holds the pg client, and pino's default serializer writes it out.
    expect((err as Error & { client?: unknown }).client).toBeDefined();
    const plain = memoryLog((sink) => pino({}, sink));
    plain.log.error({ err }, 'job queue error');
    expect(plain.lines[0]!.length).toBeGreaterThan(2048);

    const { log, lines } = memoryLog((sink) => createLogger('info', sink));
    log.error({ err }, 'job queue error');
    const line = lines[0]!;
    expect(line.length).toBeLessThan(2048);
    const logged = JSON.parse(line).err;
    expect(logged).toMatchObject({ type: expect.any(String), message: expect.stringContaining('terminating connection'), code: '57P01' });
    expect(logged.stack).toEqual(expect.stringContaining('terminating connection'));
    expect(line).not.toContain(CANARY);
    expect(line).not.toMatch(/connectionParameters|"client"|"password"|"host"|"port"|"user"|"database"/);
  });

  it('writes a failed query through the ORM as message, code and PostgreSQL fields, under 2 KB', async () => {
    const err = await orm.em
      .getConnection()
      .execute('select * from no_such_table_for_the_logger_test')
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);

    const { log, lines } = memoryLog((sink) => createLogger('info', sink));
    log.error({ err }, 'query failed');
    const line = lines[0]!;
    expect(line.length).toBeLessThan(2048);
    const logged = JSON.parse(line).err;
    expect(logged).toMatchObject({
      message: expect.stringContaining('no_such_table_for_the_logger_test'),
      code: '42P01',
      severity: 'ERROR',
      routine: expect.any(String),
    });
    expect(typeof logged.stack).toBe('string');
    expect(line).not.toContain(CANARY);
  });
});
