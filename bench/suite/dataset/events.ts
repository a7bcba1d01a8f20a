import type { LoadSession } from './session.ts';

/*
 * The events themselves, built from the plan in one INSERT … SELECT: each source's columns, payload,
 * source refs and observables as its normalizer (src/services/ingest/sources) would have stored
 * them, the recurrence key as src/services/ingest/sanitize.ts derives it, and the correlation
 * decision ingestion would have recorded. Each level of the SELECT computes what the next needs;
 * `offset 0` keeps PostgreSQL from inlining a level, which would evaluate its expressions (md5,
 * sha256, jsonb) once per reference instead of once per row. (Building the JSON as json text and
 * parsing it once costs more than nested jsonb_build_object: json_build_object looks up each
 * argument's type on every call.)
 */

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (ts: string) => `to_char((${ts}) at time zone 'UTC', ${ISO})`;

export async function insertEvents(session: LoadSession): Promise<void> {
  await session.step(
    'events',
    `insert into events (id, uuid, project_id, source, event_type, provider_event_id, delivery_id, domain, session_id, severity,
       rule_id, agent, summary, fingerprint, alertname, namespace, target_resource, recurrence_key, alert_status, source_severity,
       payload, redaction_version, content_sha256, content_length, source_refs, observables, correlation, chamado_id,
       is_duplicate, duplicate_of_id, occurred_at, received_at)
     -- UUIDv7 layout (time first) so the unique index on uuid fills in order, as ids do.
     select id, (lpad(to_hex(floor(extract(epoch from received_at) * 1000)::bigint), 12, '0') || '7' || substr(md5('event|' || j), 1, 3)
       || '8' || substr(md5('event|' || j), 4, 15))::uuid, 'default', src, event_type, provider_event_id, delivery_id, dom, session_id, severity,
       rule_id, agent, summary, fingerprint, alertname, ns, target, recurrence_key, alert_status, word,
       payload, 'r1', encode(sha256(convert_to(payload_text, 'UTF8')), 'hex'), octet_length(payload_text),
       source_refs, observables, correlation, c, is_dup, orig_id,
       case when src = 'sentry' and action not in ('created', 'regressed', 'unresolved') then null else occ end, received_at
     from (select l4.*, l4.payload::text as payload_text from (
       select l3.*,
         case src
           when 'wazuh' then jsonb_build_object(
             'id', provider_event_id, 'timestamp', to_char(occ at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+0000"'),
             'rule', jsonb_build_object('level', severity, 'id', name, 'description', summary, 'groups', x->'groups',
               'firedtimes', 1 + pg_temp.pick(k, 48, 40), 'mail', severity >= 12),
             'agent', jsonb_build_object('id', lpad(agent_idx::text, 3, '0'), 'name', agent, 'ip', agent_ip),
             'manager', jsonb_build_object('name', 'wazuh-manager-01'),
             'data', jsonb_build_object('srcip', ip, 'dstuser', usr, 'domain', dom),
             'full_log', pg_temp.fill(x->>'log', dom, agent, usr, ip, src_port, pid, ns, app),
             'location', x->>'location', 'decoder', jsonb_build_object('name', x->>'decoder'))
           when 'alertmanager' then jsonb_build_object(
             'status', st,
             'labels', jsonb_strip_nulls(jsonb_build_object('alertname', name, 'severity', word, 'namespace', ns, 'instance', agent,
               'pod', pod, 'job', app, 'domain', dom)),
             'annotations', jsonb_build_object('summary', summary, 'description', x->>'description',
               'runbook_url', 'https://runbooks.ops.example/alerts/' || lower(name)),
             'startsAt', ${iso('starts_at')}, 'endsAt', case when st = 'resolved' then ${iso('occ')} else '0001-01-01T00:00:00Z' end,
             'generatorURL', source_refs->>'generatorURL', 'fingerprint', fingerprint,
             'group', jsonb_build_object('version', '4', 'status', st, 'receiver', 'opsgraph', 'groupKey', '{}:{alertname="' || name || '"}',
               'externalURL', source_refs->>'externalURL'))
           when 'signoz' then jsonb_build_object(
             'status', st,
             'labels', jsonb_strip_nulls(jsonb_build_object('alertname', name, 'severity', word, 'ruleId', rule_id, 'service', app,
               'host', agent, 'domain', dom)),
             'annotations', jsonb_build_object('summary', summary, 'description', x->>'description'),
             'startsAt', ${iso('starts_at')}, 'endsAt', case when st = 'resolved' then ${iso('occ')} else '0001-01-01T00:00:00Z' end,
             'generatorURL', source_refs->>'generatorURL', 'fingerprint', fingerprint,
             'group', jsonb_build_object('version', '4', 'status', st, 'receiver', 'opsgraph', 'externalURL', source_refs->>'externalURL'))
           when 'sentry' then jsonb_build_object(
             'action', action, 'installation', jsonb_build_object('uuid', '7a0c3e52-5b1d-4bb4-9d55-0f6a3c1e9b21'),
             'data', jsonb_build_object('issue', jsonb_build_object(
               'id', issue_id::text, 'shortId', source_refs->>'sentryShortId', 'title', name, 'culprit', x->>'culprit', 'level', word,
               'status', case action when 'resolved' then 'resolved' when 'archived' then 'ignored' else 'unresolved' end,
               'permalink', source_refs->>'sentryIssue', 'project', jsonb_build_object('slug', ns),
               'metadata', jsonb_build_object('type', x->>'type', 'value', x->>'value'),
               'firstSeen', ${iso(`occ - make_interval(days => pg_temp.pick(k, 49, 30))`)}, 'lastSeen', ${iso('occ')},
               'count', (1 + pg_temp.pick(k, 50, 5000))::text)),
             'actor', jsonb_build_object('type', 'application', 'id', 'sentry', 'name', 'Sentry'))
           when 'onboard' then jsonb_build_object(
             'event', event_type, 'session_id', session_id, 'domain', dom, 'event_id', provider_event_id, 'occurred_at', ${iso('occ')},
             'data', jsonb_strip_nulls(jsonb_build_object('email', usr || '@' || dom, 'wizard_step', x->>'step',
               'wizard_step_label', x->>'label', 'error', case when x ? 'error' then summary end)))
           when 'discovery' then jsonb_build_object(
             'resource', jsonb_build_object('id', resource_id, 'host', dom, 'port', svc_port, 'category', category,
               'environment', 'production', 'totvsId', split_part(ns, '/', 1)),
             'change', jsonb_build_object('id', provider_event_id, 'from', case when word = 'success' then 'danger' else 'success' end,
               'to', word, 'reason', x->>'reason', 'detail', summary),
             'suppressed', null)
           else jsonb_strip_nulls(jsonb_build_object(
             'source', src, 'event_type', event_type, 'id', provider_event_id, 'domain', dom, 'severity', severity, 'summary', summary,
             'occurred_at', ${iso('occ')},
             'chamado_public_id', case when src = 'support' and role = 'same' and not is_dup then public_id end,
             'data', case when src = 'support' then jsonb_build_object('channel', x->>'channel', 'requester', usr || '@' || dom)
                          else jsonb_build_object('actor', usr, 'ip', ip) end))
         end as payload,
         case
           when is_dup then jsonb_build_object('decision', 'duplicate', 'rule', 'exact',
             'key', src || ':exact:' || coalesce(provider_event_id, delivery_id || '#0'), 'duplicate_of', orig_id, 'chamado_public_id', public_id)
           when role = 'open' then jsonb_build_object('decision', 'opened',
             'rule', case src when 'wazuh' then 'wazuh.level' when 'sentry' then 'sentry.action' when 'onboard' then 'onboard.event'
                              when 'discovery' then 'discovery.status' else src || '.severity' end,
             'detail', case src
               when 'wazuh' then 'level ' || severity || ' ≥ 10'
               when 'sentry' then 'issue ' || action || ' (one of created, regressed)'
               when 'onboard' then event_type || ' is one of account.created, onboarding.failed'
               when 'discovery' then 'resource turned danger (one of danger)'
               when 'support' then 'severity ' || severity || ' ≥ 10'
               when 'audit' then 'severity ' || severity || ' ≥ 10'
               else 'firing with severity ' || word || ' (one of critical, error)' end,
             'chamado_public_id', public_id)
           when role in ('same', 'ctx') then jsonb_build_object('decision', 'attached',
             'rule', case when role = 'ctx' then link || '_window' when src = 'support' then 'explicit' when src = 'audit' then 'domain_window'
                          else 'fingerprint' end,
             'key', case when role = 'ctx' and link = 'agent' then agent when role = 'ctx' then dom when src = 'support' then public_id
                         when src = 'audit' then dom else recurrence_key end,
             'chamado_public_id', public_id, 'reopened', false, 'opening_rule', null)
           else jsonb_build_object('decision', 'stored', 'reason', 'no opening rule matched and no open chamado correlates')
         end as correlation
       from (
         select l2.*,
           case when fingerprint is not null then src || ':fp:' || fingerprint
                -- sanitize.ts recurrenceKey: sha256 of JSON.stringify([source, name, namespace, targetResource]), 32 hex digits.
                when src = 'wazuh' then left(encode(sha256(convert_to('["wazuh",' || to_json(name)::text || ',null,'
                  || coalesce(to_json(agent)::text, 'null') || ']', 'UTF8')), 'hex'), 32)
           end as recurrence_key,
           case src
             when 'wazuh' then floor(extract(epoch from occ))::bigint || '.' || k
             when 'alertmanager' then fingerprint || ':' || ${iso('starts_at')} || ':' || st
             when 'signoz' then fingerprint || ':' || ${iso('starts_at')} || ':' || st
             when 'onboard' then 'evt_' || left(md5('onboard|' || k), 20)
             when 'support' then 'zd-' || (40000 + k)
             when 'audit' then 'aud-' || k
             when 'discovery' then md5('change|' || k)::uuid::text
           end as provider_event_id,
           case src
             when 'wazuh' then jsonb_build_object('wazuhAlertId', floor(extract(epoch from occ))::bigint || '.' || k, 'wazuhManager', 'wazuh-manager-01')
             when 'alertmanager' then jsonb_build_object('generatorURL', 'http://prometheus.ops.example:9090/graph?g0.expr=ALERTS%7Balertname%3D%22' || name || '%22%7D',
               'externalURL', 'http://alertmanager.ops.example:9093')
             when 'signoz' then jsonb_build_object('generatorURL', 'https://signoz.ops.example/alerts/edit?ruleId=' || rule_id,
               'externalURL', 'https://signoz.ops.example')
             when 'sentry' then jsonb_build_object('sentryIssue', 'https://sentry.ops.example/organizations/ops/issues/' || issue_id || '/',
               'sentryProject', 'https://sentry.ops.example/organizations/ops/projects/' || ns || '/',
               'sentryShortId', upper(ns) || '-' || upper(to_hex(issue_id % 65536)))
             else '{}'::jsonb
           end as source_refs,
           case src
             when 'wazuh' then jsonb_build_array(jsonb_build_object('tipo', 'ip', 'valor', ip), jsonb_build_object('tipo', 'host', 'valor', agent_ip),
               jsonb_build_object('tipo', 'user', 'valor', usr))
             when 'signoz' then jsonb_build_array(jsonb_build_object('tipo', 'host', 'valor', agent))
             when 'onboard' then jsonb_build_array(jsonb_build_object('tipo', 'email', 'valor', usr || '@' || dom))
             when 'discovery' then jsonb_build_array(jsonb_build_object('tipo', 'host', 'valor', dom))
             else '[]'::jsonb
           end as observables,
           pg_temp.fill(summary_template, dom, agent, usr, ip, svc_port, pid, ns, app) as summary
         from (
           select l1.*,
             case src when 'alertmanager' then left(md5('alertmanager|' || name || '|' || coalesce(ns, '') || '|' || coalesce(target, '')), 16)
                      when 'signoz' then left(md5('signoz|' || name || '|' || coalesce(target, '')), 16)
                      when 'sentry' then 'sentry:' || issue_id
                      when 'discovery' then 'discovery:' || resource_id end as fingerprint,
             case src when 'wazuh' then 'wazuh.alert' when 'alertmanager' then 'alert.' || st when 'signoz' then 'alert.' || st
                      when 'sentry' then 'issue.' || action else event_type_template end as event_type,
             case src when 'wazuh' then name when 'signoz' then (1 + idx)::text end as rule_id,
             case src when 'alertmanager' then name when 'signoz' then name when 'sentry' then name when 'wazuh' then name
                      when 'discovery' then 'ResourceHealth' end as alertname,
             case src when 'alertmanager' then st when 'signoz' then st
                      when 'sentry' then case when action in ('created', 'unresolved', 'regressed') then 'firing' when action = 'resolved' then 'resolved' end
                      when 'discovery' then case when word = 'success' then 'resolved' else 'firing' end end as alert_status,
             case when src = 'onboard' then 'sess_' || left(md5(case when role = 'open' then 'chamado|' || c else 'event|' || k end), 16) end as session_id,
             case when src = 'sentry' then md5('sentry-delivery|' || k)::uuid::text end as delivery_id
           from (
             select l0.*,
               case src when 'wazuh' then agent
                        when 'alertmanager' then case when name like 'KubePod%' then pod else agent end
                        when 'signoz' then app
                        when 'sentry' then x->>'culprit'
                        when 'discovery' then dom || ':' || svc_port end as target,
               case when src in ('alertmanager', 'signoz') and st = 'resolved'
                    then occ - make_interval(secs => 300 * exp(pg_temp.u(k, 47) * ln(72))) else occ end as starts_at
             from (
               select e.id, e.j, e.k, e.role, e.link, e.is_dup, e.c, e.src, e.received_at, e.orig_id, ch.public_id,
                 pk.idx, pk.name, pk."eventType" as event_type_template, pk.severity, pk.word, pk.summary as summary_template, pk.x,
                 dm.idx as dom_idx, dm.name as dom, ag.idx as agent_idx, ag.name as agent, ag.ip as agent_ip,
                 p.mailbox_users[1 + pg_temp.pick(e.ent_key, 35, cardinality(p.mailbox_users))] as usr,
                 (array['45', '185', '177', '191', '103', '89'])[1 + pg_temp.pick(e.ent_key, 36, 6)] || '.' || pg_temp.pick(e.ent_key, 37, 256)
                   || '.' || pg_temp.pick(e.ent_key, 38, 256) || '.' || (1 + pg_temp.pick(e.ent_key, 39, 254)) as ip,
                 1024 + pg_temp.pick(e.k, 40, 64000) as src_port, 1000 + pg_temp.pick(e.k, 41, 60000) as pid,
                 (array[993, 465, 443, 25, 587])[1 + pg_temp.pick(e.ent_key, 42, 5)] as svc_port,
                 (array['imap', 'smtps', 'https', 'smtp', 'submission'])[1 + pg_temp.pick(e.ent_key, 42, 5)] as category,
                 md5('resource|' || coalesce(dm.name, '') || '|' || (array[993, 465, 443, 25, 587])[1 + pg_temp.pick(e.ent_key, 42, 5)])::uuid as resource_id,
                 e.content_at - make_interval(secs => 1 + pg_temp.pick(e.k, 43, 20)) as occ,
                 case when e.src in ('alertmanager', 'signoz') then
                   case when e.role = 'open' then 'firing'
                        when pg_temp.u(e.k, 44) < case when e.role = 'same' then .35 else .5 end then 'resolved' else 'firing' end
                 end as st,
                 case when e.src = 'sentry' then
                   case e.role
                     when 'open' then case when pg_temp.u(e.k, 45) < .2 then 'regressed' else 'created' end
                     when 'same' then case when pg_temp.u(e.k, 45) < .15 then 'regressed' when pg_temp.u(e.k, 45) < .5 then 'resolved'
                                           when pg_temp.u(e.k, 45) < .7 then 'assigned' else 'unresolved' end
                     else case when pg_temp.u(e.k, 45) < .5 then 'resolved' when pg_temp.u(e.k, 45) < .8 then 'assigned' else 'archived' end
                   end
                 end as action,
                 case when e.src = 'sentry' then 4100000000 + pk.idx * 10 + case when e.role in ('open', 'same') then ch.variant else pg_temp.pick(e.k, 46, 5) end end as issue_id,
                 case when e.src in ('alertmanager', 'signoz') then pk.x->>'namespace'
                      when e.src = 'sentry' then pk.x->>'project'
                      when e.src = 'discovery' then 'T' || (10000 + dm.idx) || '/production' end as ns,
                 pk.x->>'app' as app,
                 case when pk.name like 'KubePod%' then (pk.x->>'app') || '-' || left(md5(coalesce(ag.name, '') || pk.name), 5) end as pod
               from ds_event e
                 cross join ds_param p
                 join ds_pick pk on pk.src = e.src and pk.kind = e.p_kind and pk.n = e.p_n
                 left join ds_chamado ch on ch.i = e.c
                 left join ds_domain dm on dm.idx = e.dom_idx
                 left join ds_agent ag on ag.idx = e.agent_idx
               offset 0
             ) l0 offset 0
           ) l1 offset 0
         ) l2 offset 0
       ) l3 offset 0
     ) l4 offset 0) l5`,
  );
}
