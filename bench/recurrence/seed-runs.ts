import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * Runbook runs on a third of the chamados the groups' events joined (1–3 each, statuses mixed),
 * requested by `requestedBy`. Returns how many runs it added.
 */
export async function seedRuns(loader: MikroORM, requestedBy: string): Promise<number> {
  const [runs] = await loader.em.fork().execute<{ n: number }[]>(
    `with linked as (
       select gc.chamado_id, row_number() over (order by gc.chamado_id) as k from (select distinct chamado_id from recurrence_group_chamados) gc
     ), rb as (select id, code, nivel, row_number() over (order by id) as k, count(*) over () as total from runbooks)
     , ins as (
       insert into runbook_executions (chamado_id, runbook_id, runbook_code, nivel, params, status, requested_by_id, attempt,
         queued_at, started_at, finished_at, created_at, updated_at)
       select l.chamado_id, rb.id, rb.code, rb.nivel, '{}'::jsonb,
         (array['sucesso','sucesso','sucesso','falha','pendente_aprovacao','executando','timeout'])[1 + (l.k * 7 + r.i) % 7],
         (select id from users where username = ?), 1,
         now() - interval '2 hours', now() - interval '2 hours', now() - interval '1 hour', now() - (r.i || ' hours')::interval, now()
       from linked l cross join generate_series(1, 3) r(i)
         join rb on rb.k = 1 + (l.k + r.i) % rb.total
       where l.k % 3 = 0 and r.i <= 1 + (l.k / 3) % 3
       returning 1
     ) select count(*)::int as n from ins`,
    [requestedBy],
  );
  return runs!.n;
}
