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
