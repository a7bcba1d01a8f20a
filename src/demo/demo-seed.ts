import type { EntityManager } from '@mikro-orm/postgresql';
import { Chamado } from '../../entities/chamado.entity.ts';
import type { Role } from '../../entities/roles.ts';
import type { Config } from '../config.ts';
import type { Actor } from '../services/actor.ts';
import { ensureUser } from '../services/auth/accounts.ts';
import { addChamadoNote, changeChamadoStatus, claimChamado } from '../services/chamados/commands.ts';
import { ingestPayload } from '../services/ingest/ingest-payload.ts';
import type { WebhookSegment } from '../services/ingest/sources/index.ts';
import { createRunbook } from '../services/runbooks/catalog.ts';
import { DEMO_RUNBOOKS } from './demo-runbooks.ts';
import { seedDiscoveryDemo } from './demo-discovery.ts';
import { seedMonitorDemo } from './demo-monitor.ts';
import { requestExecution } from '../services/runbooks/executions.ts';
import type { RunbookQueue } from '../services/runbooks/queue.ts';
import { Runbook } from '../../entities/runbook.entity.ts';

/** Demo users: password `opsgraph-<username>`. Refused in production by config validation. */
export const DEMO_USERS: { username: string; fullName: string; role: Role }[] = [
  { username: 'admin', fullName: 'Ana Admin', role: 'admin' },
  { username: 'lead', fullName: 'Luís Lead', role: 'ops_lead' },
  { username: 'lead2', fullName: 'Lara Lead', role: 'ops_lead' },
  { username: 'ops', fullName: 'Otávio Ops', role: 'ops' },
  { username: 'viewer', fullName: 'Vera Viewer', role: 'viewer' },
];

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

/** Deliveries as the real senders would post them, oldest first. */
function demoDeliveries(): [WebhookSegment, unknown][] {
  const onboard = (event: string, minutes: number, data: Record<string, unknown>) => ({
    event,
    session_id: 'sess_abc123',
    domain: 'myvexx.com',
    occurred_at: minutesAgo(minutes),
    data: { email: 'admin@myvexx.com', ...data },
  });
  return [
    ['onboard', onboard('account.created', 300, { wizard_step: 'account_create', wizard_step_label: 'Conta criada' })],
    ['onboard', onboard('domain.validated', 290, { wizard_step: 'domain_validate', wizard_step_label: 'Validação de domínio' })],
    ['onboard', onboard('onboarding.failed', 270, { wizard_step: 'dns_cloudflare', wizard_step_label: 'DNS Cloudflare', error: 'DNS apply timeout' })],
    [
      'wazuh',
      {
        id: '1781604003.4821337',
        timestamp: minutesAgo(120),
        rule: { level: 12, id: '5712', description: 'sshd: brute force trying to get access to the system', groups: ['sshd'] },
        agent: { id: '012', name: 'vm112-mail', ip: '10.10.10.112' },
        manager: { name: 'wazuh-manager' },
        data: { srcip: '203.0.113.45', dstuser: 'admin' },
        full_log: 'sshd[48231]: Invalid user admin from 203.0.113.45 port 51240 ssh2',
        location: '/var/log/auth.log',
      },
    ],
    [
      'alertmanager',
      alertmanagerBody('firing', 'http://alertmanager:9093', {
        labels: { alertname: 'KubePodCrashLooping', namespace: 'mail', pod: 'postfix-7d9c8b6f5d-x2lqk', severity: 'critical' },
        annotations: { summary: 'Pod mail/postfix is crash looping (CrashLoopBackOff)' },
        startsAt: minutesAgo(45),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=kube_pod_container_status_waiting_reason',
        fingerprint: '0a7f3c91e2b45d68',
      }),
    ],
    [
      'sentry',
      {
        action: 'created',
        installation: { uuid: '31a5d107-4988-4397-891e-65abdd9f0469' },
        data: {
          issue: {
            id: '4512398799',
            shortId: 'CHECKOUT-2F',
            title: "TypeError: Cannot read properties of undefined (reading 'plan')",
            culprit: 'checkout/plan.ts in selectPlan',
            level: 'error',
            status: 'unresolved',
            web_url: 'https://sentry.io/organizations/acme/issues/4512398799/',
            project: { id: '2', name: 'checkout', slug: 'checkout' },
            firstSeen: minutesAgo(1500),
            lastSeen: minutesAgo(1490),
            count: '12',
          },
        },
      },
    ],
    [
      'events',
      {
        source: 'support',
        event_type: 'ticket.opened',
        id: 'zd-48213',
        domain: 'padaria-sol.com.br',
        severity: 11,
        summary: 'Cliente não recebe e-mails em contato@padaria-sol.com.br',
        title: '[support] padaria-sol.com.br — e-mails não chegam',
        occurred_at: minutesAgo(90),
      },
    ],
    // Not ticket-worthy on their own: stored for Discover, attached only where they correlate.
    ['onboard', { event: 'dns.applied', session_id: 'sess_def456', domain: 'loja-aurora.com.br', data: {}, occurred_at: minutesAgo(12) }],
    [
      'wazuh',
      {
        id: '1781604777.1200',
        timestamp: minutesAgo(6),
        rule: { level: 6, id: '31101', description: 'Web server 400 error code.' },
        agent: { id: '004', name: 'vm104-web', ip: '10.10.10.104' },
        data: { srcip: '198.51.100.23' },
      },
    ],
    // Recurrence groups worth a look (issue 9): web 400s keep coming with no runbook (an automation
    // gap), and a SigNoz latency warning resolved and then fired again (regressed).
    ...[5, 4, 3].map((m, i): [WebhookSegment, unknown] => [
      'wazuh',
      {
        id: `1781604777.12${i + 1}`,
        timestamp: minutesAgo(m),
        rule: { level: 6, id: '31101', description: 'Web server 400 error code.' },
        agent: { id: '004', name: 'vm104-web', ip: '10.10.10.104' },
        data: { srcip: '198.51.100.23' },
      },
    ]),
    ['signoz', latency('firing', 40)],
    ['signoz', latency('resolved', 40)],
    ['signoz', latency('firing', 2)],
  ];
}

