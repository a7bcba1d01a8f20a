import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PayloadSchemaError, type NormalizedEvent, type Normalizer } from '../src/services/ingest/normalized-event.ts';
import { FIELD_LIMITS, REDACTION_VERSION, recurrenceKey, redact, truncateFields } from '../src/services/ingest/sanitize.ts';
import { alertmanager, signoz } from '../src/services/ingest/sources/alertmanager.ts';
import { generic } from '../src/services/ingest/sources/generic.ts';
import { NORMALIZERS } from '../src/services/ingest/sources/index.ts';
import { onboard } from '../src/services/ingest/sources/onboard.ts';
import { sentry } from '../src/services/ingest/sources/sentry.ts';
import { wazuh } from '../src/services/ingest/sources/wazuh.ts';
import { observablesOfEvent } from '../src/services/chamados/observables.ts';

// Vendor bodies are free-form JSON that tests reshape; a fresh parse per call keeps tests independent.
type Json = any;
function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`./fixtures/payloads/${name}.json`, import.meta.url), 'utf8'));
}

function only(events: NormalizedEvent[]): NormalizedEvent {
  expect(events).toHaveLength(1);
  return events[0]!;
}

/** The issues a normalizer rejects a body with (fails the test if it accepts it). */
function schemaIssues(normalizer: Normalizer, body: unknown): { path: string; message: string }[] {
  try {
    normalizer(body);
  } catch (err) {
    expect(err).toBeInstanceOf(PayloadSchemaError);
    return (err as PayloadSchemaError).issues;
  }
  throw new Error('expected a PayloadSchemaError');
}

const paths = (normalizer: Normalizer, body: unknown) => schemaIssues(normalizer, body).map((i) => i.path);

describe('onboard normalizer', () => {
  it('maps account.created with every field', () => {
    const body = fixture('onboard-account-created');
    expect(only(onboard(body))).toEqual({
      source: 'onboard',
      eventType: 'account.created',
      providerEventId: 'evt_01J0Z8K3Q4M9T7V2X5B6N8C1D3',
      domain: 'myvexx.com',
      sessionId: 'sess_abc123',
      severity: null,
      ruleId: null,
      agent: null,
      summary: 'Account created for myvexx.com',
      fingerprint: null,
      alertname: null,
      namespace: null,
      targetResource: null,
      alertStatus: null,
      sourceSeverity: null,
      occurredAt: new Date('2026-06-16T09:58:12Z'),
      sourceRefs: {},
      observables: [{ tipo: 'email', valor: 'admin@myvexx.com' }],
      wizardStep: 'account',
      wizardStepLabel: 'Conta',
      email: 'admin@myvexx.com',
      chamadoPublicId: null,
      title: '[account.created] myvexx.com — admin@myvexx.com',
      payload: body,
    } satisfies NormalizedEvent);
  });

  it('rates onboarding.failed 8 and summarizes it by its error', () => {
    const e = only(onboard(fixture('onboard-failed')));
    expect(e).toMatchObject({
      eventType: 'onboarding.failed',
      severity: 8,
      summary: 'DNS apply timeout',
      providerEventId: null,
      wizardStep: 'dns_cloudflare',
      wizardStepLabel: 'DNS Cloudflare',
      title: '[onboarding.failed] myvexx.com — admin@myvexx.com',
      occurredAt: new Date('2026-06-16T10:05:00Z'),
    });
  });

  it.each([
    ['account.created', 'Account created for myvexx.com'],
    ['domain.validated', 'Domain myvexx.com validated'],
    ['dns.applied', 'DNS records applied for myvexx.com'],
    ['onboarding.completed', 'Onboarding completed for myvexx.com'],
    ['onboarding.failed', 'Onboarding failed for myvexx.com'],
    ['wizard.step_changed', 'Onboarding event wizard.step_changed for myvexx.com'],
  ])('gives %s a readable default summary and only the failure a severity', (name, summary) => {
    const e = only(onboard({ event: name, session_id: 's1', domain: 'myvexx.com' }));
    expect(e.eventType).toBe(name);
    expect(e.summary).toBe(summary);
    expect(e.severity).toBe(name === 'onboarding.failed' ? 8 : null);
  });

  it('titles without an email, lowercases the domain and treats an empty session as none (spec 001 T018)', () => {
    const e = only(onboard({ event: 'domain.validated', session_id: '', domain: ' MyVexx.COM ' }));
    expect(e).toMatchObject({ domain: 'myvexx.com', sessionId: null, email: null, observables: [], title: '[domain.validated] myvexx.com' });
  });

  it('prefers data.error (string or {message}) then data.message for the summary', () => {
    const base = { event: 'onboarding.failed', session_id: 's', domain: 'a.pt' };
    expect(only(onboard({ ...base, data: { error: { message: 'Cloudflare 403' }, message: 'x' } })).summary).toBe('Cloudflare 403');
    expect(only(onboard({ ...base, data: { message: 'Retrying DNS' } })).summary).toBe('Retrying DNS');
  });

  it('takes the provider id from event_id, else id, and tolerates bad timestamps and odd data', () => {
    const e = only(onboard({ event: 'dns.applied', domain: 'a.pt', id: 991, occurred_at: 'yesterday-ish', data: { wizard_step: 4, email: 42 } }));
    expect(e).toMatchObject({ providerEventId: '991', occurredAt: null, wizardStep: '4', sessionId: null, email: '42' });
    expect(only(onboard({ event: 'dns.applied', domain: 'a.pt', data: 'not an object' })).wizardStep).toBeNull();
  });

  it('rejects bodies without an event name or domain, naming the paths', () => {
    expect(paths(onboard, { domain: 'a.pt' })).toEqual(['event']);
    expect(paths(onboard, { event: '', domain: 'a.pt' })).toEqual(['event']);
    expect(paths(onboard, { event: 'account.created', domain: 7 })).toEqual(['domain']);
    expect(paths(onboard, 'account.created')).toEqual(['(body)']);
  });
});

