import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { RestRoute } from '../src/edge/rest/route.ts';
import { REST_ROUTES } from '../src/edge/rest/routes.ts';
import { ensureUser } from '../src/services/auth/accounts.ts';
import { NORMALIZERS } from '../src/services/ingest/sources/index.ts';
import { hostileNumber, hostileText, malformedJson, pathSegment, poisonedJson, poisonedText, tableFingerprints } from './helpers/hostile-values.ts';
import { scratchDatabase } from './helpers/scratch-database.ts';
import { startTestServer, unique, type TestServer } from './helpers/server.ts';

/*
 * "Bad input everywhere": fast-check throws malformed JSON, wrong types, huge strings, unicode edge
 * cases, out-of-range numbers, unknown enum values and injection-looking strings at every REST
 * shim, every webhook receiver and every mutation. Each answer must be a 4xx that says what was
 * wrong (never a 5xx), and the database must be exactly as before.
 *
 * The server runs on a scratch database of its own, so the before/after fingerprint of every
 * table sees only this file's traffic. Excluded from the fingerprint, because they record
 * refusals on purpose:
 *  - dead_letters: an authenticated delivery whose body misfits its source is kept for operators
 *    to replay (README "Ingesting events"); storing it is the documented answer to bad input.
 *  - the pg-boss schema: only `public` is fingerprinted (queue bookkeeping is not domain state).
 * Failed logins are counted in memory / Redis, not in a table, so `users` stays fingerprinted.
 *
 * Every generated value is invalid by construction (a wrong type, an unknown field, an
 * out-of-range number, or a string carrying U+0000, which the API refuses up front), so an
 * unchanged database is a requirement and not luck. Runs are few and seeded: a failure prints
 * its seed and counterexample for `fc.assert(..., { seed })`.
 */

const SEED = Number(process.env.FC_SEED ?? 20251205);
const runs = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true });
const ALL_ROUTES = REST_ROUTES;
const UNCHANGED_EXCEPT = ['dead_letters'];
const config = loadConfig({ NODE_ENV: 'test' });
const admin = { username: unique('hostile-admin'), password: unique('pw') };

let db: { url: string; orm: MikroORM; drop: () => Promise<void> };
let server: TestServer;
let token: string;
let before: Record<string, string>;

beforeAll(async () => {
  db = await scratchDatabase();
  await ensureUser(db.orm.em.fork(), { ...admin, fullName: 'Hostile Admin', role: 'admin', email: `${admin.username}@opsgraph.test` });
  server = await startTestServer({ DATABASE_URL: db.url });
  const login = await server.gql<{ login: { token?: string } }>(
    'mutation HostileLogin($u: String!, $p: String!) { login(username: $u, password: $p) { ... on LoginPayload { token } } }',
    { u: admin.username, p: admin.password },
  );
  token = login.data!.login.token!;
  before = await tableFingerprints(db.orm, UNCHANGED_EXCEPT);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

/** A refusal a client can act on: 4xx, and a message (ours, GraphQL's or FastAPI's shape). */
function expectClearRefusal(label: string, status: number, body: any): void {
  expect(status, `${label}: ${JSON.stringify(body)?.slice(0, 500)}`).toBeGreaterThanOrEqual(400);
  expect(status, `${label}: ${JSON.stringify(body)?.slice(0, 500)}`).toBeLessThan(500);
  const message = body?.message ?? body?.errors?.[0]?.message ?? body?.detail?.[0]?.msg ?? body?.detail;
  expect(typeof message === 'string' && message.length > 0, `${label}: no message in ${JSON.stringify(body)?.slice(0, 500)}`).toBe(true);
}

async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // kept as text for the failure message
  }
  return { status: res.status, body: parsed as any };
}

