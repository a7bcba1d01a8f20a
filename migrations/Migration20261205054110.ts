import { Migration } from '@mikro-orm/migrations';

export class Migration20261205054110 extends Migration {

  override name = 'Migration20261205054110';

  override up(): void | Promise<void> {
    // Every change to a group takes the next value: recurrenceChanged resumes from it.
    this.addSql(`create sequence if not exists "recurrence_change_seq";`);
    this.addSql(`create table "recurrence_groups" ("id" serial primary key, "uuid" uuid not null default gen_random_uuid(), "project_id" varchar(64) not null, "recurrence_key" varchar(160) not null, "rule_version" varchar(16) not null, "basis" text not null, "why" jsonb not null, "provider" varchar(32) not null, "alertname" varchar(200) null, "rule_id" varchar(64) null, "severity" varchar(32) null, "namespace" varchar(200) null, "target_resource" varchar(200) null, "fingerprint" varchar(128) null, "occurrence_total" int not null default 0, "resolved_total" int not null default 0, "duplicate_total" int not null default 0, "source_ref_total" int not null default 0, "missing_source_refs_total" int not null default 0, "sentry_ref_total" int not null default 0, "signoz_ref_total" int not null default 0, "alert_ref_total" int not null default 0, "first_event_id" bigint null, "latest_event_id" bigint null, "first_received_at" timestamptz not null, "latest_received_at" timestamptz not null, "latest_occurrence_at" timestamptz null, "latest_alert_status" varchar(16) null, "lifecycle" text not null default 'new', "lifecycle_changed_at" timestamptz not null, "lifecycle_reason" text null, "silenced_until" timestamptz null, "silence_reason" varchar(500) null, "silenced_by_id" int null, "open_threshold" int null, "open_window_minutes" int null, "change_seq" bigint not null default nextval('recurrence_change_seq'), "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "recurrence_groups" add constraint "recurrence_groups_uuid_unique" unique ("uuid");`);
    this.addSql(`create index "recurrence_groups_project_id_latest_received_at_index" on "recurrence_groups" ("project_id", "latest_received_at");`);
    this.addSql(`create index "recurrence_groups_project_id_provider_latest_received_at_index" on "recurrence_groups" ("project_id", "provider", "latest_received_at");`);
    this.addSql(`create index "recurrence_groups_change_seq_index" on "recurrence_groups" ("change_seq");`);
    this.addSql(`alter table "recurrence_groups" add constraint "recurrence_groups_project_key_unique" unique ("project_id", "recurrence_key");`);

    this.addSql(`create table "recurrence_work_item_entries" ("id" serial primary key, "uuid" uuid not null default gen_random_uuid(), "group_id" int not null, "kind" text not null, "mode" text null, "handoff_kind" text null, "status" varchar(16) null, "work_item_state" varchar(32) null, "actor_id" int null, "chamado_id" int null, "data" jsonb not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "recurrence_work_item_entries" add constraint "recurrence_work_item_entries_uuid_unique" unique ("uuid");`);
    this.addSql(`create index "recurrence_work_item_entries_group_id_id_index" on "recurrence_work_item_entries" ("group_id", "id");`);

    this.addSql(`create table "recurrence_hours" ("group_id" int not null, "hour" timestamptz not null, "occurrences" int not null default 0, primary key ("group_id", "hour"));`);

    this.addSql(`create table "recurrence_group_chamados" ("group_id" int not null, "chamado_id" int not null, "linked_at" timestamptz not null, primary key ("group_id", "chamado_id"));`);
    this.addSql(`create index "recurrence_group_chamados_chamado_id_index" on "recurrence_group_chamados" ("chamado_id");`);

    this.addSql(`alter table "runbook_executions" add "uuid" uuid not null default gen_random_uuid();`);
    this.addSql(`alter table "runbook_executions" add constraint "runbook_executions_uuid_unique" unique ("uuid");`);

    this.addSql(`alter table "events" add "uuid" uuid not null default gen_random_uuid(), add "project_id" varchar(64) not null default 'default';`);
    this.addSql(`alter table "events" add constraint "events_uuid_unique" unique ("uuid");`);
    this.addSql(`create index "events_project_id_received_at_id_index" on "events" ("project_id", "received_at", "id");`);
    this.addSql(`create index "events_project_id_recurrence_key_received_at_index" on "events" ("project_id", "recurrence_key", "received_at");`);

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
    this.addSql(`alter table "events" drop column "uuid", drop column "project_id";`);

    this.addSql(`alter table "runbook_executions" drop constraint "runbook_executions_uuid_unique";`);
    this.addSql(`alter table "runbook_executions" drop column "uuid";`);
  }

}
