import type { LoadSession } from './session.ts';

/*
 * The chamados' plan (ds_chamado): when each was opened, by which source, what became of it and
 * who holds it. Ids follow the opening time, so the id order is the time order, as in production;
 * public ids count per year in that order.
 */
export async function planChamados(session: LoadSession): Promise<void> {
  await session.step(
    'plan chamados',
    `create temp table ds_chamado as
     with b as (
       select i, p.anchor,
         p.anchor - interval '182 days' + interval '182 days' * power((i - 1 + pg_temp.u(i, 1)) / p.n_c, 0.8) as created_at,
         pg_temp.u(i, 2) as r_origin, pg_temp.u(i, 3) as r_status
       from ds_param p, generate_series(1, p.n_c) i
     ), o as (
       select b.*,
         case when r_origin < .34 then 'wazuh' when r_origin < .54 then 'alertmanager' when r_origin < .66 then 'onboard'
              when r_origin < .76 then 'sentry' when r_origin < .84 then 'signoz' when r_origin < .90 then 'discovery'
              when r_origin < .96 then 'support' when r_origin < .98 then 'audit' else 'manual' end as origin,
         extract(epoch from anchor - created_at)::float8 as age_s
       from b
     ), s as (
       -- Old chamados are mostly closed; the last two days hold most of the open work.
       select o.*,
         case when age_s > 14 * 86400 then
                case when r_status < .82 then 'fechado' when r_status < .92 then 'resolvido' when r_status < .95 then 'aguardando'
                     when r_status < .97 then 'em_correcao' when r_status < .985 then 'assumido' else 'novo' end
              when age_s > 2 * 86400 then
                case when r_status < .35 then 'fechado' when r_status < .65 then 'resolvido' when r_status < .75 then 'aguardando'
                     when r_status < .85 then 'em_correcao' when r_status < .93 then 'assumido' else 'novo' end
              else
                case when r_status < .05 then 'fechado' when r_status < .20 then 'resolvido' when r_status < .30 then 'aguardando'
                     when r_status < .45 then 'em_correcao' when r_status < .65 then 'assumido' else 'novo' end
         end as status
       from o
     ), t as (
       select s.*,
         -- Alert chamados nobody claimed resolve themselves when their alerts do (RULE_AUTO_RESOLVE_SOURCES).
         (s.status = 'resolvido' and s.origin in ('alertmanager', 'signoz', 'discovery') and pg_temp.u(i, 4) < .5) as auto,
         -- Activity lasts 10 min to 5 days until resolution; open chamados are still active now.
         case when s.status in ('resolvido', 'fechado') then least(600 * exp(pg_temp.u(i, 5) * ln(720)), s.age_s) else s.age_s end as span_s
       from s
     ), v as (
       select t.*,
         case when t.status <> 'novo' and not t.auto then 1 + pg_temp.skewed(i, 7, cardinality(p.op_ids), 1.5) end as op_n,
         case when t.origin <> 'sentry' then pg_temp.skewed(i, 9, (select count(*)::int from ds_domain), 1.7) end as dom_idx,
         case when t.origin in ('wazuh', 'alertmanager', 'signoz', 'discovery') then pg_temp.skewed(i, 10, (select count(*)::int from ds_agent), 1.5) end as agent_idx,
         case when t.origin <> 'manual' then pg_temp.skewed(i, 11, c.n_open, 1.3) end as prob,
         p.op_ids, p.op_names, p.notes, p.manual_titles
       from t cross join ds_param p left join ds_count c on c.src = t.origin
     )
     select v.i, v.created_at, v.origin, v.status, v.auto, v.span_s,
       case when v.status in ('resolvido', 'fechado') then v.created_at + make_interval(secs => v.span_s) end as resolved_at,
       case when v.status = 'fechado' then least(v.created_at + make_interval(secs => v.span_s + 3600 * exp(pg_temp.u(i, 6) * ln(72))), v.anchor) end as closed_at,
       v.op_ids[v.op_n] as assignee_id, v.op_names[v.op_n] as assignee_name,
       case when v.origin = 'manual' then v.op_ids[1 + pg_temp.pick(i, 8, cardinality(v.op_ids))] end as creator_id,
       v.dom_idx, d.name as domain, v.agent_idx, a.name as agent, a.ip as agent_ip, v.prob, pg_temp.pick(i, 12, 5) as variant,
       case when v.status = 'novo' then 0 else pg_temp.pick(i, 13, 3) end as n_notes,
       v.notes[1 + pg_temp.pick(i, 14, cardinality(v.notes))] as note1, v.notes[1 + pg_temp.pick(i, 15, cardinality(v.notes))] as note2,
       case when v.origin = 'manual' then replace(v.manual_titles[1 + pg_temp.pick(i, 16, cardinality(v.manual_titles))], '{domain}', d.name) end as manual_title,
       'CH-' || extract(year from v.created_at at time zone 'UTC') || '-'
         || lpad((row_number() over (partition by extract(year from v.created_at at time zone 'UTC') order by v.i))::text, 5, '0') as public_id
     from v left join ds_domain d on d.idx = v.dom_idx left join ds_agent a on a.idx = v.agent_idx
     order by v.i`,
  );
  await session.step('plan chamados: analyze', 'analyze ds_chamado');
  await session.step(
    'chamados',
    `insert into chamados (id, public_id, project_id, status, origin, title, description, domain, sources, event_count,
       assignee_id, created_by_id, resolved_at, closed_at, version, created_at, updated_at)
     select i, public_id, 'default', status, origin, coalesce(manual_title, '-'),
       case when origin = 'manual' then 'Aberto pelo console: ' || manual_title end,
       case when origin = 'manual' then domain end, case when origin = 'manual' then '{manual}'::text[] else '{}'::text[] end, 0,
       assignee_id, creator_id, resolved_at, closed_at, 1, created_at, created_at
     from ds_chamado order by i`,
  );
}
