import { z } from 'zod';

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
} as const;

type SecretName = keyof typeof DEV_DEFAULTS;
const SECRET_NAMES = Object.keys(DEV_DEFAULTS) as SecretName[];

const boolean = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  EMBEDDED_PG_DIR: z.string().default('.data/pg'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters').optional(),
  JWT_TTL: z.string().regex(/^\d+[smhd]$/, 'JWT_TTL looks like 8h, 30m or 1d').default('8h'),
  WEBHOOK_SECRET: z.string().min(8).optional(),
  OPERATOR_KEY: z.string().min(8).optional(),
  OPS_SECRET: z.string().min(8).optional(),
  ADMIN_USERNAME: z.string().min(1).optional(),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  SEED_DEMO: boolean.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: z.string().default('http://localhost:3000,http://localhost:5173'),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(2).default(12),
  MAX_QUERY_COST: z.coerce.number().int().min(100).default(5000),
});

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  embeddedPg: { port: number; dir: string };
  redisUrl: string | undefined;
  jwt: { secret: string; ttl: string; issuer: string; audience: string };
  webhookSecret: string;
  operatorKey: string;
  opsSecret: string;
  admin: { username: string; password: string };
  seedDemo: boolean;
  logLevel: string;
  corsOrigins: string[];
  limits: { maxDepth: number; maxCost: number };
  /** Names of secrets that fell back to their development default (printed at start). */
  defaultedSecrets: SecretName[];
}

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
    jwt: { secret: secret('JWT_SECRET'), ttl: e.JWT_TTL, issuer: 'opsgraph', audience: 'opsgraph-api' },
    webhookSecret: secret('WEBHOOK_SECRET'),
    operatorKey: secret('OPERATOR_KEY'),
    opsSecret: secret('OPS_SECRET'),
    admin: { username: secret('ADMIN_USERNAME'), password: secret('ADMIN_PASSWORD') },
    // Demo data is on by default for a developer's `npm start`, never implied in test or production.
    seedDemo: e.SEED_DEMO ?? e.NODE_ENV === 'development',
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    limits: { maxDepth: e.MAX_QUERY_DEPTH, maxCost: e.MAX_QUERY_COST },
    defaultedSecrets: missing,
  };
}
