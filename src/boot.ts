import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from './config.ts';
import { openDatabase } from './db/orm.ts';
import { requestSqlScope } from './db/sql-metrics.ts';
import { ChangeCollector } from './services/live/change-collector.ts';
import { createLivePubSub } from './services/live/pubsub.ts';
import { createPortalAssistClient } from './services/assist/portal-client.ts';
import { startEmbeddedPostgres } from './db/embedded.ts';
import type { Logger } from './logger.ts';
import { ensureUser } from './services/auth/accounts.ts';
import { seedDemo } from './demo/demo-seed.ts';
import { createApp } from './yoga.ts';
import { graphqlWsTransport } from './edge/transports/graphql-ws.ts';
import { LEGACY_LIVE_PATH, legacyLiveTransport } from './edge/transports/legacy-live.ts';
import { pgBossRunbookQueue, startBoss } from './workers/pg-boss-queue.ts';
import { startRunbookWorker } from './workers/runbook-worker.ts';
import { startOutboundWorker } from './workers/outbound-queue.ts';

export interface RunningServer {
  url: string;
  port: number;
  orm: MikroORM;
  server: Server;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the pool. */
  close: (graceMs?: number) => Promise<void>;
}

/** Opens the database (embedded when no DATABASE_URL), migrates, bootstraps, and listens. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.embeddedPg, log);
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  const changes = new ChangeCollector();
  const orm = await openDatabase(databaseUrl, { subscribers: [changes] });
  const live = createLivePubSub(config.redisUrl);
  changes.publishTo(live.pubsub);
  const boss = await startBoss(
    {
      connectionString: databaseUrl,
      heartbeatSeconds: config.runbooks.heartbeatSeconds,
      retryLimit: config.runbooks.retryLimit,
      monitorIntervalSeconds: Math.max(1, Math.min(60, Math.floor(config.runbooks.heartbeatSeconds / 2))),
    },
    log,
  );
  const queue = pgBossRunbookQueue(boss);
  const stopWorker = config.runbooks.workerInProcess ? await startRunbookWorker(boss, orm, config.runbooks, log) : null;
  const outbound = config.outbound.workerInProcess ? await startOutboundWorker(boss, orm, config.outbound, log) : null;
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
  const assist = createPortalAssistClient({
    baseUrl: config.links.portalUrl,
    opsSecret: config.opsSecret,
    timeoutMs: config.links.assistTimeoutMs,
    cacheTtlMs: config.links.assistCacheTtlMs,
    breaker: { resetTimeoutMs: config.links.assistBreakerResetMs },
  });
  const app = createApp({ orm, config, log, queue, pubsub: live.pubsub, assist });
  // Each request runs in its own SQL-counting scope (see requestSqlScope).
  const server = createServer((req, res) => requestSqlScope.run({ statements: 0 }, () => app(req, res)));
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
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
  } catch (err) {
    // The port is taken (or similar): release what was opened so the process can exit cleanly.
    await stopWorker?.();
    await outbound?.stop();
    await boss.stop({ graceful: false });
    await live.close();
    assist.shutdown();
    await orm.close(true);
    if (embedded) await embedded.stop();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000): Promise<void> => {
    closing ??= (async () => {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      graphqlWs.close();
      legacyLive.close();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await drained;
      clearTimeout(timer);
      await stopWorker?.();
      await outbound?.stop();
      await boss.stop({ graceful: true, timeout: graceMs });
      await live.close();
      assist.shutdown();
      await orm.close(true);
      if (embedded) await embedded.stop();
    })();
    return closing;
  };
  return { url: `http://${host}:${port}`, port, orm, server, close };
}
