import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { forgetIdSpans } from '../src/db/windowed-page.ts';
import { postWebhook, withIds } from './helpers/factories.ts';
import { dataOf, startTestServer, type TestServer } from './helpers/server.ts';
import { statementsOf } from './helpers/sql-statements.ts';

/*
 * The Discover feed (`events`) reads only the columns its query selects (issue 12: a console's
 * page skips the events' JSON columns). Whatever the selection, every field asked for comes back
 * as a full read gives it, and a narrow read never stands in for a whole event elsewhere in the
 * same request.
 */

type Json = Record<string, any>;
let server: TestServer;
const SECRET = loadConfig({ NODE_ENV: 'test' }).ingest.webhookSecrets.onboard!;
let domain: string;

/** Every field of Event that reads the row, in the order the map lists them. */
const ALL_FIELDS = `id eventId source eventType providerEventId deliveryId domain sessionId severity sourceSeverity ruleId agent
  summary fingerprint alertname namespace targetResource recurrenceKey alertStatus isDuplicate duplicateOf { eventId }
  chamado { publicId } correlation redactionVersion contentSha256 contentLength sourceRefs observables { tipo valor } warnings
  occurredAt receivedAt`;

async function eventsOf(selection: string, variables: Json = {}, declared = ''): Promise<Json[]> {
  const data = await dataOf(
    server,
    `query Columns($domain: String!${declared}) { events(filter: { domain: $domain }, first: 10) { edges { node ${selection} } } }`,
    { domain, ...variables },
    'viewer',
  );
  return data.events.edges.map((e: Json) => e.node);
}

/** The feed's events as `event(eventId:)` reads them: whole rows, whatever the selection. */
async function wholeEvents(): Promise<Json[]> {
  const ids = (await eventsOf('{ eventId }')).map((e) => e.eventId as number);
  const whole = [];
  for (const id of ids)
    whole.push((await dataOf(server, `query Whole($id: Int!) { event(eventId: $id) { ${ALL_FIELDS} } }`, { id }, 'viewer')).event);
  return whole;
}

const pick = (events: Json[], fields: string[]) => events.map((e) => Object.fromEntries(fields.map((f) => [f, e[f]])));

beforeAll(async () => {
  server = await startTestServer({ RUNBOOK_WORKER: 'false' });
  const first = withIds('onboard-account-created', {}, { prefix: 'ev-columns' });
  domain = first.ids.domain;
  for (const body of [first.body, { ...first.body }, withIds('onboard-failed', { domain, session: first.ids.session }).body]) {
    const { status } = await postWebhook(server, 'onboard', body, SECRET);
    expect(status).toBe(202);
  }
});

afterAll(async () => {
  await server?.close();
});

describe('events columns follow the selection', () => {
  it('each field alone gives what the full read gives', async () => {
    const full = await wholeEvents();
    expect(full.length).toBe(3);
    expect(await eventsOf(`{ ${ALL_FIELDS} }`)).toEqual(full);
    // The seeded events fill the JSON columns and a duplicate link, so leaving them out would show.
    expect(full.some((e) => e.duplicateOf !== null)).toBe(true);
    expect(full.every((e) => e.correlation !== null && e.contentSha256 !== null)).toBe(true);
    for (const field of [
      'source',
      'summary',
      'correlation',
      'observables { tipo valor }',
      'duplicateOf { eventId }',
      'chamado { publicId }',
      'receivedAt',
    ]) {
      const name = field.split(' ')[0]!;
      expect(await eventsOf(`{ ${field} }`), field).toEqual(pick(full, [name]));
    }
    expect(await eventsOf('{ eventId severity agent sourceRefs warnings }')).toEqual(
      pick(full, ['eventId', 'severity', 'agent', 'sourceRefs', 'warnings']),
    );
  });

  it('fragments, aliases and @include read what each request asks for', async () => {
    const full = await wholeEvents();
    const viaFragment = await dataOf(
      server,
      `query ColumnsFragments($domain: String!) { events(filter: { domain: $domain }, first: 10) { edges { node { ...E texto: summary } } } }
       fragment E on Event { eventType correlation }`,
      { domain },
      'viewer',
    );
    expect(viaFragment.events.edges.map((e: Json) => e.node)).toEqual(
      full.map((e) => ({ eventType: e.eventType, correlation: e.correlation, texto: e.summary })),
    );
    const selection = '{ eventType summary @include(if: $withSummary) }';
    expect(await eventsOf(selection, { withSummary: false }, ', $withSummary: Boolean!')).toEqual(pick(full, ['eventType']));
    expect(await eventsOf(selection, { withSummary: true }, ', $withSummary: Boolean!')).toEqual(pick(full, ['eventType', 'summary']));
  });

  it("a chamado's public id comes with the page's rows; any other chamado field loads the chamado", async () => {
    const cost = async (selection: string) => {
      forgetIdSpans();
      const query = `query Cost($domain: String!) { events(filter: { domain: $domain }, first: 10) { edges { node ${selection} } } }`;
      return (await statementsOf(server, query, { domain })).statements;
    };
    const bare = await cost('{ eventId }');
    expect(await cost('{ eventId chamado { publicId } }')).toBe(bare);
    expect(await cost('{ eventId chamado { publicId title } }')).toBe(bare + 1);
    const full = await wholeEvents();
    const titled = await eventsOf('{ chamado { publicId title } }');
    expect(titled.map((e) => e.chamado?.publicId ?? null)).toEqual(full.map((e) => e.chamado?.publicId ?? null));
    expect(titled.every((e) => e.chamado === null || typeof e.chamado.title === 'string')).toBe(true);
  });

  it('a narrow page does not stand in for the whole event in the same request', async () => {
    const [newest] = await wholeEvents();
    const data = await dataOf(
      server,
      `query Narrow($domain: String!, $id: Int!) {
        events(filter: { domain: $domain }, first: 10) { edges { node { eventId } } }
        event(eventId: $id) { summary correlation receivedAt }
      }`,
      { domain, id: newest!.eventId },
      'viewer',
    );
    expect(data.event).toEqual({ summary: newest!.summary, correlation: newest!.correlation, receivedAt: newest!.receivedAt });
  });
});
