import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.ts';

/**
 * The operator key rotates like the webhook secrets (spec 001 T029): while OPERATOR_KEY_PREVIOUS
 * is set, both keys open the operator paths; any other key is still refused.
 */

const CURRENT = 'operator-key-current-0123456789';
const PREVIOUS = 'operator-key-previous-0123456789';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ OPERATOR_KEY: CURRENT, OPERATOR_KEY_PREVIOUS: PREVIOUS });
});
afterAll(() => server?.close());

/** The heartbeat path with an empty body (every provider, the default reason): 200 once authenticated. */
async function heartbeatStatus(key: string): Promise<number> {
  const res = await fetch(`${server.url}/api/v1/events/dossier/provider-heartbeat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-operator-key': key },
    body: '{}',
  });
  return res.status;
}

describe('operator key rotation', () => {
  it('accepts the current and the previous key, and nothing else', async () => {
    expect(await heartbeatStatus(CURRENT)).toBe(200);
    expect(await heartbeatStatus(PREVIOUS)).toBe(200);
    expect(await heartbeatStatus(`${PREVIOUS}-nope`)).toBe(403);
  });
});
