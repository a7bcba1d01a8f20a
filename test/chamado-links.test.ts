import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * The chamado's outside links end to end: the detail's `assist` block filled from a real local
 * HTTP server playing the onboarding portal, and the Wazuh deep link (REST and GraphQL).
 */

let portal: Server;
let portalMode: 'up' | 'down' = 'up';
const portalCalls: { path: string; secret: string | undefined }[] = [];
let server: TestServer;

beforeAll(async () => {
  portal = createServer((req, res) => {
    portalCalls.push({ path: req.url ?? '', secret: req.headers['x-ops-secret'] as string | undefined });
    if (portalMode === 'down') {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ time_on_step_sec: 142, last_error: null, planned_email: 'admin@myvexx.com', wizard_step: 'dns_cloudflare' }));
  });
  await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
  server = await startTestServer({
    PORTAL_URL: `http://127.0.0.1:${(portal.address() as AddressInfo).port}`,
    OPS_SECRET: 'portal-shared-secret',
    ASSIST_CACHE_TTL: '1ms',
    WAZUH_DASHBOARD_URL: 'https://wazuh.example.test',
  });
});

afterAll(async () => {
  await server.close();
  await new Promise((resolve) => portal.close(resolve));
});

async function onboardingChamado(session: string, domain: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/webhooks/onboard`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': 'opsgraph-dev-webhook-secret' },
    body: JSON.stringify({ event: 'account.created', session_id: session, domain, data: { email: `admin@${domain}` } }),
  });
  const body = (await res.json()) as { chamado_public_id: string };
  expect(res.status).toBe(202);
  return body.chamado_public_id;
}

describe('assist', () => {
  it('fills the detail from the portal, called server-side with X-Ops-Secret', async () => {
    const session = unique('sess');
    const publicId = await onboardingChamado(session, `${unique('d')}.com.br`);
    portalMode = 'up';
    const res = await server.rest('GET', `/api/v1/chamados/${publicId}`, { as: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.assist).toEqual({ time_on_step_sec: 142, last_error: null, planned_email: 'admin@myvexx.com' });
    expect(res.body.assist_status).toMatchObject({ status: 'ok' });
    const call = portalCalls.find((c) => c.path === `/api/onboarding/session/${session}/ops-status`);
    expect(call?.secret).toBe('portal-shared-secret');
    expect(JSON.stringify(res.body)).not.toContain('portal-shared-secret');
  });

  it('never fails the query when the portal is down: assist is null and the reason is visible', async () => {
    const publicId = await onboardingChamado(unique('sess'), `${unique('d')}.com.br`);
    portalMode = 'down';
    const res = await server.gql(
      `query A($id: String!) { chamado(publicId: $id) { publicId assist { timeOnStepSec } assistStatus { status reason } } }`,
      { id: publicId },
      { as: 'viewer' },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.chamado.assist).toBeNull();
    expect(res.data.chamado.assistStatus.status).toBe('unreachable');
    expect(res.data.chamado.assistStatus.reason).toMatch(/503/);
    portalMode = 'up';
  });
});

describe('Wazuh deep link', () => {
  it('spans the chamado’s Wazuh events ±1 h for its agent', async () => {
    const agent = unique('vm');
    const res = await fetch(`${server.url}/api/v1/webhooks/wazuh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': 'opsgraph-dev-webhook-secret' },
      body: JSON.stringify({ id: unique('w'), rule: { level: 12, id: '5712', description: 'brute force' }, agent: { name: agent } }),
    });
    const receipt = (await res.json()) as { chamado_public_id: string };
    const link = await server.rest('GET', `/api/v1/chamados/${receipt.chamado_public_id}/wazuh-link`, { as: 'viewer' });
    expect(link.status).toBe(200);
    expect(Object.keys(link.body).sort()).toEqual(['agent', 'from', 'to', 'url']);
    expect(link.body.agent).toBe(agent);
    expect(link.body.url).toMatch(/^https:\/\/wazuh\.example\.test\/app\//);
    expect(link.body.url).toContain(encodeURIComponent(agent).replace(/-/g, '-'));
    const span = Date.parse(link.body.to) - Date.parse(link.body.from);
    expect(span).toBeGreaterThanOrEqual(2 * 3_600_000);
    expect(span).toBeLessThan(2 * 3_600_000 + 10_000);
    const detail = await server.rest('GET', `/api/v1/chamados/${receipt.chamado_public_id}`, { as: 'viewer' });
    expect(detail.body.links.wazuh_deep_link).toBe(link.body.url);
  });

  it('is a 404 for a chamado without a Wazuh agent, and for an unknown chamado', async () => {
    const publicId = await onboardingChamado(unique('sess'), `${unique('d')}.com.br`);
    const none = await server.rest('GET', `/api/v1/chamados/${publicId}/wazuh-link`, { as: 'viewer' });
    expect(none.status).toBe(404);
    expect(none.body.error).toBe('NOT_FOUND');
    const unknown = await server.rest('GET', '/api/v1/chamados/CH-1999-99999/wazuh-link', { as: 'viewer' });
    expect(unknown.status).toBe(404);
  });
});
