import type { PgClient } from './pg-pool-types.ts';

/**
 * Puts `client` in pg's pipeline mode for what is queried on it now: each query is written at
 * once instead of after the answer to the one before, so statements that do not depend on each
 * other's results cost one round trip together. The mode ends at the client's next idle moment
 * ('drain': every query answered), before any caller of those queries runs again — the other
 * uses of a pooled client (cursors, a `rows` limit) need it off. Call it only while the client
 * runs nothing, which is when pg allows switching: at a transaction's first statement, or from
 * a statement of a transaction's own (its connection runs one caller's statement at a time).
 */
export function pipelining(client: PgClient): void {
  if (client.pipeline) return;
  client.pipeline = true;
  client.once('drain', () => (client.pipeline = false));
}
