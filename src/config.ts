import path from 'node:path';
import { z } from 'zod';
import type { DatabaseTimeouts } from './db/orm.ts';
import type { IngestSettings } from './services/ingest/settings.ts';
import { NORMALIZERS } from './services/ingest/sources/index.ts';
import type { OutboundWorkerSettings } from './services/outbound/settings.ts';
import type { RunbookSettings } from './services/runbooks/settings.ts';

/**
 * The environment, read and validated once. Secrets have development defaults only outside
 * production; in production a missing secret is a start-up error, never a silent default.
 */
const DEV_DEFAULTS = {
  JWT_SECRET: 'opsgraph-dev-jwt-secret-change-me',
  WEBHOOK_SECRET: 'opsgraph-dev-webhook-secret',
  OPERATOR_KEY: 'opsgraph-dev-operator-key',
  OPS_SECRET: 'opsgraph-dev-ops-secret',
  ADMIN_USERNAME: 'admin',
  ADMIN_PASSWORD: 'opsgraph-admin',
  RUNBOOK_HMAC_SECRET: 'opsgraph-dev-runbook-hmac-secret',
} as const;

type SecretName = keyof typeof DEV_DEFAULTS;
const SECRET_NAMES = Object.keys(DEV_DEFAULTS) as SecretName[];

const boolean = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

/** `90s`, `30m`, `2h`, `1d` → milliseconds. */
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration like 90s, 30m, 2h or 1d')
  .transform((v) => {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(v)!;
    const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms' | 's' | 'm' | 'h' | 'd'];
    return Number(n) * factor;
  });

/** A secret being rotated out; empty counts as unset (so `X=` in a compose file ends the rotation). */
const previousSecret = z
  .string()
  .transform((v) => v || undefined)
  .pipe(z.string().min(8).optional())
  .optional();

