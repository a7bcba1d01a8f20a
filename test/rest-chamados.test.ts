import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChamado, insertEvents } from './helpers/fixtures.ts';
import { newChamado as openChamado, newDomain } from './helpers/factories.ts';
import { startTestServer, unique, type TestServer, type TestUser } from './helpers/server.ts';

/*
 * The legacy REST shims (spec 000: /api/v1/chamados…) and the discovery login (spec 003), driven
 * over HTTP against the real server and database. JSON field names are the contract, so bodies are
 * checked field by field. Every test works on chamados in its own unique domain.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Res = Awaited<ReturnType<TestServer['rest']>>;
type Opts = Parameters<TestServer['rest']>[2];

const BASE = '/api/v1/chamados';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const PUBLIC_ID = /^CH-\d{4}-\d{5}$/;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** The list item of spec 000, field for field. */
const LIST_KEYS = [
  'public_id', 'status', 'domain', 'session_id', 'wizard_step', 'wizard_step_label', 'sources', 'max_severity',
  'assignee', 'title', 'created_at', 'updated_at', 'event_count',
].sort();

/** The documented detail fields (the shim may add more, e.g. version). */
const DETAIL_KEYS = [
  'public_id', 'status', 'assignee', 'domain', 'session_id', 'wizard_step', 'wizard_step_at', 'assist', 'observables',
  'infra', 'links', 'timeline', 'acoes_pendentes', 'legacy_ticket_id',
];

const chamadoPath = (publicId: string, suffix = '') => `${BASE}/${encodeURIComponent(publicId)}${suffix}`;
const b64 = (password: string) => `base64:${Buffer.from(password, 'utf8').toString('base64')}`;

const rest = (method: string, path: string, opts?: Opts) => server.rest(method, path, opts);
const assumir = (id: string, body?: unknown, as: TestUser = 'ops') => rest('POST', chamadoPath(id, '/assumir'), { as, body });
const anexar = (id: string, ids: unknown, as: TestUser = 'ops') =>
  rest('POST', chamadoPath(id, '/eventos/anexar'), { as, body: { webhook_event_ids: ids } });
const nota = (id: string, body: unknown, as: TestUser = 'ops') => rest('POST', chamadoPath(id, '/notas'), { as, body });
const patch = (id: string, body: unknown, as: TestUser = 'ops') => rest('PATCH', chamadoPath(id), { as, body });

/** GET /api/v1/chamados with these query parameters, as ops. */
function list(query: Record<string, string | number>, as: TestUser = 'ops'): Promise<Res> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return rest('GET', `${BASE}?${qs}`, { as });
}

/** Public ids of a successful list answer, in the order served. */
async function listIds(query: Record<string, string | number>, as: TestUser = 'ops'): Promise<string[]> {
  const res = await list(query, as);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.chamados.map((c: { public_id: string }) => c.public_id);
}