describe('wazuh normalizer', () => {
  it('maps a level 12 sshd brute force alert', () => {
    const body = fixture('wazuh-brute-force');
    expect(only(wazuh(body))).toEqual({
      source: 'wazuh',
      eventType: 'wazuh.alert',
      providerEventId: '1781604003.4821337',
      domain: null,
      sessionId: null,
      severity: 12,
      ruleId: '5712',
      agent: 'vm112-mail',
      summary: 'sshd: brute force trying to get access to the system. Non existent user.',
      fingerprint: null,
      alertname: '5712',
      namespace: null,
      targetResource: 'vm112-mail',
      alertStatus: null,
      sourceSeverity: 'level 12',
      occurredAt: new Date('2026-06-16T10:00:03.412Z'),
      sourceRefs: { wazuhAlertId: '1781604003.4821337', wazuhManager: 'wazuh-manager' },
      observables: [
        { tipo: 'ip', valor: '203.0.113.45' },
        { tipo: 'host', valor: '10.10.10.112' },
        { tipo: 'user', valor: 'administrator' },
      ],
      wizardStep: null,
      wizardStepLabel: null,
      email: null,
      chamadoPublicId: null,
      title: '[wazuh L12] vm112-mail — sshd: brute force trying to get access to the system. Non existent user.',
      payload: body,
    } satisfies NormalizedEvent);
  });

  it('yields agent, rule_id, ip, host and user observables together with the column ones', () => {
    const e = only(wazuh(fixture('wazuh-brute-force')));
    const all = [...observablesOfEvent(e).map(({ tipo, valor }) => ({ tipo, valor })), ...e.observables];
    expect(all).toEqual(
      expect.arrayContaining([
        { tipo: 'agent', valor: 'vm112-mail' },
        { tipo: 'rule_id', valor: '5712' },
        { tipo: 'ip', valor: '203.0.113.45' },
        { tipo: 'host', valor: '10.10.10.112' },
        { tipo: 'user', valor: 'administrator' },
      ]),
    );
  });

  it('prefers data.dstuser for the user', () => {
    const body = fixture('wazuh-brute-force');
    body.data.dstuser = 'root';
    expect(only(wazuh(body)).observables).toContainEqual({ tipo: 'user', valor: 'root' });
  });

  it.each([
    [{ domain: 'Mail.MyVexx.com' }, 'mail.myvexx.com'],
    [{ hostname: 'webmail.myvexx.com' }, 'webmail.myvexx.com'],
    [{ domain: 'myvexx.com', hostname: 'other.example.org' }, 'myvexx.com'],
    [{ hostname: 'vm112-mail' }, null],
    [{ hostname: '10.10.10.112' }, null],
    [{ domain: 'not a domain' }, null],
  ])('takes the domain from data %j only when it looks like one', (data, domain) => {
    const body = fixture('wazuh-brute-force');
    Object.assign(body.data, data);
    expect(only(wazuh(body)).domain).toBe(domain);
  });

  it('accepts a numeric rule id, clamps the level and survives missing agent and timestamp', () => {
    const e = only(wazuh({ rule: { level: 16, id: 100200, description: 'custom' }, timestamp: 'garbage' }));
    expect(e).toMatchObject({
      ruleId: '100200',
      severity: 15,
      sourceSeverity: 'level 16',
      agent: null,
      providerEventId: null,
      occurredAt: null,
      sourceRefs: {},
      title: '[wazuh L15] - — custom',
    });
  });

  it('rejects alerts without rule.level and rule.id, naming the paths', () => {
    expect(paths(wazuh, { rule: { id: '5712' } })).toEqual(['rule.level']);
    expect(paths(wazuh, { rule: { level: '12', id: '5712' } })).toEqual(['rule.level']);
    expect(paths(wazuh, { rule: { level: 12 } })).toEqual(['rule.id']);
    expect(paths(wazuh, { agent: { name: 'x' } })).toEqual(['rule']);
  });
});

