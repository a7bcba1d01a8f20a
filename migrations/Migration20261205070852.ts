import { Migration } from '@mikro-orm/migrations';

export class Migration20261205070852 extends Migration {

  override name = 'Migration20261205070852';

  override up(): void | Promise<void> {
    this.addSql(`create table "discovery_installations" ("id" serial primary key, "totvs_id" varchar(64) not null, "name" varchar(200) null, "alias" varchar(100) null, "receive" varchar(200) not null default '', "created_at" timestamptz not null, "retired_at" timestamptz null);`);
    this.addSql(`alter table "discovery_installations" add constraint "discovery_installations_totvs_id_unique" unique ("totvs_id");`);

    this.addSql(`create table "discovery_environments" ("id" serial primary key, "installation_id" int not null, "name" varchar(100) not null, "created_at" timestamptz not null, "retired_at" timestamptz null);`);
    this.addSql(`alter table "discovery_environments" add constraint "discovery_environments_installation_name_unique" unique ("installation_id", "name");`);

    this.addSql(`create table "discovery_config" ("id" serial primary key, "monitor_active" boolean not null default false, "history_days" int not null default 30, "monitor_interval" int not null default 15, "send_data_totvs" boolean not null default false, "updated_by_id" int null, "updated_at" timestamptz not null);`);
    // One row of settings, present from the start with the spec's defaults.
    this.addSql(`alter table "discovery_config" add constraint "discovery_config_single_row" check ("id" = 1);`);
    this.addSql(`insert into "discovery_config" ("id", "updated_at") values (1, now()) on conflict do nothing;`);

    this.addSql(`create table "discovered_resources" ("id" serial primary key, "uuid" uuid not null default gen_random_uuid(), "environment_id" int not null, "host" varchar(253) not null, "port" int null, "category" text not null, "description" varchar(500) not null default '', "agent" varchar(200) null, "discovered_at" timestamptz not null, "status" text not null default 'success', "info" jsonb not null default '[]', "health" jsonb not null default '[]', "depends_on_id" int null, "created_by_id" int null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "retired_at" timestamptz null);`);
    this.addSql(`alter table "discovered_resources" add constraint "discovered_resources_uuid_unique" unique ("uuid");`);
    this.addSql(`create index "discovered_resources_environment_id_host_port_index" on "discovered_resources" ("environment_id", "host", "port");`);
    this.addSql(`create index "discovered_resources_host_index" on "discovered_resources" ("host");`);
    this.addSql(`create index "discovered_resources_agent_index" on "discovered_resources" ("agent");`);

    this.addSql(`alter table "discovery_environments" add constraint "discovery_environments_installation_id_foreign" foreign key ("installation_id") references "discovery_installations" ("id");`);

    this.addSql(`alter table "discovery_config" add constraint "discovery_config_updated_by_id_foreign" foreign key ("updated_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "discovered_resources" add constraint "discovered_resources_environment_id_foreign" foreign key ("environment_id") references "discovery_environments" ("id");`);
    this.addSql(`alter table "discovered_resources" add constraint "discovered_resources_depends_on_id_foreign" foreign key ("depends_on_id") references "discovered_resources" ("id") on delete set null;`);
    this.addSql(`alter table "discovered_resources" add constraint "discovered_resources_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "discovered_resources" add constraint "discovered_resources_category_check" check ("category" in ('server', 'machine', 'database', 'lsv', 'gateway'));`);
    this.addSql(`alter table "discovered_resources" add constraint "discovered_resources_status_check" check ("status" in ('success', 'warning', 'error', 'danger'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "discovery_environments" drop constraint "discovery_environments_installation_id_foreign";`);
    this.addSql(`alter table "discovered_resources" drop constraint "discovered_resources_environment_id_foreign";`);
    this.addSql(`alter table "discovered_resources" drop constraint "discovered_resources_depends_on_id_foreign";`);

    this.addSql(`drop table if exists "discovery_installations" cascade;`);
    this.addSql(`drop table if exists "discovery_environments" cascade;`);
    this.addSql(`drop table if exists "discovery_config" cascade;`);
    this.addSql(`drop table if exists "discovered_resources" cascade;`);
  }

}
