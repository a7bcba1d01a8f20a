import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlPart, whereAll } from '../../db/sql.ts';

/*
 * Source-dossier coverage (spec 002 `/events/dossier/coverage`): over the latest `limit` events of a
 * project (and provider), how many arrived with their envelope, source refs, redaction, as
 * duplicates, and which providers their refs point at — per provider and overall, in one statement.
 */

export const COVERAGE_MAX_LIMIT = 200;

export interface ProviderCoverageRow {
  provider: string;
  total: number;
  duplicateTotal: number;
  redactedTotal: number;
  sourceRefTotal: number;
  withSourceRefsTotal: number;
  missingSourceRefsTotal: number;
  sourceEnvelopeTotal: number;
  missingSourceEnvelopeTotal: number;
  sentryRefTotal: number;
  signozRefTotal: number;
  alertRefTotal: number;
  latestReceivedAt: Date | null;
}

export interface EventCoverage {
  /** Over every event counted (`provider` is null). */
  summary: Omit<ProviderCoverageRow, 'provider'>;
  /** One row per provider (the event's source), most events first. */
  providers: ProviderCoverageRow[];
}

/**
 * One event's ref facts: sourceRefFacts (recurrence/source-refs.ts) in SQL, for `e` with `source`
 * and `source_refs` (a JSON object of link name → value, or null); test/event-dossier checks that
 * the two agree.
 */
export const REF_FACTS_SQL = `
  select count(*)::int as ref_count,
         coalesce(bool_or(starts_with(k, 'sentry')), false) as sentry,
         coalesce(bool_or(starts_with(k, 'signoz')), false)
           or (e.source = 'signoz' and coalesce(bool_or(k in ('generatorURL', 'externalURL')), false)) as signoz,
         e.source <> 'signoz' and coalesce(bool_or(k in ('generatorURL', 'externalURL')), false) as alert
    from jsonb_object_keys(case when jsonb_typeof(e.source_refs) = 'object' then e.source_refs else '{}'::jsonb end) as k`;

/** The counters over a set of rows with the columns of `facts` below. */
const COUNTERS = `
  count(*)::int as total,
  count(*) filter (where is_duplicate)::int as "duplicateTotal",
  count(*) filter (where redacted)::int as "redactedTotal",
  coalesce(sum(ref_count), 0)::int as "sourceRefTotal",
  count(*) filter (where ref_count > 0)::int as "withSourceRefsTotal",
  count(*) filter (where ref_count = 0)::int as "missingSourceRefsTotal",
  count(*) filter (where envelope)::int as "sourceEnvelopeTotal",
  count(*) filter (where not envelope)::int as "missingSourceEnvelopeTotal",
  count(*) filter (where sentry)::int as "sentryRefTotal",
  count(*) filter (where signoz)::int as "signozRefTotal",
  count(*) filter (where alert)::int as "alertRefTotal",
  max(received_at) as "latestReceivedAt"`;

/**
 * The latest events first (by the (project_id, received_at, id) or (source, received_at) index,
 * so only `limit` index entries are read), then their facts, then both groupings at once.
 */
export async function eventCoverage(
  em: EntityManager,
  scope: { projectId?: string | null; provider?: string | null; limit: number },
): Promise<EventCoverage> {
  const rows = await em.execute<(ProviderCoverageRow & { provider: string | null; overall: boolean })[]>(
    `with latest as (
       select e.id, e.source, e.is_duplicate, e.redaction_version, e.content_sha256, e.source_refs, e.received_at
         from events e ?
        order by e.received_at desc, e.id desc
        limit ?
     ), facts as (
       select e.source, e.is_duplicate, e.redaction_version is not null as redacted, e.content_sha256 is not null as envelope,
              e.received_at, r.ref_count, r.sentry, r.signoz, r.alert
         from latest e cross join lateral (${REF_FACTS_SQL}) r
     )
     select source as provider, grouping(source) = 1 as overall, ${COUNTERS}
       from facts
      group by grouping sets ((source), ())
      order by overall desc, total desc, provider`,
    [
      whereAll([
        scope.projectId ? sqlPart('e.project_id = ?', scope.projectId) : null,
        scope.provider ? sqlPart('e.source = ?', scope.provider) : null,
      ]),
      scope.limit,
    ],
  );
  // The empty grouping set yields the overall row even when no event matched.
  const { provider: _provider, overall: _overall, ...summary } = rows.find((r) => r.overall)!;
  return {
    summary,
    providers: rows.filter((r) => !r.overall).map(({ overall: _, ...row }) => ({ ...row, provider: row.provider! })),
  };
}