describe('alertmanager normalizer', () => {
  it('emits one event per alert of the group', () => {
    const body = fixture('alertmanager-firing');
    const [crash, volume] = alertmanager(body);
    const { alerts, ...group } = body;
    expect(crash).toEqual({
      source: 'alertmanager',
      eventType: 'alert.firing',
      providerEventId: '0a7f3c91e2b45d68:2026-06-16T09:52:30.123Z:firing',
      domain: null,
      sessionId: null,
      severity: 12,
      ruleId: null,
      agent: '10.42.1.17:8080',
      summary: 'Pod is crash looping.',
      fingerprint: '0a7f3c91e2b45d68',
      alertname: 'KubePodCrashLooping',
      namespace: 'mail',
      targetResource: 'postfix-7d9c8b6f5d-x2lqk',
      alertStatus: 'firing',
      sourceSeverity: 'critical',
      occurredAt: new Date('2026-06-16T09:52:30.123Z'),
      sourceRefs: { generatorURL: alerts[0].generatorURL, externalURL: 'http://alertmanager-main.monitoring.svc:9093' },
      observables: [],
      wizardStep: null,
      wizardStepLabel: null,
      email: null,
      chamadoPublicId: null,
      title: '[KubePodCrashLooping] mail/postfix-7d9c8b6f5d-x2lqk',
      payload: { ...alerts[0], group },
    } satisfies NormalizedEvent);
    expect(volume).toMatchObject({
      severity: 7,
      sourceSeverity: 'warning',
      alertname: 'KubePersistentVolumeFillingUp',
      targetResource: '10.10.10.112:10250',
      agent: '10.10.10.112:10250',
      observables: [{ tipo: 'host', valor: 'vm112-mail' }],
      title: '[KubePersistentVolumeFillingUp] mail/10.10.10.112:10250',
      providerEventId: 'c3d81e5a90f4b217:2026-06-16T09:40:00Z:firing',
    });
    expect(volume!.payload).not.toHaveProperty('group.alerts');
  });

  it('maps a resolution to alert.resolved at its end time, in the same recurrence group', () => {
    const [firing] = alertmanager(fixture('alertmanager-firing'));
    const [resolved] = alertmanager(fixture('alertmanager-resolved'));
    expect(resolved).toMatchObject({
      eventType: 'alert.resolved',
      alertStatus: 'resolved',
      occurredAt: new Date('2026-06-16T10:31:30.123Z'),
      providerEventId: '0a7f3c91e2b45d68:2026-06-16T09:52:30.123Z:resolved',
    });
    expect(resolved!.providerEventId).not.toBe(firing!.providerEventId);
    expect(recurrenceKey(resolved!)).toBe(recurrenceKey(firing!));
  });

  it('gives a re-notification the same provider id and a new firing a new one', () => {
    const [first] = alertmanager(fixture('alertmanager-firing'));
    const [again] = alertmanager(fixture('alertmanager-firing'));
    const refire = fixture('alertmanager-firing');
    refire.alerts[0].startsAt = '2026-06-16T12:00:00Z';
    const [later] = alertmanager(refire);
    expect(again!.providerEventId).toBe(first!.providerEventId);
    expect(later!.providerEventId).not.toBe(first!.providerEventId);
    expect(later!.fingerprint).toBe(first!.fingerprint);
  });

  it.each([
    ['critical', 12],
    ['error', 10],
    ['warning', 7],
    ['info', 3],
    ['Critical', 12],
    ['page', null],
    [undefined, null],
  ])('maps severity %s to %s', (severity, expected) => {
    const body = fixture('alertmanager-firing');
    body.alerts[0].labels.severity = severity;
    const [e] = alertmanager(body);
    expect(e!.severity).toBe(expected);
    expect(e!.sourceSeverity).toBe(severity ?? null);
  });

  it.each([
    [{ pod: 'p-1', instance: 'i:9100', service: 's', job: 'j' }, 'p-1'],
    [{ instance: 'i:9100', service: 's', job: 'j' }, 'i:9100'],
    [{ service: 's', job: 'j' }, 's'],
    [{ job: 'j' }, 'j'],
    [{}, null],
  ])('picks the target from %j', (labels, target) => {
    const [e] = alertmanager({ alerts: [{ status: 'firing', labels: { alertname: 'A', ...labels } }] });
    expect(e!.targetResource).toBe(target);
    expect(e!.title).toBe(`[A] -/${target ?? '-'}`);
  });

  it('reads domain, host agent, summary fallbacks and missing parts', () => {
    const [withDomain, bare] = alertmanager({
      status: 'firing',
      alerts: [
        { labels: { alertname: 'ProbeFailed', domain: 'MyVexx.com', host: 'vm112-mail' }, annotations: { description: 'HTTPS probe failed' } },
        { labels: { alertname: 'Watchdog' }, annotations: {} },
      ],
    });
    expect(withDomain).toMatchObject({ domain: 'myvexx.com', agent: 'vm112-mail', summary: 'HTTPS probe failed', alertStatus: 'firing' });
    expect(bare).toMatchObject({ summary: 'Watchdog', fingerprint: null, providerEventId: null, sourceRefs: {}, occurredAt: null });
    expect(only(alertmanager({ alerts: [{ status: 'firing', labels: {} }] })).title).toBe('[-] -/-');
  });

  it('signoz shares the format under its own source and keeps its rule id', () => {
    const [e] = signoz({
      receiver: 'opsgraph-webhook',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'High p99 latency on mail-api', ruleId: '019', ruleSource: 'https://signoz.itecnologys.com/alerts/edit?ruleId=019', severity: 'error', service_name: 'mail-api' },
          annotations: { description: 'p99 latency is above 2s (current 3.4s)', summary: 'mail-api p99 above threshold' },
          startsAt: '2026-06-16T10:10:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'https://signoz.itecnologys.com/alerts/edit?ruleId=019',
          fingerprint: '9be1f0c2a7d3e684',
        },
      ],
      groupLabels: { alertname: 'High p99 latency on mail-api' },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'https://signoz.itecnologys.com',
      version: '4',
      groupKey: '{}/{}:{alertname="High p99 latency on mail-api"}',
    });
    expect(e).toMatchObject({ source: 'signoz', ruleId: '019', severity: 10, fingerprint: '9be1f0c2a7d3e684' });
    expect(recurrenceKey(e!)).toBe('signoz:fp:9be1f0c2a7d3e684');
  });

  it('uses the group status when an alert has none, and rejects alerts with neither', () => {
    expect(only(alertmanager({ status: 'resolved', alerts: [{ labels: { alertname: 'A' } }] })).eventType).toBe('alert.resolved');
    expect(paths(alertmanager, { alerts: [{ labels: { alertname: 'A' } }] })).toEqual(['alerts.0.status']);
  });

  it('rejects bodies without an alerts array of labelled objects, naming the paths', () => {
    expect(paths(alertmanager, { version: '4', status: 'firing' })).toEqual(['alerts']);
    expect(paths(alertmanager, { alerts: [] })).toEqual(['alerts']);
    expect(paths(alertmanager, { alerts: [{ status: 'firing', labels: { alertname: 'A' } }, { status: 'firing' }] })).toEqual(['alerts.1.labels']);
    expect(paths(signoz, { alerts: ['x'] })).toEqual(['alerts.0']);
  });
});

