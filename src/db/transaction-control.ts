import type { PgClient, PgPool } from './pg-pool-types.ts';
import { pipelining } from './pipeline-mode.ts';

/*
 * How the pool's connections start and end transactions. Kysely (under MikroORM) sends BEGIN and
 * waits for its answer before the transaction's first statement: a round trip (~1 ms on a busy
 * machine) in which PostgreSQL does next to nothing, ahead of every transaction — every ingest
 * batch, and so every live event, waits for it. Here BEGIN is held back and written together with
 * the first statement (pg's pipeline mode, switched on for those two and off once both answered):
 * a transaction costs one round trip fewer. A transaction's COMMIT can likewise be written behind
 * its last statement (COMMIT_BEHIND, sent by executePipelined's `thenCommit`).
 */

const BEGIN = /^\s*(begin|start transaction)\b/i;
const COMMIT = /^\s*(commit|end)\s*$/i;
const ROLLBACK = /^\s*rollback\s*$/i;

const answered = (command: string) => ({ command, rowCount: null, rows: [], fields: [] });

/**
 * The COMMIT executePipelined writes right behind a transaction's last statement, when nothing is
 * left to decide between that statement's answer and the commit (src/db/prepared-statements.ts):
 * the transaction ends one round trip sooner. PostgreSQL commits it, or rolls it back when the
 * statement failed. The caller's own COMMIT or ROLLBACK that follows finds nothing open and is
 * answered here; any other statement before it is refused, never run outside the transaction its
 * caller believes in.
 */
export const COMMIT_BEHIND = 'commit /* written behind the last statement */';

/** Connections whose transaction COMMIT_BEHIND ended, until their caller's COMMIT or ROLLBACK. */
const endedEarly = new WeakSet<PgClient>();

export class StatementAfterCommitError extends Error {
  constructor(sql: string) {
    super(`a statement after its transaction was committed behind its last statement: ${sql.slice(0, 80)}`);
  }
}

/**
 * A transaction whose connection is lost (killed, idle-in-transaction timeout, network) would
 * keep its pool slot forever: Kysely releases a transaction's connection only once its ROLLBACK
 * succeeds, and not at all when its BEGIN fails — ten of those and the pool serves nobody. So a
 * BEGIN or ROLLBACK that fails discards its connection here (a lost session's transaction is
 * rolled back by the server anyway), and the ROLLBACK is answered as done so the caller goes on
 * to report the error that caused it.
 */
export function transactionControl(pool: PgPool): void {
  // A connection goes back to the pool with nothing of its transaction's left, whatever its caller did.
  pool.on('release', (_err, client) => endedEarly.delete(client));
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
      if (endedEarly.has(client)) return afterEarlyCommit(sql || textOf(args[0]), args);
      if (sql === COMMIT_BEHIND) {
        endedEarly.add(client);
        return query('commit');
      }
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

    /** The caller's COMMIT or ROLLBACK once COMMIT_BEHIND ended its transaction: answered, nothing sent. */
    function afterEarlyCommit(sql: string, args: unknown[]): unknown {
      const ending = COMMIT.test(sql) ? 'COMMIT' : ROLLBACK.test(sql) ? 'ROLLBACK' : null;
      if (ending) endedEarly.delete(client);
      const error = ending ? null : new StatementAfterCommitError(sql);
      const callback = args[args.length - 1];
      if (typeof callback !== 'function') return error ? Promise.reject(error) : Promise.resolve(answered(ending!));
      process.nextTick(() => (callback as (err: Error | null, result?: unknown) => void)(error, error ? undefined : answered(ending!)));
      return undefined;
    }

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

/** A query config's (or Query's) text, as pg's client reads it. */
const textOf = (config: unknown): string => (config as { text?: string } | null)?.text ?? '';

const isSubmittable = (value: unknown) => typeof (value as { submit?: unknown } | null)?.submit === 'function';
