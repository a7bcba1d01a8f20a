import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_USERS } from '../dataset.ts';
import { login } from '../harness/login.ts';

const LIST = `query ChamadoList { chamados(first: 50) { totalCount edges { node { publicId status title domain maxSeverity eventCount createdAt updatedAt assignee { username fullName } observables { tipo valor } timeline { kind eventType summary createdAt } } } pageInfo { hasNextPage endCursor } } }`;

const DISCOVER = `query Discover($q: String!) { events(first: 5, filter: { q: $q }) { totalCount edges { node {
  eventId source eventType severity agent domain ruleId summary receivedAt chamado { publicId } } } } }`;

/** Starts OpsGraph on the database, signs in as both bench users and runs the list and Discover queries. */
export async function tryServer(databaseUrl: string, port: number, log: (line: string) => void): Promise<void> {
  const server = spawn(process.execPath, ['src/server.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, SEED_DEMO: '0', PORT: String(port), LOG_LEVEL: 'warn', OUTBOUND_WORKER: 'false', RUNBOOK_WORKER: 'false' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if ((await fetch(`${base}/livez`).then((r) => r.ok).catch(() => false))) break;
      if (i > 120) throw new Error('OpsGraph did not start');
      await sleep(500);
    }
    const lead = await login(base, BENCH_USERS.lead.username, BENCH_USERS.lead.password);
    const viewer = await login(base, BENCH_USERS.viewer.username, BENCH_USERS.viewer.password);
    log(`signed in as ${BENCH_USERS.lead.username} and ${BENCH_USERS.viewer.username}`);
    const ask = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
      const started = performance.now();
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown };
      if (!res.ok || body.errors) throw new Error(`${res.status} ${JSON.stringify(body.errors)}`);
      return { data: body.data!, ms: Math.round(performance.now() - started) };
    };
    const list = await ask(viewer, LIST);
    const chamados = list.data.chamados;
    log(`list (viewer): totalCount ${chamados.totalCount}, ${chamados.edges.length} nodes in ${list.ms} ms, hasNextPage ${chamados.pageInfo.hasNextPage}`);
    for (const { node } of chamados.edges.slice(0, 3)) {
      log(`  ${node.publicId} ${node.status} sev ${node.maxSeverity} events ${node.eventCount} "${node.title}" ${node.domain ?? '-'} assignee ${node.assignee?.username ?? '-'}`
        + ` observables ${node.observables.map((o: any) => `${o.tipo}=${o.valor}`).join(', ')}; timeline ${node.timeline.length} (${node.timeline.slice(-2).map((t: any) => `${t.kind}:${t.eventType}`).join(', ')})`);
    }
    for (const q of ['source:wazuh severity>=10 brute', 'agent:vm100-mail', '"Postfix queue"', 'domain:myvexx.com.br NOT source:wazuh']) {
      const found = await ask(lead, DISCOVER, { q });
      const events = found.data.events;
      log(`discover "${q}" (lead): totalCount ${events.totalCount} in ${found.ms} ms`);
      for (const { node } of events.edges.slice(0, 2)) {
        log(`  #${node.eventId} ${node.receivedAt} ${node.source}/${node.eventType} sev ${node.severity} ${node.agent ?? '-'} ${node.domain ?? '-'} "${node.summary}" → ${node.chamado?.publicId ?? '-'}`);
      }
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}
