import { expect } from 'vitest';

/**
 * Posts one low-level Wazuh alert about `agent` to the server at `baseUrl` (shared-secret header)
 * and returns the receipt, which must be a 202. `label` names the test in the alert's text.
 */
export async function sendWazuhAlert(baseUrl: string, secret: string, agent: string, label: string): Promise<Record<string, any>> {
  const res = await fetch(`${baseUrl}/api/v1/webhooks/wazuh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
    body: JSON.stringify({
      timestamp: new Date().toISOString().replace('Z', '+0000'),
      rule: { level: 3, description: label, id: '5501', groups: ['test'] },
      agent: { id: '902', name: agent, ip: '10.99.0.2' },
      manager: { name: 'wazuh-manager' },
      id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}`,
      full_log: label,
      decoder: { name: 'test' },
      data: {},
      location: '/var/log/test.log',
    }),
  });
  const body = (await res.json()) as Record<string, any>;
  expect(res.status, JSON.stringify(body)).toBe(202);
  return body;
}
