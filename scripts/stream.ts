import { randomUUID } from 'node:crypto';
import { createSigner } from '../sdk/standard-webhooks.ts';
import { prng } from './prng.ts';

/**
 * A realistic mixed delivery stream for demos, load and benchmarks: onboarding funnels that
 * complete or fail, Wazuh alerts from a pool of agents, Alertmanager firings that recur and
 * resolve, Sentry issues that regress, support tickets — and a share of exact redeliveries.
 * Seeded, so the same seed gives the same stream.
 */
export interface Delivery {
  /** Receiver path segment: POST /api/v1/webhooks/{segment}. */
  segment: 'onboard' | 'wazuh' | 'alertmanager' | 'signoz' | 'sentry' | 'events';
  body: string;
  /** Standard Webhooks id; a redelivery reuses the original's. */
  webhookId: string;
  redelivery: boolean;
}

const AGENTS = ['vm112-mail', 'vm104-web', 'vm130-hub', 'vm122-api', 'vm140-db', 'vm150-proxy'];
/** Wazuh rules the synthetic streams draw from (also bench/recurrence). */
export const WAZUH_RULES = [
  { id: '5712', level: 12, description: 'sshd: brute force trying to get access to the system. Non existent user.' },
  { id: '5710', level: 5, description: 'sshd: Attempt to login using a non-existent user' },
  { id: '31101', level: 6, description: 'Web server 400 error code.' },
  { id: '554', level: 7, description: 'File added to the system.' },
  { id: '100002', level: 10, description: 'Postfix: SASL authentication failure burst' },
];
const ALERTS = [
  { alertname: 'KubePodCrashLooping', namespace: 'mail', pod: 'postfix-7d9c8b6f5d-x2lqk', severity: 'critical' },
  { alertname: 'NodeDiskPressure', namespace: 'infra', pod: 'node-exporter-vm140', severity: 'error' },
  { alertname: 'HighLatencyP99', namespace: 'api', pod: 'api-6f7c9-abcde', severity: 'warning' },
  { alertname: 'CertificateExpiringSoon', namespace: 'edge', pod: 'traefik-5c8d7-zx9qw', severity: 'warning' },
];
const SENTRY_ISSUES = [
  { id: '4512398761', title: "SMTPAuthenticationError: (535, b'5.7.8 Error: authentication failed')", project: 'mail-api', level: 'error' },
  { id: '4512398799', title: "TypeError: Cannot read properties of undefined (reading 'plan')", project: 'checkout', level: 'error' },
  { id: '4512398801', title: 'ConnectionResetError: upstream closed the connection', project: 'portal', level: 'fatal' },
];
const STEPS = [
  ['account_create', 'Conta criada'],
  ['domain_validate', 'Validação de domínio'],
  ['dns_cloudflare', 'DNS Cloudflare'],
  ['mailboxes', 'Caixas de correio'],
] as const;

