import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startServer } from './boot.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
const log = createLogger(config.logLevel);
if (config.defaultedSecrets.length > 0) {
  // Development only (production refuses to start without them): say which defaults are in use.
  log.warn({ defaults: config.defaultedSecrets }, 'using development defaults for secrets; set them for real use');
  if (config.defaultedSecrets.includes('ADMIN_PASSWORD')) {
    log.warn(`development admin login: ${config.admin.username} / ${config.admin.password}`);
  }
}

let running;
try {
  running = await startServer(config, log);
} catch (err) {
  log.fatal({ err }, 'OpsGraph could not start');
  process.exit(1);
}
log.info({ url: `${running.url}/graphql` }, 'OpsGraph ready: GraphiQL at /graphql');

const SHUTDOWN_DEADLINE_MS = 30_000;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    // A dependency that hangs (a database already gone) must not keep the process alive forever.
    setTimeout(() => {
      log.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
