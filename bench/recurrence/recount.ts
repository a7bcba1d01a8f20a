import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * The counters on the groups (the bulk path's and ingest's), against a recount from the events;
 * `mismatched` counts the groups that differ or exist on one side only.
 */
export async function recountGroups(loader: MikroORM): Promise<{ groups: number; mismatched: number; events: number; duplicates: number; chamados: number }> {
  const [check] = await loader.em.fork().execute<{ groups: number; mismatched: number; events: number; duplicates: number; chamados: number }[]>(
    `with recount as (
       select project_id, recurrence_key,
         count(*) filter (where not is_duplicate and alert_status is distinct from 'resolved')::int as occurrences,
         count(*) filter (where not is_duplicate and alert_status = 'resolved')::int as resolutions,
         count(*) filter (where is_duplicate)::int as duplicates
       from events where recurrence_key is not null group by 1, 2
     )
     select (select count(*) from recurrence_groups)::int as groups,
       (select count(*) from recurrence_groups g full join recount r using (project_id, recurrence_key)
         where g.id is null or r.project_id is null or g.occurrence_total <> r.occurrences
           or g.resolved_total <> r.resolutions or g.duplicate_total <> r.duplicates)::int as mismatched,
       (select count(*) from events)::int as events,
       (select count(*) from events where is_duplicate)::int as duplicates,
       (select count(*) from chamados)::int as chamados`,
  );
  return check!;
}
