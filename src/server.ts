import { startServer } from './boot.ts';
import { EmbeddedPostgresError } from './db/embedded-error.ts';
import { exitOnSignals, loadConfigOrExit } from './bootstrap.ts';
import { createLogger } from './logger.ts';

const config = loadConfigOrExit();
const log = createLogger(config.logLevel);
if (config.defaultedSecrets.length > 0) {
  // Development only (production refuses to start without them): say which defaults are in use.
  log.warn({ defaults: config.defaultedSecrets }, 'using development defaults for secrets; set them for real use');
  if (config.defaultedSecrets.includes('ADMIN_PASSWORD')) {
    log.warn(`development admin login: ${config.admin.username} / ${config.admin.password}`);
  }
}

// Signals are handled from the start: one that arrives while the database is being prepared
// waits for the start-up, then closes what it opened (the default action would orphan the
// embedded PostgreSQL, which runs in its own session).
const starting = startServer(config, log);
// The HTTP drain and the job queue's drain each get the grace; the deadline leaves room for both.
exitOnSignals(
  log,
  async () => (await starting).close(config.shutdownGraceMs),
  'shutting down: finishing in-flight requests',
  2 * config.shutdownGraceMs + 10_000,
);
let running;
try {
  running = await starting;
} catch (err) {
  // An EmbeddedPostgresError is about the machine and says how to fix it: one line, no stack.
  if (err instanceof EmbeddedPostgresError) log.fatal(`OpsGraph could not start: ${err.message}`);
  else log.fatal({ err }, 'OpsGraph could not start');
  process.exit(1);
}
log.info({ url: `${running.url}/graphql` }, 'OpsGraph ready: GraphiQL at /graphql');
