import { Migration } from '@mikro-orm/migrations';

/**
 * Events stored before groups existed become groups (rule rk1, the one their keys were made with),
 * so the recurrence views start with history rather than empty; from here on ingest maintains
 * them. The same counters as src/services/recurrence/maintain.ts, which
 * test/recurrence-backfill.test.ts checks. The lifecycle is approximated (resolved, regressed
 * after a resolution, ongoing, new): escalations and verified repairs are not replayed.
 */
export const RECURRENCE_BACKFILL = [
  `
    with refs as (
      select e.id, r.n, r.sentry, r.signoz_key, r.alert_link
      from events e cross join lateral (
        select count(*)::int as n, coalesce(bool_or(k like 'sentry%'), false) as sentry,
          coalesce(bool_or(k like 'signoz%'), false) as signoz_key,
          coalesce(bool_or(k in ('generatorURL', 'externalURL')), false) as alert_link
        from jsonb_object_keys(case when jsonb_typeof(e.source_refs) = 'object' then e.source_refs else '{}'::jsonb end) k
      ) r
      where e.recurrence_key is not null
    ), s as (
      select e.project_id, e.recurrence_key,
        count(*) filter (where not e.is_duplicate and e.alert_status is distinct from 'resolved')::int as occurrences,
        count(*) filter (where not e.is_duplicate and e.alert_status = 'resolved')::int as resolutions,
        count(*) filter (where e.is_duplicate)::int as duplicates,
        sum(r.n)::int as ref_total,
        count(*) filter (where r.n = 0)::int as missing_refs,
        count(*) filter (where r.sentry)::int as sentry_refs,
        count(*) filter (where r.signoz_key or (e.source = 'signoz' and r.alert_link))::int as signoz_refs,
        count(*) filter (where e.source <> 'signoz' and r.alert_link)::int as alert_refs,
        min(e.id) as first_id, max(e.id) as latest_id, min(e.received_at) as first_at, max(e.received_at) as latest_at,
        max(e.received_at) filter (where not e.is_duplicate and e.alert_status is distinct from 'resolved') as latest_occurrence_at,
        max(e.received_at) filter (where not e.is_duplicate and e.alert_status = 'resolved') as latest_resolution_at,
        coalesce(max(e.id) filter (where not e.is_duplicate), max(e.id)) as latest_original_id
      from events e join refs r on r.id = e.id
      group by e.project_id, e.recurrence_key
    )
    insert into recurrence_groups (project_id, recurrence_key, rule_version, basis, why, provider, alertname, rule_id, severity,
      namespace, target_resource, fingerprint, occurrence_total, resolved_total, duplicate_total, source_ref_total,
      missing_source_refs_total, sentry_ref_total, signoz_ref_total, alert_ref_total, first_event_id, latest_event_id,
      first_received_at, latest_received_at, latest_occurrence_at, latest_alert_status, lifecycle, lifecycle_changed_at,
      lifecycle_reason, change_seq, created_at, updated_at)
    select s.project_id, s.recurrence_key, 'rk1',
      case when l.fingerprint is not null then 'fingerprint' else 'labels' end,
      case when l.fingerprint is not null then jsonb_build_object('provider', l.source, 'fingerprint', l.fingerprint)
        when l.alertname is not null then jsonb_build_object('provider', l.source, 'alertname', l.alertname, 'namespace', l.namespace, 'target_resource', l.target_resource)
        else jsonb_build_object('provider', l.source, 'rule_id', l.rule_id, 'namespace', l.namespace, 'target_resource', l.target_resource) end,
      l.source, l.alertname, l.rule_id, l.source_severity, l.namespace, l.target_resource, l.fingerprint,
      s.occurrences, s.resolutions, s.duplicates, s.ref_total, s.missing_refs, s.sentry_refs, s.signoz_refs, s.alert_refs,
      s.first_id, s.latest_id, s.first_at, s.latest_at, s.latest_occurrence_at, l.alert_status,
      case when l.alert_status = 'resolved' then 'resolved'
        when s.latest_resolution_at < s.latest_occurrence_at then 'regressed'
        when s.occurrences > 1 then 'ongoing' else 'new' end,
      s.latest_at, 'rebuilt from the events stored before recurrence groups existed', nextval('recurrence_change_seq'), now(), now()
    from s join events l on l.id = s.latest_original_id;
  `,
  `
    insert into recurrence_hours (group_id, hour, occurrences)
    select g.id, date_trunc('hour', e.received_at, 'UTC'), count(*)::int
    from events e join recurrence_groups g on g.project_id = e.project_id and g.recurrence_key = e.recurrence_key
    where not e.is_duplicate and e.alert_status is distinct from 'resolved'
    group by 1, 2;
  `,
  `
    insert into recurrence_group_chamados (group_id, chamado_id, linked_at)
    select g.id, e.chamado_id, min(e.received_at)
    from events e join recurrence_groups g on g.project_id = e.project_id and g.recurrence_key = e.recurrence_key
    where e.chamado_id is not null
    group by 1, 2;
  `,
];

