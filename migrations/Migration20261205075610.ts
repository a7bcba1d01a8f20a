import { Migration } from '@mikro-orm/migrations';

export class Migration20261205075610 extends Migration {

  override name = 'Migration20261205075610';

  override up(): void | Promise<void> {
    this.addSql(`create table "discovery_maintenance_windows" ("id" serial primary key, "uuid" uuid not null default gen_random_uuid(), "resource_id" int null, "environment_id" int null, "starts_at" timestamptz not null, "ends_at" timestamptz not null, "reason" varchar(500) not null, "created_by_id" int null, "created_at" timestamptz not null, "cancelled_at" timestamptz null, "cancelled_by_id" int null);`);
    this.addSql(`alter table "discovery_maintenance_windows" add constraint "discovery_maintenance_windows_uuid_unique" unique ("uuid");`);
    this.addSql(`create index "discovery_maintenance_windows_resource_id_index" on "discovery_maintenance_windows" ("resource_id");`);
    this.addSql(`create index "discovery_maintenance_windows_environment_id_index" on "discovery_maintenance_windows" ("environment_id");`);
    this.addSql(`create index "discovery_maintenance_windows_ends_at_index" on "discovery_maintenance_windows" ("ends_at");`);
    // A window covers one resource or one environment, and ends after it starts.
    this.addSql(`alter table "discovery_maintenance_windows" add constraint "discovery_maintenance_windows_one_subject" check (num_nonnulls("resource_id", "environment_id") = 1);`);
    this.addSql(`alter table "discovery_maintenance_windows" add constraint "discovery_maintenance_windows_ends_after_start" check ("ends_at" > "starts_at");`);

    this.addSql(`create table "discovery_checks" ("id" bigserial primary key, "resource_id" int not null, "checked_at" timestamptz not null, "allowed" boolean not null, "ok" boolean not null, "reason" varchar(20) null, "duration_ms" int not null, "status" text not null, "checks" jsonb not null);`);
    this.addSql(`create index "discovery_checks_resource_id_checked_at_index" on "discovery_checks" ("resource_id", "checked_at");`);
    this.addSql(`create index "discovery_checks_checked_at_index" on "discovery_checks" ("checked_at");`);

    this.addSql(`create table "discovery_health_changes" ("id" serial primary key, "uuid" uuid not null default gen_random_uuid(), "resource_id" int not null, "from_status" text not null, "to_status" text not null, "reason" varchar(20) null, "detail" varchar(500) not null, "suppressed_by" text null, "suppression_detail" varchar(500) null, "event_id" bigint null, "changed_at" timestamptz not null);`);
    this.addSql(`alter table "discovery_health_changes" add constraint "discovery_health_changes_uuid_unique" unique ("uuid");`);
    this.addSql(`create index "discovery_health_changes_resource_id_id_index" on "discovery_health_changes" ("resource_id", "id");`);
    this.addSql(`create index "discovery_health_changes_changed_at_index" on "discovery_health_changes" ("changed_at");`);

    this.addSql(`alter table "discovery_config" add "failures_before_danger" int not null default 3, add "passes_before_success" int not null default 2, add "retry_interval" int not null default 1, add "probe_timeout_ms" int not null default 5000, add "probe_concurrency" int not null default 64, add "tls_warning_days" int not null default 14, add "tls_danger_days" int not null default 7, add "slow_ms" int not null default 1000, add "allowed_networks" jsonb not null default '[]';`);

    this.addSql(`alter table "discovered_resources" add "monitored" boolean not null default true, add "probe" text null, add "http_path" varchar(500) not null default '/', add "fail_streak" int not null default 0, add "pass_streak" int not null default 0, add "down" boolean not null default false, add "next_check_at" timestamptz null, add "last_checked_at" timestamptz null, add "last_success" boolean null, add "last_reason" varchar(20) null, add "last_duration_ms" int null, add "cert_expires_at" timestamptz null, add "last_checks" jsonb not null default '[]', add "status_changed_at" timestamptz null;`);
    this.addSql(`alter table "discovered_resources" add constraint "discovered_resources_probe_check" check ("probe" in ('tcp', 'tls', 'http', 'https'));`);
    // One live resource per listener in an environment (registration also serializes on the environment row).
    this.addSql(`create unique index "discovered_resources_live_listener_unique" on "discovered_resources" ("environment_id", lower("host"), coalesce("port", 0)) where "retired_at" is null;`);
    // The monitor's tick: live, monitored resources that are due.
    this.addSql(`create index "discovered_resources_due_index" on "discovered_resources" ("next_check_at") where "retired_at" is null and "monitored";`);

    this.addSql(`alter table "chamados" drop constraint "chamados_origin_check";`);
    this.addSql(`alter table "chamados" add constraint "chamados_origin_check" check ("origin" in ('manual', 'support', 'onboard', 'wazuh', 'alertmanager', 'signoz', 'sentry', 'audit', 'discovery'));`);

    this.addSql(`alter table "discovery_maintenance_windows" add constraint "discovery_maintenance_windows_resource_id_foreign" foreign key ("resource_id") references "discovered_resources" ("id") on delete set null;`);
    this.addSql(`alter table "discovery_maintenance_windows" add constraint "discovery_maintenance_windows_environment_id_foreign" foreign key ("environment_id") references "discovery_environments" ("id") on delete set null;`);
    this.addSql(`alter table "discovery_maintenance_windows" add constraint "discovery_maintenance_windows_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "discovery_maintenance_windows" add constraint "discovery_maintenance_windows_cancelled_by_id_foreign" foreign key ("cancelled_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "discovery_checks" add constraint "discovery_checks_resource_id_foreign" foreign key ("resource_id") references "discovered_resources" ("id");`);
    this.addSql(`alter table "discovery_checks" add constraint "discovery_checks_status_check" check ("status" in ('success', 'warning', 'error', 'danger'));`);

    this.addSql(`alter table "discovery_health_changes" add constraint "discovery_health_changes_resource_id_foreign" foreign key ("resource_id") references "discovered_resources" ("id");`);
    this.addSql(`alter table "discovery_health_changes" add constraint "discovery_health_changes_event_id_foreign" foreign key ("event_id") references "events" ("id") on delete set null;`);
    this.addSql(`alter table "discovery_health_changes" add constraint "discovery_health_changes_from_status_check" check ("from_status" in ('success', 'warning', 'error', 'danger'));`);
    this.addSql(`alter table "discovery_health_changes" add constraint "discovery_health_changes_to_status_check" check ("to_status" in ('success', 'warning', 'error', 'danger'));`);
    this.addSql(`alter table "discovery_health_changes" add constraint "discovery_health_changes_suppressed_by_check" check ("suppressed_by" in ('dependency', 'maintenance'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "discovery_maintenance_windows" cascade;`);
    this.addSql(`drop table if exists "discovery_checks" cascade;`);
    this.addSql(`drop table if exists "discovery_health_changes" cascade;`);

    this.addSql(`alter table "chamados" drop constraint "chamados_origin_check";`);
    this.addSql(`alter table "chamados" add constraint "chamados_origin_check" check ("origin" in ('manual', 'support', 'onboard', 'wazuh', 'alertmanager', 'signoz', 'sentry', 'audit'));`);

    this.addSql(`drop index "discovered_resources_live_listener_unique";`);
    this.addSql(`drop index "discovered_resources_due_index";`);
    this.addSql(`alter table "discovered_resources" drop constraint "discovered_resources_probe_check";`);
    this.addSql(`alter table "discovered_resources" drop column "monitored", drop column "probe", drop column "http_path", drop column "fail_streak", drop column "pass_streak", drop column "down", drop column "next_check_at", drop column "last_checked_at", drop column "last_success", drop column "last_reason", drop column "last_duration_ms", drop column "cert_expires_at", drop column "last_checks", drop column "status_changed_at";`);

    this.addSql(`alter table "discovery_config" drop column "failures_before_danger", drop column "passes_before_success", drop column "retry_interval", drop column "probe_timeout_ms", drop column "probe_concurrency", drop column "tls_warning_days", drop column "tls_danger_days", drop column "slow_ms", drop column "allowed_networks";`);
  }

}
