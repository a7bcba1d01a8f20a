import { randomBytes } from 'node:crypto';

/** Publishes one event every subscriber of the run matches; resolves with its event id. */
export type Publish = () => Promise<number>;

/** The subscription both servers are sent: OpsGraph's Discover feed, narrowed to the run's agent. */
export const FEED_DOCUMENT = 'subscription LiveBench($filter: EventFilter) { discoverFeed(filter: $filter) { eventId } }';

export function feedVariables(agent: string): Record<string, unknown> {
  return { filter: { source: 'wazuh', q: `agent:"${agent}"` } };
}

/**
 * A low-level Wazuh alert (stored, opens no chamado) from `agent`: the event both live benches
 * (this suite and bench/live.ts) publish, each with an id of its own.
 */
export function liveBenchAlert(agent: string, label: string): Record<string, unknown> {
  return {
    timestamp: new Date().toISOString().replace('Z', '+0000'),
    rule: { level: 3, description: `${label} event`, id: '5501', groups: ['bench'] },
    agent: { id: '999', name: agent, ip: '127.0.0.9' },
    manager: { name: 'bench' },
    id: `${Date.now()}.${randomBytes(4).readUInt32BE()}`,
    full_log: label,
    decoder: { name: 'bench' },
    data: {},
    location: 'bench',
  };
}

/** An agent name of its own per measured side, so no other event reaches its subscribers. */
export function uniqueAgent(): string {
  return `bench-live-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * OpsGraph: a low-level Wazuh alert (stored, opens no chamado) from `agent`, posted to its webhook
 * receiver; the event id is the receipt's.
 */
export function opsgraphPublisher(baseUrl: string, webhookSecret: string, agent: string): Publish {
  return async () => {
    const res = await fetch(`${baseUrl}/api/v1/webhooks/wazuh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': webhookSecret },
      body: JSON.stringify(liveBenchAlert(agent, 'bench live')),
    });
    const body = (await res.json()) as { event_id?: unknown };
    if (res.status !== 202 || typeof body.event_id !== 'number') throw new Error(`OpsGraph's wazuh receiver answered ${res.status}: ${JSON.stringify(body)}`);
    return body.event_id;
  };
}

/** bare-ws: POST /publish with the `data` of the `next` frame (the same shape OpsGraph sends); ids count up. */
export function bareWsPublisher(baseUrl: string): Publish {
  let id = 0;
  return async () => {
    const eventId = ++id;
    const res = await fetch(`${baseUrl}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ discoverFeed: { eventId } }),
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`bare-ws /publish answered ${res.status}`);
    return eventId;
  };
}
