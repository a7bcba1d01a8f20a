import { RECURRENCE_BACKFILL } from '../../../migrations/Migration20261205054110.ts';
import type { LoadSession } from './session.ts';

/**
 * What ingestion keeps in step as it goes, derived once from what was loaded: each chamado's
 * title and facts from the event that opened it, its counters (absorbEvent: original events
 * only), its version (one per change: each timeline entry) and last change; the year sequences
 * past the last public id; the id sequences past the explicit ids.
 */
export async function finishChamados(session: LoadSession): Promise<void> {
  await session.step(
    'chamado counters',
    `update chamados c set
       title = coalesce(o.title, c.title), domain = coalesce(o.domain, c.domain), session_id = o.session_id, fingerprint = o.recurrence_key,
       wizard_step = o.wizard_step, wizard_step_label = o.wizard_step_label, wizard_step_at = case when o.wizard_step is not null then o.occurred_at end,
       sources = s.sources, max_severity = s.max_severity, event_count = s.n, version = t.n, updated_at = t.last_at
     from (
       select chamado_id, count(*)::int as n, max(severity) as max_severity, array_agg(distinct source order by source) as sources
       from events where chamado_id is not null and not is_duplicate group by chamado_id
     ) s
     join (select chamado_id, count(*)::int as n, max(created_at) as last_at from timeline_entries group by chamado_id) t on t.chamado_id = s.chamado_id
     left join (
       select e.chamado_id, e.domain, e.session_id, e.recurrence_key, e.occurred_at,
         e.payload->'data'->>'wizard_step' as wizard_step, e.payload->'data'->>'wizard_step_label' as wizard_step_label,
         -- The normalizers' chamado titles (src/services/ingest/sources, discovery-event.ts).
         case e.source
           when 'wazuh' then '[wazuh L' || e.severity || '] ' || coalesce(e.agent, '-') || ' — ' || e.summary
           when 'sentry' then '[sentry] ' || coalesce(e.namespace, '-') || ': ' || e.alertname
           when 'onboard' then '[' || e.event_type || '] ' || coalesce(e.domain, '-') || coalesce(' — ' || (e.payload->'data'->>'email'), '')
           when 'discovery' then e.target_resource || ' (' || (e.payload->'resource'->>'category') || ') is down'
             || coalesce(': ' || (e.payload->'change'->>'reason'), '')
           when 'support' then '[support] ' || e.event_type || coalesce(' — ' || e.domain, '')
           when 'audit' then '[audit] ' || e.event_type || coalesce(' — ' || e.domain, '')
           else '[' || coalesce(e.alertname, '-') || '] ' || coalesce(e.namespace, '-') || '/' || coalesce(e.target_resource, '-')
         end as title
       from ds_event d join events e on e.id = d.id
       where d.role = 'open' and not d.is_dup
     ) o on o.chamado_id = s.chamado_id
     where c.id = s.chamado_id`,
  );
  // Chamados opened by hand keep their origin among their sources (recomputeEventSummary).
  await session.step(
    'manual sources',
    `update chamados set sources = (select array_agg(distinct s order by s) from unnest(sources || array[origin]) s)
     where origin in ('manual', 'support') and not (origin = any(sources))`,
  );
  await session.step(
    'sequences',
    `insert into chamado_sequences (year, last_value)
     select split_part(public_id, '-', 2)::int, max(split_part(public_id, '-', 3)::int) from chamados group by 1
     on conflict (year) do update set last_value = greatest(chamado_sequences.last_value, excluded.last_value);
     select setval('chamados_id_seq', (select max(id) from chamados));
     select setval('events_id_seq', (select max(id) from events));
     select setval('timeline_entries_id_seq', (select max(id) from timeline_entries));`,
  );
}

/**
 * Recurrence groups, their hourly counts and chamado links come from the events by the same SQL
 * the migration used to rebuild them (so the counters match src/services/recurrence/maintain.ts);
 * what that SQL takes from the clock or a random source is then made a function of the data.
 */
export async function buildRecurrence(session: LoadSession): Promise<void> {
  for (const [n, sql] of RECURRENCE_BACKFILL.entries()) await session.step(`recurrence ${n + 1}/${RECURRENCE_BACKFILL.length}`, sql);
  await session.step(
    'recurrence: stable fields',
    `update recurrence_groups set uuid = md5('recurrence|' || recurrence_key)::uuid, created_at = first_received_at,
       updated_at = latest_received_at, lifecycle_reason = 'derived from the bench dataset''s events'`,
  );
}
