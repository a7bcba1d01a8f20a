import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDatabase } from './helpers/scratch-database.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

/**
 * scripts/verify-security.sh (spec 001 T030) run against real servers: a production deployment
 * with its own secrets passes every check, the login rate limit included; a server on the
 * development defaults fails, naming each default it still accepts.
 */

const run = promisify(execFile);
const secret = () => randomBytes(24).toString('base64url');

async function verify(url: string, env: Record<string, string> = {}): Promise<{ code: number; lines: string[] }> {
  try {
    const { stdout } = await run('bash', ['scripts/verify-security.sh', url], { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, lines: stdout.trim().split('\n') };
  } catch (err) {
    const failed = err as { code: number; stdout: string };
    return { code: failed.code, lines: failed.stdout.trim().split('\n') };
  }
}

let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let production: TestServer;
let development: TestServer;
beforeAll(async () => {
  scratch = await scratchDatabase();
  production = await startTestServer({
    NODE_ENV: 'production',
    DATABASE_URL: scratch.url,
    JWT_SECRET: secret(),
    WEBHOOK_SECRET: secret(),
    OPERATOR_KEY: secret(),
    OPS_SECRET: secret(),
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: secret(),
    RUNBOOK_HMAC_SECRET: secret(),
  });
  development = await startTestServer();
}, 60_000);
afterAll(async () => {
  await production?.close();
  await development?.close();
  await scratch?.drop();
});

describe('verify-security.sh', () => {
  it('passes a production deployment with its own secrets, the login rate limit included', async () => {
    const { code, lines } = await verify(production.url, { VERIFY_RATE_LIMIT: '1' });
    expect(lines.filter((l) => !l.startsWith('PASS')), lines.join('\n')).toEqual([]);
    expect(code).toBe(0);
    expect(lines).toContain('PASS login rate limit');
    expect(lines.length).toBeGreaterThanOrEqual(16);
  }, 120_000);

  it('fails a server on the development defaults, naming what it accepts', async () => {
    const { code, lines } = await verify(development.url, { VERIFY_INTROSPECTION: 'public' });
    expect(code).toBe(1);
    const failed = lines.filter((l) => l.startsWith('FAIL')).map((l) => l.split(':')[0]);
    expect(failed).toEqual(['FAIL default webhook secret refused', 'FAIL default admin password refused', 'FAIL default JWT secret refused']);
    expect(lines).toContain('SKIP login rate limit: set VERIFY_RATE_LIMIT=1 to send 101 wrong passwords');
  }, 120_000);
});
