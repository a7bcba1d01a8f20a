import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import { openAll, openCore, startConsumers, type Resources } from './bootstrap.ts';
import type { Config } from './config.ts';
import { requestSqlScope } from './db/sql-metrics.ts';
import { seedDemo } from './demo/demo-seed.ts';
import { graphqlWsTransport } from './edge/transports/graphql-ws.ts';
import { nodeWebhookReceiver } from './edge/webhooks/node-receiver.ts';
import { webhookReceiver } from './edge/webhooks/receiver.ts';
import { LEGACY_LIVE_PATH, legacyLiveTransport } from './edge/transports/legacy-live.ts';
import type { Logger } from './logger.ts';
import { createPortalAssistClient } from './services/assist/portal-client.ts';
import { ensureUser } from './services/auth/accounts.ts';
import { startViewerCache } from './services/auth/viewer-cache.ts';
import { pgBossRunbookQueue } from './workers/pg-boss-queue.ts';
import { createApp } from './yoga.ts';

export interface RunningServer {
  url: string;
  port: number;
  orm: MikroORM;
  server: Server;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the pool. */
  close: (graceMs?: number) => Promise<void>;
}

/**
 * Opens the database (embedded when no DATABASE_URL), migrates, bootstraps, and listens. Whatever
 * was opened is released in reverse order when a step fails (a taken port included) and on close.
 */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const { resources, value } = await openAll(log, (resources) => openApi(config, log, resources));
  const { orm, server } = value;
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const close = (graceMs = 10_000) => resources.close({ graceful: true, graceMs });
  return { url: `http://${host}:${port}`, port, orm, server, close };
}

async function openApi(config: Config, log: Logger, resources: Resources): Promise<{ orm: MikroORM; server: Server }> {
  const core = await openCore(config, log, resources);
  const { orm } = core;
  const queue = pgBossRunbookQueue(core.boss);
  await startConsumers(core, config, log, resources, {
    runbooks: config.runbooks.workerInProcess,
    outbound: config.outbound.workerInProcess,
  });
  const admin = await ensureUser(orm.em.fork(), {
    username: config.admin.username,
    password: config.admin.password,
    fullName: 'Administrator',
    role: 'admin',
  });
  if (admin.created) log.info({ username: config.admin.username }, 'bootstrap admin created');
  if (config.seedDemo) {
    const { seeded } = await seedDemo(orm.em.fork(), config, queue);
    if (seeded) log.info('demo data seeded (users admin, lead, lead2, ops, viewer; password opsgraph-<username>)');
  }

  // Called server-side only (never from the browser), with the shared X-Ops-Secret.
  const assist = resources.add(
    'portal assist client',
    createPortalAssistClient({
      baseUrl: config.links.portalUrl,
      opsSecret: config.opsSecret,
      timeoutMs: config.links.assistTimeoutMs,
      cacheTtlMs: config.links.assistCacheTtlMs,
      breaker: { resetTimeoutMs: config.links.assistBreakerResetMs },
    }),
    (client) => client.shutdown(),
  );
  // Released after the HTTP server (teardowns run in reverse), so in-flight requests can still use it.
  const viewers = resources.add('viewer cache', await startViewerCache(orm.config.get('clientUrl')!, log), (v) => v.stop());
  const deps = { orm, config, log, queue, pubsub: core.pubsub, liveDelivery: core.liveDelivery, assist, viewers };
  const receiveDelivery = webhookReceiver(deps);
  const app = createApp(deps, receiveDelivery);
  // Webhook deliveries from servers are answered ahead of yoga (node-receiver.ts); the rest go to it.
  const webhooks = nodeWebhookReceiver(receiveDelivery, log, !config.production);
  // Each request runs in its own SQL-counting scope (see requestSqlScope).
  const server = createServer((req, res) =>
    requestSqlScope.run({ statements: 0 }, () => {
      if (!webhooks(req, res)) void app(req, res);
    }),
  );
  // Keep-alive sockets must not hold shutdown hostage; headers must not trickle in forever.
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;
  const graphqlWs = graphqlWsTransport(app, config, {
    connectionInitWaitTimeoutMs: config.live.initTimeoutMs,
    maxSubscriptionsPerSocket: config.live.maxSubscriptionsPerSocket,
  });
  const legacyLive = legacyLiveTransport(app, config, log);
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://internal');
    const legacy = LEGACY_LIVE_PATH.exec(url.pathname);
    if (url.pathname === '/graphql') graphqlWs.handleUpgrade(request, socket, head);
    else if (legacy) legacyLive.handleUpgrade(request, socket, head, url, decodeURIComponent(legacy[1]!));
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  // First to close: stop accepting, end the sockets, let in-flight requests finish within the grace.
  resources.add('http server', server, async (s, { graceMs }) => {
    const drained = new Promise<void>((resolve) => s.close(() => resolve()));
    graphqlWs.close();
    legacyLive.close();
    s.closeIdleConnections();
    const timer = setTimeout(() => s.closeAllConnections(), graceMs);
    await drained;
    clearTimeout(timer);
  });
  return { orm, server };
}
