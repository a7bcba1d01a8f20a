import type { LoadSession } from './session.ts';

/**
 * Each chamado's typed facts as ingestion extracts them (src/services/chamados/observables.ts plus
 * the normalizers' extra ones), from its first events, at most 3–8 per chamado: the console shows
 * a handful, and the list query's cost depends on how many there are.
 */
export async function insertObservables(session: LoadSession): Promise<void> {
  await session.step(
    'observables',
    `insert into observables (chamado_id, tipo, valor, fonte, event_id, created_at)
     select chamado_id, tipo, valor, fonte, event_id, created_at
     from (
       select f.*, row_number() over (partition by f.chamado_id order by f.event_id, f.ord) as n
       from (
         select distinct on (e.chamado_id, v.tipo, v.valor, e.source)
           e.chamado_id, v.tipo, v.valor, e.source as fonte, e.id as event_id, e.received_at as created_at, v.ord
         from ds_event d join events e on e.id = d.id
           cross join lateral (
             select * from (values (1, 'domain', e.domain), (2, 'agent', e.agent), (3, 'rule_id', e.rule_id),
               (4, 'session_id', e.session_id), (5, 'fingerprint', e.fingerprint)) c(ord, tipo, valor)
             where c.valor is not null
             union all
             select 5 + o.n::int, o.fact->>'tipo', o.fact->>'valor' from jsonb_array_elements(e.observables) with ordinality o(fact, n)
           ) v
         where d.rank_in_c <= 4
         order by e.chamado_id, v.tipo, v.valor, e.source, e.id
       ) f
     ) g
     where g.n <= 3 + g.chamado_id % 6
     order by chamado_id, n`,
  );
}