/** The sources whose normalizers send `firing` and `resolved` (the only ones that can auto-resolve). */
const ALERT_LIFECYCLE_SOURCES = ['alertmanager', 'signoz', 'sentry', 'discovery'] as const;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  EMBEDDED_PG_DIR: z.string().default('.data/pg'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  // On SIGTERM, how long in-flight requests may take to finish before their sockets are closed.
  SHUTDOWN_GRACE: duration.prefault('10s'),
  // PostgreSQL: give up connecting, a statement, and a transaction left open after these.
  DB_CONNECT_TIMEOUT: duration.prefault('5s'),
  DB_STATEMENT_TIMEOUT: duration.prefault('30s'),
  DB_IDLE_IN_TRANSACTION_TIMEOUT: duration.prefault('60s'),
  JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters').optional(),
  JWT_TTL: z.string().regex(/^\d+[smhd]$/, 'JWT_TTL looks like 8h, 30m or 1d').default('8h'),
  // Key rotation: tokens signed with the previous secret stay valid (until they expire) beside the new one's.
  JWT_SECRET_PREVIOUS: z.string().min(16, 'JWT_SECRET_PREVIOUS must be at least 16 characters').optional(),
  // Failed logins per hour, counted in PostgreSQL (shared by every instance): per account, and per client address.
  LOGIN_MAX_FAILURES_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(100),
  LOGIN_MAX_FAILURES_PER_IP_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  WEBHOOK_SECRET: z.string().min(8).optional(),
  OPERATOR_KEY: z.string().min(8).optional(),
  OPS_SECRET: z.string().min(8).optional(),
  ADMIN_USERNAME: z.string().min(1).optional(),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  SEED_DEMO: boolean.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: z.string().default('http://localhost:3000,http://localhost:5173'),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(2).default(12),
  MAX_QUERY_COST: z.coerce.number().int().min(100).default(25000),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(1).default(15),
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(1).default(50),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(100).default(1000),
  // Events lists count this many matches exactly; past it `totalCount` is an estimate, so no page counts a million rows.
  EVENTS_COUNT_BOUND: z.coerce.number().int().min(1).max(1_000_000).default(200),
  // Whole months of events older than this many months are dropped; 0 keeps every event (deleting is opt-in).
  EVENTS_RETENTION_MONTHS: z.coerce.number().int().min(0).max(1200).default(0),
  // Who may introspect and open GraphiQL outside development (development: everyone).
  GRAPHQL_INTROSPECTION: z.enum(['public', 'authenticated', 'off']).optional(),
  GRAPHQL_JIT: boolean.default(true),
  // A JSON file { "<sha256>": "<document>" } (npm run persisted:build): when set, /graphql runs only those operations.
  PERSISTED_OPERATIONS_FILE: z.string().min(1).optional(),
  // Ingestion rules (DOMAIN.md): which events open a chamado, and the correlation windows.
  RULE_ONBOARD_OPEN_EVENTS: z.string().default('account.created,onboarding.failed'),
  RULE_WAZUH_MIN_LEVEL: z.coerce.number().int().min(0).max(15).default(10),
  RULE_ALERT_SEVERITIES: z.string().default('critical,error'),
  RULE_SENTRY_ACTIONS: z.string().default('created,regressed'),
  RULE_GENERIC_MIN_SEVERITY: z.coerce.number().int().min(0).max(15).default(10),
  RULE_DISCOVERY_OPEN_STATUSES: z
    .string()
    .default('danger')
    .refine((v) => list(v).every((s) => ['warning', 'error', 'danger'].includes(s)), { message: 'a comma list of warning, error, danger (or empty)' }),
  // Only sources that send resolutions can end their own alerts; empty turns auto-resolution off.
  RULE_AUTO_RESOLVE_SOURCES: z
    .string()
    .default('alertmanager,signoz,discovery')
    .refine((v) => list(v).every((s) => (ALERT_LIFECYCLE_SOURCES as readonly string[]).includes(s)), {
      message: `a comma list of ${ALERT_LIFECYCLE_SOURCES.join(', ')} (or empty)`,
    }),
  CORRELATION_WINDOW: duration.prefault('2h'),
  // Recurrence groups (issue 9): the default opening threshold and when a group is escalating.
  RECURRENCE_OPEN_THRESHOLD: z.coerce.number().int().min(1).max(10_000).default(1),
  RECURRENCE_OPEN_WINDOW: duration.prefault('1h'),
  RECURRENCE_ESCALATION_FACTOR: z.coerce.number().min(1).max(1000).default(3),
  RECURRENCE_ESCALATION_MIN: z.coerce.number().int().min(1).max(100_000).default(5),
  REOPEN_WINDOW: duration.prefault('24h'),
  WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  // Group commit of webhook deliveries (src/services/ingest/batcher.ts).
  INGEST_BATCH_MAX_EVENTS: z.coerce.number().int().min(1).max(10_000).default(64),
  INGEST_BATCHES_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(1),
  SENTRY_CLIENT_SECRET: z.string().min(8).optional(),
  // Rotation without downtime: while set, the previous secret is accepted beside the current one.
  WEBHOOK_SECRET_PREVIOUS: previousSecret,
  SENTRY_CLIENT_SECRET_PREVIOUS: previousSecret,
  OPERATOR_KEY_PREVIOUS: previousSecret,
  // Runbooks: approvals, the job queue's worker, and what executors may touch.
  RUNBOOK_HMAC_SECRET: z.string().min(16).optional(),
  RUNBOOK_WORKER: boolean.default(true),
  RUNBOOK_COMMAND_DIR: z.string().default('runbooks/bin'),
  RUNBOOK_OUTPUT_MAX_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  RUNBOOK_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  RUNBOOK_HEARTBEAT_SECONDS: z.coerce.number().int().min(10).default(30),
  RUNBOOK_RETRY_LIMIT: z.coerce.number().int().min(0).max(10).default(1),
  APPROVAL_TTL: duration.prefault('24h'),
  // Live: graphql-ws sockets must send connection_init within this; subscriptions per socket.
  WS_INIT_TIMEOUT: duration.prefault('3s'),
  WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).max(1000).default(25),
  // A graphql-ws message is one operation (MAX_QUERY_TOKENS bounds its text), not ws's 100 MiB default.
  WS_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(4096).max(16 * 1024 * 1024).default(64 * 1024),
  // How often open sockets are re-judged (token expiry, disabled user); see src/edge/transports/socket-auth.ts.
  WS_AUTH_RECHECK: duration.prefault('2s'),
  // Outside links: the onboarding portal's assist call and the Wazuh dashboard.
  PORTAL_URL: z.url({ protocol: /^https?$/ }).optional(),
  ASSIST_TIMEOUT: duration.prefault('1500ms'),
  ASSIST_CACHE_TTL: duration.prefault('15s'),
  ASSIST_BREAKER_RESET: duration.prefault('30s'),
  WAZUH_DASHBOARD_URL: z.url({ protocol: /^https?$/ }).optional(),
  // Outbound webhooks: delivery worker, retries (backoff doubles the delay) and timeout.
  OUTBOUND_WORKER: boolean.optional(),
  OUTBOUND_RETRY_LIMIT: z.coerce.number().int().min(0).max(10).default(5),
  OUTBOUND_RETRY_DELAY: z.coerce.number().int().min(1).max(3600).default(2),
  OUTBOUND_TIMEOUT: duration.prefault('5s'),
  OUTBOUND_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
});