describe('sentry normalizer', () => {
  it('maps issue.created', () => {
    const body = fixture('sentry-issue-created');
    expect(only(sentry(body))).toEqual({
      source: 'sentry',
      eventType: 'issue.created',
      providerEventId: null,
      domain: null,
      sessionId: null,
      severity: 10,
      ruleId: null,
      agent: null,
      summary: "SMTPAuthenticationError: (535, b'5.7.8 Error: authentication failed') — mailer.transport in send_message",
      fingerprint: 'sentry:4512398761',
      alertname: "SMTPAuthenticationError: (535, b'5.7.8 Error: authentication failed')",
      namespace: 'mail-api',
      targetResource: 'mailer.transport in send_message',
      alertStatus: 'firing',
      sourceSeverity: 'error',
      occurredAt: new Date('2026-06-16T10:02:41.518Z'),
      sourceRefs: {
        sentryIssue: 'https://itecnologys.sentry.io/issues/4512398761/',
        sentryProject: 'https://itecnologys.sentry.io/issues/?project=4505123456789012',
        sentryShortId: 'MAIL-API-3K',
      },
      observables: [],
      wizardStep: null,
      wizardStepLabel: null,
      email: null,
      chamadoPublicId: null,
      title: "[sentry] mail-api: SMTPAuthenticationError: (535, b'5.7.8 Error: authentication failed')",
      payload: body,
    } satisfies NormalizedEvent);
  });

  it('maps unresolved+regressed and the older regressed action both to issue.regressed', () => {
    const created = only(sentry(fixture('sentry-issue-created')));
    const regressed = only(sentry(fixture('sentry-issue-regressed')));
    expect(regressed).toMatchObject({ eventType: 'issue.regressed', alertStatus: 'firing', occurredAt: new Date('2026-06-18T14:27:09.004Z') });
    expect(recurrenceKey(regressed)).toBe(recurrenceKey(created));
    const older = fixture('sentry-issue-created');
    older.action = 'regressed';
    expect(only(sentry(older)).eventType).toBe('issue.regressed');
    const reopened = fixture('sentry-issue-regressed');
    reopened.data.issue.substatus = 'escalating';
    expect(only(sentry(reopened)).eventType).toBe('issue.unresolved');
  });

  it.each([
    ['resolved', 'resolved'],
    ['assigned', null],
    ['ignored', null],
    ['archived', null],
  ])('maps action %s with alert status %s and no action time', (action, status) => {
    const body = fixture('sentry-issue-created');
    body.action = action;
    expect(only(sentry(body))).toMatchObject({ eventType: `issue.${action}`, alertStatus: status, occurredAt: null });
  });

  it.each([
    ['fatal', 13],
    ['error', 10],
    ['warning', 7],
    ['info', 3],
    ['debug', 3],
    ['sample', null],
  ])('maps level %s to severity %s', (level, severity) => {
    const body = fixture('sentry-issue-created');
    body.data.issue.level = level;
    expect(only(sentry(body)).severity).toBe(severity);
  });

  it('prefers the permalink, accepts a numeric id and falls back to the culprit for names', () => {
    const e = only(
      sentry({
        action: 'created',
        data: { issue: { id: 77, culprit: 'app.views in index', permalink: 'https://sentry.example/p/77', level: null } },
      }),
    );
    expect(e).toMatchObject({
      fingerprint: 'sentry:77',
      alertname: 'app.views in index',
      severity: null,
      namespace: null,
      sourceRefs: { sentryIssue: 'https://sentry.example/p/77' },
      title: '[sentry] -: app.views in index',
    });
  });

  it('rejects bodies without an action and issue id, naming the paths', () => {
    const noAction = fixture('sentry-issue-created');
    delete noAction.action;
    expect(paths(sentry, noAction)).toEqual(['action']);
    const noId = fixture('sentry-issue-created');
    delete noId.data.issue.id;
    expect(paths(sentry, noId)).toEqual(['data.issue.id']);
    expect(paths(sentry, { action: 'created', data: {} })).toEqual(['data.issue']);
  });
});

