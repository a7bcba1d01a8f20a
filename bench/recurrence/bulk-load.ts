import type { MikroORM } from '@mikro-orm/postgresql';
import { dedupKeys } from '../../src/services/ingest/dedup.ts';
import { sha256Hex } from '../../src/services/ingest/digest.ts';
import type { Correlation } from '../../src/services/ingest/ingest.ts';
import { recurrenceKey, redact, REDACTION_VERSION, truncateFields } from '../../src/services/ingest/sanitize.ts';
import { NORMALIZERS } from '../../src/services/ingest/sources/index.ts';
import { RECURRENCE_RULE_VERSION } from '../../src/services/recurrence/rule.ts';
import type { RecurrenceSettings } from '../../src/services/recurrence/settings.ts';
import type { Delivery } from './stream.ts';
import { touchGroup, type GroupRow } from './touch-group.ts';

const EVENT_RECORD = `id bigint, project_id text, source text, event_type text, provider_event_id text, delivery_id text, domain text,
  session_id text, severity int, rule_id text, agent text, summary text, fingerprint text, alertname text, namespace text,
  target_resource text, recurrence_key text, alert_status text, source_severity text, payload jsonb, redaction_version text,
  content_sha256 text, content_length int, source_refs jsonb, observables jsonb, warnings jsonb, occurred_at timestamptz,
  received_at timestamptz, is_duplicate boolean, duplicate_of_id bigint, correlation jsonb`;
const GROUP_RECORD = `project_id text, recurrence_key text, basis text, why jsonb, provider text, alertname text, rule_id text,
  severity text, namespace text, target_resource text, fingerprint text, occurrence_total int, resolved_total int,
  duplicate_total int, source_ref_total int, missing_source_refs_total int, sentry_ref_total int, signoz_ref_total int,
  alert_ref_total int, first_event_id bigint, latest_event_id bigint, first_received_at timestamptz, latest_received_at timestamptz,
  latest_occurrence_at timestamptz, latest_alert_status text, lifecycle text, lifecycle_changed_at timestamptz, lifecycle_reason text`;

const columnsOf = (record: string) => record.split(',').map((c) => c.trim().split(' ')[0]).join(', ');

/** Rows through `jsonb_to_recordset(record)`, `size` at a time; `constants` adds columns with fixed SQL values. */
async function insertRows(loader: MikroORM, table: string, record: string, rows: unknown[], size: number, constants?: { columns: string; values: string }): Promise<void> {
  const columns = columnsOf(record);
  for (let i = 0; i < rows.length; i += size) {
    await loader.em.fork().execute(
      `insert into ${table} (${columns}${constants ? `, ${constants.columns}` : ''})
       select ${columns}${constants ? `, ${constants.values}` : ''} from jsonb_to_recordset(?::jsonb) as r(${record})`,
      [JSON.stringify(rows.slice(i, i + size))],
    );
  }
}

/**
 * The history: deliveries 0 to `count - 1` as ingest would have stored them at their time, through
 * multi-row INSERTs (ingest's own per-event pieces, in process order; no chamados).
 */
export async function bulkLoad(
  loader: MikroORM,
  settings: RecurrenceSettings,
  delivery: (n: number) => Delivery,
  count: number,
): Promise<{ stored: number; redeliveries: number; groups: number }> {
  const events: Record<string, unknown>[] = [];
  const claimed: { key: string; event_id: number; created_at: Date }[] = [];
  /** Dedup key → the original event holding it. */
  const holders = new Map<string, { id: number; original: number }>();
  const groups = new Map<string, GroupRow>();
  let redeliveries = 0;
  const [{ start } = { start: 0 }] = await loader.em.fork().execute<{ start: number }[]>(`select nextval('events_id_seq')::int as start`);
  let id = start - 1;
  for (let n = 0; n < count; n++) {
    const d = delivery(n);
    if (d.redelivery) redeliveries++;
    for (const [index, raw] of NORMALIZERS[d.source](JSON.parse(d.text)).entries()) {
      const { event: ev, warnings } = truncateFields({ ...raw, summary: redact(raw.summary), title: redact(raw.title) });
      const key = recurrenceKey(ev);
      id++;
      // claimDedupKeysInOrder: keys are claimed in order until one is already held.
      let duplicateOf: { id: number; original: number; key: string } | null = null;
      for (const k of dedupKeys(ev, d.deliveryId, index, d.project)) {
        const holder = holders.get(k.key);
        if (holder) {
          duplicateOf = { ...holder, key: k.key };
          break;
        }
        holders.set(k.key, { id, original: id });
        claimed.push({ key: k.key, event_id: id, created_at: d.at });
      }
      const correlation: Correlation = duplicateOf
        ? { decision: 'duplicate', rule: 'exact', key: duplicateOf.key, duplicate_of: duplicateOf.original, chamado_public_id: null }
        : { decision: 'stored', reason: 'bench history (bulk path): no chamado' };
      events.push({
        id,
        project_id: d.project,
        source: ev.source,
        event_type: ev.eventType,
        provider_event_id: ev.providerEventId,
        delivery_id: d.deliveryId,
        domain: ev.domain,
        session_id: ev.sessionId,
        severity: ev.severity,
        rule_id: ev.ruleId,
        agent: ev.agent,
        summary: ev.summary,
        fingerprint: ev.fingerprint,
        alertname: ev.alertname,
        namespace: ev.namespace,
        target_resource: ev.targetResource,
        recurrence_key: key,
        alert_status: ev.alertStatus,
        source_severity: ev.sourceSeverity,
        payload: redact(ev.payload),
        redaction_version: REDACTION_VERSION,
        content_sha256: sha256Hex(d.text),
        content_length: Buffer.byteLength(d.text),
        source_refs: ev.sourceRefs,
        observables: ev.observables,
        warnings: warnings.length ? warnings : null,
        occurred_at: ev.occurredAt,
        received_at: d.at,
        is_duplicate: duplicateOf !== null,
        duplicate_of_id: duplicateOf?.original ?? null,
        correlation,
      });
      if (key) touchGroup(groups, settings, d.project, key, ev, id, duplicateOf !== null, d.at);
    }
  }
  await loader.em.fork().execute(`select setval('events_id_seq', ?)`, [id]);
  await insertRows(loader, 'events', EVENT_RECORD, events, 2000);
  await insertRows(loader, 'event_dedup_keys', 'key text, event_id bigint, created_at timestamptz', claimed, 5000);
  const groupRows = [...groups.values()].map(({ hours: _, ...row }) => row);
  await insertRows(loader, 'recurrence_groups', GROUP_RECORD, groupRows, 1000, {
    columns: 'rule_version, change_seq, created_at, updated_at',
    values: `'${RECURRENCE_RULE_VERSION}', nextval('recurrence_change_seq'), now(), now()`,
  });
  const hours = [...groups.values()].flatMap((g) =>
    [...g.hours].map(([hour, occurrences]) => ({ project_id: g.project_id, recurrence_key: g.recurrence_key, hour: new Date(hour), occurrences })),
  );
  for (let i = 0; i < hours.length; i += 5000) {
    await loader.em.fork().execute(
      `insert into recurrence_hours (group_id, hour, occurrences)
       select g.id, r.hour, r.occurrences from jsonb_to_recordset(?::jsonb) as r(project_id text, recurrence_key text, hour timestamptz, occurrences int)
       join recurrence_groups g on g.project_id = r.project_id and g.recurrence_key = r.recurrence_key`,
      [JSON.stringify(hours.slice(i, i + 5000))],
    );
  }
  return { stored: events.length, redeliveries, groups: groups.size };
}