/** Per-receiver webhook secrets override WEBHOOK_SECRET: WEBHOOK_SECRET_WAZUH, WEBHOOK_SECRET_ONBOARD … */
const WEBHOOK_SEGMENTS = Object.keys(NORMALIZERS);

/**
 * The secret each receiver accepted before a rotation, following the same fallback as the current
 * one: `WEBHOOK_SECRET_<SOURCE>_PREVIOUS`, else `WEBHOOK_SECRET_PREVIOUS` for a receiver that has no
 * secret of its own (a shared previous secret never widens a receiver that was given its own).
 */
function previousWebhookSecrets(env: NodeJS.ProcessEnv, e: z.infer<typeof envSchema>): Pick<IngestSettings, 'previousWebhookSecrets' | 'previousSentryClientSecret'> {
  const previousOf = (segment: string): string | null => {
    const name = `WEBHOOK_SECRET_${segment.toUpperCase()}`;
    return env[`${name}_PREVIOUS`] || (env[name] ? null : (e.WEBHOOK_SECRET_PREVIOUS ?? null));
  };
  const previousWebhookSecrets = Object.fromEntries(WEBHOOK_SEGMENTS.map((s) => [s, previousOf(s)]));
  return {
    previousWebhookSecrets,
    previousSentryClientSecret: e.SENTRY_CLIENT_SECRET_PREVIOUS ?? (e.SENTRY_CLIENT_SECRET ? null : (previousWebhookSecrets.sentry ?? null)),
  };
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  embeddedPg: { port: number; dir: string };
  redisUrl: string | undefined;
  shutdownGraceMs: number;
  databaseTimeouts: DatabaseTimeouts;
  jwt: { secret: string; previousSecret: string | null; ttl: string; issuer: string; audience: string };
  login: { maxFailuresPerAccountPerHour: number; maxFailuresPerAddressPerHour: number };
  webhookSecret: string;
  operatorKey: string;
  /** OPERATOR_KEY_PREVIOUS, accepted beside operatorKey while a rotation is under way. */
  operatorKeyPrevious: string | null;
  opsSecret: string;
  admin: { username: string; password: string };
  seedDemo: boolean;
  logLevel: string;
  corsOrigins: string[];
  limits: { maxDepth: number; maxCost: number; maxAliases: number; maxDirectives: number; maxTokens: number };
  introspection: 'public' | 'authenticated' | 'off';
  /** Queries and mutations compiled by graphql-jit (src/edge/http/compiled-execution.ts). */
  graphqlJit: boolean;
  /** PERSISTED_OPERATIONS_FILE: the allow-list of operations /graphql accepts; null accepts any. */
  persistedOperationsFile: string | null;
  ingest: IngestSettings;
  runbooks: RunbookSettings;
  outbound: OutboundWorkerSettings & { workerInProcess: boolean };
  live: { initTimeoutMs: number; maxSubscriptionsPerSocket: number; maxPayloadBytes: number; authRecheckMs: number };
  /** EVENTS_COUNT_BOUND: matches an events list counts exactly before it estimates. */
  eventsCountBound: number;
  /** EVENTS_RETENTION_MONTHS: months of events kept (src/services/events/partitions.ts); 0 keeps all. */
  eventsRetentionMonths: number;
  links: { portalUrl: string | null; assistTimeoutMs: number; assistCacheTtlMs: number; assistBreakerResetMs: number; wazuhDashboardUrl: string | null };
  /** Names of secrets that fell back to their development default (printed at start). */
  defaultedSecrets: SecretName[];
}

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const missing = SECRET_NAMES.filter((name) => !e[name]);
  if (production && missing.length > 0) {
    throw new ConfigError(missing.map((name) => `${name} is required when NODE_ENV=production`));
  }
  if (production && e.SEED_DEMO) {
    throw new ConfigError(['SEED_DEMO is refused when NODE_ENV=production (demo users have known passwords)']);
  }
  const secret = (name: SecretName): string => e[name] ?? DEV_DEFAULTS[name];
  return {
    nodeEnv: e.NODE_ENV,
    production,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    embeddedPg: { port: e.EMBEDDED_PG_PORT, dir: e.EMBEDDED_PG_DIR },
    redisUrl: e.REDIS_URL,
    shutdownGraceMs: e.SHUTDOWN_GRACE,
    databaseTimeouts: { connectMs: e.DB_CONNECT_TIMEOUT, statementMs: e.DB_STATEMENT_TIMEOUT, idleInTransactionMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT },
    jwt: { secret: secret('JWT_SECRET'), previousSecret: e.JWT_SECRET_PREVIOUS ?? null, ttl: e.JWT_TTL, issuer: 'opsgraph', audience: 'opsgraph-api' },
    login: { maxFailuresPerAccountPerHour: e.LOGIN_MAX_FAILURES_PER_HOUR, maxFailuresPerAddressPerHour: e.LOGIN_MAX_FAILURES_PER_IP_PER_HOUR },
    webhookSecret: secret('WEBHOOK_SECRET'),
    operatorKey: secret('OPERATOR_KEY'),
    operatorKeyPrevious: e.OPERATOR_KEY_PREVIOUS ?? null,
    opsSecret: secret('OPS_SECRET'),
    admin: { username: secret('ADMIN_USERNAME'), password: secret('ADMIN_PASSWORD') },
    // Demo data is on by default for a developer's `npm start`, never implied in test or production.
    seedDemo: e.SEED_DEMO ?? e.NODE_ENV === 'development',
    logLevel: e.LOG_LEVEL,
    corsOrigins: list(e.CORS_ORIGINS),
    limits: {
      maxDepth: e.MAX_QUERY_DEPTH,
      maxCost: e.MAX_QUERY_COST,
      maxAliases: e.MAX_QUERY_ALIASES,
      maxDirectives: e.MAX_QUERY_DIRECTIVES,
      maxTokens: e.MAX_QUERY_TOKENS,
    },
    graphqlJit: e.GRAPHQL_JIT,
    introspection: e.NODE_ENV === 'development' ? 'public' : (e.GRAPHQL_INTROSPECTION ?? (production ? 'authenticated' : 'public')),
    persistedOperationsFile: e.PERSISTED_OPERATIONS_FILE ? path.resolve(e.PERSISTED_OPERATIONS_FILE) : null,
    outbound: {
      // Off under NODE_ENV=test: parallel test files share one database and would claim each other's outbox.
      workerInProcess: e.OUTBOUND_WORKER ?? e.NODE_ENV !== 'test',
      retryLimit: e.OUTBOUND_RETRY_LIMIT,
      retryDelaySeconds: e.OUTBOUND_RETRY_DELAY,
      retryBackoff: true,
      timeoutMs: e.OUTBOUND_TIMEOUT,
      concurrency: e.OUTBOUND_CONCURRENCY,
    },
    eventsCountBound: e.EVENTS_COUNT_BOUND,
    eventsRetentionMonths: e.EVENTS_RETENTION_MONTHS,
    live: {
      initTimeoutMs: e.WS_INIT_TIMEOUT,
      maxSubscriptionsPerSocket: e.WS_MAX_SUBSCRIPTIONS,
      maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
      authRecheckMs: e.WS_AUTH_RECHECK,
    },
    links: {
      portalUrl: e.PORTAL_URL ?? null,
      assistTimeoutMs: e.ASSIST_TIMEOUT,
      assistCacheTtlMs: e.ASSIST_CACHE_TTL,
      assistBreakerResetMs: e.ASSIST_BREAKER_RESET,
      wazuhDashboardUrl: e.WAZUH_DASHBOARD_URL ?? null,
    },
    runbooks: {
      hmacSecret: secret('RUNBOOK_HMAC_SECRET'),
      workerInProcess: e.RUNBOOK_WORKER,
      commandDir: path.resolve(e.RUNBOOK_COMMAND_DIR),
      maxOutputBytes: e.RUNBOOK_OUTPUT_MAX_BYTES,
      concurrency: e.RUNBOOK_WORKER_CONCURRENCY,
      heartbeatSeconds: e.RUNBOOK_HEARTBEAT_SECONDS,
      retryLimit: e.RUNBOOK_RETRY_LIMIT,
      approvalTtlMs: e.APPROVAL_TTL,
    },
    ingest: {
      rules: {
        onboardOpenEvents: list(e.RULE_ONBOARD_OPEN_EVENTS),
        wazuhMinLevel: e.RULE_WAZUH_MIN_LEVEL,
        alertSeverities: list(e.RULE_ALERT_SEVERITIES),
        sentryActions: list(e.RULE_SENTRY_ACTIONS),
        genericMinSeverity: e.RULE_GENERIC_MIN_SEVERITY,
        discoveryOpenStatuses: list(e.RULE_DISCOVERY_OPEN_STATUSES),
        autoResolveSources: list(e.RULE_AUTO_RESOLVE_SOURCES),
      },
      recurrence: {
        openThreshold: e.RECURRENCE_OPEN_THRESHOLD,
        openWindowMs: e.RECURRENCE_OPEN_WINDOW,
        escalationFactor: e.RECURRENCE_ESCALATION_FACTOR,
        escalationMinimum: e.RECURRENCE_ESCALATION_MIN,
      },
      correlationWindowMs: e.CORRELATION_WINDOW,
      reopenWindowMs: e.REOPEN_WINDOW,
      maxBodyBytes: e.WEBHOOK_MAX_BODY_BYTES,
      batching: { maxEvents: e.INGEST_BATCH_MAX_EVENTS, inFlight: e.INGEST_BATCHES_IN_FLIGHT },
      webhookSecrets: Object.fromEntries(
        WEBHOOK_SEGMENTS.map((s) => [s, env[`WEBHOOK_SECRET_${s.toUpperCase()}`] || secret('WEBHOOK_SECRET')]),
      ),
      sentryClientSecret: e.SENTRY_CLIENT_SECRET ?? env.WEBHOOK_SECRET_SENTRY ?? secret('WEBHOOK_SECRET'),
      ...previousWebhookSecrets(env, e),
    },
    defaultedSecrets: missing,
  };
}
