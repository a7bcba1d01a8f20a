import { AGENTS, DOMAINS } from './catalog-tables.ts';
import type { LoadSession } from './session.ts';

/*
 * The events' plan (ds_event, narrow rows): which chamado each event joins and why, its source and
 * when it arrived. Roles: `open` (the event that opened chamado j), `same` (the same problem again:
 * recurrence, resolution, regression), `ctx` (another source about the chamado's domain or agent,
 * joined by the correlation window), `free` (stored, nothing to open or join). A few percent are
 * redeliveries of earlier events (`is_dup`), seconds to minutes after their original.
 */
export async function planEvents(session: LoadSession): Promise<void> {
  await session.step(
    'plan events',
    `create temp table ds_raw as
     with a as (
       select j::bigint as j, p.n_c, p.anchor,
         case when j <= p.n_c then j
              -- 80% join a chamado; a few chamados take many (power skew), spread over time by the prime stride.
              when pg_temp.u(j, 20) < .8 then ((floor(p.n_c * power(pg_temp.u(j, 21), 1.8))::bigint * 7919) % p.n_c) + 1
         end as c
       from ds_param p, generate_series(1, p.n_base) j
     ), b as (
       select a.j, a.c, a.anchor, ch.origin, ch.created_at, ch.span_s,
         case when a.c is null then 'free'
              when a.j <= a.n_c and ch.origin <> 'manual' then 'open'
              -- Sentry events carry no domain or agent: only the issue itself comes back to its chamado.
              when ch.origin = 'sentry' then 'same'
              -- Onboarding steps of a session are deduplicated per step; other sources tell the rest.
              when ch.origin in ('manual', 'onboard') then 'ctx'
              when pg_temp.u(a.j, 22) < .45 then 'same'
              else 'ctx' end as role,
         pg_temp.u(a.j, 23) as r_src
       from a left join ds_chamado ch on ch.i = a.c
     ), s as (
       select b.*,
         case when role in ('open', 'same') then origin
              when role = 'ctx' then
                case when r_src < .40 then 'wazuh' when r_src < .60 then 'alertmanager' when r_src < .68 then 'signoz'
                     when r_src < .80 then 'support' when r_src < .88 then 'audit' when r_src < .94 then 'onboard' else 'discovery' end
              else
                case when r_src < .50 then 'wazuh' when r_src < .64 then 'alertmanager' when r_src < .70 then 'signoz'
                     when r_src < .82 then 'onboard' when r_src < .90 then 'audit' when r_src < .94 then 'sentry'
                     when r_src < .97 then 'support' else 'discovery' end
         end as src,
         case when role = 'open' then created_at
              -- Most of a chamado's events come early in its life.
              when c is not null then created_at + make_interval(secs => span_s * power(pg_temp.u(j, 25), 1.7))
              else anchor - interval '182 days' + interval '182 days' * power(pg_temp.u(j, 26), 0.8) end as ts
       from b
     )
     select j, j as k, role,
       case when role = 'ctx' then
         case when src in ('wazuh', 'alertmanager', 'signoz') and origin in ('wazuh', 'alertmanager', 'signoz') and pg_temp.u(j, 24) < .4
              then 'agent' else 'domain' end
       end as link,
       false as is_dup, c, src, ts as received_at, ts as content_at, null::bigint as orig_j
     from s`,
  );
  await session.step(
    'plan duplicates',
    `insert into ds_raw
     select g.j, o.k, o.role, o.link, true, o.c, o.src,
       least(o.received_at + make_interval(secs => 5 * exp(pg_temp.u(g.j, 27) * ln(180))), p.anchor), o.content_at, o.j
     from ds_param p cross join generate_series(p.n_base + 1, p.n_e) g(j)
       join ds_raw o on o.j = 1 + floor(pg_temp.u(g.j, 28) * p.n_base)::bigint`,
  );
  // Ids follow arrival, as ingestion assigns them. Here too each event's problem (one of the
  // source's catalog entries), domain, agent and entity key (whose attacker, whose mailbox) are
  // chosen, so the INSERT that builds the rows only joins on plain keys.
  await session.step(
    'number events',
    `create temp table ds_event as
     select r.*, row_number() over (order by r.received_at, r.j) as id,
       case when r.c is not null and not r.is_dup then row_number() over (partition by r.c, r.is_dup order by r.received_at, r.j) end as rank_in_c,
       null::bigint as orig_id,
       case when repeat then 'open' when r.role = 'same' and r.src = 'discovery' then 'all' else 'noise' end as p_kind,
       case when repeat then ch.prob when r.role = 'same' and r.src = 'discovery' then pg_temp.pick(r.k, 30, n.n_all)
            else pg_temp.skewed(r.k, 31, n.n_noise, 2) end as p_n,
       case when r.src = 'sentry' then null when r.role in ('open', 'same') or r.link is not null then ch.dom_idx
            else pg_temp.skewed(r.k, 32, ${DOMAINS}, 1.7) end as dom_idx,
       case when r.src not in ('wazuh', 'alertmanager', 'signoz', 'discovery') then null
            when r.role in ('open', 'same') or r.link = 'agent' then ch.agent_idx else pg_temp.skewed(r.k, 33, ${AGENTS}, 1.5) end as agent_idx,
       -- The chamado's key when the event repeats its problem (same attacker, same mailbox), else its own.
       case when r.role = 'open' or (r.role = 'same' and pg_temp.u(r.k, 34) < .7) then -r.c else r.k end as ent_key
     from ds_raw r
       left join ds_chamado ch on ch.i = r.c
       join ds_count n on n.src = r.src
       cross join lateral (select r.role = 'open' or (r.role = 'same' and r.src in ('wazuh', 'alertmanager', 'signoz', 'sentry')) as repeat) x
     order by id;
     update ds_event e set orig_id = o.id from ds_event o where e.is_dup and o.j = e.orig_j;
     drop table ds_raw;
     analyze ds_event;`,
  );
}