describe('generic envelope normalizer', () => {
  it('maps a support event', () => {
    const body = fixture('generic-support');
    expect(only(generic(body))).toEqual({
      source: 'support',
      eventType: 'ticket.opened',
      providerEventId: 'zd-48213',
      domain: 'myvexx.com',
      sessionId: 'sess_abc123',
      severity: 6,
      ruleId: null,
      agent: null,
      summary: 'Customer reports mail not arriving since the DNS change',
      fingerprint: null,
      alertname: null,
      namespace: null,
      targetResource: null,
      alertStatus: null,
      sourceSeverity: null,
      occurredAt: new Date('2026-06-16T10:20:00Z'),
      sourceRefs: {},
      observables: [],
      wizardStep: null,
      wizardStepLabel: null,
      email: null,
      chamadoPublicId: 'CH-2026-00042',
      title: '[support] myvexx.com — mail not arriving after DNS change',
      payload: body,
    } satisfies NormalizedEvent);
  });

  it('fills a default title and accepts a minimal audit event', () => {
    const e = only(generic({ source: 'audit', event_type: 'user.role_changed', session_id: '', fingerprint: 'audit:role:ana', occurred_at: 1781604003 }));
    expect(e).toMatchObject({
      source: 'audit',
      title: '[audit] user.role_changed',
      sessionId: null,
      severity: null,
      fingerprint: 'audit:role:ana',
      occurredAt: new Date('2026-06-16T10:00:03Z'),
    });
    expect(only(generic({ source: 'support', event_type: 'x', domain: 'A.pt' })).title).toBe('[support] x — a.pt');
  });

  it('rejects unknown sources, bad severities and malformed chamado links, naming the paths', () => {
    const ok = { source: 'support', event_type: 'ticket.opened' };
    expect(paths(generic, { ...ok, source: 'wazuh' })).toEqual(['source']);
    expect(paths(generic, { source: 'audit' })).toEqual(['event_type']);
    expect(paths(generic, { ...ok, severity: 16 })).toEqual(['severity']);
    expect(paths(generic, { ...ok, severity: 2.5 })).toEqual(['severity']);
    expect(paths(generic, { ...ok, chamado_public_id: 'CH-42' })).toEqual(['chamado_public_id']);
    expect(paths(generic, { ...ok, data: 'text' })).toEqual(['data']);
  });
});