/** The detail document of a chamado that must exist. */
async function detail(publicId: string, as: TestUser = 'ops'): Promise<any> {
  const res = await rest('GET', chamadoPath(publicId), { as });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** An error answer: the status, a JSON body `{error, message, …}` with this code. */
function expectError(res: Res, status: number, error: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(res.body).toMatchObject({ error, message: expect.any(String) });
  expect(res.body.message).not.toBe('');
}

function expectOk(res: Res, status = 200): any {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

/** A chamado in a fresh domain, with its public id and domain. */
const newChamado = (input: Parameters<typeof createChamado>[1] = {}, as: TestUser = 'ops') =>
  openChamado(server, { ...input, domain: input.domain ?? newDomain('rest') }, as);

describe('GET /api/v1/chamados', () => {
  describe('shape and filters', () => {
    const domain = newDomain('rest');
    let plain: string; // novo, origin manual
    let mine: string; // assumido by ops
    let fixing: string; // em_correcao by lead, with a wazuh event
    let support: string; // novo, origin support

    beforeAll(async () => {
      plain = (await newChamado({ domain, title: 'Plain one', severity: 2 })).publicId;
      mine = (await newChamado({ domain, title: 'Claimed by ops' })).publicId;
      fixing = (await newChamado({ domain, title: 'Being fixed', severity: 3, sessionId: 'sess_list' })).publicId;
      support = (await newChamado({ domain, title: 'From support', origin: 'support' })).publicId;
      expectOk(await assumir(mine, {}));
      expectOk(await assumir(fixing, {}, 'lead'));
      expectOk(await patch(fixing, { status: 'em_correcao' }, 'lead'));
      const wazuhEvents = await insertEvents(server, [{ source: 'wazuh', severity: 12, domain, summary: 'brute force' }]);
      expectOk(await anexar(fixing, wazuhEvents));
    });

    it('answers {chamados, total} with exactly the documented item fields', async () => {
      const body = expectOk(await list({ domain }));
      expect(Object.keys(body).sort()).toEqual(['chamados', 'total']);
      expect(body.total).toBe(4);
      expect(body.chamados).toHaveLength(4);
      for (const item of body.chamados) expect(Object.keys(item).sort()).toEqual(LIST_KEYS);

      const item = body.chamados.find((c: { public_id: string }) => c.public_id === fixing);
      expect(item).toEqual({
        public_id: fixing,
        status: 'em_correcao',
        domain,
        session_id: 'sess_list',
        wizard_step: null,
        wizard_step_label: null,
        sources: ['manual', 'wazuh'],
        max_severity: 12,
        assignee: 'lead',
        title: 'Being fixed',
        created_at: expect.stringMatching(ISO),
        updated_at: expect.stringMatching(ISO),
        event_count: 1,
      });
      expect(Date.parse(item.updated_at)).toBeGreaterThan(Date.parse(item.created_at));

      const untouched = body.chamados.find((c: { public_id: string }) => c.public_id === plain);
      expect(untouched).toMatchObject({ status: 'novo', assignee: null, sources: ['manual'], max_severity: 2, event_count: 0 });
      expect(untouched.public_id).toMatch(PUBLIC_ID);
    });

    it('filters by one status', async () => {
      expect(await listIds({ domain, status: 'novo' })).toEqual([support, plain]);
      expect(await listIds({ domain, status: 'em_correcao' })).toEqual([fixing]);
      expect(await listIds({ domain, status: 'fechado' })).toEqual([]);
    });

    it('filters by a comma-separated list of statuses (spaces tolerated)', async () => {
      expect(await listIds({ domain, status: 'assumido,em_correcao' })).toEqual([fixing, mine]);
      const res = await list({ domain, status: 'novo, em_correcao' });
      expect(res.body.total).toBe(3);
      expect(res.body.chamados.map((c: { public_id: string }) => c.public_id)).toEqual([support, fixing, plain]);
    });

    it('refuses an unknown status with 400 naming it', async () => {
      for (const status of ['bogus', 'novo,bogus', 'NOVO']) {
        const res = await list({ domain, status });
        expectError(res, 400, 'BAD_REQUEST');
        expect(res.body.message).toContain(status.split(',').at(-1));
      }
    });

    it('filters by domain, case-insensitively', async () => {
      expect((await list({ domain: domain.toUpperCase() })).body.total).toBe(4);
      expect(await listIds({ domain: `nothing-${domain}` })).toEqual([]);
    });

    it('filters by assignee username', async () => {
      expect(await listIds({ domain, assignee: 'lead' })).toEqual([fixing]);
      expect(await listIds({ domain, assignee: 'ops' })).toEqual([mine]);
      const nobody = await list({ domain, assignee: 'no-such-user' });
      expect(nobody.body).toEqual({ chamados: [], total: 0 });
    });

    it('filters by source', async () => {
      expect(await listIds({ domain, source: 'wazuh' })).toEqual([fixing]);
      expect(await listIds({ domain, source: 'support' })).toEqual([support]);
      expect(await listIds({ domain, source: 'manual' })).toEqual([fixing, mine, plain]);
      expect(await listIds({ domain, source: 'sentry' })).toEqual([]);
    });

    it('combines filters with AND', async () => {
      expect(await listIds({ domain, status: 'novo', source: 'support' })).toEqual([support]);
      expect(await listIds({ domain, status: 'novo', assignee: 'lead' })).toEqual([]);
      expect(await listIds({ domain, status: 'em_correcao', assignee: 'lead', source: 'wazuh' })).toEqual([fixing]);
    });
  });

  it('serves newest first', async () => {
    const domain = newDomain('rest');
    const created: string[] = [];
    for (const title of ['first', 'second', 'third']) created.push((await newChamado({ domain, title })).publicId);
    const body = expectOk(await list({ domain }));
    expect(body.chamados.map((c: { public_id: string }) => c.public_id)).toEqual([...created].reverse());
    expect(body.chamados.map((c: { title: string }) => c.title)).toEqual(['third', 'second', 'first']);
    const times = body.chamados.map((c: { created_at: string }) => Date.parse(c.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  describe('paging', () => {
    const domain = newDomain('rest');
    const COUNT = 51;
    let all: string[];

    beforeAll(async () => {
      for (let batch = 0; batch < COUNT; batch += 17) {
        const size = Math.min(17, COUNT - batch);
        await Promise.all(Array.from({ length: size }, (_, i) => newChamado({ domain, title: `Paged ${batch + i}` })));
      }
      all = await listIds({ domain, limit: 200 });
    });

    it('limit defaults to 50 while total counts every match', async () => {
      const body = expectOk(await list({ domain }));
      expect(body.chamados).toHaveLength(50);
      expect(body.total).toBe(COUNT);
      expect(body.chamados.map((c: { public_id: string }) => c.public_id)).toEqual(all.slice(0, 50));
    });

    it('accepts limit 200 and limit 1', async () => {
      expect(all).toHaveLength(COUNT);
      expect(new Set(all).size).toBe(COUNT);
      const one = expectOk(await list({ domain, limit: 1 }));
      expect(one.chamados.map((c: { public_id: string }) => c.public_id)).toEqual([all[0]]);
      expect(one.total).toBe(COUNT);
    });

    it('pages with offset without overlap, keeping the filter total', async () => {
      const pages: string[][] = [];
      for (const offset of [0, 20, 40]) {
        const body = expectOk(await list({ domain, limit: 20, offset }));
        expect(body.total).toBe(COUNT);
        pages.push(body.chamados.map((c: { public_id: string }) => c.public_id));
      }
      expect(pages.map((p) => p.length)).toEqual([20, 20, 11]);
      expect(pages.flat()).toEqual(all);
    });

    it('offset past the end is an empty page with the right total', async () => {
      for (const offset of [COUNT, 5000]) {
        expect((await list({ domain, offset })).body).toEqual({ chamados: [], total: COUNT });
      }
    });

    it('refuses out-of-range or non-integer limit and offset with 400', async () => {
      for (const limit of ['0', '201', '-1', 'abc', '1.5', '50x']) {
        const res = await list({ domain, limit });
        expectError(res, 400, 'BAD_REQUEST');
        expect(res.body.message).toMatch(/limit/);
      }
      for (const offset of ['-1', 'ten', '2.5']) {
        const res = await list({ domain, offset });
        expectError(res, 400, 'BAD_REQUEST');
        expect(res.body.message).toMatch(/offset/);
      }
    });
  });
});

describe('GET /api/v1/chamados/{public_id}', () => {
  it('answers the documented detail document', async () => {
    const domain = newDomain('rest');
    const created = await server.gql(
      `mutation Create($input: CreateChamadoInput!) {
        createChamado(input: $input) { ... on Chamado { publicId } ... on Error { code message } }
      }`,
      { input: { title: 'Onboarding failed', domain, sessionId: 'sess_detail', severity: 4, origin: 'support', legacyTicketId: 15 } },
      { as: 'ops' },
    );
    const publicId: string = created.data.createChamado.publicId;
    expect(publicId).toMatch(PUBLIC_ID);
    const [alert, failed] = await insertEvents(server, [
      { source: 'wazuh', eventType: 'wazuh.alert', domain, severity: 12, agent: 'vm112-mail', ruleId: '5712', summary: 'L12 ssh brute force' },
      { source: 'onboard', eventType: 'onboarding.failed', domain, severity: null, summary: 'DNS apply timeout' },
    ]);
    expectOk(await anexar(publicId, [alert, failed]));

    const body = await detail(publicId);
    for (const key of DETAIL_KEYS) expect(body, `missing ${key}`).toHaveProperty(key);
    expect(body).toMatchObject({
      public_id: publicId,
      status: 'novo',
      assignee: null,
      domain,
      session_id: 'sess_detail',
      wizard_step: null,
      wizard_step_at: null,
      assist: null,
      infra: null,
      links: { wazuh_deep_link: null, wizard_admin: null },
      acoes_pendentes: [],
      legacy_ticket_id: 15,
      event_count: 2,
      sources: ['onboard', 'support', 'wazuh'],
      max_severity: 12,
    });
    expect(Object.keys(body.links).sort()).toEqual(['wazuh_deep_link', 'wizard_admin']);

    for (const o of body.observables) expect(Object.keys(o).sort()).toEqual(['fonte', 'tipo', 'valor']);
    expect(body.observables).toEqual(
      expect.arrayContaining([
        { tipo: 'domain', valor: domain, fonte: 'support' },
        { tipo: 'session_id', valor: 'sess_detail', fonte: 'support' },
        { tipo: 'domain', valor: domain, fonte: 'wazuh' },
        { tipo: 'agent', valor: 'vm112-mail', fonte: 'wazuh' },
        { tipo: 'rule_id', valor: '5712', fonte: 'wazuh' },
        { tipo: 'domain', valor: domain, fonte: 'onboard' },
      ]),
    );
    expect(body.observables).toHaveLength(6);

    // Oldest first: the opening, then the two events in id order.
    expect(body.timeline).toHaveLength(3);
    for (const entry of body.timeline) {
      for (const key of ['event_type', 'source', 'created_at', 'summary', 'severity']) expect(entry).toHaveProperty(key);
      expect(entry.created_at).toMatch(ISO);
    }
    expect(body.timeline[0]).toMatchObject({ event_type: 'chamado.criado', source: 'support', summary: 'Onboarding failed', severity: 4 });
    expect(body.timeline[1]).toMatchObject({ event_type: 'wazuh.alert', source: 'wazuh', summary: 'L12 ssh brute force', severity: 12 });
    expect(body.timeline[2]).toMatchObject({ event_type: 'onboarding.failed', source: 'onboard', summary: 'DNS apply timeout', severity: null });
  });

  it('is 404 with a JSON body for an unknown public id', async () => {
    for (const id of ['CH-1999-99999', 'not-a-chamado']) {
      const res = await rest('GET', chamadoPath(id), { as: 'ops' });
      expectError(res, 404, 'NOT_FOUND');
    }
  });

  it('is 404 JSON, not a crash, for a malformed percent-encoded id', async () => {
    const res = await rest('GET', `${BASE}/%E0%A4%A`, { as: 'ops' });
    expectError(res, 404, 'NOT_FOUND');
  });

  it('write paths are 404 for an unknown public id too', async () => {
    const id = 'CH-1999-99998';
    expectError(await assumir(id, {}), 404, 'NOT_FOUND');
    expectError(await anexar(id, [1]), 404, 'NOT_FOUND');
    expectError(await nota(id, { texto: 'hello' }), 404, 'NOT_FOUND');
    expectError(await patch(id, { status: 'assumido' }), 404, 'NOT_FOUND');
  });
});

describe('POST /api/v1/chamados/{public_id}/assumir', () => {
  it('with {} claims a novo chamado: status assumido, assignee the caller', async () => {
    const { publicId } = await newChamado();
    const body = expectOk(await assumir(publicId, {}));
    expect(body).toMatchObject({ public_id: publicId, status: 'assumido', assignee: 'ops' });
    const after = await detail(publicId);
    expect(after).toMatchObject({ status: 'assumido', assignee: 'ops' });
    expect(after.timeline.at(-1)).toMatchObject({ event_type: 'chamado.assumido', source: 'ops', summary: 'Assumido por ops' });
  });

  it('with {"nota"} keeps the note on the claim entry', async () => {
    const { publicId } = await newChamado();
    const body = expectOk(await assumir(publicId, { nota: 'Assumido por NOC' }, 'lead'));
    expect(body).toMatchObject({ public_id: publicId, status: 'assumido', assignee: 'lead' });
    const entry = (await detail(publicId)).timeline.at(-1);
    expect(entry).toMatchObject({ event_type: 'chamado.assumido', summary: 'Assumido por lead', actor: 'lead' });
    expect(entry.data).toMatchObject({ nota: 'Assumido por NOC' });
  });

  it('with no body at all works as {}', async () => {
    const { publicId } = await newChamado();
    const res = await rest('POST', chamadoPath(publicId, '/assumir'), { as: 'ops' });
    expect(expectOk(res)).toMatchObject({ public_id: publicId, status: 'assumido', assignee: 'ops' });
  });

  it('is 409 naming the current assignee when someone else holds it', async () => {
    const { publicId } = await newChamado();
    expectOk(await assumir(publicId, {}));
    const before = await detail(publicId);

    const res = await assumir(publicId, {}, 'lead2');
    expectError(res, 409, 'CLAIMED_BY_ANOTHER');
    expect(res.body.current_assignee).toBe('ops');
    expect(res.body.message).toContain('ops');

    const after = await detail(publicId);
    expect(after).toMatchObject({ assignee: 'ops', version: before.version });
    expect(after.timeline).toHaveLength(before.timeline.length);
  });

  it('claiming what you already hold is a no-op 200', async () => {
    const { publicId } = await newChamado();
    expectOk(await assumir(publicId, {}));
    const before = await detail(publicId);
    expect(expectOk(await assumir(publicId, {}))).toMatchObject({ assignee: 'ops', status: 'assumido', version: before.version });
    expect((await detail(publicId)).timeline).toHaveLength(before.timeline.length);
  });

  it('lets an ops_lead take over with override:true, and records who held it', async () => {
    const { publicId } = await newChamado();
    expectOk(await assumir(publicId, {}));
    const body = expectOk(await assumir(publicId, { override: true, nota: 'escalado' }, 'lead'));
    expect(body).toMatchObject({ public_id: publicId, status: 'assumido', assignee: 'lead' });
    const entry = (await detail(publicId)).timeline.at(-1);
    expect(entry).toMatchObject({ event_type: 'chamado.assumido', summary: 'Assumido por lead (antes: ops)' });
    expect(entry.data).toMatchObject({ previousAssignee: 'ops', override: true, nota: 'escalado' });
    expect(await listIds({ domain: (await detail(publicId)).domain, assignee: 'lead' })).toEqual([publicId]);
  });

  it('refuses override from a plain ops user with 403, changing nothing', async () => {
    const { publicId } = await newChamado();
    expectOk(await assumir(publicId, {}, 'lead'));
    const res = await assumir(publicId, { override: true });
    expectError(res, 403, 'FORBIDDEN_ACTION');
    expect((await detail(publicId)).assignee).toBe('lead');
  });

  it('serializes concurrent claims: one wins, the other is told who', async () => {
    // A race only shows sometimes, so race several times; every round must have exactly one winner.
    for (let round = 0; round < 8; round++) {
      const { publicId } = await newChamado();
      const [a, b] = await Promise.all([assumir(publicId, {}, 'ops'), assumir(publicId, {}, 'lead')]);
      expect([a.status, b.status].sort(), `round ${round}: ${JSON.stringify([a.body, b.body])}`).toEqual([200, 409]);
      const winner = a.status === 200 ? a : b;
      const loser = a.status === 200 ? b : a;
      expect(loser.body).toMatchObject({ error: 'CLAIMED_BY_ANOTHER', current_assignee: winner.body.assignee });
      const after = await detail(publicId);
      expect(after.assignee).toBe(winner.body.assignee);
      expect(after.timeline.filter((e: { event_type: string }) => e.event_type === 'chamado.assumido')).toHaveLength(1);
    }
  });

  it('is 403 for a viewer and 401 without a token', async () => {
    const { publicId } = await newChamado();
    expectError(await assumir(publicId, {}, 'viewer'), 403, 'FORBIDDEN');
    expectError(await rest('POST', chamadoPath(publicId, '/assumir'), { body: {} }), 401, 'UNAUTHENTICATED');
    expect((await detail(publicId)).assignee).toBeNull();
  });

  it('refuses malformed JSON, unknown fields and wrong types with 400', async () => {
    const { publicId } = await newChamado();
    const path = chamadoPath(publicId, '/assumir');
    expectError(await rest('POST', path, { as: 'ops', rawBody: '{"nota": ' }), 400, 'MALFORMED_JSON');

    const unknownField = await assumir(publicId, { nota: 'x', assignee: 'viewer' });
    expectError(unknownField, 400, 'BAD_REQUEST');
    expect(unknownField.body.message).toContain('assignee');

    expectError(await assumir(publicId, { override: 'yes' }), 400, 'BAD_REQUEST');
    expectError(await assumir(publicId, []), 400, 'BAD_REQUEST');
    const blank = await assumir(publicId, { nota: '   ' });
    expectError(blank, 400, 'VALIDATION_FAILED');
    expect(blank.body.issues).toEqual([{ path: 'nota', message: expect.any(String) }]);

    expect(await detail(publicId)).toMatchObject({ status: 'novo', assignee: null });
  });
});

describe('POST /api/v1/chamados/{public_id}/eventos/anexar', () => {
  it('attaches events and updates count, sources and severity', async () => {
    const { publicId, domain } = await newChamado({ severity: 3 });
    const ids = await insertEvents(server, [
      { source: 'wazuh', severity: 12, domain, agent: 'vm112-mail', summary: 'alert a' },
      { source: 'wazuh', severity: 5, domain, summary: 'alert b' },
    ]);
    const body = expectOk(await anexar(publicId, ids));
    expect(body).toEqual({ public_id: publicId, attached: 2, timeline_count: 3 });

    const after = await detail(publicId);
    expect(after).toMatchObject({ event_count: 2, sources: ['manual', 'wazuh'], max_severity: 12 });
    expect(after.timeline).toHaveLength(3);
    expect(after.timeline.slice(1).map((e: { webhook_event_id: number }) => e.webhook_event_id)).toEqual(ids);
    expect(after.observables).toContainEqual({ tipo: 'agent', valor: 'vm112-mail', fonte: 'wazuh' });

    const [onboard] = await insertEvents(server, [{ source: 'onboard', eventType: 'dns.applied', severity: 1, summary: 'dns' }]);
    expect(expectOk(await anexar(publicId, [onboard!]))).toEqual({ public_id: publicId, attached: 1, timeline_count: 4 });
    expect(await detail(publicId)).toMatchObject({ event_count: 3, sources: ['manual', 'onboard', 'wazuh'], max_severity: 12 });
  });

  it('is idempotent: re-attaching changes nothing', async () => {
    const { publicId } = await newChamado();
    const ids = await insertEvents(server, [{ severity: 7 }, { severity: 9 }]);
    expect(expectOk(await anexar(publicId, ids))).toMatchObject({ attached: 2, timeline_count: 3 });
    const before = await detail(publicId);

    expect(expectOk(await anexar(publicId, ids))).toEqual({ public_id: publicId, attached: 0, timeline_count: 3 });
    expect(expectOk(await anexar(publicId, [ids[0], ids[0]]))).toEqual({ public_id: publicId, attached: 0, timeline_count: 3 });
    const after = await detail(publicId);
    expect(after).toMatchObject({ event_count: 2, max_severity: 9, version: before.version, updated_at: before.updated_at });
    expect(after.timeline).toHaveLength(3);

    // A mix attaches only the new one.
    const [fresh] = await insertEvents(server, [{ severity: 1 }]);
    expect(expectOk(await anexar(publicId, [...ids, fresh]))).toMatchObject({ attached: 1, timeline_count: 4 });
    expect((await detail(publicId)).event_count).toBe(3);
  });

  it('duplicate ids in one request attach once', async () => {
    const { publicId } = await newChamado();
    const [id] = await insertEvents(server, [{}]);
    expect(expectOk(await anexar(publicId, [id, id, id]))).toMatchObject({ attached: 1, timeline_count: 2 });
    expect((await detail(publicId)).event_count).toBe(1);
  });

  it('is 422 for an unknown event id and attaches none of the batch', async () => {
    const { publicId } = await newChamado();
    const [known] = await insertEvents(server, [{ severity: 14 }]);
    const res = await anexar(publicId, [known, 2_147_483_647]);
    expectError(res, 422, 'UNKNOWN_REFERENCE');
    expect(res.body).toMatchObject({ resource: 'events', keys: ['2147483647'] });

    const after = await detail(publicId);
    expect(after).toMatchObject({ event_count: 0, sources: ['manual'], max_severity: null });
    expect(after.timeline).toHaveLength(1);
  });

  it('refuses an empty list and wrong types with 400', async () => {
    const { publicId } = await newChamado();
    for (const ids of [[], '1', ['1'], [1.5], [0], [-3], null, [3_000_000_000]]) {
      expectError(await anexar(publicId, ids), 400, 'BAD_REQUEST');
    }
    expectError(await rest('POST', chamadoPath(publicId, '/eventos/anexar'), { as: 'ops', body: {} }), 400, 'BAD_REQUEST');
    expect((await detail(publicId)).timeline).toHaveLength(1);
  });
});

describe('POST /api/v1/chamados/{public_id}/notas', () => {
  it('adds the note (trimmed) to the timeline with 201', async () => {
    const { publicId } = await newChamado();
    const res = await nota(publicId, { texto: '  Cliente confirmou DNS propagado \n' });
    const body = expectOk(res, 201);
    expect(body).toMatchObject({
      public_id: publicId,
      texto: 'Cliente confirmou DNS propagado',
      autor: 'ops',
      created_at: expect.stringMatching(ISO),
    });
    const after = await detail(publicId);
    expect(after.timeline).toHaveLength(2);
    expect(after.timeline.at(-1)).toMatchObject({
      event_type: 'nota',
      source: 'ops',
      summary: 'Cliente confirmou DNS propagado',
      created_at: body.created_at,
    });
    expect(after.version).toBe(body.version);
  });

  it('refuses empty or whitespace texto with 400 and adds nothing', async () => {
    const { publicId } = await newChamado();
    for (const texto of ['', '   ', '\n\t']) {
      const res = await nota(publicId, { texto });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.issues).toEqual([{ path: 'texto', message: expect.any(String) }]);
    }
    expectError(await nota(publicId, {}), 400, 'BAD_REQUEST');
    expectError(await nota(publicId, { texto: 42 }), 400, 'BAD_REQUEST');
    expect((await detail(publicId)).timeline).toHaveLength(1);
  });

  it('is 409 with a stale expected_version', async () => {
    const { publicId } = await newChamado();
    const { version } = await detail(publicId);
    const first = expectOk(await nota(publicId, { texto: 'one', expected_version: version }), 201);
    expect(first.version).toBeGreaterThan(version);
    const stale = await nota(publicId, { texto: 'two', expected_version: version });
    expectError(stale, 409, 'STALE_VERSION');
    expect(stale.body).toMatchObject({ expected_version: version, current_version: first.version });
    expect((await detail(publicId)).timeline.map((e: { summary: string }) => e.summary)).not.toContain('two');
  });
});

describe('PATCH /api/v1/chamados/{public_id}', () => {
  it('walks novo → assumido → em_correcao → resolvido → fechado, each on the timeline', async () => {
    const { publicId, domain } = await newChamado();
    const steps = [
      { status: 'assumido' },
      { status: 'em_correcao', nota: 'A corrigir cert admin' },
      { status: 'resolvido', nota: 'Cert renovado' },
      { status: 'fechado' },
    ];
    let version = (await detail(publicId)).version;
    for (const step of steps) {
      const body = expectOk(await patch(publicId, step, 'lead'));
      expect(body).toMatchObject({ public_id: publicId, status: step.status, assignee: 'lead', updated_at: expect.stringMatching(ISO) });
      expect(body.version).toBeGreaterThan(version);
      version = body.version;
    }

    const after = await detail(publicId);
    expect(after).toMatchObject({ status: 'fechado', assignee: 'lead', version });
    const statusEntries = after.timeline.filter((e: { event_type: string }) => e.event_type.startsWith('status.'));
    expect(statusEntries.map((e: { event_type: string; summary: string; source: string }) => [e.event_type, e.summary, e.source])).toEqual([
      ['status.assumido', 'novo → assumido', 'ops'],
      ['status.em_correcao', 'assumido → em_correcao: A corrigir cert admin', 'ops'],
      ['status.resolvido', 'em_correcao → resolvido: Cert renovado', 'ops'],
      ['status.fechado', 'resolvido → fechado', 'ops'],
    ]);
    expect(await listIds({ domain, status: 'fechado' })).toEqual([publicId]);
  });

  it('is 422 for an illegal transition, listing the allowed statuses, and changes nothing', async () => {
    const { publicId } = await newChamado();
    const before = await detail(publicId);
    const res = await patch(publicId, { status: 'resolvido', nota: 'skip ahead' });
    expectError(res, 422, 'INVALID_TRANSITION');
    expect(res.body).toMatchObject({ from: 'novo', to: 'resolvido', allowed: ['assumido'] });

    const after = await detail(publicId);
    expect(after).toMatchObject({ status: 'novo', assignee: null, version: before.version, updated_at: before.updated_at });
    expect(after.timeline).toHaveLength(before.timeline.length);

    expectOk(await patch(publicId, { status: 'assumido' }));
    const fromAssumido = await patch(publicId, { status: 'fechado' });
    expectError(fromAssumido, 422, 'INVALID_TRANSITION');
    expect(fromAssumido.body.allowed).toEqual(['em_correcao', 'aguardando']);
  });

  it('refuses an unknown or missing status value with 400', async () => {
    const { publicId } = await newChamado();
    for (const body of [{ status: 'bogus' }, { status: 'ASSUMIDO' }, { nota: 'no status' }, { status: 3 }]) {
      expectError(await patch(publicId, body), 400, 'BAD_REQUEST');
    }
    expectError(await rest('PATCH', chamadoPath(publicId), { as: 'ops', rawBody: 'status=assumido' }), 400, 'MALFORMED_JSON');
    expect((await detail(publicId)).status).toBe('novo');
  });

  it('is 409 with a stale expected_version, naming both versions', async () => {
    const { publicId } = await newChamado();
    const { version } = await detail(publicId);
    const moved = expectOk(await patch(publicId, { status: 'assumido', expected_version: version }));
    const res = await patch(publicId, { status: 'em_correcao', expected_version: version });
    expectError(res, 409, 'STALE_VERSION');
    expect(res.body).toMatchObject({ expected_version: version, current_version: moved.version });
    expect((await detail(publicId)).status).toBe('assumido');
  });

  it('refuses an expected_version that is not a positive 32-bit integer with 400', async () => {
    const { publicId } = await newChamado();
    for (const expected_version of [0, -1, 1.5, '1', 99_999_999_999]) {
      expectError(await patch(publicId, { status: 'assumido', expected_version }), 400, 'BAD_REQUEST');
    }
    expect((await detail(publicId)).status).toBe('novo');
  });
});

describe('authentication and roles on every chamado path', () => {
  let publicId: string;
  beforeAll(async () => {
    publicId = (await newChamado()).publicId;
  });

  const forged = () =>
    jwt.sign({ username: 'admin', role: 'admin' }, 'not-the-server-secret-at-all', {
      subject: '1',
      issuer: 'opsgraph',
      audience: 'opsgraph-api',
      expiresIn: '1h',
    });

  const endpoints: { name: string; method: string; path: () => string; body?: unknown; write: boolean }[] = [
    { name: 'GET list', method: 'GET', path: () => BASE, write: false },
    { name: 'GET detail', method: 'GET', path: () => chamadoPath(publicId), write: false },
    { name: 'POST assumir', method: 'POST', path: () => chamadoPath(publicId, '/assumir'), body: {}, write: true },
    { name: 'POST anexar', method: 'POST', path: () => chamadoPath(publicId, '/eventos/anexar'), body: { webhook_event_ids: [1] }, write: true },
    { name: 'POST notas', method: 'POST', path: () => chamadoPath(publicId, '/notas'), body: { texto: 'sneaky' }, write: true },
    { name: 'PATCH status', method: 'PATCH', path: () => chamadoPath(publicId), body: { status: 'assumido' }, write: true },
  ];

  it.each(endpoints)('$name: 401 without a token, with garbage and with a forged token', async ({ method, path, body }) => {
    const missing = await rest(method, path(), { body });
    expectError(missing, 401, 'UNAUTHENTICATED');
    expect(missing.body.message).toBe('authentication required');
    for (const token of ['garbage', 'a.b.c', forged()]) {
      const bad = await rest(method, path(), { body, token });
      expectError(bad, 401, 'UNAUTHENTICATED');
      expect(bad.body.message).toBe('invalid or expired token');
    }
  });

  it.each(endpoints)('$name: a viewer may read but not write', async ({ method, path, body, write }) => {
    const res = await rest(method, path(), { body, as: 'viewer' });
    if (write) expectError(res, 403, 'FORBIDDEN');
    else expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('nothing above changed the chamado', async () => {
    const body = await detail(publicId, 'viewer');
    expect(body).toMatchObject({ public_id: publicId, status: 'novo', assignee: null, event_count: 0 });
    expect(body.timeline).toHaveLength(1);
  });
});

describe('POST /discovery/v1/authentication', () => {
  const PATH = '/discovery/v1/authentication';
  const login = (body: unknown) => rest('POST', PATH, { body });

  it('answers the user and a working token for the right base64 password', async () => {
    const res = await login({ username: 'ops', password: b64('opsgraph-ops') });
    const body = expectOk(res);
    expect(Object.keys(body).sort()).toEqual(['avatar', 'dialect', 'email', 'fullName', 'token', 'username']);
    expect(body).toEqual({
      username: 'ops',
      email: 'ops@opsgraph.test',
      fullName: 'Otávio Ops',
      dialect: 'pt-BR',
      avatar: null,
      token: expect.stringMatching(JWT),
    });

    const listed = await rest('GET', `${BASE}?limit=1`, { token: body.token });
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body).toEqual({ chamados: expect.any(Array), total: expect.any(Number) });
    // The token carries the user's role: ops may write.
    const { publicId } = await newChamado();
    expect(expectOk(await rest('POST', chamadoPath(publicId, '/assumir'), { token: body.token, body: {} })).assignee).toBe('ops');
  });

  it('a viewer token from here is still only a viewer', async () => {
    const { token } = expectOk(await login({ username: 'viewer', password: b64('opsgraph-viewer') }));
    const { publicId } = await newChamado();
    expect((await rest('GET', chamadoPath(publicId), { token })).status).toBe(200);
    expectError(await rest('POST', chamadoPath(publicId, '/assumir'), { token, body: {} }), 403, 'FORBIDDEN');
  });

  it('is 401 for a wrong password and the very same 401 for an unknown user', async () => {
    const wrong = await login({ username: 'ops', password: b64('opsgraph-lead') });
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    const unknown = await login({ username: `ghost-${unique('u')}`, password: b64('opsgraph-ops') });
    expectError(unknown, 401, 'INVALID_CREDENTIALS');
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body).not.toHaveProperty('token');
    expectError(await login({ username: 'ops', password: 'base64:' }), 401, 'INVALID_CREDENTIALS');
  });

  it('is 403 for a disabled user with the right password', async () => {
    const res = await login({ username: 'disabled', password: b64('opsgraph-disabled') });
    expectError(res, 403, 'USER_DISABLED');
    expect(res.body).not.toHaveProperty('token');
  });

  it('is 400 when the password is not sent as base64:<encoded>', async () => {
    for (const password of ['opsgraph-ops', Buffer.from('opsgraph-ops').toString('base64'), 'plain:opsgraph-ops', 'base64:not base64!', 'base64:abcde']) {
      const res = await login({ username: 'ops', password });
      expectError(res, 400, 'BAD_REQUEST');
      expect(res.body.message).toMatch(/base64/);
    }
  });

  it('is 400 for missing or malformed fields', async () => {
    for (const body of [{}, { username: 'ops' }, { password: b64('opsgraph-ops') }, { username: '', password: b64('x') }, { username: 'ops', password: 7 }]) {
      expectError(await login(body), 400, 'BAD_REQUEST');
    }
    expectError(await rest('POST', PATH, {}), 400, 'BAD_REQUEST');
    expectError(await rest('POST', PATH, { rawBody: '{"username":' }), 400, 'MALFORMED_JSON');
  });
});

describe('routing', () => {
  it('an unknown path under /api/ or /discovery/ is a JSON 404', async () => {
    for (const path of ['/api/v1/nothing', '/api/v2/chamados', '/api/v1/chamados/CH-2026-00001/unknown', '/discovery/v1/nope']) {
      expectError(await rest('GET', path, { as: 'ops' }), 404, 'NOT_FOUND');
    }
  });

  it('a trailing slash reaches the same route', async () => {
    const { publicId, domain } = await newChamado();
    expect(await listIds({ domain })).toEqual([publicId]);
    const res = await rest('GET', `${BASE}/?domain=${domain}`, { as: 'ops' });
    expect(res.body.chamados.map((c: { public_id: string }) => c.public_id)).toEqual([publicId]);
  });

  it('a wrong method on a known path is a JSON 405 that says what is allowed', async () => {
    const cases: [string, string, string[]][] = [
      ['DELETE', BASE, ['GET']],
      ['POST', BASE, ['GET']],
      ['PUT', chamadoPath('CH-2026-00001'), ['GET', 'PATCH']],
      ['GET', chamadoPath('CH-2026-00001', '/assumir'), ['POST']],
      ['PATCH', chamadoPath('CH-2026-00001', '/notas'), ['POST']],
      ['GET', '/discovery/v1/authentication', ['POST']],
    ];
    for (const [method, path, allowed] of cases) {
      const res = await rest(method, path, { as: 'ops', body: method === 'GET' ? undefined : {} });
      expectError(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.get('allow')?.split(/,\s*/).sort(), `${method} ${path}`).toEqual(allowed);
    }
  });
});
