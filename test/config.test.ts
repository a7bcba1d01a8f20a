import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const PRODUCTION_SECRETS = {
  NODE_ENV: 'production',
  JWT_SECRET: 'p'.repeat(32),
  WEBHOOK_SECRET: 'w'.repeat(24),
  OPERATOR_KEY: 'o'.repeat(24),
  OPS_SECRET: 's'.repeat(24),
  ADMIN_USERNAME: 'root',
  ADMIN_PASSWORD: 'a-long-admin-password',
  RUNBOOK_HMAC_SECRET: 'r'.repeat(24),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('uses development defaults and says which secrets defaulted', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.seedDemo).toBe(true);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.defaultedSecrets).toEqual(
      expect.arrayContaining(['JWT_SECRET', 'WEBHOOK_SECRET', 'OPERATOR_KEY', 'OPS_SECRET', 'ADMIN_PASSWORD']),
    );
    expect(config.ingest.correlationWindowMs).toBe(2 * 3_600_000);
    expect(config.ingest.reopenWindowMs).toBe(24 * 3_600_000);
  });

  it('refuses to start in production without every secret, naming each one', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    for (const name of ['JWT_SECRET', 'WEBHOOK_SECRET', 'OPERATOR_KEY', 'OPS_SECRET', 'ADMIN_USERNAME', 'ADMIN_PASSWORD']) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it('starts in production with all secrets, without demo data', () => {
    const config = loadConfig(PRODUCTION_SECRETS);
    expect(config.production).toBe(true);
    expect(config.seedDemo).toBe(false);
    expect(config.defaultedSecrets).toEqual([]);
  });

  it('refuses demo data in production', () => {
    expect(problemsOf({ ...PRODUCTION_SECRETS, SEED_DEMO: '1' })[0]).toMatch(/SEED_DEMO is refused/);
  });

  it('reports invalid values clearly', () => {
    const problems = problemsOf({ PORT: 'eighty', JWT_SECRET: 'short', DATABASE_URL: 'mysql://x/y', CORRELATION_WINDOW: '2 hours' });
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/JWT_SECRET must be at least 16 characters/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/CORRELATION_WINDOW: a duration like/);
  });

  it('keeps every event unless a retention in whole months is asked for', () => {
    expect(loadConfig({}).eventsRetentionMonths).toBe(0);
    expect(loadConfig({ EVENTS_RETENTION_MONTHS: '13' }).eventsRetentionMonths).toBe(13);
    expect(problemsOf({ EVENTS_RETENTION_MONTHS: '-1' }).join('\n')).toMatch(/EVENTS_RETENTION_MONTHS/);
    expect(problemsOf({ EVENTS_RETENTION_MONTHS: '1.5' }).join('\n')).toMatch(/EVENTS_RETENTION_MONTHS/);
  });

  it('lets each webhook receiver have its own secret', () => {
    const config = loadConfig({ WEBHOOK_SECRET: 'shared-secret-1', WEBHOOK_SECRET_WAZUH: 'wazuh-secret-1' });
    expect(config.ingest.webhookSecrets.wazuh).toBe('wazuh-secret-1');
    expect(config.ingest.webhookSecrets.onboard).toBe('shared-secret-1');
    expect(config.ingest.rules.alertSeverities).toEqual(['critical', 'error']);
  });
});
