import { AsyncLocalStorage } from 'node:async_hooks';
import { DefaultLogger, type LogContext, type LoggerOptions } from '@mikro-orm/core';
import { Counter } from 'prom-client';
import { statementsIn } from './prepared-statements.ts';

/**
 * Counts every SQL statement MikroORM sends (entity operations and the query builder alike), so
 * `/metrics` shows database load per process and tests can assert that list queries are not N+1.
 */
export const sqlStatements = new Counter({
  name: 'opsgraph_sql_statements_total',
  help: 'SQL statements sent to PostgreSQL',
});

/**
 * The statements of one HTTP request: the server runs each request inside this scope, so the
 * count excludes background work (queue sweeps, other requests) and the response can report it
 * (`X-Sql-Statements`, outside production) — how the N+1 guards measure a single request.
 */
export const requestSqlScope = new AsyncLocalStorage<{ statements: number }>();

export class CountingLogger extends DefaultLogger {
  constructor(options: LoggerOptions) {
    super(options);
  }

  override logQuery(context: { query: string } & LogContext): void {
    // Statements sent together in one round trip (executePipelined) are counted one by one.
    const statements = statementsIn(context.query);
    sqlStatements.inc(statements);
    const scope = requestSqlScope.getStore();
    if (scope) scope.statements += statements;
    super.logQuery(context);
  }
}
