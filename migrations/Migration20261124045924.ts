import { Migration } from '@mikro-orm/migrations';

export class Migration20261124045924 extends Migration {

  override name = 'Migration20261124045924';

  override up(): void | Promise<void> {
    this.addSql(`create table "saved_searches" ("id" serial primary key, "owner_id" int not null, "name" varchar(100) not null, "query" text not null default '', "filter" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "saved_searches" add constraint "saved_searches_owner_name_unique" unique ("owner_id", "name");`);

    this.addSql(`create table "dead_letters" ("id" serial primary key, "source" varchar(32) not null, "reason" text not null, "issues" jsonb not null, "content" jsonb not null, "content_sha256" varchar(64) not null, "content_length" int not null, "delivery_id" varchar(200) null, "status" text not null default 'pending', "replayed_at" timestamptz null, "replayed_by_id" int null, "replay_event_ids" jsonb null, "received_at" timestamptz not null);`);
    this.addSql(`create index "dead_letters_source_index" on "dead_letters" ("source");`);
    this.addSql(`create index "dead_letters_status_index" on "dead_letters" ("status");`);

    this.addSql(`create table "event_dedup_keys" ("key" varchar(600) not null, "event_id" bigint not null, "created_at" timestamptz not null, primary key ("key"));`);

    this.addSql(`alter table "chamados" add "merged_into_id" int null;`);
    this.addSql(`alter table "chamados" add constraint "chamados_merged_into_id_foreign" foreign key ("merged_into_id") references "chamados" ("id") on delete set null;`);

    this.addSql(`alter table "events" add "alertname" varchar(200) null, add "namespace" varchar(200) null, add "target_resource" varchar(200) null, add "recurrence_key" varchar(160) null, add "alert_status" varchar(16) null, add "source_severity" varchar(32) null, add "delivery_id" varchar(200) null, add "redaction_version" varchar(16) null, add "content_sha256" varchar(64) null, add "content_length" int null, add "source_refs" jsonb null, add "observables" jsonb null, add "warnings" jsonb null, add "search" tsvector generated always as (to_tsvector('simple', coalesce(summary, '') || ' ' || coalesce(event_type, '') || ' ' || coalesce(domain, '') || ' ' || coalesce(agent, '') || ' ' || coalesce(rule_id, '') || ' ' || coalesce(alertname, ''))) stored null;`);
    this.addSql(`create index "events_recurrence_key_id_index" on "events" ("recurrence_key", "id");`);
    this.addSql(`create index "events_search_index" on "events" using gin ("search");`);

    this.addSql(`alter table "timeline_entries" drop constraint "timeline_entries_kind_check";`);
    this.addSql(`alter table "timeline_entries" add constraint "timeline_entries_kind_check" check ("kind" in ('created', 'event', 'claim', 'status', 'note', 'attach', 'detach', 'move', 'merge', 'wizard'));`);

    this.addSql(`alter table "saved_searches" add constraint "saved_searches_owner_id_foreign" foreign key ("owner_id") references "users" ("id");`);

    this.addSql(`alter table "dead_letters" add constraint "dead_letters_replayed_by_id_foreign" foreign key ("replayed_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "dead_letters" add constraint "dead_letters_status_check" check ("status" in ('pending', 'replayed', 'discarded'));`);

    this.addSql(`alter table "event_dedup_keys" add constraint "event_dedup_keys_event_id_foreign" foreign key ("event_id") references "events" ("id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "saved_searches" cascade;`);
    this.addSql(`drop table if exists "dead_letters" cascade;`);
    this.addSql(`drop table if exists "event_dedup_keys" cascade;`);

    this.addSql(`alter table "chamados" drop constraint "chamados_merged_into_id_foreign";`);

    this.addSql(`alter table "chamados" drop column "merged_into_id";`);

    this.addSql(`drop index "events_recurrence_key_id_index";`);
    this.addSql(`drop index "events_search_index";`);
    this.addSql(`alter table "events" drop column "alertname", drop column "namespace", drop column "target_resource", drop column "recurrence_key", drop column "alert_status", drop column "source_severity", drop column "delivery_id", drop column "redaction_version", drop column "content_sha256", drop column "content_length", drop column "source_refs", drop column "observables", drop column "warnings", drop column "search";`);

    this.addSql(`alter table "timeline_entries" drop constraint "timeline_entries_kind_check";`);
    this.addSql(`alter table "timeline_entries" add constraint "timeline_entries_kind_check" check ("kind" in ('created', 'event', 'claim', 'status', 'note', 'attach'));`);
  }

}
