import type { LoadSession } from './session.ts';

/*
 * Every chamado's timeline in one INSERT, in time order so ids follow time as they do live: an
 * `event` entry per original event it absorbed (duplicates never reach a timeline), plus what
 * people did, following the lifecycle to the chamado's status (src/services/chamados/commands.ts
 * wording): created (by hand), claim, em_correcao, aguardando, resolvido, fechado, notes, or the
 * system's auto-resolution of an unclaimed alert chamado. Entries are marked dispatched
 * (outbound_at) so the outbound worker does not fan out six months of history at start.
 */
export async function insertTimeline(session: LoadSession): Promise<void> {
  await session.step(
    'timeline entries',
    `insert into timeline_entries (id, chamado_id, kind, event_type, source, summary, severity, actor_id, event_id, data, created_at, outbound_at)
     select row_number() over (order by t.created_at, t.chamado_id, t.ord, t.event_id), t.chamado_id, t.kind, t.event_type, t.source,
       t.summary, t.severity, t.actor_id, t.event_id, t.data, t.created_at, t.created_at
     from (
       select e.chamado_id, 'event' as kind, e.event_type, e.source, e.summary, e.severity, null::int as actor_id, e.id as event_id,
         jsonb_build_object('correlation', e.correlation) as data, e.received_at as created_at, 10 as ord
       from events e where e.chamado_id is not null and not e.is_duplicate
       union all
       select ch.i, a.kind, a.event_type, a.source, a.summary, null, a.actor_id, null, a.data, a.at, a.ord
       from ds_chamado ch cross join lateral (values
         (0, 'created', 'chamado.criado', ch.origin, ch.manual_title, ch.creator_id, null::jsonb, ch.created_at, ch.origin = 'manual'),
         (11, 'claim', 'chamado.assumido', 'ops', 'Assumido por ' || ch.assignee_name, ch.assignee_id,
           jsonb_build_object('nota', null, 'previousAssignee', null, 'override', false),
           ch.created_at + make_interval(secs => 60 + ch.span_s * .05), ch.assignee_id is not null),
         (12, 'note', 'nota', 'ops', ch.note1, ch.assignee_id, jsonb_build_object('texto', ch.note1),
           ch.created_at + make_interval(secs => 120 + ch.span_s * .15), ch.assignee_id is not null and ch.n_notes >= 1),
         (13, 'status', 'status.em_correcao', 'ops', 'assumido → em_correcao', ch.assignee_id,
           jsonb_build_object('from', 'assumido', 'to', 'em_correcao', 'nota', null),
           ch.created_at + make_interval(secs => 180 + ch.span_s * .3), ch.assignee_id is not null and ch.status <> 'assumido'),
         (14, 'note', 'nota', 'ops', ch.note2, ch.assignee_id, jsonb_build_object('texto', ch.note2),
           ch.created_at + make_interval(secs => 240 + ch.span_s * .45), ch.assignee_id is not null and ch.n_notes >= 2),
         (15, 'status', 'status.aguardando', 'ops', 'em_correcao → aguardando: aguardando retorno do cliente', ch.assignee_id,
           jsonb_build_object('from', 'em_correcao', 'to', 'aguardando', 'nota', 'aguardando retorno do cliente'),
           ch.created_at + make_interval(secs => 300 + ch.span_s * .6), ch.status = 'aguardando'),
         (16, 'status', 'status.resolvido', 'ops', 'em_correcao → resolvido', ch.assignee_id,
           jsonb_build_object('from', 'em_correcao', 'to', 'resolvido', 'nota', null),
           ch.resolved_at, ch.status in ('resolvido', 'fechado') and not ch.auto),
         (16, 'status', 'auto_resolved', ch.origin, 'its alert resolved; nobody had claimed it', null::int,
           jsonb_build_object('to', 'resolvido'), ch.resolved_at, ch.auto),
         (17, 'status', 'status.fechado', 'ops', 'resolvido → fechado', ch.assignee_id,
           jsonb_build_object('from', 'resolvido', 'to', 'fechado', 'nota', null), ch.closed_at, ch.status = 'fechado')
       ) a(ord, kind, event_type, source, summary, actor_id, data, at, wanted)
       where a.wanted
     ) t`,
  );
}
