import { expect } from 'vitest';
import type { TestServer, TestUser } from './server.ts';
import { unique } from './server.ts';

/** Opens a chamado through the real createChamado mutation and returns its public id. */
export async function createChamado(
  server: TestServer,
  input: { title?: string; domain?: string | null; severity?: number; origin?: 'manual' | 'support'; sessionId?: string } = {},
  as: TestUser = 'ops',
): Promise<{ publicId: string; id: string; version: number }> {
  const res = await server.gql(
    `mutation Create($input: CreateChamadoInput!) {
      createChamado(input: $input) { ... on Chamado { id publicId version } ... on Error { code message } }
    }`,
    { input: { title: 'Fixture chamado', domain: `${unique('d')}.example.com`, ...input } },
    { as },
  );
  const chamado = res.data?.createChamado;
  if (!chamado?.publicId) throw new Error(`createChamado failed: ${JSON.stringify(res)}`);
  return chamado;
}

/** Attaches events to a chamado through the real attachEventsToChamado mutation, as ops; fails the test if refused. */
export async function attachEvents(server: TestServer, publicId: string, eventIds: number[]): Promise<void> {
  const res = await server.gql(
    `mutation AttachFixture($publicId: String!, $eventIds: [Int!]!) {
      attachEventsToChamado(publicId: $publicId, eventIds: $eventIds) { __typename ... on Error { code message } }
    }`,
    { publicId, eventIds },
    { as: 'ops' },
  );
  expect(res.data?.attachEventsToChamado?.__typename, JSON.stringify(res)).toBe('AttachEventsPayload');
}

export interface EventFixture {
  source?: string;
  eventType?: string;
  domain?: string | null;
  severity?: number | null;
  agent?: string | null;
  ruleId?: string | null;
  summary?: string;
}

/**
 * Inserts received events straight into the Discover table (ingestion has its own tests); the
 * chamado behaviour under test only needs rows that exist.
 */
export async function insertEvents(server: TestServer, events: EventFixture[]): Promise<number[]> {
  const ids: number[] = [];
  for (const e of events) {
    const rows = await server.orm.em.getConnection().execute<{ id: string }[]>(
      `insert into events (source, event_type, domain, severity, agent, rule_id, summary, payload, received_at)
       values (?, ?, ?, ?, ?, ?, ?, '{}', now()) returning id`,
      [e.source ?? 'wazuh', e.eventType ?? 'wazuh.alert', e.domain ?? null, e.severity ?? null, e.agent ?? null, e.ruleId ?? null, e.summary ?? 'fixture event'],
    );
    ids.push(Number(rows[0]!.id));
  }
  return ids;
}
