import { Migration } from '@mikro-orm/migrations';

/** Correlation's agent rule (ingest/correlate.ts) looks chamados up by an agent observable. */
export class Migration20261205131553 extends Migration {
  override name = 'Migration20261205131553';

  override up(): void | Promise<void> {
    this.addSql(`create index "observables_tipo_valor_index" on "observables" ("tipo", "valor");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "observables_tipo_valor_index";`);
  }
}