describe('REST shims', () => {
  const queryString = fc
    .array(fc.tuple(fc.constantFrom('limit', 'page', 'page_size', 'offset', 'status', 'domain', 'since', 'hours', 'q', 'project_id', 'event_id'), fc.oneof(hostileText, hostileNumber.map(String))), { maxLength: 3 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${pathSegment(v.slice(0, 200))}`).join('&')}` : ''));

  const bodyFor = (route: RestRoute<any>): fc.Arbitrary<string> => {
    const shape = (route.body as { shape?: Record<string, unknown> } | undefined)?.shape;
    const keys = shape ? Object.keys(shape) : [];
    return fc.oneof(
      malformedJson,
      poisonedJson.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v)),
      // The route's own field names, each holding a value no field accepts.
      keys.length
        ? fc.dictionary(fc.constantFrom(...keys), poisonedJson, { minKeys: 1, maxKeys: 4 }).map((v) => JSON.stringify(v))
        : poisonedJson.map((v) => JSON.stringify(v)),
    );
  };

  for (const route of ALL_ROUTES) {
    const paramNames = [...route.path.matchAll(/:([a-zA-Z]+)/g)].map((m) => m[1]!);
    // A GET without path parameters may ignore an unknown query parameter and list as usual.
    const mayList = route.method === 'GET' && paramNames.length === 0;
    it(`${route.method} ${route.path}: ${mayList ? 'never a 5xx' : 'a 4xx with a message'}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(hostileText.map((t) => t.slice(0, 200)), { minLength: paramNames.length, maxLength: paramNames.length }),
          queryString,
          route.body ? bodyFor(route) : fc.constant(undefined),
          async (params, query, body) => {
            let i = 0;
            const path = route.path.replace(/:([a-zA-Z]+)/g, () => pathSegment(params[i++]!)) + query;
            const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'x-operator-key': config.operatorKey };
            if (body !== undefined) headers['content-type'] = 'application/json';
            const res = await send(route.method, path, headers, body);
            const label = `${route.method} ${path.slice(0, 200)}`;
            if (mayList && res.status < 300) return;
            expectClearRefusal(label, res.status, res.body);
          },
        ),
        runs(route.body ? 25 : 12),
      );
    }, 60_000);
  }
});

/** A value of another JSON type than `original` (a string for a number, a number for an object …). */
function otherType(original: unknown): fc.Arbitrary<unknown> {
  const text = hostileText.filter((t) => !t.includes('\u0000')).map((t) => t.slice(0, 2000));
  if (typeof original === 'string') return fc.oneof(hostileNumber, fc.boolean(), fc.constant([]), text.map((t) => ({ [t.slice(0, 20)]: t })));
  if (typeof original === 'number' || typeof original === 'boolean') return fc.oneof(text, fc.constant([]), fc.constant({}));
  if (Array.isArray(original)) return fc.oneof(text, hostileNumber, fc.constant({}));
  return fc.oneof(text, hostileNumber, fc.constant([]));
}

/**
 * The source's own captured payload with every top-level field of another type: the shape a
 * normalizer knows, wrong everywhere. (NUL-free: ingestion stores a NUL as U+FFFD by design.)
 */
function mistypedFixture(source: string): fc.Arbitrary<string> {
  const name = readdirSync(FIXTURES).find((f) => f.startsWith(FIXTURE_OF[source] ?? source));
  if (!name) return malformedJson;
  const fixture = JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
  return fc.record(Object.fromEntries(Object.entries(fixture).map(([k, v]) => [k, otherType(v)]))).map((v) => JSON.stringify(v));
}
const FIXTURES = new URL('./fixtures/payloads/', import.meta.url);
const FIXTURE_OF: Record<string, string> = { signoz: 'alertmanager-firing', events: 'generic-support' };

describe('webhook receivers (authenticated, so bodies reach the normalizers)', () => {
  const secretFor = (source: string) => config.ingest.webhookSecrets[source]!;
  for (const source of Object.keys(NORMALIZERS)) {
    it(`POST /api/v1/webhooks/${source}: a 4xx with a message`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(malformedJson, poisonedJson.map((v) => JSON.stringify(v)), mistypedFixture(source)),
          fc.option(hostileText.map((t) => `?project_id=${pathSegment(t.slice(0, 200))}`), { nil: '' }),
          async (body, query) => {
            const res = await send('POST', `/api/v1/webhooks/${source}${query}`, { 'content-type': 'application/json', 'x-webhook-secret': secretFor(source) }, body);
            expectClearRefusal(`${source} ${body.slice(0, 200)}`, res.status, res.body);
          },
        ),
        runs(25),
      );
    }, 60_000);
  }
});

// ---- mutations, from the running schema ----

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface SchemaType {
  name: string;
  kind: string;
  inputFields: { name: string; type: TypeRef }[] | null;
  enumValues: { name: string }[] | null;
}
interface MutationField {
  name: string;
  args: { name: string; type: TypeRef }[];
  type: TypeRef;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
const INTROSPECT = `query HostileIntrospect { __schema {
  mutationType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
  types { name kind inputFields { name type { ${TYPE_REF} } } enumValues { name } }
} }`;

/** A bare GraphQL name in an inline literal (an enum value), as opposed to a string. */
class EnumName {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}
/** Marks "no wrong value exists for this type" (the JSON scalar accepts anything). */
const ANY_ACCEPTED = Symbol('any accepted');

const typeText = (t: TypeRef): string =>
  t.kind === 'NON_NULL' ? `${typeText(t.ofType!)}!` : t.kind === 'LIST' ? `[${typeText(t.ofType!)}]` : t.name!;
const named = (t: TypeRef): TypeRef => (t.ofType ? named(t.ofType) : t);

function literal(v: unknown): string {
  if (v instanceof EnumName) return v.name;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${/^[_A-Za-z]\w*$/.test(k) ? k : `k_${Buffer.from(k).toString('hex').slice(0, 20)}`}: ${literal(x)}`);
  return `{${entries.join(', ')}}`;
}
const jsonOf = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof EnumName ? x.name : x)));