describe('NORMALIZERS', () => {
  it('routes each receiver path segment to its source', () => {
    expect(Object.keys(NORMALIZERS).sort()).toEqual(['alertmanager', 'events', 'onboard', 'sentry', 'signoz', 'wazuh']);
    const cases: [keyof typeof NORMALIZERS, string, string][] = [
      ['onboard', 'onboard-account-created', 'onboard'],
      ['wazuh', 'wazuh-brute-force', 'wazuh'],
      ['alertmanager', 'alertmanager-firing', 'alertmanager'],
      ['signoz', 'alertmanager-firing', 'signoz'],
      ['sentry', 'sentry-issue-created', 'sentry'],
      ['events', 'generic-support', 'support'],
    ];
    for (const [segment, name, source] of cases) {
      const events = NORMALIZERS[segment](fixture(name));
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e) => e.source === source)).toBe(true);
    }
  });
});

describe('redact', () => {
  it('replaces secret-bearing keys at any depth, whatever their case or type, without touching the input', () => {
    const input = {
      Password: 'hunter2',
      user: { name: 'ana', db_password: 'pw', clientSecret: 'cs', apiKey: 'k1', 'X-Api-Key': 'k2' },
      headers: { AUTHORIZATION: 'Bearer abcdefghijkl', Cookie: 'sid=1', 'content-type': 'application/json' },
      list: [{ access_token: 'at' }, { refresh_token: 'rt', kept: 1 }, 'plain'],
      credentials: { user: 'ana', pass: 'x' },
      private_key: null,
      groupKey: '{}:{alertname="A"}',
      session_id: 'sess_1',
      token_type: 'bearer',
    };
    const copy = structuredClone(input);
    expect(redact(input)).toEqual({
      Password: '[redacted]',
      user: { name: 'ana', db_password: '[redacted]', clientSecret: '[redacted]', apiKey: '[redacted]', 'X-Api-Key': '[redacted]' },
      headers: { AUTHORIZATION: '[redacted]', Cookie: '[redacted]', 'content-type': 'application/json' },
      list: [{ access_token: '[redacted]' }, { refresh_token: '[redacted]', kept: 1 }, 'plain'],
      credentials: '[redacted]',
      private_key: '[redacted]',
      groupKey: '{}:{alertname="A"}',
      session_id: 'sess_1',
      token_type: 'bearer',
    });
    expect(input).toEqual(copy);
  });

  it('redacts secrets written inside strings', () => {
    expect(
      redact({
        log: ['curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig" https://api', 'token: Bearer sk_live_0123456789'],
        query: 'user=ana&password=hunter2&next=/home',
        body: '{"password":"hunter2","user":"ana"}',
        line: 'connect db_password=s3cr3t api_key: "abc123" ok',
        url: 'smtp://mailer:p4ss@smtp.myvexx.com:587',
        basic: 'Authorization: Basic YW5hOmh1bnRlcjI=',
      }),
    ).toEqual({
      log: ['curl -H "Authorization: [redacted]" https://api', 'token: [redacted]'],
      query: 'user=ana&password=[redacted]&next=/home',
      body: '{"password":"[redacted]","user":"ana"}',
      line: 'connect db_password=[redacted] api_key: "[redacted]" ok',
      url: 'smtp://mailer:[redacted]@smtp.myvexx.com:587',
      basic: 'Authorization: [redacted]',
    });
    expect(redact('Bearer 0123456789abcdef')).toBe('Bearer [redacted]');
    const once = redact({ s: 'Authorization: Bearer abcdefghij password=x smtp://u:p@h', password: 'y' });
    expect(redact(once)).toEqual(once);
  });

  it('leaves ordinary prose and vendor payloads without secrets alone', () => {
    const prose = 'Failed password for invalid user admin from 203.0.113.45; the bearer of bad news; secretary: Ana';
    expect(redact(prose)).toBe(prose);
    const alert = fixture('wazuh-brute-force');
    expect(redact(alert)).toEqual(alert);
    const am = fixture('alertmanager-firing');
    expect(redact(am)).toEqual(am);
  });

  it('redacts the leaked token in the onboarding failure fixture and reports every path', () => {
    const redactedPaths: string[] = [];
    const out = redact(fixture('onboard-failed'), { onRedact: (p) => redactedPaths.push(p) });
    expect(out.data.cloudflare).toEqual({
      zone_id: '023e105f4ecef8ad9ca31a8372d0c353',
      api_token: '[redacted]',
      records_pending: ['MX myvexx.com', 'TXT _dmarc.myvexx.com'],
    });
    expect(redactedPaths).toEqual(['data.cloudflare.api_token']);
    const more: string[] = [];
    redact({ a: [{ note: 'password=x' }], b: { pin: '1234' } }, { extraKeys: ['PIN'], onRedact: (p) => more.push(p) });
    expect(more).toEqual(['a.0.note', 'b.pin']);
  });

  it('names its version', () => {
    expect(REDACTION_VERSION).toBe('r1');
  });
});