/** A SigNoz alert that is only a warning: it opens no chamado. */
function latency(status: 'firing' | 'resolved', startedMinutesAgo: number) {
  return alertmanagerBody(status, 'http://signoz:3301', {
    labels: { alertname: 'CheckoutP99Latency', namespace: 'shop', service_name: 'checkout', severity: 'warning' },
    annotations: { summary: 'checkout p99 latency above 800 ms for 5 minutes' },
    startsAt: minutesAgo(startedMinutesAgo),
    endsAt: status === 'resolved' ? minutesAgo(startedMinutesAgo - 10) : '0001-01-01T00:00:00Z',
    generatorURL: 'http://signoz:3301/alerts/edit?ruleId=7',
    fingerprint: '5c1d2e8f90ab3c47',
  });
}

/** One alert in Alertmanager's webhook format (SigNoz sends the same), grouped by its alertname. */
function alertmanagerBody(status: 'firing' | 'resolved', externalURL: string, alert: { labels: { alertname: string } & Record<string, string> } & Record<string, unknown>) {
  return {
    version: '4',
    status,
    receiver: 'opsgraph',
    groupKey: `{}:{alertname="${alert.labels.alertname}"}`,
    externalURL,
    alerts: [{ status, ...alert }],
  };
}

/** Fills an empty database with users and realistic chamados, through the real ingestion path. */
export async function seedDemo(em: EntityManager, config: Config, queue: RunbookQueue): Promise<{ seeded: boolean }> {
  const ingest = config.ingest;
  for (const u of DEMO_USERS) {
    await ensureUser(em.fork(), { ...u, password: `opsgraph-${u.username}`, email: `${u.username}@opsgraph.local` });
  }
  await seedRunbooks(em, config);
  const actors = Object.fromEntries(
    (await em.execute<Actor[]>('select id, username, role from users')).map((a) => [a.username, a]),
  ) as Record<string, Actor>;
  // Before the chamado check, so a demo database from before discovery gets its inventory too.
  await seedDiscoveryDemo(em, actors.admin!);
  await seedMonitorDemo(em, actors.admin!, config.port);
  if ((await em.count(Chamado, {})) > 0) return { seeded: false };
  const opened: string[] = [];
  for (const [segment, body] of demoDeliveries()) {
    const { receipts } = await ingestPayload(em.fork(), ingest, { source: segment, body, deliveryId: null }, 'reject');
    for (const r of receipts) if (r.correlation.decision === 'opened') opened.push(r.chamadoPublicId!);
  }
  const [onboarding, wazuh, crashLoop, sentry, support] = opened;
  const { ops, lead } = actors as { ops: Actor; lead: Actor };
  if (onboarding) {
    await claimChamado(em.fork(), lead, { publicId: onboarding, nota: 'Assumido por NOC' });
    await changeChamadoStatus(em.fork(), lead, { publicId: onboarding, status: 'em_correcao', nota: 'A corrigir registos DNS na Cloudflare' });
    await addChamadoNote(em.fork(), lead, { publicId: onboarding, texto: 'Cliente confirmou DNS propagado' });
  }
  if (wazuh) await claimChamado(em.fork(), ops, { publicId: wazuh, nota: 'A bloquear 203.0.113.45 no firewall' });
  if (sentry) {
    await claimChamado(em.fork(), ops, { publicId: sentry });
    await changeChamadoStatus(em.fork(), ops, { publicId: sentry, status: 'em_correcao' });
    await changeChamadoStatus(em.fork(), ops, { publicId: sentry, status: 'resolvido', nota: 'Hotfix 2.14.1 publicado' });
  }
  if (support) {
    await claimChamado(em.fork(), ops, { publicId: support });
    await changeChamadoStatus(em.fork(), ops, { publicId: support, status: 'aguardando', nota: 'Aguardando cliente confirmar MX' });
  }
  void crashLoop; // left unclaimed: the console shows new work
  if (onboarding) {
    // The contract's example: an R1 certificate sync waiting for an ops_lead's approval.
    const deps = { queue, approvalTtlMs: config.runbooks.approvalTtlMs };
    await requestExecution(em.fork(), ops, { publicId: onboarding, code: 'traefik_cert_sync', params: { domain: 'myvexx.com' } }, deps);
    await requestExecution(em.fork(), lead, { publicId: onboarding, code: 'dns_recheck', params: { domain: 'myvexx.com' } }, deps);
  }
  return { seeded: true };
}

/** The demo runbook catalog (one per level), added when missing. */
export async function seedRunbooks(em: EntityManager, config: Config): Promise<void> {
  const env = { commandDir: config.runbooks.commandDir, httpSecret: config.runbooks.hmacSecret, maxOutputBytes: config.runbooks.maxOutputBytes };
  for (const runbook of DEMO_RUNBOOKS) {
    if ((await em.count(Runbook, { code: runbook.code })) === 0) await createRunbook(em.fork(), runbook, env);
  }
}