export class Migration20261205054110 extends Migration {

  override name = 'Migration20261205054110';

  override up(): void | Promise<void> {
    // Every change to a group takes the next value: recurrenceChanged resumes from it.
    this.addSql(`create sequence if not exists "recurrence_change_seq";`);
    this.addSql(`create table "recurrence_groups" ("id" serial primary key, "uuid" uuid not null default gen_random_uuid(), "project_id" varchar(64) not null, "recurrence_key" varchar(160) not null, "rule_version" varchar(16) not null, "basis" text not null, "why" jsonb not null, "provider" varchar(32) not null, "alertname" varchar(200) null, "rule_id" varchar(64) null, "severity" varchar(32) null, "namespace" varchar(200) null, "target_resource" varchar(200) null, "fingerprint" varchar(128) null, "occurrence_total" int not null default 0, "resolved_total" int not null default 0, "duplicate_total" int not null default 0, "source_ref_total" int not null default 0, "missing_source_refs_total" int not null default 0, "sentry_ref_total" int not null default 0, "signoz_ref_total" int not null default 0, "alert_ref_total" int not null default 0, "first_event_id" bigint null, "latest_event_id" bigint null, "first_received_at" timestamptz not null, "latest_received_at" timestamptz not null, "latest_occurrence_at" timestamptz null, "latest_alert_status" varchar(16) null, "lifecycle" text not null default 'new', "lifecycle_changed_at" timestamptz not null, "lifecycle_reason" text null, "silenced_until" timestamptz null, "silence_reason" varchar(500) null, "silenced_by_id" int null, "open_threshold" int null, "open_window_minutes" int null, "change_seq" bigint not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "recurrence_groups" add constraint "recurrence_groups_uuid_unique" unique ("uuid");`);
    this.addSql(`create index "recurrence_groups_latest_received_at_id_index" on "recurrence_groups" ("latest_received_at", "id");`);
    this.addSql(`create index "recurrence_groups_project_id_latest_received_at_id_index" on "recurrence_groups" ("project_id", "latest_received_at", "id");`);
    this.addSql(`create index "recurrence_groups_project_id_provider_latest_received_at_index" on "recurrence_groups" ("project_id", "provider", "latest_received_at");`);
    this.addSql(`create index "recurrence_groups_change_seq_index" on "recurrence_groups" ("change_seq");`);
    this.addSql(`alter table "recurrence_groups" add constraint "recurrence_groups_project_key_unique" unique ("project_id", "recurrence_key");`);

    this.addSql(`create table "recurrence_work_item_entries" ("id" serial primary key, "uuid" uuid not null default gen_random_uuid(), "group_id" int not null, "kind" text not null, "mode" text null, "handoff_kind" text null, "status" varchar(16) null, "work_item_state" varchar(32) null, "actor_id" int null, "chamado_id" int null, "data" jsonb not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "recurrence_work_item_entries" add constraint "recurrence_work_item_entries_uuid_unique" unique ("uuid");`);
    this.addSql(`create index "recurrence_work_item_entries_group_id_id_index" on "recurrence_work_item_entries" ("group_id", "id");`);

    this.addSql(`create table "recurrence_hours" ("group_id" int not null, "hour" timestamptz not null, "occurrences" int not null default 0, primary key ("group_id", "hour"));`);

    this.addSql(`create table "recurrence_group_chamados" ("group_id" int not null, "chamado_id" int not null, "linked_at" timestamptz not null, primary key ("group_id", "chamado_id"));`);
    this.addSql(`create index "recurrence_group_chamados_chamado_id_index" on "recurrence_group_chamados" ("chamado_id");`);

    this.addSql(`alter table "dead_letters" add "project_id" varchar(64) not null default 'default';`);
    this.addSql(`alter table "chamados" add "project_id" varchar(64) not null default 'default';`);

    this.addSql(`alter table "runbook_executions" add "uuid" uuid not null default gen_random_uuid();`);
    this.addSql(`alter table "runbook_executions" add constraint "runbook_executions_uuid_unique" unique ("uuid");`);

    this.addSql(`alter table "events" add "uuid" uuid not null default gen_random_uuid(), add "project_id" varchar(64) not null default 'default';`);
    this.addSql(`alter table "events" add constraint "events_uuid_unique" unique ("uuid");`);
    this.addSql(`create index "events_project_id_received_at_id_index" on "events" ("project_id", "received_at", "id");`);
    this.addSql(`create index "events_project_id_recurrence_key_received_at_index" on "events" ("project_id", "recurrence_key", "received_at");`);
    this.addSql(`create index "events_project_id_source_received_at_id_index" on "events" ("project_id", "source", "received_at", "id");`);

    this.addSql(`alter table "recurrence_groups" add constraint "recurrence_groups_first_event_id_foreign" foreign key ("first_event_id") references "events" ("id") on delete set null;`);
    this.addSql(`alter table "recurrence_groups" add constraint "recurrence_groups_latest_event_id_foreign" foreign key ("latest_event_id") references "events" ("id") on delete set null;`);
    this.addSql(`alter table "recurrence_groups" add constraint "recurrence_groups_silenced_by_id_foreign" foreign key ("silenced_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "recurrence_groups" add constraint "recurrence_groups_basis_check" check ("basis" in ('fingerprint', 'labels'));`);
    this.addSql(`alter table "recurrence_groups" add constraint "recurrence_groups_lifecycle_check" check ("lifecycle" in ('new', 'ongoing', 'resolved', 'regressed', 'escalating', 'silenced'));`);

    this.addSql(`alter table "recurrence_work_item_entries" add constraint "recurrence_work_item_entries_group_id_foreign" foreign key ("group_id") references "recurrence_groups" ("id");`);
    this.addSql(`alter table "recurrence_work_item_entries" add constraint "recurrence_work_item_entries_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "recurrence_work_item_entries" add constraint "recurrence_work_item_entries_chamado_id_foreign" foreign key ("chamado_id") references "chamados" ("id") on delete set null;`);
    this.addSql(`alter table "recurrence_work_item_entries" add constraint "recurrence_work_item_entries_kind_check" check ("kind" in ('dry_run', 'handoff', 'accepted', 'silenced', 'unsilenced', 'threshold'));`);
    this.addSql(`alter table "recurrence_work_item_entries" add constraint "recurrence_work_item_entries_mode_check" check ("mode" in ('auto', 'repair', 'ticket', 'manual'));`);
    this.addSql(`alter table "recurrence_work_item_entries" add constraint "recurrence_work_item_entries_handoff_kind_check" check ("handoff_kind" in ('ticket_proposal', 'manual_takeover'));`);

    this.addSql(`alter table "recurrence_hours" add constraint "recurrence_hours_group_id_foreign" foreign key ("group_id") references "recurrence_groups" ("id");`);

    this.addSql(`alter table "recurrence_group_chamados" add constraint "recurrence_group_chamados_group_id_foreign" foreign key ("group_id") references "recurrence_groups" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "recurrence_group_chamados" add constraint "recurrence_group_chamados_chamado_id_foreign" foreign key ("chamado_id") references "chamados" ("id") on update cascade on delete cascade;`);

    for (const sql of RECURRENCE_BACKFILL) this.addSql(sql);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "recurrence_work_item_entries" drop constraint "recurrence_work_item_entries_group_id_foreign";`);
    this.addSql(`alter table "recurrence_hours" drop constraint "recurrence_hours_group_id_foreign";`);
    this.addSql(`alter table "recurrence_group_chamados" drop constraint "recurrence_group_chamados_group_id_foreign";`);

    this.addSql(`drop table if exists "recurrence_groups" cascade;`);
    this.addSql(`drop table if exists "recurrence_work_item_entries" cascade;`);
    this.addSql(`drop table if exists "recurrence_hours" cascade;`);
    this.addSql(`drop table if exists "recurrence_group_chamados" cascade;`);
    this.addSql(`drop sequence if exists "recurrence_change_seq";`);

    this.addSql(`alter table "events" drop constraint "events_uuid_unique";`);
    this.addSql(`drop index "events_project_id_received_at_id_index";`);
    this.addSql(`drop index "events_project_id_recurrence_key_received_at_index";`);
    this.addSql(`drop index "events_project_id_source_received_at_id_index";`);
    this.addSql(`alter table "events" drop column "uuid", drop column "project_id";`);

    this.addSql(`alter table "dead_letters" drop column "project_id";`);
    this.addSql(`alter table "chamados" drop column "project_id";`);
    this.addSql(`alter table "runbook_executions" drop constraint "runbook_executions_uuid_unique";`);
    this.addSql(`alter table "runbook_executions" drop column "uuid";`);
  }

}