describe('mutations', () => {
  let mutations: MutationField[] = [];
  let types = new Map<string, SchemaType>();

  beforeAll(async () => {
    const res = await server.gql<any>(INTROSPECT, {}, { token });
    mutations = res.data.__schema.mutationType.fields;
    types = new Map((res.data.__schema.types as SchemaType[]).map((t) => [t.name, t]));
  });

  /** A value the type cannot accept (or ANY_ACCEPTED when none exists). */
  function wrongFor(t: TypeRef): fc.Arbitrary<unknown> {
    if (t.kind === 'NON_NULL') {
      const inner = wrongFor(t.ofType!);
      return fc.oneof(fc.constant(null), inner);
    }
    if (t.kind === 'LIST') return wrongFor(t.ofType!).map((x) => (x === ANY_ACCEPTED ? x : [x]));
    const type = types.get(t.name!)!;
    const unknownField = fc
      .tuple(hostileText, mistypedText)
      .map(([k, v]) => ({ [`zzUnknown${Buffer.from(k).toString('hex').slice(0, 12)}`]: v }));
    switch (type.kind) {
      case 'ENUM':
        return fc.oneof(fc.string({ unit: fc.constantFrom(...'ABCXYZ_'), minLength: 1, maxLength: 12 }).map((s) => new EnumName(`NOT_A_VALUE_${s}`)), hostileNumber);
      case 'INPUT_OBJECT':
        return fc.oneof(mistypedText, hostileNumber, unknownField);
      default:
        switch (type.name) {
          case 'String':
            return fc.oneof(hostileNumber, fc.boolean(), fc.constant([[1]]), unknownField);
          case 'ID':
            return fc.oneof(fc.boolean(), fc.constant(0.5), unknownField);
          case 'Int':
            return fc.oneof(mistypedText, hostileNumber, fc.constant(0.5), fc.boolean());
          case 'Float':
            return fc.oneof(mistypedText, fc.boolean(), unknownField);
          case 'Boolean':
            return fc.oneof(mistypedText, hostileNumber, unknownField);
          case 'DateTime':
            return fc.oneof(mistypedText, fc.boolean(), unknownField);
          default:
            return fc.constant(ANY_ACCEPTED);
        }
    }
  }
  // Without a NUL: the guard for it answers before coercion, and this property is about the type check.
  const mistypedText = hostileText.filter((s) => !s.includes('\u0000')).map((s) => s.slice(0, 2000));

  /** A well-typed value whose every string carries a NUL. */
  function rightFor(t: TypeRef, depth = 0): fc.Arbitrary<unknown> {
    if (t.kind === 'NON_NULL') return rightFor(t.ofType!, depth);
    if (t.kind === 'LIST') return fc.array(rightFor(t.ofType!, depth), { minLength: 1, maxLength: 2 });
    const type = types.get(t.name!)!;
    if (type.kind === 'ENUM') return fc.constantFrom(...type.enumValues!.map((v) => v.name));
    if (type.kind === 'INPUT_OBJECT') {
      // Nullable fields of a nested input stop the recursion of self-referencing inputs.
      const fields = type.inputFields!.filter((f) => depth < 2 || f.type.kind === 'NON_NULL');
      return fc.record(Object.fromEntries(fields.map((f) => [f.name, rightFor(f.type, depth + 1)])));
    }
    if (type.name === 'Int') return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    if (type.name === 'Float') return fc.double({ noNaN: true, noDefaultInfinity: true });
    if (type.name === 'Boolean') return fc.boolean();
    return poisonedText;
  }

  const selection = (m: MutationField) => (['SCALAR', 'ENUM'].includes(types.get(named(m.type).name!)!.kind) ? '' : ' { __typename }');

  async function post(query: string, variables: Record<string, unknown>) {
    return send('POST', '/graphql', { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` }, JSON.stringify({ query, variables }));
  }

  it('every mutation refuses wrongly typed arguments, as variables and as inline literals', async () => {
    expect(mutations.length).toBeGreaterThan(10);
    for (const m of mutations) {
      const wrongs = m.args.map((a) => ({ arg: a, wrong: wrongFor(a.type) }));
      const args = fc.tuple(...wrongs.map((w) => w.wrong));
      const refutable = (values: unknown[]) => values.some((v) => v !== ANY_ACCEPTED);
      await fc.assert(
        fc.asyncProperty(args, fc.boolean(), async (values, inline) => {
          const given = wrongs.map((w, i) => ({ name: w.arg.name, type: w.arg.type, value: values[i] })).filter((g) => g.value !== ANY_ACCEPTED);
          let res;
          if (inline || !refutable(values)) {
            // No argument can be mistyped (none, or JSON only): an unknown argument instead.
            const list = refutable(values) ? given.map((g) => `${g.name}: ${literal(g.value)}`) : [`zzNoSuchArgument: ${literal('x')}`];
            res = await post(`mutation HostileInline { ${m.name}(${list.join(', ')})${selection(m)} }`, {});
          } else {
            const decl = given.map((g) => `$${g.name}: ${typeText(g.type)}`).join(', ');
            const call = given.map((g) => `${g.name}: $${g.name}`).join(', ');
            res = await post(`mutation HostileVars(${decl}) { ${m.name}(${call})${selection(m)} }`, Object.fromEntries(given.map((g) => [g.name, jsonOf(g.value)])));
          }
          expectClearRefusal(`${m.name} ${inline ? 'inline' : 'variables'}`, res.status, res.body);
          expect(res.body.data ?? null, m.name).toBeNull();
        }),
        runs(8),
      );
    }
  }, 120_000);

  /** Whether a value of this type can hold a string (so a NUL can ride in it). */
  function holdsText(t: TypeRef, seen = new Set<string>()): boolean {
    const type = types.get(named(t).name!)!;
    if (type.kind === 'SCALAR') return !['Int', 'Float', 'Boolean'].includes(type.name);
    if (type.kind !== 'INPUT_OBJECT' || seen.has(type.name)) return false;
    seen.add(type.name);
    return type.inputFields!.some((f) => holdsText(f.type, seen));
  }

  it('every mutation with text arguments refuses well-typed values that carry hostile text', async () => {
    const withText = mutations.filter((m) => m.args.some((a) => holdsText(a.type)));
    expect(withText.length).toBeGreaterThan(10);
    for (const m of withText) {
      const args = fc.record(Object.fromEntries(m.args.map((a) => [a.name, rightFor(a.type)])));
      await fc.assert(
        fc.asyncProperty(args, async (values) => {
          fc.pre(JSON.stringify(values).includes('\\u0000'));
          const decl = m.args.map((a) => `$${a.name}: ${typeText(a.type)}`).join(', ');
          const call = m.args.map((a) => `${a.name}: $${a.name}`).join(', ');
          const res = await post(`mutation HostileText(${decl}) { ${m.name}(${call})${selection(m)} }`, values);
          expectClearRefusal(m.name, res.status, res.body);
          expect(res.body.errors[0].extensions?.code, m.name).toBe('BAD_USER_INPUT');
          expect(res.body.data?.[m.name] ?? null, m.name).toBeNull();
        }),
        { ...runs(5), maxSkipsPerRun: 50 },
      );
    }
  }, 120_000);
});

describe('afterwards', () => {
  it('the database is exactly as before (but for the dead letters kept on purpose)', async () => {
    expect(await tableFingerprints(db.orm, UNCHANGED_EXCEPT)).toEqual(before);
  });
});
