import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { expect } from 'vitest';
import { ingestPayload } from '../../src/services/ingest/ingest-payload.ts';
import type { IngestSettings } from '../../src/services/ingest/settings.ts';

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

/**
 * Ingests (in process) a Wazuh alert about `agent` high enough to open a chamado, and returns the
 * chamado's public id; each rule is a recurrence group, so alerts of several rules about one agent
 * give one chamado linked to several groups.
 */
export async function ingestOpeningWazuhAlert(orm: MikroORM, settings: IngestSettings, agent: string, ruleId: string): Promise<string> {
  const alert = {
    timestamp: new Date().toISOString().replace('Z', '+0000'),
    rule: { level: 12, description: `rule ${ruleId} on ${agent}`, id: ruleId, groups: ['test'] },
    agent: { id: '903', name: agent, ip: '10.99.0.3' },
    manager: { name: 'wazuh-manager' },
    id: `${Date.now()}.${randomUUID()}`,
    full_log: 'x',
    decoder: { name: 'test' },
    data: {},
    location: '/var/log/test.log',
  };
  const outcome = await ingestPayload(orm.em.fork(), settings, { source: 'wazuh', body: alert, deliveryId: randomUUID() }, 'reject');
  const receipt = 'receipts' in outcome ? outcome.receipts[0] : undefined;
  expect(receipt?.chamadoPublicId, JSON.stringify(outcome)).toBeTruthy();
  return receipt!.chamadoPublicId!;
}
