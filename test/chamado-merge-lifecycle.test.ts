import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newChamado } from './helpers/factories.ts';
import { startTestServer, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * A merge goes through the lifecycle: the merged chamado is closed into the survivor and is
 * terminal — nobody may claim it, move it or reopen it (GraphQL and REST), and it says so in
 * `allowedTransitions`. A plain fechado chamado (never merged) still reopens, so the refusals
 * below are about the merge, not about fechado.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

const CHAMADO = `query MergeLifecycleChamado($publicId: String!) {
  chamado(publicId: $publicId) { publicId status version allowedTransitions assignee { username } mergedInto { publicId } timeline { id } }
}`;
const MERGE = `mutation MergeLifecycleMerge($from: String!, $into: String!) {
  mergeChamados(sourcePublicId: $from, targetPublicId: $into) { __typename ... on Error { code message } }
}`;
const CLAIM = `mutation MergeLifecycleClaim($publicId: String!, $override: Boolean) {
  claimChamado(publicId: $publicId, override: $override) {
    __typename
    ... on Chamado { status assignee { username } }
    ... on InvalidTransitionError { from to allowed }
    ... on Error { code message }
  }
}`;
const STATUS = `mutation MergeLifecycleStatus($publicId: String!, $status: ChamadoStatus!) {
  changeChamadoStatus(publicId: $publicId, status: $status) {
    __typename
    ... on Chamado { status }
    ... on InvalidTransitionError { from to allowed }
    ... on Error { code message }
  }
}`;

async function read(publicId: string) {
  const res = await server.gql(CHAMADO, { publicId }, { as: 'viewer' });
  expect(res.errors).toBeUndefined();
  return res.data.chamado;
}

async function status(publicId: string, to: string, as: TestUser = 'ops') {
  const res = await server.gql(STATUS, { publicId, status: to }, { as });
  expect(res.errors).toBeUndefined();
  return res.data.changeChamadoStatus;
}

/** Two chamados; the first, claimed and being fixed by ops, is merged into the second. */
async function mergedPair(): Promise<{ merged: string; survivor: string }> {
  const { publicId: merged } = await newChamado(server);
  const { publicId: survivor } = await newChamado(server);
  expect((await status(merged, 'assumido')).status).toBe('assumido');
  expect((await status(merged, 'em_correcao')).status).toBe('em_correcao');
  const res = await server.gql(MERGE, { from: merged, into: survivor }, { as: 'ops' });
  expect(res.data?.mergeChamados).toEqual({ __typename: 'Chamado' });
  return { merged, survivor };
}

describe('a merged chamado is terminal (GraphQL)', () => {
  it('is fechado, points at the survivor and allows no transition; the survivor still does', async () => {
    const { merged, survivor } = await mergedPair();
    expect(await read(merged)).toMatchObject({ status: 'fechado', allowedTransitions: [], mergedInto: { publicId: survivor } });
    expect((await read(survivor)).allowedTransitions).toEqual(['assumido']);
  });

  it('refuses a claim with InvalidTransitionError, even an ops_lead override, and changes nothing', async () => {
    const { merged } = await mergedPair();
    const before = await read(merged);
    for (const [as, override] of [['lead', false], ['lead', true], ['ops', false]] as const) {
      const res = await server.gql(CLAIM, { publicId: merged, override }, { as });
      expect(res.errors).toBeUndefined();
      expect(res.data.claimChamado).toMatchObject({
        __typename: 'InvalidTransitionError',
        code: 'INVALID_TRANSITION',
        from: 'fechado',
        to: 'assumido',
        allowed: [],
      });
      expect(res.data.claimChamado.message).toMatch(/merged/);
    }
    expect(await read(merged)).toEqual(before);
  });

  it('refuses reopening and every other move with InvalidTransitionError, and changes nothing', async () => {
    const { merged } = await mergedPair();
    const before = await read(merged);
    for (const to of ['assumido', 'em_correcao', 'aguardando', 'resolvido', 'novo']) {
      expect(await status(merged, to, 'lead')).toMatchObject({
        __typename: 'InvalidTransitionError',
        code: 'INVALID_TRANSITION',
        from: 'fechado',
        to,
        allowed: [],
      });
    }
    expect(await read(merged)).toEqual(before);
  });

  it('control: a fechado chamado that was never merged still reopens and can be claimed', async () => {
    const { publicId } = await newChamado(server);
    for (const to of ['assumido', 'em_correcao', 'resolvido', 'fechado']) expect((await status(publicId, to)).status).toBe(to);
    expect((await read(publicId)).allowedTransitions).toEqual(['assumido']);
    const claim = await server.gql(CLAIM, { publicId, override: true }, { as: 'lead' });
    expect(claim.data.claimChamado).toMatchObject({ __typename: 'Chamado', assignee: { username: 'lead' } });
    expect((await status(publicId, 'assumido')).status).toBe('assumido');
  });
});

/*
 * REST answers 422, the README's code for an illegal transition: claiming a merged chamado is a
 * move its lifecycle does not allow (to assumido), not a concurrency conflict — 409 means "claimed
 * by another" or "stale expected_version", which a retry or an override could resolve; nothing can
 * make a merged chamado claimable.
 */
describe('a merged chamado is terminal (REST)', () => {
  it('POST …/assumir answers 422 INVALID_TRANSITION with the JSON error body, and changes nothing', async () => {
    const { merged } = await mergedPair();
    const before = await read(merged);
    for (const body of [{}, { override: true }]) {
      const res = await server.rest('POST', `/api/v1/chamados/${merged}/assumir`, { as: 'lead', body });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(res.body).toMatchObject({ error: 'INVALID_TRANSITION', from: 'fechado', to: 'assumido', allowed: [] });
      expect(res.body.message).toMatch(/merged/);
    }
    expect(await read(merged)).toEqual(before);
  });

  it('PATCH …/{public_id} reopening it answers 422 INVALID_TRANSITION, and changes nothing', async () => {
    const { merged } = await mergedPair();
    const before = await read(merged);
    const res = await server.rest('PATCH', `/api/v1/chamados/${merged}`, { as: 'ops', body: { status: 'assumido' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: 'INVALID_TRANSITION', from: 'fechado', to: 'assumido', allowed: [] });
    expect(await read(merged)).toEqual(before);
  });
});
