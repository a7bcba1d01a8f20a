import { Migration } from '@mikro-orm/migrations';

/*
 * Events become range-partitioned by `received_at`, one partition per UTC month `events_YYYY_MM`
 * and `events_default` for rows no month holds (see entities/event.entity.ts), so a month leaves
 * by DROP TABLE and a time-bounded read plans only its months.
 *
 * A partitioned table's unique keys must hold the partition key: the primary key becomes
 * `(id, received_at)` (the old sequence stays, so ids keep growing from where they were and stay
 * unique), uuid is unique with `received_at`. Nothing can reference `events (id)` any more, and a
 * dropped month must not wait on (or cascade into) other tables: the foreign keys into events go
 * and those references are soft.
 *
 * The months made here run from the oldest row's (or the current month) through two months ahead
 * of the newest row's or the current month; from then on src/services/events/partitions.ts keeps
 * them ahead. (MikroORM's schema snapshot records no partitions, so it is the same in any month.)
 */
export class Migration20261205130817 extends Migration {

  override name = 'Migration20261205130817';

  override up(): void | Promise<void> {
    this.addSql(`alter table "events" drop constraint "events_duplicate_of_id_foreign";`);
    this.addSql(`alter table "timeline_entries" drop constraint "timeline_entries_event_id_foreign";`);
    this.addSql(`alter table "discovery_health_changes" drop constraint "discovery_health_changes_event_id_foreign";`);
    this.addSql(`alter table "recurrence_groups" drop constraint "recurrence_groups_first_event_id_foreign";`);
    this.addSql(`alter table "recurrence_groups" drop constraint "recurrence_groups_latest_event_id_foreign";`);
    this.addSql(`alter table "observables" drop constraint "observables_event_id_foreign";`);
    this.addSql(`alter table "event_dedup_keys" drop constraint "event_dedup_keys_event_id_foreign";`);

    // The old table steps aside with its indexes and constraints gone, freeing their names.
    this.addSql(`alter table "events" rename to "events_unpartitioned";`);
    this.addSql(`alter table "events_unpartitioned" drop constraint "events_pkey", drop constraint "events_uuid_unique", drop constraint "events_chamado_id_foreign";`);
    for (const index of OLD_INDEXES) this.addSql(`drop index "${index}";`);

    this.addSql(`create table "events" ("id" bigint not null default nextval('events_id_seq'), "source" varchar(32) not null, "event_type" varchar(128) not null, "provider_event_id" varchar(200) null, "domain" varchar(253) null, "session_id" varchar(128) null, "severity" int null, "rule_id" varchar(64) null, "agent" varchar(200) null, "summary" text null, "fingerprint" varchar(128) null, "payload" jsonb not null, "chamado_id" int null, "is_duplicate" boolean not null default false, "duplicate_of_id" bigint null, "correlation" jsonb null, "occurred_at" timestamptz null, "received_at" timestamptz not null, "alertname" varchar(200) null, "namespace" varchar(200) null, "target_resource" varchar(200) null, "recurrence_key" varchar(160) null, "alert_status" varchar(16) null, "source_severity" varchar(32) null, "delivery_id" varchar(200) null, "redaction_version" varchar(16) null, "content_sha256" varchar(64) null, "content_length" int null, "source_refs" jsonb null, "observables" jsonb null, "warnings" jsonb null, "search" tsvector generated always as (to_tsvector('simple', coalesce(summary, '') || ' ' || coalesce(event_type, '') || ' ' || coalesce(domain, '') || ' ' || coalesce(agent, '') || ' ' || coalesce(rule_id, '') || ' ' || coalesce(alertname, ''))) stored null, "uuid" uuid not null default gen_random_uuid(), "project_id" varchar(64) not null default 'default', constraint "events_pkey" primary key ("id", "received_at")) partition by range ("received_at");`);
    // Owned by the new column, the sequence survives the old table's drop below.
    this.addSql(`alter sequence "events_id_seq" owned by "events"."id";`);
    this.addSql(`create table "events_default" partition of "events" default;`);
    // Month arithmetic on UTC wall-clock timestamps: the session's time zone plays no part.
    this.addSql(`do $$
declare
  m timestamp;
  newest timestamp;
begin
  select date_trunc('month', least(min(received_at), now()) at time zone 'UTC'),
    date_trunc('month', greatest(max(received_at), now()) at time zone 'UTC') + interval '2 months'
    into m, newest from "events_unpartitioned";
  while m <= newest loop
    execute format('create table %I partition of "events" for values from (%L) to (%L)',
      'events_' || to_char(m, 'YYYY_MM'), to_char(m, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(m + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
    m := m + interval '1 month';
  end loop;
end
$$;`);
    this.addSql(`insert into "events" (${STORED_COLUMNS}) select ${STORED_COLUMNS} from "events_unpartitioned";`);
    this.addSql(`drop table "events_unpartitioned";`);

    // Indexes on the partitioned table, built after the rows moved; each partition gets its own.
    this.addSql(`alter table "events" add constraint "events_uuid_received_at_unique" unique ("uuid", "received_at");`);
    this.addSql(`create index "events_received_at_id_index" on "events" ("received_at", "id");`);
    this.addSql(`create index "events_source_received_at_index" on "events" ("source", "received_at");`);
    this.addSql(`create index "events_domain_index" on "events" ("domain");`);
    this.addSql(`create index "events_session_id_index" on "events" ("session_id");`);
    this.addSql(`create index "events_chamado_id_index" on "events" ("chamado_id");`);
    this.addSql(`create index "events_fingerprint_index" on "events" ("fingerprint");`);
    this.addSql(`create index "events_recurrence_key_id_index" on "events" ("recurrence_key", "id");`);
    this.addSql(`create index "events_project_id_received_at_id_index" on "events" ("project_id", "received_at", "id");`);
    this.addSql(`create index "events_project_id_source_received_at_id_index" on "events" ("project_id", "source", "received_at", "id");`);
    this.addSql(`create index "events_project_id_recurrence_key_received_at_index" on "events" ("project_id", "recurrence_key", "received_at");`);
    this.addSql(`create index "events_search_index" on "events" using gin ("search");`);
    this.addSql(`alter table "events" add constraint "events_chamado_id_foreign" foreign key ("chamado_id") references "chamados" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    throw new Error('Migration20261205130817 (events partitioned by month) is one-way: a retention drop may have left references no foreign key would accept');
  }

}

/** The old table's indexes (its constraints are dropped by name above). */
const OLD_INDEXES = [
  'events_received_at_id_index',
  'events_source_received_at_index',
  'events_domain_index',
  'events_session_id_index',
  'events_chamado_id_index',
  'events_fingerprint_index',
  'events_recurrence_key_id_index',
  'events_project_id_received_at_id_index',
  'events_project_id_source_received_at_id_index',
  'events_project_id_recurrence_key_received_at_index',
  'events_search_index',
];

/** Every column but the generated `search`, which the new table computes again. */
const STORED_COLUMNS = ['id', 'source', 'event_type', 'provider_event_id', 'domain', 'session_id', 'severity', 'rule_id', 'agent', 'summary', 'fingerprint', 'payload', 'chamado_id', 'is_duplicate', 'duplicate_of_id', 'correlation', 'occurred_at', 'received_at', 'alertname', 'namespace', 'target_resource', 'recurrence_key', 'alert_status', 'source_severity', 'delivery_id', 'redaction_version', 'content_sha256', 'content_length', 'source_refs', 'observables', 'warnings', 'uuid', 'project_id']
  .map((c) => `"${c}"`)
  .join(', ');
