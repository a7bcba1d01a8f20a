import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, inject } from 'vitest';
import { createThrowawayDatabase } from '../../scripts/throwaway-database.ts';

/**
 * A migrated database of its own, beside the run's shared one, for tests of work that takes
 * everything due (the discovery monitor's schedule): in the shared database it would also act on
 * the rows of every other test file.
 */
export async function scratchDatabase(): Promise<{ url: string; orm: MikroORM; drop: () => Promise<void> }> {
  const server = new URL(inject('databaseUrl'));
  server.pathname = '/postgres';
  const database = await createThrowawayDatabase(server.toString(), 'opsgraph_scratch');
  return { url: database.url, orm: database.orm, drop: () => database.dispose(false) };
}

/** A scratch database for the whole test file: made before its tests, dropped after them. */
export function scratchDatabaseForFile(): () => Awaited<ReturnType<typeof scratchDatabase>> {
  let db: Awaited<ReturnType<typeof scratchDatabase>> | undefined;
  beforeAll(async () => {
    db = await scratchDatabase();
  }, 60_000);
  afterAll(async () => {
    await db?.drop();
  });
  return () => db!;
}
