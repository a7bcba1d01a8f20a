import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
let locked: TestServer;
let development: TestServer;
beforeAll(async () => {
  scratch = await scratchDatabase();
  const deployment = {
    NODE_ENV: 'production',
    DATABASE_URL: scratch.url,
    JWT_SECRET: secret(),
    WEBHOOK_SECRET: secret(),
    OPERATOR_KEY: secret(),
    OPS_SECRET: secret(),
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: secret(),
    RUNBOOK_HMAC_SECRET: secret(),
  };
  production = await startTestServer(deployment);
  // The same deployment locked to one persisted operation.
  const document = 'query VerifyPing { __typename }';
  const allowList = join(mkdtempSync(join(tmpdir(), 'opsgraph-verify-')), 'persisted-operations.json');
  writeFileSync(allowList, JSON.stringify({ [createHash('sha256').update(document).digest('hex')]: document }));
  locked = await startTestServer({ ...deployment, PERSISTED_OPERATIONS_FILE: allowList });
  development = await startTestServer();
}, 60_000);
afterAll(async () => {
  await production?.close();
  await locked?.close();
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

  it('recognises a server locked to persisted operations and still checks its credentials', async () => {
    const { code, lines } = await verify(locked.url);
    expect(lines.filter((l) => l.startsWith('FAIL')), lines.join('\n')).toEqual([]);
    expect(code).toBe(0);
    expect(lines).toContain('PASS graphql runs only persisted operations');
    expect(lines).toContain('PASS default admin password refused');
    expect(lines).toContain('PASS default JWT secret refused');
    expect(lines).toContain('SKIP query limits and suggestions: the allow-list refuses every document sent as text');
  }, 120_000);

  it('fails a server on the development defaults, naming what it accepts', async () => {
    const { code, lines } = await verify(development.url, { VERIFY_INTROSPECTION: 'public' });
    expect(code).toBe(1);
    const failed = lines.filter((l) => l.startsWith('FAIL')).map((l) => l.split(':')[0]);
    expect(failed).toEqual(['FAIL default webhook secret refused', 'FAIL default admin password refused', 'FAIL default JWT secret refused']);
    expect(lines).toContain('SKIP login rate limit: set VERIFY_RATE_LIMIT=1 to send 101 wrong passwords');
  }, 120_000);
});
