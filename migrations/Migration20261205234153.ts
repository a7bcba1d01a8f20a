import { Migration } from '@mikro-orm/migrations';

/**
 * Two partial indexes on events for ingest's correlation reads, which otherwise walk every event of
 * a recurrence key that never opened a chamado (or every chamado-less event of the month): the
 * fingerprint rule's latest event on a chamado, and whether a key has events held by an opening
 * threshold. Created on the partitioned table, so every month's partition gets its own.
 */
export class Migration20261205234153 extends Migration {
  override name = 'Migration20261205234153';

  override up(): void | Promise<void> {
    this.addSql(
      `create index "events_on_chamado_by_recurrence_key_index" on "events" ("project_id", "recurrence_key", "id") where chamado_id is not null and not is_duplicate;`,
    );
    this.addSql(
      `create index "events_held_by_threshold_index" on "events" ("project_id", "recurrence_key", "received_at") where chamado_id is null and not is_duplicate and correlation @> '{"held_by":"threshold"}';`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "events_on_chamado_by_recurrence_key_index";`);
    this.addSql(`drop index "events_held_by_threshold_index";`);
  }
}
