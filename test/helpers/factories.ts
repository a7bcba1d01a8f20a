import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { createChamado } from './fixtures.ts';
import { unique, type TestServer, type TestUser } from './server.ts';

type Json = Record<string, any>;

/** A domain no other test uses, so list filters by domain see only this test's chamados. */
export const newDomain = (prefix: string): string => `${unique(prefix)}.example.com`;

/** A chamado opened through the real createChamado mutation in a fresh domain (unless given one). */
export async function newChamado(
  server: TestServer,
  input: Parameters<typeof createChamado>[1] = {},
  as: TestUser = 'ops',
): Promise<{ publicId: string; domain: string }> {
  const domain = input.domain ?? newDomain('ch');
  const { publicId } = await createChamado(server, { ...input, domain }, as);
  return { publicId, domain };
}

/** Polls `read` every 100 ms until `done` holds; fails with the last value seen after `timeoutMs`. */
export async function waitFor<T>(
  label: string,
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
  context: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${label}: not reached in ${timeoutMs} ms; last: ${JSON.stringify(last)} ${context()}`.trimEnd());
    await delay(100);
    last = await read();
  }
  return last;
}

export type VendorFixture =
  | 'alertmanager-firing'
  | 'alertmanager-resolved'
  | 'generic-support'
  | 'onboard-account-created'
  | 'onboard-failed'
  | 'sentry-issue-created'
  | 'sentry-issue-regressed'
  | 'wazuh-brute-force';

/** A fresh copy of a captured vendor payload from test/fixtures/payloads. */
export const vendorFixture = (name: VendorFixture): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/payloads/${name}.json`, import.meta.url), 'utf8'));

export interface FixtureIds {
  /** Provider event id (onboard event_id, Wazuh id, Sentry issue id, generic id). */
  id: string;
  session: string;
  domain: string;
  agent: string;
  fingerprint: string;
}

/**
 * A vendor fixture with every id that could collide with another test's rewritten to unique values.
 * Alertmanager deliveries keep all their alerts (fingerprint and instance suffixed `-<index>`), or
 * with `singleAlert` only the first one, carrying the fingerprint and agent as given.
 */
export function withIds(
  name: VendorFixture,
  given: Partial<FixtureIds> = {},
  opts: { prefix?: string; singleAlert?: boolean } = {},
): { body: Json; ids: FixtureIds } {
  const tag = unique(opts.prefix ?? 'fx');
  const ids: FixtureIds = {
    id: `id-${tag}`,
    session: `sess-${tag}`,
    domain: `${tag}.example.com`,
    agent: `vm-${tag}`,
    fingerprint: `fp-${tag}`,
    ...given,
  };
  const body = vendorFixture(name);
  if (name.startsWith('onboard')) {
    body.session_id = ids.session;
    body.domain = ids.domain;
    body.event_id = ids.id;
    body.data.email = `admin@${ids.domain}`;
  } else if (name === 'wazuh-brute-force') {
    body.id = ids.id;
    body.agent.name = ids.agent;
  } else if (name.startsWith('alertmanager') && opts.singleAlert) {
    body.alerts = [body.alerts[0]];
    const alert = body.alerts[0];
    alert.fingerprint = ids.fingerprint;
    alert.labels.instance = ids.agent;
    alert.labels.pod = `postfix-${tag}`;
  } else if (name.startsWith('alertmanager')) {
    body.alerts.forEach((alert: Json, i: number) => {
      alert.fingerprint = `${ids.fingerprint}-${i}`;
      alert.labels.instance = `${ids.agent}-${i}`;
      if (alert.labels.pod) alert.labels.pod = `postfix-${tag}`;
      if (alert.labels.node) alert.labels.node = `${ids.agent}-node`;
    });
  } else if (name.startsWith('sentry')) {
    body.data.issue.id = ids.id;
    body.data.issue.web_url = `https://itecnologys.sentry.io/issues/${ids.id}/`;
  } else if (name === 'generic-support') {
    body.id = ids.id;
    body.domain = ids.domain;
    body.session_id = ids.session;
    body.data.requester = `admin@${ids.domain}`;
    delete body.chamado_public_id; // an explicit link to someone else's chamado
  }
  return { body, ids };
}

/**
 * POSTs a JSON body to a webhook receiver with the shared secret (X-Webhook-Secret); the answer's
 * status, parsed body (text when it is not JSON, for failure messages) and headers.
 */
export async function postWebhook(
  server: TestServer,
  source: string,
  payload: unknown,
  secret: string,
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${server.url}/api/v1/webhooks/${source}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
    body: JSON.stringify(payload),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text for the failure message
  }
  return { status: res.status, body, headers: res.headers };
}