export function generateStream(count: number, opts: { seed?: number; duplicateRatio?: number; runId?: string } = {}): Delivery[] {
  const random = prng(opts.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const run = opts.runId ?? randomUUID().slice(0, 8);
  const duplicateRatio = opts.duplicateRatio ?? 0.2;
  const out: Delivery[] = [];
  let clock = Date.now() - count * 1000;
  const at = () => new Date((clock += 1000)).toISOString();
  const push = (segment: Delivery['segment'], body: unknown) =>
    out.push({ segment, body: JSON.stringify(body), webhookId: `msg_${run}_${out.length}`, redelivery: false });

  // Funnels in flight, so their steps interleave with the alert noise like in production.
  const funnels: { session: string; domain: string; email: string; step: number; fails: boolean }[] = [];
  const firing = new Map<string, string>();
  let sessionSeq = 0;

  while (out.length < count) {
    const roll = random();
    if (out.length > 0 && roll < duplicateRatio) {
      const original = out[Math.floor(random() * out.length)]!;
      out.push({ ...original, redelivery: true });
    } else if (roll < duplicateRatio + 0.3) {
      if (funnels.length < 3 || random() < 0.3) {
        const n = ++sessionSeq;
        const domain = `loja-${run}-${n}.com.br`;
        funnels.push({ session: `sess_${run}_${n}`, domain, email: `admin@${domain}`, step: 0, fails: random() < 0.3 });
      }
      const f = pick(funnels);
      const events = ['account.created', 'domain.validated', 'dns.applied', f.fails ? 'onboarding.failed' : 'onboarding.completed'];
      const event = events[f.step]!;
      const [step, label] = STEPS[Math.min(f.step, STEPS.length - 1)]!;
      push('onboard', {
        event,
        session_id: f.session,
        domain: f.domain,
        occurred_at: at(),
        data: { email: f.email, wizard_step: step, wizard_step_label: label, ...(event === 'onboarding.failed' ? { error: 'DNS apply timeout' } : {}) },
      });
      f.step += 1;
      if (f.step >= events.length) funnels.splice(funnels.indexOf(f), 1);
    } else if (roll < duplicateRatio + 0.55) {
      const rule = pick(WAZUH_RULES);
      const agent = pick(AGENTS);
      push('wazuh', {
        timestamp: at(),
        id: `${Math.floor(clock / 1000)}.${out.length}${run.replace(/\D/g, '').slice(0, 4)}`,
        rule: { level: rule.level, id: rule.id, description: rule.description, groups: ['syslog'] },
        agent: { id: String(AGENTS.indexOf(agent) + 1).padStart(3, '0'), name: `${agent}-${run}`, ip: `10.10.10.${100 + AGENTS.indexOf(agent)}` },
        manager: { name: 'wazuh-manager' },
        data: { srcip: `203.0.113.${Math.floor(random() * 250)}` },
        full_log: `${rule.description} on ${agent}`,
        location: '/var/log/auth.log',
      });
    } else if (roll < duplicateRatio + 0.7) {
      const a = pick(ALERTS);
      const fingerprint = `${run}${a.alertname}`.slice(0, 16);
      const wasFiring = firing.get(fingerprint);
      const status = wasFiring && random() < 0.5 ? 'resolved' : 'firing';
      const startsAt = status === 'resolved' ? wasFiring! : at();
      if (status === 'firing') firing.set(fingerprint, startsAt);
      else firing.delete(fingerprint);
      const labels = { alertname: a.alertname, namespace: a.namespace, pod: a.pod, severity: a.severity, instance: `${a.pod}:9100` };
      push(random() < 0.8 ? 'alertmanager' : 'signoz', {
        version: '4',
        groupKey: `{}:{alertname="${a.alertname}"}`,
        status,
        receiver: 'opsgraph',
        groupLabels: { alertname: a.alertname },
        commonLabels: labels,
        commonAnnotations: { summary: `${a.alertname} on ${a.pod}` },
        externalURL: 'http://alertmanager:9093',
        alerts: [
          {
            status,
            labels,
            annotations: { summary: `${a.alertname} on ${a.pod}` },
            startsAt,
            endsAt: status === 'resolved' ? at() : '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus:9090/graph',
            fingerprint,
          },
        ],
      });
    } else if (roll < duplicateRatio + 0.78) {
      const issue = pick(SENTRY_ISSUES);
      push('sentry', {
        action: random() < 0.6 ? 'created' : 'unresolved',
        installation: { uuid: run },
        data: {
          issue: {
            id: `${issue.id}${run.replace(/\D/g, '').slice(0, 3)}`,
            shortId: `${issue.project.toUpperCase()}-1`,
            title: issue.title,
            culprit: 'app.module in handler',
            level: issue.level,
            status: 'unresolved',
            substatus: 'regressed',
            web_url: `https://sentry.io/organizations/acme/issues/${issue.id}/`,
            project: { id: '1', name: issue.project, slug: issue.project },
            firstSeen: at(),
            lastSeen: at(),
            count: '3',
          },
        },
        actor: { type: 'application', id: 'sentry', name: 'Sentry' },
      });
    } else {
      const f = funnels[0];
      push('events', {
        source: 'support',
        event_type: 'ticket.opened',
        id: `zd-${run}-${out.length}`,
        domain: f?.domain ?? `cliente-${run}.com.br`,
        session_id: f?.session,
        severity: random() < 0.2 ? 11 : 5,
        summary: 'Cliente reporta e-mails não entregues',
        occurred_at: at(),
        data: { channel: 'email', priority: 'high' },
      });
    }
  }
  return out;
}

/** Standard Webhooks headers for a delivery (a redelivery reuses its original's webhook-id). */
export function signedHeaders(delivery: Delivery, secret: string): Record<string, string> {
  return { 'content-type': 'application/json', ...createSigner(secret).headers(delivery.webhookId, new Date(), delivery.body) };
}
