import type { EntityManager } from '@mikro-orm/postgresql';
import { Chamado } from '../../entities/chamado.entity.ts';
import { Event } from '../../entities/event.entity.ts';
import type { Role } from '../../entities/roles.ts';
import type { Actor } from './actor.ts';
import { ensureUser } from './auth.ts';
import { addChamadoNote, attachEvents, changeChamadoStatus, claimChamado, createChamado } from './chamado-commands.ts';

/** Demo users: password `opsgraph-<username>`. Refused in production by config validation. */
export const DEMO_USERS: { username: string; fullName: string; role: Role }[] = [
  { username: 'admin', fullName: 'Ana Admin', role: 'admin' },
  { username: 'lead', fullName: 'Luís Lead', role: 'ops_lead' },
  { username: 'lead2', fullName: 'Lara Lead', role: 'ops_lead' },
  { username: 'ops', fullName: 'Otávio Ops', role: 'ops' },
  { username: 'viewer', fullName: 'Vera Viewer', role: 'viewer' },
];

type EventSeed = Pick<Event, 'source' | 'eventType'> & Partial<Omit<Event, 'id' | 'source' | 'eventType' | 'chamado' | 'duplicateOf'>>;

async function seedEvents(em: EntityManager, seeds: EventSeed[]): Promise<number[]> {
  const events = seeds.map((s) => em.create(Event, { payload: {}, ...s }));
  await em.flush();
  return events.map((e) => e.id);
}

