import { Migration } from '@mikro-orm/migrations';

export class Migration20261124052951 extends Migration {

  override name = 'Migration20261124052951';

  override up(): void | Promise<void> {
    this.addSql(`create table "outbound_webhooks" ("id" serial primary key, "name" varchar(100) not null, "url" varchar(2000) not null, "secret" varchar(200) not null, "filter" jsonb not null default '{}', "enabled" boolean not null default true, "created_by_id" int not null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);

    this.addSql(`create table "outbound_deliveries" ("id" serial primary key, "webhook_id" int not null, "timeline_entry_id" bigint null, "chamado_id" int null, "message_id" varchar(100) not null, "event_type" varchar(128) not null, "payload" jsonb not null, "status" text not null default 'pending', "attempts" int not null default 0, "last_status_code" int null, "last_error" text null, "last_attempt_at" timestamptz null, "delivered_at" timestamptz null, "created_at" timestamptz not null);`);
    this.addSql(`create index "outbound_deliveries_webhook_id_index" on "outbound_deliveries" ("webhook_id");`);
    this.addSql(`create index "outbound_deliveries_status_index" on "outbound_deliveries" ("status");`);
    this.addSql(`alter table "outbound_deliveries" add constraint "outbound_deliveries_webhook_entry_unique" unique ("webhook_id", "timeline_entry_id");`);

    this.addSql(`alter table "timeline_entries" add "outbound_at" timestamptz null;`);
    this.addSql(`create index "timeline_entries_outbound_pending_index" on "timeline_entries" ("id") where outbound_at is null;`);
    // History predates every webhook: mark it dispatched instead of sweeping it on first start.
    this.addSql(`update "timeline_entries" set "outbound_at" = "created_at" where "outbound_at" is null;`);

    this.addSql(`alter table "outbound_webhooks" add constraint "outbound_webhooks_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id");`);

    this.addSql(`alter table "outbound_deliveries" add constraint "outbound_deliveries_webhook_id_foreign" foreign key ("webhook_id") references "outbound_webhooks" ("id");`);
    this.addSql(`alter table "outbound_deliveries" add constraint "outbound_deliveries_timeline_entry_id_foreign" foreign key ("timeline_entry_id") references "timeline_entries" ("id") on delete set null;`);
    this.addSql(`alter table "outbound_deliveries" add constraint "outbound_deliveries_chamado_id_foreign" foreign key ("chamado_id") references "chamados" ("id") on delete set null;`);
    this.addSql(`alter table "outbound_deliveries" add constraint "outbound_deliveries_status_check" check ("status" in ('pending', 'delivered', 'failed'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "outbound_deliveries" drop constraint "outbound_deliveries_webhook_id_foreign";`);

    this.addSql(`drop table if exists "outbound_webhooks" cascade;`);
    this.addSql(`drop table if exists "outbound_deliveries" cascade;`);

    this.addSql(`drop index "timeline_entries_outbound_pending_index";`);
    this.addSql(`alter table "timeline_entries" drop column "outbound_at";`);
  }

}