describe('truncateFields', () => {
  const base = () => only(onboard(fixture('onboard-account-created')));

  it('cuts over-long fields to their limits with one warning each, leaving the input intact', () => {
    const event = { ...base(), summary: 's'.repeat(5000), title: 't'.repeat(501), agent: 'a'.repeat(200) };
    const { event: out, warnings } = truncateFields(event);
    expect(out.summary).toBe('s'.repeat(2000));
    expect(out.title).toHaveLength(500);
    expect(out.agent).toHaveLength(200);
    expect(warnings).toEqual(['summary truncated from 5000 to 2000 characters', 'title truncated from 501 to 500 characters']);
    expect(event.summary).toHaveLength(5000);
  });

  it('counts characters, not UTF-16 units, and leaves short and null fields alone', () => {
    const event = { ...base(), wizardStepLabel: '🚀'.repeat(201), domain: null };
    const { event: out, warnings } = truncateFields(event);
    expect(Array.from(out.wizardStepLabel!)).toHaveLength(200);
    expect(out.wizardStepLabel).toBe('🚀'.repeat(200));
    expect(warnings).toEqual(['wizardStepLabel truncated from 201 to 200 characters']);
    expect(truncateFields(base()).warnings).toEqual([]);
  });

  it('enforces the documented limits on every listed field', () => {
    expect(FIELD_LIMITS).toMatchObject({
      eventType: 128,
      providerEventId: 200,
      domain: 253,
      sessionId: 128,
      ruleId: 64,
      agent: 200,
      summary: 2000,
      fingerprint: 128,
      alertname: 200,
      namespace: 200,
      targetResource: 200,
      title: 500,
      wizardStep: 128,
      wizardStepLabel: 200,
      email: 254,
    });
    for (const [field, limit] of Object.entries(FIELD_LIMITS)) {
      const { event, warnings } = truncateFields({ ...base(), [field]: 'x'.repeat(limit + 1) });
      expect(event[field as keyof NormalizedEvent]).toHaveLength(limit);
      expect(warnings).toEqual([`${field} truncated from ${limit + 1} to ${limit} characters`]);
    }
  });
});

