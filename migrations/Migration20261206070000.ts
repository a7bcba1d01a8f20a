import { Migration } from '@mikro-orm/migrations';

/**
 * The check that an ingest batch's write got every dedup key it claimed (key-claims.ts), made by
 * the write statement itself: a key a concurrent batch took first raises a serialization failure
 * (40001, so the batch is retried whole, as ConcurrentClaimError was). With the check in the
 * statement, nothing has to be decided between the write's answer and the COMMIT, so the COMMIT
 * is written right behind the write (src/db/transaction-control.ts).
 */
export class Migration20261206070000 extends Migration {
  override name = 'Migration20261206070000';

  override up(): void | Promise<void> {
    this.addSql(`create or replace function opsgraph_claims_held(claimed text[], expected text[]) returns text[]
      language plpgsql as $$
      declare
        missing text[];
      begin
        if coalesce(cardinality(claimed), 0) = coalesce(cardinality(expected), 0) then
          return claimed;
        end if;
        select array_agg(k order by k) into missing from (select unnest(expected) except select unnest(claimed)) as m(k);
        raise exception 'dedup keys claimed by a concurrent transaction: %', array_to_string(missing[1:5], ', ')
          using errcode = '40001';
      end
      $$;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function opsgraph_claims_held(text[], text[]);`);
  }
}
