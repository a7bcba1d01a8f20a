import { Migration } from '@mikro-orm/migrations';

/*
 * Every API instance caches who a token's user is (src/services/auth/viewer-cache.ts). Users are
 * changed by SQL and scripts, not through the API, so the database itself says when a cached
 * viewer is stale: one notification per changed or deleted user (its id; `*` for a truncate),
 * sent at commit to every instance that listens.
 */
export class Migration20261205103031 extends Migration {

  override name = 'Migration20261205103031';

  override up(): void | Promise<void> {
    this.addSql(`create function "opsgraph_users_changed"() returns trigger language plpgsql as $$
begin
  perform pg_notify('opsgraph_users_changed', case when tg_op = 'TRUNCATE' then '*' else old.id::text end);
  return null;
end
$$;`);
    this.addSql(`create trigger "users_viewer_changed" after update of "role", "disabled", "username" on "users" for each row when (old."role" is distinct from new."role" or old."disabled" is distinct from new."disabled" or old."username" is distinct from new."username") execute function "opsgraph_users_changed"();`);
    this.addSql(`create trigger "users_viewer_deleted" after delete on "users" for each row execute function "opsgraph_users_changed"();`);
    this.addSql(`create trigger "users_viewer_truncated" after truncate on "users" for each statement execute function "opsgraph_users_changed"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger "users_viewer_truncated" on "users";`);
    this.addSql(`drop trigger "users_viewer_deleted" on "users";`);
    this.addSql(`drop trigger "users_viewer_changed" on "users";`);
    this.addSql(`drop function "opsgraph_users_changed"();`);
  }

}
