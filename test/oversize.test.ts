import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChamadoSchema } from '../entities/chamado.entity.ts';
import { columnLimits, columnName } from '../entities/column-facts.ts';
import { EventSchema } from '../entities/event.entity.ts';
import { ObservableSchema } from '../entities/observable.entity.ts';
import { loadConfig } from '../src/config.ts';
import type { NormalizedEvent } from '../src/services/ingest/normalized-event.ts';
import { FIELD_LIMITS, redact } from '../src/services/ingest/sanitize.ts';
import { NORMALIZERS, type WebhookSegment } from '../src/services/ingest/sources/index.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * Over-long values from any sender are cut to their column's length with a warning, never answered
 * with a 5xx. The cases are found, not listed: every string in each source's base body is set, one
 * at a time, to a value one character over each field's limit, and the local normalizer says which
 * fields it overflows; each such (path, field) is then posted at limit + 1 and at 10 × limit.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Json = any;
type Field = keyof NormalizedEvent;

const SECRETS = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets;
const EVENT_COLUMNS = columnLimits(EventSchema) as Record<string, number>;
const CHAMADO_COLUMNS = columnLimits(ChamadoSchema) as Record<string, number>;
const OBSERVABLE_VALOR = columnLimits(ObservableSchema).valor!;
const chars = (s: string) => Array.from(s).length;

const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`./fixtures/payloads/${name}.json`, import.meta.url), 'utf8'));

/**
 * Each source's base body with ids unique to `tag` (so posts neither dedup nor correlate with each
 * other) and shaped to open a chamado; optional fields the fixture lacks are added so they are probed.
 */
function alertBody(tag: string): Json {
  const body = fixture('alertmanager-firing');
  body.alerts = [body.alerts[0]];
  const alert = body.alerts[0];
  alert.fingerprint = `fp-${tag}`;
  Object.assign(alert.labels, { instance: `vm-${tag}`, pod: `pod-${tag}`, domain: `${tag}.example.com`, ruleId: `rule-${tag}`, host: `host-${tag}` });
  return body;
}
const BASES: Record<WebhookSegment, (tag: string) => Json> = {
  onboard: (tag) => {
    const body = fixture('onboard-account-created');
    Object.assign(body, { event_id: `id-${tag}`, session_id: `sess-${tag}`, domain: `${tag}.example.com` });
    Object.assign(body.data, { email: `admin@${tag}.example.com`, message: `message ${tag}` });
    return body;
  },
  wazuh: (tag) => {
    const body = fixture('wazuh-brute-force');
    body.id = `id-${tag}`;
    body.agent.name = `vm-${tag}`;
    body.data.hostname = `${tag}.example.com`;
    return body;
  },
  alertmanager: alertBody,
  signoz: alertBody,
  sentry: (tag) => {
    const body = fixture('sentry-issue-created');
    body.data.issue.id = `id-${tag}`;
    return body;
  },
  events: (tag) => {
    const body = fixture('generic-support');
    delete body.chamado_public_id; // someone else's chamado
    Object.assign(body, { id: `id-${tag}`, domain: `${tag}.example.com`, session_id: `sess-${tag}`, severity: 12, fingerprint: `fp-${tag}` });
    return body;
  },
};

/** Dotted paths of every string in a body. */
function stringPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => stringPaths(inner, [...path, key]));
}

function withValue(body: Json, path: string[], value: string): Json {
  const copy = structuredClone(body);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path.at(-1)!] = value;
  return copy;
}

/** `tag` then filler: distinct per post even once cut, lowercase and unspaced so normalizers keep it whole. */
const filler = (tag: string, length: number) => `${tag.replace(/[^a-z0-9]/g, '')}${'x'.repeat(length)}`.slice(0, length);

function normalizeLocally(segment: WebhookSegment, body: Json): NormalizedEvent | null {
  try {
    return NORMALIZERS[segment](body)[0] ?? null;
  } catch {
    return null; // the value broke the schema: that path is a dead-letter case, not a truncation one
  }
}

interface Case {
  path: string[];
  field: Field;
}

/** The (path, field) pairs of a source where one character over the field's limit overflows it. */
function casesOf(segment: WebhookSegment): Case[] {
  const base = BASES[segment]('probe');
  const cases: Case[] = [];
  for (const path of stringPaths(base)) {
    for (const [field, limit] of Object.entries(FIELD_LIMITS) as [Field, number][]) {
      const ev = normalizeLocally(segment, withValue(base, path, filler('probe', limit + 1)));
      const value = ev?.[field];
      if (typeof value === 'string' && chars(value) > limit) cases.push({ path, field });
    }
  }
  return cases;
}

async function post(segment: WebhookSegment, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.url}/api/v1/webhooks/${segment}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': SECRETS[segment]!, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function row(table: string, where: string, params: unknown[]): Promise<Json> {
  const rows = await server.orm.em.getConnection().execute(`select * from ${table} where ${where}`, params);
  expect(rows, `${table} where ${where} ${params.join(', ')}`).toHaveLength(1);
  return rows[0];
}

/** The warning ingestion records for a cut (summary and title are redacted before they are cut). */
function expectedWarning(ev: NormalizedEvent, field: Field, limit: number): string {
  const raw = ev[field] as string;
  const length = chars(field === 'summary' || field === 'title' ? redact(raw) : raw);
  return `${field} truncated from ${length} to ${limit} characters`;
}

