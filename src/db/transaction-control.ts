import type { PgPool } from './pg-pool-types.ts';
import { pipelining } from './pipeline-mode.ts';

/*
 * How the pool's connections start and end transactions. Kysely (under MikroORM) sends BEGIN and
 * waits for its answer before the transaction's first statement: a round trip (~1 ms on a busy
 * machine) in which PostgreSQL does next to nothing, ahead of every transaction — every ingest
 * batch, and so every live event, waits for it. Here BEGIN is held back and written together with
 * the first statement (pg's pipeline mode, switched on for those two and off once both answered):
 * a transaction costs one round trip fewer.
 */

const BEGIN = /^\s*(begin|start transaction)\b/i;
const COMMIT = /^\s*(commit|end)\s*$/i;
const ROLLBACK = /^\s*rollback\s*$/i;

const answered = (command: string) => ({ command, rowCount: null, rows: [], fields: [] });

/**
 * A transaction whose connection is lost (killed, idle-in-transaction timeout, network) would
 * keep its pool slot forever: Kysely releases a transaction's connection only once its ROLLBACK
 * succeeds, and not at all when its BEGIN fails — ten of those and the pool serves nobody. So a
 * BEGIN or ROLLBACK that fails discards its connection here (a lost session's transaction is
 * rolled back by the server anyway), and the ROLLBACK is answered as done so the caller goes on
 * to report the error that caused it.
 */
export function transactionControl(pool: PgPool): void {
  pool.on('connect', (client) => {
    const discard = (err: Error) => {
      const release = client.release;
      client.release = () => undefined; // Kysely's own release, if it comes, finds nothing to do
      release?.(err);
    };
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    /** The BEGIN held back until the transaction's first statement, as it was called. */
    let heldBegin: unknown[] | null = null;

    client.query = (...args) => {
      const sql = typeof args[0] === 'string' ? args[0] : '';
      const promised = typeof args[args.length - 1] !== 'function';
      if (BEGIN.test(sql) && promised && heldBegin === null) {
        heldBegin = args;
        return Promise.resolve(answered('BEGIN'));
      }
      if (heldBegin !== null) {
        const begin = heldBegin;
        heldBegin = null;
        // Nothing was sent, so there is nothing to end (a transaction that ran no statement).
        if (COMMIT.test(sql)) return Promise.resolve(answered('COMMIT'));
        if (ROLLBACK.test(sql)) return Promise.resolve(answered('ROLLBACK'));
        return promised && !isSubmittable(args[0]) ? beginWith(begin, args) : beginThen(begin, args);
      }
      if (ROLLBACK.test(sql)) {
        return query(...args).catch((err: Error) => {
          discard(err);
          return answered('ROLLBACK');
        });
      }
      return query(...args);
    };

    /** BEGIN and the first statement written together (the client runs nothing yet: its transaction's first). */
    function beginWith(begin: unknown[], first: unknown[]): Promise<unknown> {
      pipelining(client);
      const begun = query(...begin).then(
        () => null,
        (err: Error) => err,
      );
      const ran = query(...first);
      return begun.then((failed) => {
        if (failed === null) return ran;
        // Whatever the statement did, it did outside the transaction its caller believes in: the
        // connection goes, and the caller hears of BEGIN's failure, not the statement's outcome.
        ran.catch(() => undefined);
        discard(failed);
        throw failed;
      });
    }

    /**
     * A statement that cannot be pipelined (a cursor, a callback): BEGIN is queued ahead of it on
     * the connection, which runs them in order, and a BEGIN that fails discards the connection.
     */
    function beginThen(begin: unknown[], first: unknown[]): unknown {
      query(...begin).catch(discard);
      return query(...first);
    }
  });
}

const isSubmittable = (value: unknown) => typeof (value as { submit?: unknown } | null)?.submit === 'function';
