import type { TestServer } from './server.ts';

/** Row counts of one project's side-effect tables; `chamado_versions` sums the chamados' versions, so an update shows too. */
export interface SideEffectCounts {
  chamados: number;
  chamado_versions: number;
  timeline_entries: number;
  runbook_executions: number;
  approval_requests: number;
  outbound_deliveries: number;
  work_item_entries: number;
}

/**
 * Rows a side effect would create or change for one project: its chamados (those its events or
 * groups joined), their timeline entries, executions, approvals and outbound deliveries, and the
 * recurrence work item entries of its groups. Scoped to the project because other test files
 * write to the same database at the same time.
 */
export async function sideEffectCounts(server: TestServer, project: string): Promise<SideEffectCounts> {
  const [row] = await server.orm.em.fork().getConnection().execute<SideEffectCounts[]>(
    `with ev as (select id, chamado_id from events where project_id = ?),
          ch as (select chamado_id as id from ev where chamado_id is not null
                 union select gc.chamado_id from recurrence_group_chamados gc
                 join recurrence_groups g on g.id = gc.group_id where g.project_id = ?),
          te as (select t.id from timeline_entries t where t.chamado_id in (select id from ch) or t.event_id in (select id from ev))
     select (select count(*)::int from ch) as chamados,
            (select coalesce(sum(version), 0)::int from chamados where id in (select id from ch)) as chamado_versions,
            (select count(*)::int from te) as timeline_entries,
            (select count(*)::int from runbook_executions x where x.chamado_id in (select id from ch)) as runbook_executions,
            (select count(*)::int from approval_requests a join runbook_executions x on x.id = a.execution_id
              where x.chamado_id in (select id from ch)) as approval_requests,
            (select count(*)::int from outbound_deliveries o
              where o.chamado_id in (select id from ch) or o.timeline_entry_id in (select id from te)) as outbound_deliveries,
            (select count(*)::int from recurrence_work_item_entries w join recurrence_groups g on g.id = w.group_id
              where g.project_id = ?) as work_item_entries`,
    [project, project, project],
  );
  return row!;
}
