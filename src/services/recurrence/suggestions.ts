import type { EntityManager } from '@mikro-orm/postgresql';
import { anyOf } from '../../db/sql.ts';

/** Suggestions kept per group: the GraphQL field serves the first `first` (at most this many). */
export const MAX_SUGGESTIONS = 10;

/** A runbook that worked on groups like this one (issue 9: automation_gap suggestions). */
export interface RunbookSuggestion {
  groupId: number;
  runbookId: number;
  runCount: number;
  successCount: number;
  reason: string;
}

interface SuggestionRow {
  groupId: number;
  runbookId: number;
  similar: boolean;
  runCount: number;
  successCount: number;
  provider: string;
  name: string | null;
}

/**
 * For each group, the enabled runbooks most run on OTHER groups of its project with the same
 * provider and alertname (rule id when it has no alertname), best first by successes then runs;
 * runbooks seen only on other groups of the same provider follow, as a fallback. A run counts
 * once even when its chamado holds events of several similar groups. One statement per batch.
 */
export async function suggestionsByGroupIds(em: EntityManager, groupIds: readonly number[]): Promise<Map<number, RunbookSuggestion[]>> {
  const out = new Map<number, RunbookSuggestion[]>();
  if (groupIds.length === 0) return out;
  const rows = await em.execute<SuggestionRow[]>(
    `with t as (
       select id, project_id, provider, alertname, rule_id from recurrence_groups where ?
     ), runs as (
       select t.id as group_id, x.id, x.runbook_id, x.status,
         bool_or(case when t.alertname is not null then g.alertname = t.alertname else g.rule_id = t.rule_id end) as similar
       from t
       join recurrence_groups g on g.project_id = t.project_id and g.provider = t.provider and g.id <> t.id
       join recurrence_group_chamados gc on gc.group_id = g.id
       join runbook_executions x on x.chamado_id = gc.chamado_id
       group by t.id, x.id, x.runbook_id, x.status
     ), per_runbook as (
       select r.group_id, r.runbook_id, coalesce(bool_or(r.similar), false) as similar,
         count(*) filter (where r.similar)::int as similar_runs,
         count(*) filter (where r.similar and r.status = 'sucesso')::int as similar_successes,
         count(*)::int as provider_runs,
         count(*) filter (where r.status = 'sucesso')::int as provider_successes
       from runs r join runbooks b on b.id = r.runbook_id and b.enabled
       group by r.group_id, r.runbook_id
     ), ranked as (
       select p.group_id, p.runbook_id, p.similar,
         case when p.similar then p.similar_runs else p.provider_runs end as run_count,
         case when p.similar then p.similar_successes else p.provider_successes end as success_count
       from per_runbook p
     ), numbered as (
       select r.*, row_number() over (partition by r.group_id order by r.similar desc, r.success_count desc, r.run_count desc, r.runbook_id) as n
       from ranked r
     )
     select n.group_id as "groupId", n.runbook_id as "runbookId", n.similar, n.run_count as "runCount",
       n.success_count as "successCount", t.provider, coalesce(t.alertname, t.rule_id) as name
     from numbered n join t on t.id = n.group_id
     where n.n <= ?
     order by n.group_id, n.n`,
    [anyOf('id', groupIds, 'int'), MAX_SUGGESTIONS],
  );
  for (const row of rows) {
    const list = out.get(row.groupId) ?? [];
    list.push({ groupId: row.groupId, runbookId: row.runbookId, runCount: row.runCount, successCount: row.successCount, reason: reasonOf(row) });
    out.set(row.groupId, list);
  }
  return out;
}

function reasonOf(row: SuggestionRow): string {
  const tally = `run ${row.runCount} time${row.runCount === 1 ? '' : 's'} (${row.successCount} succeeded)`;
  return row.similar && row.name
    ? `${tally} on other ${row.provider} groups of ${row.name}`
    : `${tally} on other ${row.provider} groups of the project, for other alerts`;
}
