import { MikroORM } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../../../src/db/embedded.ts';
import { createLogger } from '../../../src/logger.ts';

export interface PostgresServer {
  /** A URL of the server (its database part is whatever came with it). */
  url: string;
  /** `SELECT version()`, for the results' machine block. */
  version: string;
  /** Where it came from: `DATABASE_URL`, `local` or `embedded`. */
  origin: string;
  stop(): Promise<void>;
}

const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * DATABASE_URL when set; else the local server when it answers; else the embedded PostgreSQL
 * `npm start` uses, in a folder and port of its own (`.data/bench-pg`, 54339, unless
 * EMBEDDED_PG_DIR / EMBEDDED_PG_PORT say otherwise) so a running `npm start` is left alone.
 */
export async function choosePostgres(log: (line: string) => void): Promise<PostgresServer> {
  const given = process.env.DATABASE_URL;
  if (given) return { url: given, version: await versionOf(given), origin: 'DATABASE_URL', stop: async () => {} };
  const local = await versionOf(LOCAL).catch(() => null);
  if (local) return { url: LOCAL, version: local, origin: 'local', stop: async () => {} };
  log('no PostgreSQL at 127.0.0.1:5432: starting the embedded one');
  const embedded = await startEmbeddedPostgres(
    { dir: process.env.EMBEDDED_PG_DIR ?? '.data/bench-pg', port: Number(process.env.EMBEDDED_PG_PORT ?? 54339) },
    createLogger('warn', pino.destination(2)),
  );
  return { url: embedded.url, version: await versionOf(embedded.url), origin: 'embedded', stop: embedded.stop };
}

async function versionOf(url: string): Promise<string> {
  const orm = await MikroORM.init({
    clientUrl: url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    driverOptions: { connectionTimeoutMillis: 2000 },
  });
  try {
    const [row] = await orm.em.getConnection().execute<{ version: string }[]>('select version()');
    return row!.version;
  } finally {
    await orm.close(true);
  }
}
