import type { LoadSession } from './session.ts';

/**
 * Drops the tables' plain (non-unique) indexes and returns the statements that recreate them
 * exactly as they were (pg_indexes), as pg_restore does around a bulk load: one sorted build per
 * index is several times cheaper than a million scattered insertions into each. Primary keys and
 * unique indexes stay, so every constraint is checked row by row during the load.
 */
export async function dropPlainIndexes(session: LoadSession, tables: string[]): Promise<string[]> {
  const rows = await session.query<{ name: string; definition: string }>(
    `select quote_ident(i.indexname) as name, i.indexdef as definition
     from pg_indexes i join pg_index x on x.indexrelid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
     where i.schemaname = current_schema() and i.tablename = any($1) and not x.indisunique and not x.indisprimary
     order by i.tablename, i.indexname`,
    [tables],
  );
  if (rows.length) await session.step(`drop ${rows.length} plain indexes`, `drop index ${rows.map((r) => r.name).join(', ')}`);
  // A partitioned table's index reads `ON ONLY` in pg_indexes: as written it would index the parent
  // alone (an invalid index, no partition's rows); without ONLY it builds every partition's too.
  return rows.map((r) => r.definition.replace(' ON ONLY ', ' ON '));
}

export async function recreateIndexes(session: LoadSession, definitions: string[]): Promise<void> {
  for (const definition of definitions) {
    await session.step(`index ${/^CREATE (?:UNIQUE )?INDEX (\S+)/.exec(definition)?.[1] ?? definition}`, definition);
  }
}