describe('recurrenceKey', () => {
  it('keys on the provider fingerprint when there is one', () => {
    const [crash] = alertmanager(fixture('alertmanager-firing'));
    expect(recurrenceKey(crash!)).toBe('alertmanager:fp:0a7f3c91e2b45d68');
    expect(recurrenceKey(only(sentry(fixture('sentry-issue-created'))))).toBe('sentry:fp:sentry:4512398761');
  });

  it('hashes source, alertname or rule, namespace and target otherwise', () => {
    const e = only(wazuh(fixture('wazuh-brute-force')));
    const expected = createHash('sha256').update(JSON.stringify(['wazuh', '5712', null, 'vm112-mail'])).digest('hex').slice(0, 32);
    expect(recurrenceKey(e)).toBe(expected);
    expect(recurrenceKey(e)).toMatch(/^[0-9a-f]{32}$/);
    const facts = { source: 'wazuh', fingerprint: null, namespace: null, targetResource: 'vm112-mail' } as const;
    expect(recurrenceKey({ ...facts, alertname: null, ruleId: '5712' })).toBe(expected);
  });

  it('is stable across occurrences and separates different targets and sources', () => {
    const first = fixture('wazuh-brute-force');
    const next = fixture('wazuh-brute-force');
    Object.assign(next, { id: '1781607603.5120001', timestamp: '2026-06-16T11:00:03.000+0000' });
    next.data.srcip = '198.51.100.7';
    const key = recurrenceKey(only(wazuh(first)));
    expect(recurrenceKey(only(wazuh(next)))).toBe(key);
    const otherAgent = fixture('wazuh-brute-force');
    otherAgent.agent.name = 'vm104-wazuh';
    expect(recurrenceKey(only(wazuh(otherAgent)))).not.toBe(key);
    const facts = { fingerprint: null, alertname: 'A', ruleId: null, namespace: 'mail', targetResource: 'p' };
    expect(recurrenceKey({ ...facts, source: 'alertmanager' })).not.toBe(recurrenceKey({ ...facts, source: 'signoz' }));
  });

  it('is null when nothing names a recurring problem', () => {
    expect(recurrenceKey(only(onboard(fixture('onboard-failed'))))).toBeNull();
    expect(recurrenceKey(only(generic(fixture('generic-support'))))).toBeNull();
  });
});
