import { randomBytes } from 'node:crypto';
import type { RunningServer } from '../types.ts';
import { startChildServer } from './child-server.ts';
import { freePort } from '../../../scripts/free-port.ts';
import { readSqlCounters } from './prometheus.ts';

/** Every secret NODE_ENV=production requires (src/config.ts), fresh for each run. */
export interface RunSecrets {
  JWT_SECRET: string;
  WEBHOOK_SECRET: string;
  OPERATOR_KEY: string;
  OPS_SECRET: string;
  ADMIN_USERNAME: string;
  ADMIN_PASSWORD: string;
  RUNBOOK_HMAC_SECRET: string;
}

export function randomSecrets(): RunSecrets {
  const secret = () => randomBytes(24).toString('base64url');
  return {
    JWT_SECRET: secret(),
    WEBHOOK_SECRET: secret(),
    OPERATOR_KEY: secret(),
    OPS_SECRET: secret(),
    ADMIN_USERNAME: 'bench-admin',
    ADMIN_PASSWORD: secret(),
    RUNBOOK_HMAC_SECRET: secret(),
  };
}

/**
 * `node src/server.ts` as production runs it: NODE_ENV=production, real secrets, no demo data,
 * warnings only in the log. Every OpsGraph of a run shares the secrets, so a token works on each.
 */
export async function startOpsGraphProcess(databaseUrl: string, secrets: RunSecrets, env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  return startChildServer({
    name: 'opsgraph',
    script: 'src/server.ts',
    env: {
      ...secrets,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    ready: { health: port },
    sqlStatements: async (url) => (await readSqlCounters(url)).total,
  });
}
