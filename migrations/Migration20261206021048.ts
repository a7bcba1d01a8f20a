import { Migration } from '@mikro-orm/migrations';

/**
 * A partial index on events for a chamado's alerts, the latest event of each first
 * (chamados/alerts.ts): ingest reads them in every batch that holds an alert resolution, and a
 * skip scan over this index reads one entry per alert instead of every event of the chamado.
 * Created on the partitioned table, so every month's partition gets its own.
 */
export class Migration20261206021048 extends Migration {
  override name = 'Migration20261206021048';

  override up(): void | Promise<void> {
    this.addSql(
      `create index "events_alerts_by_chamado_index" on "events" ("chamado_id", "recurrence_key", (coalesce(occurred_at, received_at)), "id") where not is_duplicate and alert_status is not null and recurrence_key is not null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "events_alerts_by_chamado_index";`);
  }
}