const SEGMENTS = Object.keys(NORMALIZERS) as WebhookSegment[];
const checkedInChamado = new Set<string>();

describe.each(SEGMENTS)('oversize values from %s', (segment) => {
  const cases = casesOf(segment);

  it('finds fields to overflow', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  const runs = cases.flatMap((c) => ['limit + 1', '10 × limit'].map((times) => ({ ...c, times, name: c.path.join('.') })));
  it.each(runs)('$name → $field at $times', async ({ path, field, times }) => {
      const limit = FIELD_LIMITS[field]!;
      const tag = unique('ov');
      const body = withValue(BASES[segment](tag), path, filler(tag, times === 'limit + 1' ? limit + 1 : limit * 10));
      const ev = normalizeLocally(segment, body)!;
      const warning = expectedWarning(ev, field, limit);

      const res = await post(segment, body);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const receipt = res.body.events[0];
      expect(receipt.warnings).toContain(warning);
      const event = await row('events', 'id = ?', [receipt.event_id]);
      expect(event.warnings).toContain(warning);

      if (field in EVENT_COLUMNS || field === 'summary') {
        expect(chars(event[columnName(EventSchema, field as never)])).toBe(limit);
      } else if (field in CHAMADO_COLUMNS) {
        // Only a chamado this event opened takes its title and wizard step from it.
        if (receipt.correlation.decision === 'opened') {
          const chamado = await row('chamados', 'public_id = ?', [receipt.chamado_public_id]);
          expect(chars(chamado[columnName(ChamadoSchema, field as never)])).toBe(limit);
          checkedInChamado.add(field);
        }
      } else if (field === 'email') {
        const fact = await row('observables', 'event_id = ? and tipo = ?', [receipt.event_id, 'email']);
        expect(chars(fact.valor)).toBe(limit);
      } else {
        throw new Error(`${field} has a limit but this test does not know where it is stored`);
      }
  });
});

describe('oversize values kept out of the field list', () => {
  it('an Alertmanager severity label of 40 characters is stored cut to the column (it once answered 500)', async () => {
    const tag = unique('sev');
    const body = alertBody(tag);
    body.alerts[0].labels.severity = `critical-${'x'.repeat(31)}`;
    const res = await post('alertmanager', body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const limit = columnLimits(EventSchema).sourceSeverity!;
    const warning = `sourceSeverity truncated from 40 to ${limit} characters`;
    expect(res.body.warnings).toContain(warning);
    const event = await row('events', 'id = ?', [res.body.event_id]);
    expect(event.source_severity).toBe(body.alerts[0].labels.severity.slice(0, limit));
    expect(event.warnings).toContain(warning);
  });

  it('an observable value longer than the observables column is cut with a warning', async () => {
    const tag = unique('obs');
    const body = BASES.wazuh(tag);
    body.data.srcip = filler(tag, OBSERVABLE_VALOR * 10);
    const res = await post('wazuh', body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.correlation.decision).toBe('opened');
    expect(res.body.warnings).toContain(`observables.0.valor truncated from ${OBSERVABLE_VALOR * 10} to ${OBSERVABLE_VALOR} characters`);
    const fact = await row('observables', 'event_id = ? and tipo = ?', [res.body.event_id, 'ip']);
    expect(chars(fact.valor)).toBe(OBSERVABLE_VALOR);
  });

  it('a fingerprint too long for the recurrence key still groups its recurrences, and fits the chamado', async () => {
    const tag = unique('rk');
    const fingerprint = filler(tag, 1000);
    const first = alertBody(tag);
    first.alerts[0].fingerprint = fingerprint;
    const again = alertBody(`${tag}b`);
    again.alerts[0].fingerprint = fingerprint;
    again.alerts[0].startsAt = '2026-06-16T10:52:30Z'; // a new firing, not a re-notification
    const a = await post('alertmanager', first);
    const b = await post('alertmanager', again);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.correlation.decision).toBe('opened');
    expect(b.body.correlation).toMatchObject({ decision: 'attached', rule: 'fingerprint', chamado_public_id: a.body.chamado_public_id });
    const chamado = await row('chamados', 'public_id = ?', [a.body.chamado_public_id]);
    expect(chars(chamado.fingerprint)).toBeLessThanOrEqual(columnLimits(ChamadoSchema).fingerprint!);
  });

  it('long ids that share their first characters stay distinct once cut (no false duplicate)', async () => {
    const tag = unique('id');
    const prefix = filler(tag, 1000);
    const one = BASES.events(tag);
    one.id = `${prefix}-1`;
    const two = BASES.events(`${tag}b`);
    two.id = `${prefix}-2`;
    const a = await post('events', one);
    const b = await post('events', two);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.body.status).toBe('accepted');
    expect(b.body.duplicate_of).toBeNull();
  });

  it('a delivery id header longer than its column is ignored, not a 5xx', async () => {
    const res = await post('onboard', BASES.onboard(unique('dl')), { 'x-delivery-id': 'd'.repeat(columnLimits(EventSchema).deliveryId! * 10) });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect((await row('events', 'id = ?', [res.body.event_id])).delivery_id).toBeNull();
  });

  it('the chamado-only fields were checked in an opened chamado', () => {
    expect([...checkedInChamado].sort()).toEqual(['title', 'wizardStep', 'wizardStepLabel']);
  });
});
