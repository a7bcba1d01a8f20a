import { DefaultLogger, type LogContext, type LoggerOptions } from '@mikro-orm/core';
import { Counter } from 'prom-client';

/**
 * Counts every SQL statement MikroORM sends (entity operations and the query builder alike), so
 * `/metrics` shows database load per process and tests can assert that list queries are not N+1.
 */
export const sqlStatements = new Counter({
  name: 'opsgraph_sql_statements_total',
  help: 'SQL statements sent to PostgreSQL',
});

export class CountingLogger extends DefaultLogger {
  constructor(options: LoggerOptions) {
    super(options);
  }

  override logQuery(context: { query: string } & LogContext): void {
    sqlStatements.inc();
    super.logQuery(context);
  }
}