/** Fills an empty database with users and a handful of realistic chamados. Idempotent. */
export async function seedDemo(em: EntityManager): Promise<{ seeded: boolean }> {
  for (const u of DEMO_USERS) {
    await ensureUser(em.fork(), { ...u, password: `opsgraph-${u.username}`, email: `${u.username}@opsgraph.local` });
  }
  if ((await em.count(Chamado, {})) > 0) return { seeded: false };
  const actors = Object.fromEntries(
    (await em.execute<Actor[]>('select id, username, role from users')).map((a) => [a.username, a]),
  ) as Record<string, Actor>;
  const ops = actors.ops!;
  const lead = actors.lead!;
  const hourAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

  // 1. An onboarding that failed at the DNS step, being fixed by the lead.
  const onboarding = await createChamado(em.fork(), ops, {
    title: '[onboarding.failed] myvexx.com — admin@myvexx.com',
    domain: 'myvexx.com',
    sessionId: 'sess_abc123',
    severity: 8,
    origin: 'support',
  });
  const onboardingEvents = await seedEvents(em.fork(), [
    { source: 'onboard', eventType: 'account.created', domain: 'myvexx.com', sessionId: 'sess_abc123', summary: 'Account created for admin@myvexx.com', receivedAt: hourAgo(5), payload: { event: 'account.created', session_id: 'sess_abc123', domain: 'myvexx.com', data: { email: 'admin@myvexx.com' } } },
    { source: 'onboard', eventType: 'domain.validated', domain: 'myvexx.com', sessionId: 'sess_abc123', summary: 'Domain ownership validated', receivedAt: hourAgo(4.8), payload: { event: 'domain.validated', session_id: 'sess_abc123', domain: 'myvexx.com', data: {} } },
    { source: 'onboard', eventType: 'onboarding.failed', domain: 'myvexx.com', sessionId: 'sess_abc123', severity: 8, summary: 'DNS apply timeout', receivedAt: hourAgo(4.5), payload: { event: 'onboarding.failed', session_id: 'sess_abc123', domain: 'myvexx.com', data: { wizard_step: 'dns_cloudflare', error: 'DNS apply timeout' } } },
  ]);
  await attachEvents(em.fork(), ops, { publicId: onboarding.publicId, eventIds: onboardingEvents });
  await claimChamado(em.fork(), lead, { publicId: onboarding.publicId, nota: 'Assumido por NOC' });
  await changeChamadoStatus(em.fork(), lead, { publicId: onboarding.publicId, status: 'em_correcao', nota: 'A corrigir registos DNS na Cloudflare' });
  await addChamadoNote(em.fork(), lead, { publicId: onboarding.publicId, texto: 'Cliente confirmou DNS propagado' });

  // 2. A Wazuh brute-force alert on the mail VM, claimed by ops.
  const wazuh = await createChamado(em.fork(), ops, {
    title: '[wazuh L12] vm112-mail — sshd: brute force trying to get access to the system',
    domain: 'myvexx.com',
    severity: 12,
    origin: 'manual',
  });
  const wazuhEvents = await seedEvents(em.fork(), [
    { source: 'wazuh', eventType: 'wazuh.alert', agent: 'vm112-mail', ruleId: '5712', severity: 12, domain: 'myvexx.com', summary: 'L12 sshd brute force from 203.0.113.7', receivedAt: hourAgo(2), providerEventId: '1718532000.123456', payload: { rule: { level: 12, id: '5712', description: 'sshd: brute force trying to get access to the system' }, agent: { name: 'vm112-mail' }, data: { srcip: '203.0.113.7' } } },
    { source: 'wazuh', eventType: 'wazuh.alert', agent: 'vm112-mail', ruleId: '5710', severity: 5, summary: 'sshd: attempt to login using a non-existent user', receivedAt: hourAgo(1.9), payload: { rule: { level: 5, id: '5710' }, agent: { name: 'vm112-mail' } } },
  ]);
  await attachEvents(em.fork(), ops, { publicId: wazuh.publicId, eventIds: wazuhEvents });
  await claimChamado(em.fork(), ops, { publicId: wazuh.publicId });

  // 3. An Alertmanager disk-pressure alert nobody has picked up yet.
  const disk = await createChamado(em.fork(), ops, {
    title: '[NodeDiskPressure] mail/vm112-mail',
    severity: 10,
    origin: 'manual',
  });
  const diskEvents = await seedEvents(em.fork(), [
    { source: 'alertmanager', eventType: 'alert.firing', agent: 'vm112-mail', severity: 10, fingerprint: 'a1b2c3d4e5f60718', summary: 'Disk /var/mail above 90%', receivedAt: hourAgo(0.5), payload: { labels: { alertname: 'NodeDiskPressure', namespace: 'mail', instance: 'vm112-mail' } } },
  ]);
  await attachEvents(em.fork(), ops, { publicId: disk.publicId, eventIds: diskEvents });

  // 4. A Sentry regression already resolved, and 5. a support request waiting on the customer.
  const sentry = await createChamado(em.fork(), ops, { title: '[sentry] TypeError in checkout (regressed)', severity: 10, origin: 'manual' });
  const sentryEvents = await seedEvents(em.fork(), [
    { source: 'sentry', eventType: 'issue.regressed', severity: 10, summary: "TypeError: Cannot read properties of undefined (reading 'plan')", receivedAt: hourAgo(26), payload: { action: 'regressed', data: { issue: { id: '4509', title: 'TypeError in checkout' } } } },
  ]);
  await attachEvents(em.fork(), ops, { publicId: sentry.publicId, eventIds: sentryEvents });
  await claimChamado(em.fork(), ops, { publicId: sentry.publicId });
  await changeChamadoStatus(em.fork(), ops, { publicId: sentry.publicId, status: 'em_correcao' });
  await changeChamadoStatus(em.fork(), ops, { publicId: sentry.publicId, status: 'resolvido', nota: 'Hotfix 2.14.1 deployed' });

  const support = await createChamado(em.fork(), ops, {
    title: 'Cliente não recebe e-mails em contato@padaria-sol.com.br',
    domain: 'padaria-sol.com.br',
    severity: 7,
    origin: 'support',
    legacyTicketId: 15,
  });
  await claimChamado(em.fork(), ops, { publicId: support.publicId });
  await changeChamadoStatus(em.fork(), ops, { publicId: support.publicId, status: 'aguardando', nota: 'Aguardando cliente confirmar MX' });

  // Loose Discover events that belong to no chamado yet (to try attaching).
  await seedEvents(em.fork(), [
    { source: 'onboard', eventType: 'dns.applied', domain: 'loja-aurora.com.br', sessionId: 'sess_def456', summary: 'DNS records applied', receivedAt: hourAgo(0.2), payload: {} },
    { source: 'wazuh', eventType: 'wazuh.alert', agent: 'vm104-web', ruleId: '31101', severity: 6, summary: 'Web server 400 error code', receivedAt: hourAgo(0.1), payload: {} },
  ]);
  return { seeded: true };
}
