import type { EntityManager } from '@mikro-orm/postgresql';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import type { Logger } from '../../logger.ts';
import type { Actor } from '../actor.ts';
import { actorById } from './accounts.ts';

/** Where the `users` triggers announce a changed (or deleted) user id, or `*` for all (a truncate). */
export const USERS_CHANGED_CHANNEL = 'opsgraph_users_changed';

/** The LISTEN session's name in pg_stat_activity, so an operator (or a test) can find it. */
export const LISTENER_APPLICATION_NAME = 'opsgraph viewer cache';

export interface ViewerCacheOptions {
  /** How long an entry is served without a notification; a safety net, not the invalidation. */
  ttlMs: number;
  max: number;
  /** How often the LISTEN session is pinged (and how long a ping may take), so a connection gone silent is noticed. */
  heartbeatMs: number;
  connectTimeoutMs: number;
  retryMinMs: number;
  retryMaxMs: number;
}

const DEFAULTS: ViewerCacheOptions = {
  ttlMs: 60_000,
  max: 10_000,
  heartbeatMs: 2_000,
  connectTimeoutMs: 5_000,
  retryMinMs: 100,
  retryMaxMs: 5_000,
};

/**
 * Who a verified token's user is (id, username, role), without a query per request. Entries are
 * dropped as soon as PostgreSQL announces a change to that user, which reaches every instance.
 * A notification sent while the LISTEN session is down is lost, so while it is down the cache
 * is emptied and bypassed (every request asks the database), and it is trusted again only once
 * a new session listens.
 */
export interface ViewerCache {
  /** `em` is asked for only when the database must be read (a miss, or the cache not trusted). */
  actor(userId: number, em: () => EntityManager): Promise<Actor | null>;
  /** Whether answers may come from memory now (the LISTEN session is up). */
  readonly trusted: boolean;
  stop(): Promise<void>;
}

/** Opens the LISTEN session (a failed first attempt is retried in the background) and returns the cache. */
export async function startViewerCache(databaseUrl: string, log: Logger, options: Partial<ViewerCacheOptions> = {}): Promise<ViewerCache> {
  const cache = new ListeningViewerCache(databaseUrl, log, { ...DEFAULTS, ...options });
  await cache.connect();
  return cache;
}

class ListeningViewerCache implements ViewerCache {
  readonly #url: string;
  readonly #log: Logger;
  readonly #options: ViewerCacheOptions;
  readonly #entries: LRUCache<number, Actor>;
  /**
   * Bumped by every invalidation and every change of the session's state. A lookup stores its
   * answer only if the epoch did not move while it read, so a row read just before a change was
   * committed cannot be cached after the change's notification was handled.
   */
  #epoch = 0;
  #client: pg.Client | null = null;
  #stopped = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  /** The last state logged, so an outage is one warning and its end one line, whatever the retries. */
  #reported: 'listening' | 'down' | null = null;

  constructor(url: string, log: Logger, options: ViewerCacheOptions) {
    this.#url = url;
    this.#log = log;
    this.#options = options;
    this.#entries = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  get trusted(): boolean {
    return this.#client !== null;
  }

  async actor(userId: number, em: () => EntityManager): Promise<Actor | null> {
    if (!this.trusted) return actorById(em(), userId);
    const cached = this.#entries.get(userId);
    if (cached) return cached;
    const epoch = this.#epoch;
    const actor = await actorById(em(), userId);
    if (actor && epoch === this.#epoch && this.trusted) this.#entries.set(userId, actor);
    return actor;
  }

  async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#url,
      application_name: LISTENER_APPLICATION_NAME,
      keepAlive: true,
      connectionTimeoutMillis: this.#options.connectTimeoutMs,
      // Its only statements are LISTEN and the ping: one slower than a heartbeat means trouble.
      query_timeout: this.#options.heartbeatMs,
    });
    client.on('notification', (message) => {
      if (message.channel === USERS_CHANGED_CHANNEL) this.#invalidate(message.payload);
    });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`listen ${USERS_CHANGED_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.#report('down', err);
      this.#scheduleRetry();
      return;
    }
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    // Whatever was cached before this session listened may have missed a notification.
    this.#entries.clear();
    this.#epoch += 1;
    this.#client = client;
    this.#failures = 0;
    this.#heartbeat = setInterval(() => this.#ping(client), this.#options.heartbeatMs).unref();
    this.#report('listening');
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = null;
    this.#entries.clear();
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }

  #invalidate(payload: string | undefined): void {
    this.#epoch += 1;
    const userId = Number(payload);
    if (Number.isInteger(userId)) this.#entries.delete(userId);
    else this.#entries.clear();
  }

  #ping(client: pg.Client): void {
    client.query('select 1').catch((err: unknown) => this.#lost(client, err));
  }

  /** The session is gone (killed, network, a ping that timed out): stop trusting, clear, reconnect. */
  #lost(client: pg.Client, err?: unknown): void {
    if (client !== this.#client) return;
    this.#client = null;
    this.#epoch += 1;
    this.#entries.clear();
    clearInterval(this.#heartbeat);
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.#report('down', err);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    const { retryMinMs, retryMaxMs } = this.#options;
    const delay = Math.min(retryMaxMs, retryMinMs * 2 ** this.#failures) * (0.5 + Math.random() / 2);
    this.#failures += 1;
    this.#retry = setTimeout(() => void this.connect(), delay).unref();
  }

  #report(state: 'listening' | 'down', err?: unknown): void {
    if (state === this.#reported || this.#stopped) return;
    const wasDown = this.#reported === 'down';
    this.#reported = state;
    if (state === 'down') this.#log.warn({ err }, 'viewer cache: user change notifications lost; every request reads its user from the database until they are back');
    else if (wasDown) this.#log.info('viewer cache: user change notifications back; caching viewers again');
  }
}
