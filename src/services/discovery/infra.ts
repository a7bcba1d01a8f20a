import type { EntityManager } from '@mikro-orm/postgresql';
import type { HealthStatus, ResourceCategory } from '../../../entities/discovery.entity.ts';
import { arrayOf } from '../../db/sql.ts';
import type { CheckResult } from './probes/types.ts';

/*
 * A chamado's `infra` block (DOMAIN.md "Discovered resources"): the health of the discovered
 * resources linked to it, summed over their latest probe's checks. A live resource is linked when
 *   - its host (lowercase, no trailing dot) is the chamado's domain, or the value of one of its
 *     `domain`, `host` or `ip` observables;
 *   - its host ends with '.' + the chamado's domain or a `domain` observable (a host of the customer);
 *   - its agent is the value of one of the chamado's `agent` observables (exact, as Wazuh names it);
 *   - the chamado's `fingerprint` observable is `discovery:<its id>` (the chamado its outage opened).
 * Loopback names (localhost, ::1, 127.*) link nothing by name: every machine has them, so a chamado
 * about "localhost" would otherwise take in every loopback resource of every installation.
 */

export type InfraStatus = 'ok' | 'degraded' | 'down';

/** One check of one linked resource's latest probe. */
export interface InfraCheck {
  resourceId: string;
  host: string;
  port: number | null;
  category: ResourceCategory;
  resourceStatus: HealthStatus;
  check: CheckResult['check'];
  passing: boolean;
  reason: CheckResult['reason'];
  value: CheckResult['value'];
  durationMs: number | null;
  checkedAt: string;
}

export interface ChamadoInfra {
  /** Passing checks over all checks, "p/t". */
  score: string;
  status: InfraStatus;
  checks: InfraCheck[];
}

/** A resource linked to a chamado, as the block needs it. */
export interface LinkedResource {
  chamadoId: number;
  resourceId: string;
  host: string;
  port: number | null;
  category: ResourceCategory;
  status: HealthStatus;
  checkedAt: Date | null;
  checks: CheckResult[];
}

/** The resources linked to each chamado, in one statement for a batch of chamados. */
export async function linkedResourcesOf(em: EntityManager, chamadoIds: readonly number[]): Promise<LinkedResource[]> {
  if (chamadoIds.length === 0) return [];
  return em.execute<LinkedResource[]>(
    `with wanted as (select unnest(?) as id),
     keys as (
       select c.id as chamado_id, 'domain' as kind, lower(c.domain) as value
       from chamados c join wanted w on w.id = c.id where c.domain is not null
       union
       select o.chamado_id, o.tipo, case when o.tipo = 'agent' then o.valor else lower(o.valor) end
       from observables o join wanted w on w.id = o.chamado_id
       where o.tipo in ('domain', 'host', 'ip', 'agent', 'fingerprint')
     ),
     named as (
       select * from keys
       where kind in ('domain', 'host', 'ip') and value not in ('localhost', '::1') and value not like '127.%'
     ),
     live as (
       select r.id, r.uuid, r.host, lower(rtrim(r.host, '.')) as name, r.agent, r.port, r.category, r.status,
         r.last_checked_at, r.last_checks
       from discovered_resources r where r.retired_at is null
     ),
     -- Each host's parent domains ('db.x.example' → 'x.example'), so a suffix match is an equi-join.
     parents as (
       select l.id, array_to_string(labels[i:], '.') as domain
       from live l, string_to_array(l.name, '.') labels, generate_series(2, cardinality(labels) - 1) i
     ),
     links as (
       select n.chamado_id, l.id from named n join live l on l.name = n.value
       union
       select n.chamado_id, p.id from named n join parents p on p.domain = n.value where n.kind = 'domain'
       union
       select k.chamado_id, l.id from keys k join live l on l.agent = k.value where k.kind = 'agent'
       union
       select k.chamado_id, l.id from keys k join live l on 'discovery:' || l.uuid = k.value where k.kind = 'fingerprint'
     )
     select k.chamado_id as "chamadoId", l.uuid as "resourceId", l.host, l.port, l.category, l.status,
       l.last_checked_at as "checkedAt", l.last_checks as checks
     from links k join live l on l.id = k.id
     order by k.chamado_id, l.id`,
    [arrayOf(chamadoIds, 'int')],
  );
}

function checksOf(r: LinkedResource): InfraCheck[] {
  if (r.checkedAt === null) return [];
  const checkedAt = new Date(r.checkedAt).toISOString();
  const { resourceId, host, port, category, status: resourceStatus } = r;
  return r.checks.map((c) => ({
    resourceId,
    host,
    port,
    category,
    resourceStatus,
    check: c.check,
    passing: c.ok,
    reason: c.reason,
    value: c.value,
    durationMs: c.durationMs,
    checkedAt,
  }));
}

/**
 * The block of one chamado's linked resources; null when none is linked. A resource never checked
 * adds no check (it counts in no score) but its status still counts: `down` when a linked resource
 * is danger, `degraded` when a check fails or one is warning/error, else `ok`.
 */
export function infraOf(resources: readonly LinkedResource[]): ChamadoInfra | null {
  if (resources.length === 0) return null;
  const checks = resources.flatMap(checksOf);
  const passing = checks.filter((c) => c.passing).length;
  const status: InfraStatus = resources.some((r) => r.status === 'danger')
    ? 'down'
    : passing < checks.length || resources.some((r) => r.status === 'warning' || r.status === 'error')
      ? 'degraded'
      : 'ok';
  return { score: `${passing}/${checks.length}`, status, checks };
}

/** Each chamado's block (absent: nothing linked), in one statement. */
export async function infraByChamadoIds(em: EntityManager, chamadoIds: readonly number[]): Promise<Map<number, ChamadoInfra>> {
  const byChamado = new Map<number, LinkedResource[]>();
  for (const row of await linkedResourcesOf(em, chamadoIds)) {
    const list = byChamado.get(row.chamadoId);
    if (list) list.push(row);
    else byChamado.set(row.chamadoId, [row]);
  }
  const infra = new Map<number, ChamadoInfra>();
  for (const [id, resources] of byChamado) infra.set(id, infraOf(resources)!);
  return infra;
}
