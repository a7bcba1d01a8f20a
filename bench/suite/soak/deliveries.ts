import { randomBytes } from 'node:crypto';
import { generateStream, signedHeaders, type Delivery } from '../../../scripts/stream.ts';

/** One webhook request of the soak's ingest load, signed when it is sent. */
export interface SoakDelivery {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** A Wazuh alert of the subscribers' agent: every subscriber must receive it. */
  feed: boolean;
}

/** Deliveries generated at a time: a 10-minute soak at 50/s sends 30 000, never held at once. */
const CHUNK = 1000;

/**
 * An endless stream of unique deliveries: scripts/stream.ts's realistic mix (no redeliveries, a
 * fresh run id per chunk), with one in `feedEvery` replaced by a low-level Wazuh alert from
 * `agent`, the events the discoverFeed subscribers filter on. Signed at hand-out time, because
 * a receiver refuses signatures older than 5 minutes and a soak lasts longer.
 */
export function soakDeliveries(agent: string, webhookSecret: string, feedEvery: number): () => SoakDelivery {
  let chunk: Delivery[] = [];
  let seq = 0;
  return () => {
    seq += 1;
    if (seq % feedEvery === 0) return feedDelivery(agent, webhookSecret, `load-${seq}`);
    if (chunk.length === 0) {
      const runId = randomBytes(4).toString('hex');
      chunk = generateStream(CHUNK, { seed: parseInt(runId, 16), duplicateRatio: 0, runId }).reverse();
    }
    return signed(chunk.pop()!, webhookSecret, false);
  };
}

/** One alert every subscriber must receive; `tag` makes its ids unique within the run (`load-7`, `warm-1`). */
export function feedDelivery(agent: string, webhookSecret: string, tag: string): SoakDelivery {
  return signed(feedAlert(agent, tag), webhookSecret, true);
}

function signed(delivery: Delivery, secret: string, feed: boolean): SoakDelivery {
  return { path: `/api/v1/webhooks/${delivery.segment}`, headers: signedHeaders(delivery, secret), body: delivery.body, feed };
}

/** Level 3: stored and fanned out, opens no chamado (the live scenarios publish the same kind). */
function feedAlert(agent: string, tag: string): Delivery {
  const id = `${Date.now()}.${tag}`;
  const body = JSON.stringify({
    timestamp: new Date().toISOString().replace('Z', '+0000'),
    rule: { level: 3, description: 'bench soak event', id: '5501', groups: ['bench'] },
    agent: { id: '998', name: agent, ip: '127.0.0.8' },
    manager: { name: 'bench' },
    id,
    full_log: 'bench soak',
    decoder: { name: 'bench' },
    data: {},
    location: 'bench',
  });
  return { segment: 'wazuh', body, webhookId: `msg_${agent}_${tag}`, redelivery: false };
}
