import { Migration } from '@mikro-orm/migrations';

export class Migration20261124051556 extends Migration {

  override name = 'Migration20261124051556';

  override up(): void | Promise<void> {
    this.addSql(`create table "runbooks" ("id" serial primary key, "code" varchar(64) not null, "name" varchar(200) not null, "description" text not null default '', "nivel" text not null, "params_schema" jsonb not null, "executor_kind" text not null, "executor_config" jsonb not null, "timeout_ms" int not null default 60000, "enabled" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "runbooks" add constraint "runbooks_code_unique" unique ("code");`);

    this.addSql(`create table "runbook_executions" ("id" serial primary key, "chamado_id" int not null, "runbook_id" int not null, "runbook_code" varchar(64) not null, "nivel" text not null, "params" jsonb not null, "status" text not null, "requested_by_id" int not null, "attempt" int not null default 0, "job_id" varchar(64) null, "output" text null, "error" text null, "exit_code" int null, "http_status" int null, "queued_at" timestamptz null, "started_at" timestamptz null, "finished_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`);
    this.addSql(`create index "runbook_executions_chamado_id_index" on "runbook_executions" ("chamado_id");`);
    this.addSql(`create index "runbook_executions_status_index" on "runbook_executions" ("status");`);

    this.addSql(`create table "approval_requests" ("id" serial primary key, "execution_id" int not null, "required_approvals" int not null, "status" text not null default 'pendente', "requested_by_id" int not null, "expires_at" timestamptz not null, "decided_at" timestamptz null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "approval_requests" add constraint "approval_requests_execution_id_unique" unique ("execution_id");`);
    this.addSql(`create index "approval_requests_status_index" on "approval_requests" ("status");`);

    this.addSql(`create table "approval_decisions" ("id" serial primary key, "request_id" int not null, "approver_id" int not null, "decisao" text not null, "nota" text null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "approval_decisions" add constraint "approval_decisions_request_approver_unique" unique ("request_id", "approver_id");`);

    this.addSql(`alter table "timeline_entries" drop constraint "timeline_entries_kind_check";`);
    this.addSql(`alter table "timeline_entries" add constraint "timeline_entries_kind_check" check ("kind" in ('created', 'event', 'claim', 'status', 'note', 'attach', 'detach', 'move', 'merge', 'wizard', 'runbook'));`);

    this.addSql(`alter table "runbooks" add constraint "runbooks_nivel_check" check ("nivel" in ('R0', 'R1', 'R2', 'R3'));`);
    this.addSql(`alter table "runbooks" add constraint "runbooks_executor_kind_check" check ("executor_kind" in ('http', 'command', 'noop'));`);

    this.addSql(`alter table "runbook_executions" add constraint "runbook_executions_chamado_id_foreign" foreign key ("chamado_id") references "chamados" ("id");`);
    this.addSql(`alter table "runbook_executions" add constraint "runbook_executions_runbook_id_foreign" foreign key ("runbook_id") references "runbooks" ("id");`);
    this.addSql(`alter table "runbook_executions" add constraint "runbook_executions_requested_by_id_foreign" foreign key ("requested_by_id") references "users" ("id");`);
    this.addSql(`alter table "runbook_executions" add constraint "runbook_executions_nivel_check" check ("nivel" in ('R0', 'R1', 'R2', 'R3'));`);
    this.addSql(`alter table "runbook_executions" add constraint "runbook_executions_status_check" check ("status" in ('pendente_aprovacao', 'aprovado', 'em_fila', 'executando', 'sucesso', 'falha', 'timeout', 'rejeitado', 'cancelado', 'expirado', 'handoff_pendente', 'handoff'));`);

    this.addSql(`alter table "approval_requests" add constraint "approval_requests_execution_id_foreign" foreign key ("execution_id") references "runbook_executions" ("id");`);
    this.addSql(`alter table "approval_requests" add constraint "approval_requests_requested_by_id_foreign" foreign key ("requested_by_id") references "users" ("id");`);
    this.addSql(`alter table "approval_requests" add constraint "approval_requests_status_check" check ("status" in ('pendente', 'aprovado', 'rejeitado', 'expirado', 'cancelado'));`);

    this.addSql(`alter table "approval_decisions" add constraint "approval_decisions_request_id_foreign" foreign key ("request_id") references "approval_requests" ("id");`);
    this.addSql(`alter table "approval_decisions" add constraint "approval_decisions_approver_id_foreign" foreign key ("approver_id") references "users" ("id");`);
    this.addSql(`alter table "approval_decisions" add constraint "approval_decisions_decisao_check" check ("decisao" in ('aprovado', 'rejeitado'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "runbook_executions" drop constraint "runbook_executions_runbook_id_foreign";`);
    this.addSql(`alter table "approval_requests" drop constraint "approval_requests_execution_id_foreign";`);
    this.addSql(`alter table "approval_decisions" drop constraint "approval_decisions_request_id_foreign";`);

    this.addSql(`drop table if exists "runbooks" cascade;`);
    this.addSql(`drop table if exists "runbook_executions" cascade;`);
    this.addSql(`drop table if exists "approval_requests" cascade;`);
    this.addSql(`drop table if exists "approval_decisions" cascade;`);

    this.addSql(`alter table "timeline_entries" drop constraint "timeline_entries_kind_check";`);
    this.addSql(`alter table "timeline_entries" add constraint "timeline_entries_kind_check" check ("kind" in ('created', 'event', 'claim', 'status', 'note', 'attach', 'detach', 'move', 'merge', 'wizard'));`);
  }

}
