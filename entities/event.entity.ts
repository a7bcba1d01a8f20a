import { defineEntity, p } from '@mikro-orm/core';
import { Chamado } from './chamado.entity.ts';

/**
 * The events that make a chamado's alerts (chamados/alerts.ts): alert lifecycle events with an
 * identity, never duplicates. Also the predicate of the index those reads use.
 */
export const ALERT_EVENTS = 'not is_duplicate and alert_status is not null and recurrence_key is not null';

/**
 * A received delivery (the Discover feed). Every authenticated delivery is a row, duplicates
 * included; the hot read paths read these rows through the query builder, never as entities.
 *
 * The table is range-partitioned by `received_at`, one partition per UTC month (`events_YYYY_MM`,
 * made ahead of time by src/services/events/partitions.ts) and `events_default` for a row no month
 * holds yet, so an old month leaves in O(1) (EVENTS_RETENTION_MONTHS) and a time-bounded Discover
 * reads only its months. The migration (Migration20261205130817) and that service own the
 * partitioning, which this metadata leaves out: MikroORM's `partitionBy` wants the partition key in
 * the entity's primary key, and a composite key would make every reference to an event two columns.
 * So the database's primary key is `(id, received_at)` (the sequence keeps `id` unique) where this
 * says `id` (`migration:create` then proposes putting it back on `id`: delete those statements);
 * uuid is unique with `received_at`; and nothing holds a foreign key into events — their
 * references are soft, and a reader finds a dropped month's event gone (null), never an error.
 */
const EventSchema = defineEntity({
  name: 'Event',
  tableName: 'events',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    /** Public id of the REST paths (spec 002 `event_id`); the numeric id stays for the older paths. */
    uuid: p.uuid().defaultRaw('gen_random_uuid()'),
    /** Tenant (spec 002 `project_id`): from the receiver's `project_id` parameter, else `default`. */
    projectId: p.string().length(64).default('default'),
    source: p.string().length(32),
    eventType: p.string().length(128),
    /** The provider's own id of the delivery (exact-redelivery dedup key with source). */
    providerEventId: p.string().length(200).nullable(),
    domain: p.string().length(253).nullable(),
    sessionId: p.string().length(128).nullable(),
    severity: p.integer().nullable(),
    ruleId: p.string().length(64).nullable(),
    agent: p.string().length(200).nullable(),
    summary: p.text().nullable(),
    fingerprint: p.string().length(128).nullable(),
    /** Recurrence inputs (spec 002) and the key they hash to (DOMAIN.md "Recurrence key"). */
    alertname: p.string().length(200).nullable(),
    namespace: p.string().length(200).nullable(),
    targetResource: p.string().length(200).nullable(),
    recurrenceKey: p.string().length(160).nullable(),
    /** `firing` / `resolved` for alert sources. */
    alertStatus: p.string().length(16).nullable(),
    /** The source's own severity word or level, for explanations. */
    sourceSeverity: p.string().length(32).nullable(),
    /** The delivery header id (webhook-id, Sentry Request-ID …) the event arrived with. */
    deliveryId: p.string().length(200).nullable(),
    /** This event's part of the delivery, with secrets redacted (never the raw secret-bearing body). */
    payload: p.json<Record<string, unknown>>(),
    redactionVersion: p.string().length(16).nullable(),
    contentSha256: p.string().length(64).nullable(),
    contentLength: p.integer().nullable(),
    sourceRefs: p.json<Record<string, string>>().nullable(),
    /** Typed facts extracted at ingestion (`{tipo, valor}`), copied to the chamado's observables. */
    observables: p.json<{ tipo: string; valor: string }[]>().nullable(),
    /** Things accepted but flagged (truncated fields …). */
    warnings: p.json<string[]>().nullable(),
    /** Full-text index over the searchable fields (Discover `q`). */
    search: p
      .type('tsvector')
      .generated(
        "(to_tsvector('simple', coalesce(summary, '') || ' ' || coalesce(event_type, '') || ' ' || coalesce(domain, '') || ' ' || coalesce(agent, '') || ' ' || coalesce(rule_id, '') || ' ' || coalesce(alertname, ''))) stored",
      )
      .lazy()
      .hidden()
      .nullable(),
    chamado: () => p.manyToOne(Chamado).nullable(),
    isDuplicate: p.boolean().default(false),
    duplicateOf: () => p.manyToOne(Event).nullable().createForeignKeyConstraint(false),
    /** Why ingestion treated the event as it did (dedup / opening / correlation rule). */
    correlation: p.json<Record<string, unknown>>().nullable(),
    occurredAt: p.datetime().nullable(),
    receivedAt: p.datetime().onCreate(() => new Date()),
  },
  // Lookups by uuid alone read this index's leading column in each partition.
  uniques: [{ properties: ['uuid', 'receivedAt'] }],
  indexes: [
    { properties: ['receivedAt', 'id'] },
    { properties: ['source', 'receivedAt'] },
    { properties: ['domain'] },
    { properties: ['sessionId'] },
    { properties: ['chamado'] },
    { properties: ['fingerprint'] },
    { properties: ['recurrenceKey', 'id'] },
    { properties: ['projectId', 'receivedAt', 'id'] },
    { properties: ['projectId', 'source', 'receivedAt', 'id'] },
    { properties: ['projectId', 'recurrenceKey', 'receivedAt'] },
    // Correlation's fingerprint rule: the latest event of a key on a chamado. Without the predicate
    // the read walks back over every event of a key that never opens one (a noisy low-level rule).
    {
      name: 'events_on_chamado_by_recurrence_key_index',
      properties: ['projectId', 'recurrenceKey', 'id'],
      where: 'chamado_id is not null and not is_duplicate',
    },
    // Events held by an opening threshold (rare): the ingest prefetch asks whether a key has any.
    {
      name: 'events_held_by_threshold_index',
      properties: ['projectId', 'recurrenceKey', 'receivedAt'],
      where: `chamado_id is null and not is_duplicate and correlation @> '{"held_by":"threshold"}'`,
    },
    // A chamado's alerts, the latest event of each first (chamados/alerts.ts): a skip scan reads one
    // entry per alert instead of every event of a chamado that a flapping alert keeps joining.
    {
      name: 'events_alerts_by_chamado_index',
      expression: `create index "events_alerts_by_chamado_index" on "events" ("chamado_id", "recurrence_key", (coalesce(occurred_at, received_at)), "id") where ${ALERT_EVENTS}`,
    },
    { properties: ['search'], type: 'gin' },
  ],
});

export class Event extends EventSchema.class {}
EventSchema.setClass(Event);
export { EventSchema };
