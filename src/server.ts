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

const running = await startServer(config, log);
log.info({ url: `${running.url}/graphql` }, 'OpsGraph ready: GraphiQL at /graphql');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
