import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Takes the next chamado number for `year` in one statement. The upsert row-locks the year until
 * the surrounding transaction ends, so concurrent creations get distinct numbers and a rolled-back
 * creation hands its number back instead of leaving a gap that was never shown to anyone.
 */
export async function nextChamadoPublicId(em: EntityManager, at: Date): Promise<string> {
  const year = at.getUTCFullYear();
  const rows = await em.execute<{ last_value: number }[]>(
    `insert into chamado_sequences (year, last_value) values (?, 1)
     on conflict (year) do update set last_value = chamado_sequences.last_value + 1
     returning last_value`,
    [year],
  );
  const value = rows[0]?.last_value;
  if (value === undefined) throw new Error('chamado sequence returned no row');
  return formatPublicId(year, value);
}

export function formatPublicId(year: number, value: number): string {
  return `CH-${year}-${String(value).padStart(5, '0')}`;
}

/**
 * What `count` chamados written by the caller's own statement need first, in one round trip (an
 * ingest batch's): consecutive numbers for `year`, taken like nextChamadoPublicId's (handed back
 * on rollback), and their ids from the table's sequence, ascending, so that rows referencing them
 * can be written in the same statement as the chamados. In the order the chamados were opened.
 */
export async function reserveChamados(em: EntityManager, at: Date, count: number): Promise<{ publicId: string; id: number }[]> {
  const year = at.getUTCFullYear();
  const [row] = await em.execute<{ last_value: number; ids: string[] }[]>(
    `with numbered as (
       insert into chamado_sequences (year, last_value) values (?, ?)
       on conflict (year) do update set last_value = chamado_sequences.last_value + excluded.last_value
       returning last_value)
     select (select last_value from numbered) as last_value,
       array(select nextval(pg_get_serial_sequence('chamados', 'id')) from generate_series(1, ?)) as ids`,
    [year, count, count],
  );
  if (!row) throw new Error('chamado sequence returned no row');
  const ids = row.ids.map(Number).sort((a, b) => a - b);
  const first = row.last_value - count + 1;
  return ids.map((id, i) => ({ id, publicId: formatPublicId(year, first + i) }));
}
