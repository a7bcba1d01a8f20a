import { Migration } from '@mikro-orm/migrations';

export class Migration20261124044520 extends Migration {

  override name = 'Migration20261124044520';

  override up(): void | Promise<void> {
    this.addSql(`create table "chamado_sequences" ("year" int not null, "last_value" int not null, primary key ("year"));`);

    this.addSql(`create table "users" ("id" serial primary key, "username" varchar(64) not null, "email" varchar(254) null, "full_name" varchar(200) not null, "role" text not null default 'viewer', "password_hash" varchar(300) not null, "disabled" boolean not null default false, "dialect" varchar(16) not null default 'pt-BR', "avatar" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);
    this.addSql(`alter table "users" add constraint "users_role_check" check ("role" in ('viewer', 'ops', 'ops_lead', 'admin'));`);

    this.addSql(`create table "chamados" ("id" serial primary key, "public_id" varchar(32) not null, "status" text not null default 'novo', "origin" text not null, "title" varchar(500) not null, "description" text null, "domain" varchar(253) null, "session_id" varchar(128) null, "wizard_step" varchar(128) null, "wizard_step_label" varchar(200) null, "wizard_step_at" timestamptz null, "sources" text[] not null default '{}', "max_severity" int null, "event_count" int not null default 0, "assignee_id" int null, "created_by_id" int null, "legacy_ticket_id" int null, "fingerprint" varchar(128) null, "resolved_at" timestamptz null, "closed_at" timestamptz null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "chamados" add constraint "chamados_public_id_unique" unique ("public_id");`);
    this.addSql(`create index "chamados_status_index" on "chamados" ("status");`);
    this.addSql(`create index "chamados_domain_index" on "chamados" ("domain");`);
    this.addSql(`create index "chamados_session_id_index" on "chamados" ("session_id");`);
    this.addSql(`create index "chamados_assignee_id_index" on "chamados" ("assignee_id");`);
    this.addSql(`create index "chamados_fingerprint_index" on "chamados" ("fingerprint");`);
    this.addSql(`create index "chamados_created_at_index" on "chamados" ("created_at");`);
    this.addSql(`alter table "chamados" add constraint "chamados_status_check" check ("status" in ('novo', 'assumido', 'em_correcao', 'aguardando', 'resolvido', 'fechado'));`);
    this.addSql(`alter table "chamados" add constraint "chamados_origin_check" check ("origin" in ('manual', 'support', 'onboard', 'wazuh', 'alertmanager', 'signoz', 'sentry', 'audit'));`);

    this.addSql(`create table "events" ("id" bigserial primary key, "source" varchar(32) not null, "event_type" varchar(128) not null, "provider_event_id" varchar(200) null, "domain" varchar(253) null, "session_id" varchar(128) null, "severity" int null, "rule_id" varchar(64) null, "agent" varchar(200) null, "summary" text null, "fingerprint" varchar(128) null, "payload" jsonb not null, "chamado_id" int null, "is_duplicate" boolean not null default false, "duplicate_of_id" bigint null, "correlation" jsonb null, "occurred_at" timestamptz null, "received_at" timestamptz not null);`);
    this.addSql(`create index "events_received_at_id_index" on "events" ("received_at", "id");`);
    this.addSql(`create index "events_source_received_at_index" on "events" ("source", "received_at");`);
    this.addSql(`create index "events_domain_index" on "events" ("domain");`);
    this.addSql(`create index "events_session_id_index" on "events" ("session_id");`);
    this.addSql(`create index "events_chamado_id_index" on "events" ("chamado_id");`);
    this.addSql(`create index "events_fingerprint_index" on "events" ("fingerprint");`);

    this.addSql(`create table "timeline_entries" ("id" bigserial primary key, "chamado_id" int not null, "kind" text not null, "event_type" varchar(128) not null, "source" varchar(32) not null, "summary" text null, "severity" int null, "actor_id" int null, "event_id" bigint null, "data" jsonb null, "created_at" timestamptz not null);`);
    this.addSql(`create index "timeline_entries_chamado_id_id_index" on "timeline_entries" ("chamado_id", "id");`);
    this.addSql(`alter table "timeline_entries" add constraint "timeline_entries_chamado_event_unique" unique ("chamado_id", "event_id");`);
    this.addSql(`alter table "timeline_entries" add constraint "timeline_entries_kind_check" check ("kind" in ('created', 'event', 'claim', 'status', 'note', 'attach'));`);

    this.addSql(`create table "observables" ("id" bigserial primary key, "chamado_id" int not null, "tipo" varchar(32) not null, "valor" varchar(500) not null, "fonte" varchar(32) not null, "event_id" bigint null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "observables" add constraint "observables_chamado_tipo_valor_fonte_unique" unique ("chamado_id", "tipo", "valor", "fonte");`);

    this.addSql(`alter table "chamados" add constraint "chamados_assignee_id_foreign" foreign key ("assignee_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "chamados" add constraint "chamados_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on delete set null;`);

    this.addSql(`alter table "events" add constraint "events_chamado_id_foreign" foreign key ("chamado_id") references "chamados" ("id") on delete set null;`);
    this.addSql(`alter table "events" add constraint "events_duplicate_of_id_foreign" foreign key ("duplicate_of_id") references "events" ("id") on delete set null;`);

    this.addSql(`alter table "timeline_entries" add constraint "timeline_entries_chamado_id_foreign" foreign key ("chamado_id") references "chamados" ("id");`);
    this.addSql(`alter table "timeline_entries" add constraint "timeline_entries_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "timeline_entries" add constraint "timeline_entries_event_id_foreign" foreign key ("event_id") references "events" ("id") on delete set null;`);

    this.addSql(`alter table "observables" add constraint "observables_chamado_id_foreign" foreign key ("chamado_id") references "chamados" ("id");`);
    this.addSql(`alter table "observables" add constraint "observables_event_id_foreign" foreign key ("event_id") references "events" ("id") on delete set null;`);
  }

}
