import { emit } from './output.ts';
import { views, type View } from './views.ts';

const TARGET_P95_MS = 100;

/** The admin's bearer header, from the login mutation. */
async function authHeader(url: string, username: string, password: string): Promise<{ authorization: string }> {
  const login = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation L($u: String!, $p: String!) { login(username: $u, password: $p) { ... on LoginPayload { token } ... on Error { message } } }',
      variables: { u: username, p: password },
    }),
  });
  const token = ((await login.json()) as { data: { login: { token: string } } }).data.login.token;
  return { authorization: `Bearer ${token}` };
}

const pct = (sorted: number[], p: number) => Number(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(1));

/**
 * Each view `requests` times in sequence at its largest limit (after 10 warm-up requests), through
 * its REST path; one result line per view.
 */
export async function measureViews(url: string, admin: { username: string; password: string }, requests: number): Promise<void> {
  const auth = await authHeader(url, admin.username, admin.password);

  async function call(view: View, limit: number): Promise<{ ms: number; statements: number; status: number; body: any }> {
    const started = performance.now();
    const res = await fetch(`${url}${view.rest(limit)}`, { headers: auth });
    const body = await res.json();
    const ms = performance.now() - started;
    return { ms, statements: Number(res.headers.get('x-sql-statements')), status: res.status, body };
  }

  for (const view of views) {
    const first = await call(view, view.maxLimit);
    if (first.status !== 200) {
      emit({ view: view.name, transport: 'rest', error: `answered ${first.status}: ${JSON.stringify(first.body).slice(0, 500)}` });
      continue;
    }
    for (let i = 0; i < 10; i++) await call(view, view.maxLimit);
    const latencies: number[] = [];
    const statements = new Set<number>();
    for (let i = 0; i < requests; i++) {
      const r = await call(view, view.maxLimit);
      latencies.push(r.ms);
      statements.add(r.statements);
    }
    latencies.sort((a, b) => a - b);
    const small = await call(view, 10);
    const p95 = pct(latencies, 95);
    emit({
      view: view.name,
      transport: 'rest',
      request: `GET ${view.rest(view.maxLimit)}`,
      requests,
      items: view.items(first.body),
      latency_ms: { p50: pct(latencies, 50), p95, p99: pct(latencies, 99), max: Number(latencies.at(-1)!.toFixed(1)) },
      target: { p95_ms_below: TARGET_P95_MS, met: p95 < TARGET_P95_MS },
      sql_statements: { limit_10: small.statements, [`limit_${view.maxLimit}`]: [...statements] },
      // Bounded: one count at the largest limit, and no more than that at 10 (a loader with no
      // keys at limit 10, e.g. no runs among 10 groups, skips its statement).
      statements: { constant: statements.size === 1 && statements.has(small.statements), bounded: statements.size === 1 && small.statements <= [...statements][0]! },
    });
  }
}
