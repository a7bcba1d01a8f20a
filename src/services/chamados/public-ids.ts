import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Takes the next chamado number for the year of `at` in one statement. The upsert row-locks the
 * year until the surrounding transaction ends, so concurrent creations get distinct numbers and a
 * rolled-back creation hands its number back instead of leaving a gap that was never shown to anyone.
 */
export async function nextChamadoPublicId(em: EntityManager, at: Date): Promise<string> {
  const [chamado] = await reserveChamados(em, at, 1, { ids: false });
  return chamado!.publicId;
}

export function formatPublicId(year: number, value: number): string {
  return `CH-${year}-${String(value).padStart(5, '0')}`;
}

/**
 * What `count` chamados need first, in one round trip: consecutive numbers for the year of `at`,
 * in the order given, and (unless `ids: false`) their ids from the table's sequence, ascending, so
 * that a caller writing the chamados with its own statement (an ingest batch) can write the rows
 * referencing them in that same statement.
 */
export async function reserveChamados(
  em: EntityManager,
  at: Date,
  count: number,
  options: { ids?: boolean } = {},
): Promise<{ publicId: string; id: number | undefined }[]> {
  const year = at.getUTCFullYear();
  const [row] = await em.execute<{ last_value: number; ids: string[] }[]>(
    `with numbered as (
       insert into chamado_sequences (year, last_value) values (?, ?)
       on conflict (year) do update set last_value = chamado_sequences.last_value + excluded.last_value
       returning last_value)
     select (select last_value from numbered) as last_value,
       array(select nextval(pg_get_serial_sequence('chamados', 'id')) from generate_series(1, ?)) as ids`,
    [year, count, options.ids === false ? 0 : count],
  );
  if (!row || row.last_value == null) throw new Error('chamado sequence returned no row');
  const ids = row.ids.map(Number).sort((a, b) => a - b);
  const first = row.last_value - count + 1;
  return Array.from({ length: count }, (_, i) => ({ id: ids[i], publicId: formatPublicId(year, first + i) }));
}
