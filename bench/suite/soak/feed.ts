import { setTimeout as delay } from 'node:timers/promises';
import type { Subscribers } from '../live/subscribers.ts';
import type { SoakDelivery } from './deliveries.ts';

const WARM_UP_TIMEOUT_MS = 120_000;
/** After the load, deliveries still arriving are awaited; missing ones count as lost after this long without any. */
const QUIET_MS = 15_000;

async function post(baseUrl: string, delivery: SoakDelivery): Promise<void> {
  const res = await fetch(`${baseUrl}${delivery.path}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`soak warm-up: ${delivery.path} answered ${res.status}: ${text.slice(0, 300)}`);
}

/** Posts one feed alert a second until every subscriber has received one. */
export async function warmUp(subscribers: Subscribers, baseUrl: string, next: () => SoakDelivery, count: number): Promise<void> {
  const deadline = Date.now() + WARM_UP_TIMEOUT_MS;
  for (;;) {
    await post(baseUrl, next());
    const waitUntil = Date.now() + 1000;
    while (Date.now() < waitUntil) {
      if ((await subscribers.status()).withAny === count) return;
      await delay(25);
    }
    if (Date.now() > deadline) throw new Error(`soak: only ${(await subscribers.status()).withAny} of ${count} subscribers had an event after ${WARM_UP_TIMEOUT_MS / 1000} s`);
  }
}

/** Waits while deliveries keep coming; resolves with the subscriber process's receipt count. */
export async function drain(subscribers: Subscribers, baseline: number, expected: number): Promise<number> {
  let last = (await subscribers.status()).received;
  let lastChange = Date.now();
  while (last - baseline < expected && Date.now() - lastChange <= QUIET_MS) {
    await delay(100);
    const { received } = await subscribers.status();
    if (received !== last) [last, lastChange] = [received, Date.now()];
  }
  return last;
}
