// Recurrence and event-dossier read benchmark (issue 9, "Speed"): the console's landing views
// with 100k events must answer in < 100 ms p95 at their largest `limit`, with a statement count
// that does not grow with the limit.
//
//   npm run bench:recurrence -- [--events 100000] [--ingest 6000] [--groups 3000] [--concurrency 16]
//                               [--requests 200] [--server-url postgres://postgres@127.0.0.1:5432/postgres] [--keep-db]
//
// It creates a throwaway database on that PostgreSQL server and starts the real server against it
// (src/boot.ts). The events are vendor bodies of Alertmanager, SigNoz, Sentry and Wazuh made up
// from templates and run through the receivers' normalizers: group sizes are long-tailed (Zipf,
// s = 0.9, over `--groups` recurring problems), groups belong to four projects, ~5 % of the
// deliveries are exact redeliveries, ~12 % of the alert notifications resolutions, and they are
// spread over the last 7 days.
//
// Loading: the real ingestion service (ingestDelivery, `--concurrency` at once) stores about
// 150 events/s on a busy 2-core machine, so 100k would take ~11 minutes. So the older
// `events - ingest` events (the history) go in through a bulk path, and the newest `--ingest` ones
// through ingestDelivery in-process, on top of that history. The bulk path runs the ingest code's
// own pieces per event — truncateFields/redact, recurrenceKey, dedupKeys (first key holder wins),
// recurrenceWhy, sourceRefFacts, nextLifecycle over hourly buckets — in process order, and writes
// the rows touchRecurrenceGroup would have written (events, dedup keys, groups with every counter
// and lifecycle, hourly buckets) with a few multi-row INSERTs. What it leaves out: the history's
// events open or join no chamado (the ingested ones do, by ingest's rules). Afterwards every
// group's counters are checked against a recount from the events (`group_counters_equal_recount`).
// Runbook runs are then added with SQL on a third of the chamados linked to groups (1–3 each,
// statuses mixed), and ANALYZE runs, as autovacuum would have by then.
//
// Each view is requested `--requests` times in sequence (after 10 warm-up requests) through its REST
// path (its GraphQL query where the path does not exist) as the bootstrap admin; every result line
// is printed next to its reference: p95 < 100 ms, and X-Sql-Statements at limit 10 equal to the
// statements at the largest limit. Last, bench/ingest.ts runs against the same server (HTTP
// webhooks, 2000 deliveries), so the in-process ingest rate stands next to its figure.
// Output: one JSON object per line on stdout; progress on stderr.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { MikroORM } from '@mikro-orm/postgresql';
import { startServer } from '../src/boot.ts';
import { loadConfig } from '../src/config.ts';
import { seedRunbooks } from '../src/demo/demo-seed.ts';
import { ormOptions } from '../src/db/orm.ts';
import { createLogger } from '../src/logger.ts';
import { dedupKeys } from '../src/services/ingest/dedup.ts';
import { sha256Hex } from '../src/services/ingest/digest.ts';
import { ingestDelivery, type Correlation } from '../src/services/ingest/ingest.ts';
import type { NormalizedEvent } from '../src/services/ingest/normalized-event.ts';
import { recurrenceKey, redact, REDACTION_VERSION, truncateFields } from '../src/services/ingest/sanitize.ts';
import { NORMALIZERS } from '../src/services/ingest/sources/index.ts';
import { nextLifecycle, TRAILING_HOURS } from '../src/services/recurrence/lifecycle.ts';
import { recurrenceWhy, RECURRENCE_RULE_VERSION } from '../src/services/recurrence/rule.ts';
import type { RecurrenceSettings } from '../src/services/recurrence/settings.ts';
import { sourceRefFacts } from '../src/services/recurrence/source-refs.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    ingest: { type: 'string', default: '6000' },
    groups: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
    requests: { type: 'string', default: '200' },
    'server-url': { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'keep-db': { type: 'boolean', default: false },
    seed: { type: 'string', default: '9' },
  },
});
const EVENTS = Number(values.events);
const INGESTED = Math.min(EVENTS, Number(values.ingest));
const BULK = EVENTS - INGESTED;
const GROUPS = Number(values.groups);
const CONCURRENCY = Number(values.concurrency);
const REQUESTS = Number(values.requests);
const TARGET_P95_MS = 100;

const log = (message: string) => process.stderr.write(`bench:recurrence: ${message}\n`);
const emit = (line: Record<string, unknown>) => console.log(JSON.stringify({ benchmark: 'recurrence', ...line }));

// --- the stream ---------------------------------------------------------------------------------

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(Number(values.seed));
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');

type Source = 'alertmanager' | 'signoz' | 'sentry' | 'wazuh';
const PROJECTS = [
  ['default', 0.4],
  ['acme', 0.3],
  ['globex', 0.2],
  ['initech', 0.1],
] as const;
const SOURCES: [Source, number][] = [
  ['alertmanager', 0.4],
  ['wazuh', 0.3],
  ['signoz', 0.15],
  ['sentry', 0.15],
];
const weighted = <T>(table: readonly (readonly [T, number])[]): T => {
  let u = random();
  for (const [value, weight] of table) if ((u -= weight) < 0) return value;
  return table.at(-1)![0];
};

const ALERTNAMES = ['KubePodCrashLooping', 'NodeDiskPressure', 'HighLatencyP99', 'CertificateExpiringSoon', 'TargetDown', 'KubeJobFailed', 'PostfixQueueGrowing'];
const NAMESPACES = ['mail', 'infra', 'api', 'edge', 'billing', 'portal'];
const SEVERITIES = ['critical', 'error', 'warning', 'warning', 'info'];
const WAZUH_RULES = [
  { id: '5712', level: 12, description: 'sshd: brute force trying to get access to the system. Non existent user.' },
  { id: '5710', level: 5, description: 'sshd: Attempt to login using a non-existent user' },
  { id: '31101', level: 6, description: 'Web server 400 error code.' },
  { id: '554', level: 7, description: 'File added to the system.' },
  { id: '100002', level: 10, description: 'Postfix: SASL authentication failure burst' },
];
const SENTRY_LEVELS = ['error', 'error', 'fatal', 'warning'];

interface Group {
  source: Source;
  project: string;
  /** Alert sources: fingerprint; Sentry: issue id; Wazuh: agent name. */
  key: string;
  alertname: string;
  namespace: string;
  severity: string;
  rule: (typeof WAZUH_RULES)[number];
  occurrences: number;
  firing: string | null;
}

const groups: Group[] = Array.from({ length: GROUPS }, (_, i) => ({
  source: weighted(SOURCES),
  project: weighted(PROJECTS),
  key: `${hex(12)}${i.toString(16).padStart(4, '0')}`,
  alertname: pick(ALERTNAMES),
  namespace: pick(NAMESPACES),
  severity: pick(SEVERITIES),
  rule: pick(WAZUH_RULES),
  occurrences: 0,
  firing: null,
}));

// Zipf (s = 0.9) over the groups in their (random) order: a few very noisy, a long quiet tail.
const cdf: number[] = [];
{
  let total = 0;
  for (let r = 1; r <= GROUPS; r++) cdf.push((total += 1 / r ** 0.9));
  for (let r = 0; r < GROUPS; r++) cdf[r]! /= total;
}
function zipfGroup(): Group {
  const u = random();
  let lo = 0;
  let hi = GROUPS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return groups[lo]!;
}

const WEEK_MS = 7 * 24 * 3_600_000;
let clock = Date.now() - WEEK_MS;
/** The stream's clock: EVENTS steps over the last 7 days. */
const tick = () => new Date((clock += WEEK_MS / EVENTS)).toISOString();

/** One delivery body for the group's next notification (a new firing, or the resolution of the current one). */
function nextBody(g: Group, n: number): unknown {
  const at = tick();
  if (g.source === 'alertmanager' || g.source === 'signoz') {
    const resolve = g.firing !== null && random() < 0.12;
    const startsAt = resolve ? g.firing! : at;
    g.firing = resolve ? null : startsAt;
    const status = resolve ? 'resolved' : 'firing';
    const labels: Record<string, string> = {
      alertname: g.alertname,
      namespace: g.namespace,
      pod: `${g.namespace}-${g.key.slice(0, 6)}`,
      instance: `10.42.${n % 250}.${(n >> 8) % 250}:8080`,
      severity: g.severity,
      job: 'kube-state-metrics',
    };
    if (g.source === 'signoz') labels.ruleId = `rule-${g.key.slice(0, 4)}`;
    return {
      receiver: 'opsgraph',
      status,
      alerts: [
        {
          status,
          labels,
          annotations: { summary: `${g.alertname} in ${g.namespace}`, description: `${g.alertname} on ${labels.pod} (${status})` },
          startsAt,
          endsAt: resolve ? at : '0001-01-01T00:00:00Z',
          generatorURL: `http://prometheus-k8s-0:9090/graph?g0.expr=${g.alertname}`,
          fingerprint: g.key,
        },
      ],
      groupLabels: { namespace: g.namespace },
      commonLabels: { namespace: g.namespace },
      externalURL: g.source === 'signoz' ? 'https://signoz.example.com' : 'http://alertmanager-main.monitoring.svc:9093',
      version: '4',
      groupKey: `{}:{namespace="${g.namespace}"}`,
    };
  }
  if (g.source === 'sentry') {
    const action = g.occurrences === 0 ? 'created' : random() < 0.12 ? 'resolved' : 'regressed';
    return {
      action,
      installation: { uuid: '31a5d107-4988-4397-891e-65abdd9f0469' },
      data: {
        issue: {
          id: String(4_500_000_000 + parseInt(g.key.slice(-8), 16)),
          shortId: `${g.namespace.toUpperCase()}-${g.key.slice(0, 3).toUpperCase()}`,
          title: `${g.alertname}Error: request failed`,
          culprit: `${g.namespace}.handlers in handle_${g.key.slice(0, 4)}`,
          level: SENTRY_LEVELS[parseInt(g.key[0]!, 16) % SENTRY_LEVELS.length],
          status: action === 'resolved' ? 'resolved' : 'unresolved',
          web_url: `https://itecnologys.sentry.io/issues/${g.key}/`,
          project: { slug: g.namespace },
          firstSeen: at,
          lastSeen: at,
        },
      },
    };
  }
  return {
    timestamp: at.replace('Z', '+0000'),
    rule: { level: g.rule.level, description: g.rule.description, id: g.rule.id, groups: ['syslog'] },
    agent: { id: g.key.slice(0, 3), name: `vm-${g.key.slice(0, 8)}`, ip: `10.10.${n % 250}.${(n >> 8) % 250}` },
    manager: { name: 'wazuh-manager' },
    id: `${Date.parse(at) / 1000}.${n}`,
    full_log: `${g.rule.description} from 203.0.113.${n % 250}`,
    decoder: { name: 'sshd' },
    data: { srcip: `203.0.113.${n % 250}` },
    location: '/var/log/auth.log',
  };
}

interface Sent {
  source: Source;
  project: string;
  text: string;
  deliveryId: string;
  /** When it was sent: the stream's clock (the bulk history's received_at). */
  at: Date;
}

/** The n-th delivery: ~5 % an exact redelivery of a recent one, else the next notification of a Zipf-picked group. */
const recent: Sent[] = [];
function delivery(n: number): Sent & { redelivery: boolean } {
  if (recent.length > 0 && random() < 0.05) return { ...pick(recent), at: new Date(clock), redelivery: true };
  const g = zipfGroup();
  const sent: Sent = { source: g.source, project: g.project, text: JSON.stringify(nextBody(g, n)), deliveryId: `bench-${n}`, at: new Date(clock) };
  g.occurrences++;
  recent.push(sent);
  if (recent.length > 2000) recent.shift();
  return { ...sent, redelivery: false };
}

// --- database and server --------------------------------------------------------------------------

const serverUrl = new URL(values['server-url']!);
const dbName = `opsgraph_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
const admin = await MikroORM.init({ clientUrl: serverUrl.toString(), entities: [], discovery: { warnWhenNoEntities: false } });
await admin.em.getConnection().execute(`create database "${dbName}"`);
const databaseUrl = new URL(serverUrl);
databaseUrl.pathname = `/${dbName}`;
log(`database ${dbName}`);

const config = loadConfig({
  NODE_ENV: 'development',
  DATABASE_URL: databaseUrl.toString(),
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  SEED_DEMO: '0',
  RUNBOOK_WORKER: 'false',
  OUTBOUND_WORKER: 'false',
});
const running = await startServer(config, createLogger(config.logLevel));
// The loader's own pool, as wide as its concurrency (the server keeps its pool for the requests).
const loader = await MikroORM.init(ormOptions(databaseUrl.toString(), { pool: { min: 0, max: CONCURRENCY + 2 } }));

async function cleanUp(): Promise<void> {
  await loader.close(true);
  await running.close(1000);
  if (!values['keep-db']) await admin.em.getConnection().execute(`drop database if exists "${dbName}" with (force)`);
  else log(`kept database ${dbName}`);
  await admin.close(true);
}

// --- the bulk path (the history) ---------------------------------------------------------------

const HOUR_MS = 3_600_000;
const hourOf = (at: Date) => Math.floor(at.getTime() / HOUR_MS) * HOUR_MS;

/** A group as touchRecurrenceGroup keeps it, in memory. */
interface GroupRow {
  project_id: string;
  recurrence_key: string;
  basis: string;
  why: Record<string, string | null>;
  provider: string;
  alertname: string | null;
  rule_id: string | null;
  severity: string | null;
  namespace: string | null;
  target_resource: string | null;
  fingerprint: string | null;
  occurrence_total: number;
  resolved_total: number;
  duplicate_total: number;
  source_ref_total: number;
  missing_source_refs_total: number;
  sentry_ref_total: number;
  signoz_ref_total: number;
  alert_ref_total: number;
  first_event_id: number;
  latest_event_id: number;
  first_received_at: Date;
  latest_received_at: Date;
  latest_occurrence_at: Date | null;
  latest_alert_status: string | null;
  lifecycle: ReturnType<typeof nextLifecycle>['lifecycle'];
  lifecycle_changed_at: Date;
  lifecycle_reason: string | null;
  /** Occurrences per clock hour (recurrence_hours). */
  hours: Map<number, number>;
}

/** touchRecurrenceGroup's upsert, on the in-memory row (the history has no runs, so no last run). */
function touchGroup(groups: Map<string, GroupRow>, settings: RecurrenceSettings, project: string, key: string, ev: NormalizedEvent, eventId: number, duplicate: boolean, at: Date): void {
  const id = `${project}\u0000${key}`;
  let g = groups.get(id);
  const resolution = ev.alertStatus === 'resolved';
  const occurrence = !duplicate && !resolution;
  const hour = hourOf(at);
  const change = duplicate
    ? null
    : nextLifecycle(
        g
          ? {
              lifecycle: g.lifecycle,
              latestOccurrenceAt: g.latest_occurrence_at,
              lastRun: null,
              currentHour: g.hours.get(hour) ?? 0,
              previousHour: g.hours.get(hour - HOUR_MS) ?? 0,
              trailing: Array.from({ length: TRAILING_HOURS }, (_, i) => g!.hours.get(hour - (i + 2) * HOUR_MS) ?? 0).reduce((a, b) => a + b, 0),
            }
          : null,
        resolution,
        at,
        settings,
      );
  const refs = sourceRefFacts(ev.source, ev.sourceRefs);
  if (!g) {
    const { basis, why } = recurrenceWhy(ev);
    g = {
      project_id: project,
      recurrence_key: key,
      basis,
      why,
      provider: ev.source,
      alertname: ev.alertname,
      rule_id: ev.ruleId,
      severity: null,
      namespace: ev.namespace,
      target_resource: ev.targetResource,
      fingerprint: ev.fingerprint,
      occurrence_total: 0,
      resolved_total: 0,
      duplicate_total: 0,
      source_ref_total: 0,
      missing_source_refs_total: 0,
      sentry_ref_total: 0,
      signoz_ref_total: 0,
      alert_ref_total: 0,
      first_event_id: eventId,
      latest_event_id: eventId,
      first_received_at: at,
      latest_received_at: at,
      latest_occurrence_at: null,
      latest_alert_status: duplicate ? null : ev.alertStatus,
      lifecycle: change?.lifecycle ?? 'new',
      lifecycle_changed_at: at,
      lifecycle_reason: change?.reason ?? null,
      hours: new Map(),
    };
    groups.set(id, g);
  } else {
    g.latest_event_id = eventId;
    if (at > g.latest_received_at) g.latest_received_at = at;
    if (!duplicate) g.latest_alert_status = ev.alertStatus;
    if (change) {
      if (change.lifecycle !== g.lifecycle) g.lifecycle_changed_at = at;
      g.lifecycle = change.lifecycle;
      g.lifecycle_reason = change.reason;
    }
  }
  if (!duplicate && ev.sourceSeverity !== null) g.severity = ev.sourceSeverity;
  if (occurrence) {
    g.occurrence_total++;
    g.latest_occurrence_at = at;
    g.hours.set(hour, (g.hours.get(hour) ?? 0) + 1);
  }
  if (!duplicate && resolution) g.resolved_total++;
  if (duplicate) g.duplicate_total++;
  g.source_ref_total += refs.count;
  if (refs.count === 0) g.missing_source_refs_total++;
  if (refs.sentry) g.sentry_ref_total++;
  if (refs.signoz) g.signoz_ref_total++;
  if (refs.alert) g.alert_ref_total++;
}

const EVENT_RECORD = `id bigint, project_id text, source text, event_type text, provider_event_id text, delivery_id text, domain text,
  session_id text, severity int, rule_id text, agent text, summary text, fingerprint text, alertname text, namespace text,
  target_resource text, recurrence_key text, alert_status text, source_severity text, payload jsonb, redaction_version text,
  content_sha256 text, content_length int, source_refs jsonb, observables jsonb, warnings jsonb, occurred_at timestamptz,
  received_at timestamptz, is_duplicate boolean, duplicate_of_id bigint, correlation jsonb`;
const GROUP_RECORD = `project_id text, recurrence_key text, basis text, why jsonb, provider text, alertname text, rule_id text,
  severity text, namespace text, target_resource text, fingerprint text, occurrence_total int, resolved_total int,
  duplicate_total int, source_ref_total int, missing_source_refs_total int, sentry_ref_total int, signoz_ref_total int,
  alert_ref_total int, first_event_id bigint, latest_event_id bigint, first_received_at timestamptz, latest_received_at timestamptz,
  latest_occurrence_at timestamptz, latest_alert_status text, lifecycle text, lifecycle_changed_at timestamptz, lifecycle_reason text`;

const columnsOf = (record: string) => record.split(',').map((c) => c.trim().split(' ')[0]).join(', ');

/** Rows through `jsonb_to_recordset(record)`, `size` at a time; `constants` adds columns with fixed SQL values. */
async function insertRows(table: string, record: string, rows: unknown[], size: number, constants?: { columns: string; values: string }): Promise<void> {
  const columns = columnsOf(record);
  for (let i = 0; i < rows.length; i += size) {
    await loader.em.fork().execute(
      `insert into ${table} (${columns}${constants ? `, ${constants.columns}` : ''})
       select ${columns}${constants ? `, ${constants.values}` : ''} from jsonb_to_recordset(?::jsonb) as r(${record})`,
      [JSON.stringify(rows.slice(i, i + size))],
    );
  }
}

/** The history: `count` deliveries as ingest would have stored them at their time, through multi-row INSERTs. */
async function bulkLoad(count: number): Promise<{ stored: number; redeliveries: number; groups: number }> {
  const settings = config.ingest.recurrence;
  const events: Record<string, unknown>[] = [];
  const claimed: { key: string; event_id: number; created_at: Date }[] = [];
  /** Dedup key → the original event holding it. */
  const holders = new Map<string, { id: number; original: number }>();
  const groups = new Map<string, GroupRow>();
  let redeliveries = 0;
  const [{ start } = { start: 0 }] = await loader.em.fork().execute<{ start: number }[]>(`select nextval('events_id_seq')::int as start`);
  let id = start - 1;
  for (let n = 0; n < count; n++) {
    const d = delivery(n);
    if (d.redelivery) redeliveries++;
    for (const [index, raw] of NORMALIZERS[d.source](JSON.parse(d.text)).entries()) {
      const { event: ev, warnings } = truncateFields({ ...raw, summary: redact(raw.summary), title: redact(raw.title) });
      const key = recurrenceKey(ev);
      id++;
      // claimDedupKeys: keys are claimed in order until one is already held.
      let duplicateOf: { id: number; original: number; key: string } | null = null;
      for (const k of dedupKeys(ev, d.deliveryId, index, d.project)) {
        const holder = holders.get(k.key);
        if (holder) {
          duplicateOf = { ...holder, key: k.key };
          break;
        }
        holders.set(k.key, { id, original: id });
        claimed.push({ key: k.key, event_id: id, created_at: d.at });
      }
      const correlation: Correlation = duplicateOf
        ? { decision: 'duplicate', rule: 'exact', key: duplicateOf.key, duplicate_of: duplicateOf.original, chamado_public_id: null }
        : { decision: 'stored', reason: 'bench history (bulk path): no chamado' };
      events.push({
        id,
        project_id: d.project,
        source: ev.source,
        event_type: ev.eventType,
        provider_event_id: ev.providerEventId,
        delivery_id: d.deliveryId,
        domain: ev.domain,
        session_id: ev.sessionId,
        severity: ev.severity,
        rule_id: ev.ruleId,
        agent: ev.agent,
        summary: ev.summary,
        fingerprint: ev.fingerprint,
        alertname: ev.alertname,
        namespace: ev.namespace,
        target_resource: ev.targetResource,
        recurrence_key: key,
        alert_status: ev.alertStatus,
        source_severity: ev.sourceSeverity,
        payload: redact(ev.payload),
        redaction_version: REDACTION_VERSION,
        content_sha256: sha256Hex(d.text),
        content_length: Buffer.byteLength(d.text),
        source_refs: ev.sourceRefs,
        observables: ev.observables,
        warnings: warnings.length ? warnings : null,
        occurred_at: ev.occurredAt,
        received_at: d.at,
        is_duplicate: duplicateOf !== null,
        duplicate_of_id: duplicateOf?.original ?? null,
        correlation,
      });
      if (key) touchGroup(groups, settings, d.project, key, ev, id, duplicateOf !== null, d.at);
    }
  }
  await loader.em.fork().execute(`select setval('events_id_seq', ?)`, [id]);
  await insertRows('events', EVENT_RECORD, events, 2000);
  await insertRows('event_dedup_keys', 'key text, event_id bigint, created_at timestamptz', claimed, 5000);
  const groupRows = [...groups.values()].map(({ hours: _, ...row }) => row);
  await insertRows('recurrence_groups', GROUP_RECORD, groupRows, 1000, {
    columns: 'rule_version, change_seq, created_at, updated_at',
    values: `'${RECURRENCE_RULE_VERSION}', nextval('recurrence_change_seq'), now(), now()`,
  });
  const hours = [...groups.values()].flatMap((g) =>
    [...g.hours].map(([hour, occurrences]) => ({ project_id: g.project_id, recurrence_key: g.recurrence_key, hour: new Date(hour), occurrences })),
  );
  for (let i = 0; i < hours.length; i += 5000) {
    await loader.em.fork().execute(
      `insert into recurrence_hours (group_id, hour, occurrences)
       select g.id, r.hour, r.occurrences from jsonb_to_recordset(?::jsonb) as r(project_id text, recurrence_key text, hour timestamptz, occurrences int)
       join recurrence_groups g on g.project_id = r.project_id and g.recurrence_key = r.recurrence_key`,
      [JSON.stringify(hours.slice(i, i + 5000))],
    );
  }
  return { stored: events.length, redeliveries, groups: groups.size };
}

try {
  await seedRunbooks(loader.em.fork(), config);

  // --- load: the history in bulk, then the newest events through ingestDelivery -----------------
  const bulkStarted = performance.now();
  const history = await bulkLoad(BULK);
  const bulkSeconds = (performance.now() - bulkStarted) / 1000;
  log(`history: ${history.stored} events in ${bulkSeconds.toFixed(1)} s (bulk path)`);

  let next = BULK;
  let redeliveries = 0;
  let stored = 0;
  const loadStarted = performance.now();
  async function worker(): Promise<void> {
    while (next < EVENTS) {
      const n = next++;
      const d = delivery(n);
      if (d.redelivery) redeliveries++;
      const events = NORMALIZERS[d.source](JSON.parse(d.text));
      const receipts = await ingestDelivery(loader.em.fork(), config.ingest, {
        events,
        projectId: d.project,
        deliveryId: d.deliveryId,
        contentSha256: sha256Hex(d.text),
        contentLength: Buffer.byteLength(d.text),
      });
      stored += receipts.length;
      if (n > BULK && (n - BULK) % 2000 === 0) log(`ingest: ${n - BULK} deliveries, ${Math.round((n - BULK) / ((performance.now() - loadStarted) / 1000))}/s`);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const loadSeconds = (performance.now() - loadStarted) / 1000;

  const sql = <T>(text: string, params: unknown[] = []) => loader.em.fork().execute<T[]>(text, params);

  // Runs on a third of the chamados the groups' events joined (1–3 each, statuses mixed).
  const [runs] = await sql<{ n: number }>(
    `with linked as (
       select gc.chamado_id, row_number() over (order by gc.chamado_id) as k from (select distinct chamado_id from recurrence_group_chamados) gc
     ), rb as (select id, code, nivel, row_number() over (order by id) as k, count(*) over () as total from runbooks)
     , ins as (
       insert into runbook_executions (chamado_id, runbook_id, runbook_code, nivel, params, status, requested_by_id, attempt,
         queued_at, started_at, finished_at, created_at, updated_at)
       select l.chamado_id, rb.id, rb.code, rb.nivel, '{}'::jsonb,
         (array['sucesso','sucesso','sucesso','falha','pendente_aprovacao','executando','timeout'])[1 + (l.k * 7 + r.i) % 7],
         (select id from users where username = ?), 1,
         now() - interval '2 hours', now() - interval '2 hours', now() - interval '1 hour', now() - (r.i || ' hours')::interval, now()
       from linked l cross join generate_series(1, 3) r(i)
         join rb on rb.k = 1 + (l.k + r.i) % rb.total
       where l.k % 3 = 0 and r.i <= 1 + (l.k / 3) % 3
       returning 1
     ) select count(*)::int as n from ins`,
    [config.admin.username],
  );

  // The counters ingest maintained, against a recount from the events.
  const [check] = await sql<{ groups: number; mismatched: number; events: number; duplicates: number; chamados: number }>(
    `with recount as (
       select project_id, recurrence_key,
         count(*) filter (where not is_duplicate and alert_status is distinct from 'resolved')::int as occurrences,
         count(*) filter (where not is_duplicate and alert_status = 'resolved')::int as resolutions,
         count(*) filter (where is_duplicate)::int as duplicates
       from events where recurrence_key is not null group by 1, 2
     )
     select (select count(*) from recurrence_groups)::int as groups,
       (select count(*) from recurrence_groups g full join recount r using (project_id, recurrence_key)
         where g.id is null or r.project_id is null or g.occurrence_total <> r.occurrences
           or g.resolved_total <> r.resolutions or g.duplicate_total <> r.duplicates)::int as mismatched,
       (select count(*) from events)::int as events,
       (select count(*) from events where is_duplicate)::int as duplicates,
       (select count(*) from chamados)::int as chamados`,
  );
  emit({
    phase: 'load',
    history: { path: 'bulk (ingest code per event, multi-row INSERTs)', deliveries: BULK, redeliveries: history.redeliveries, seconds: Number(bulkSeconds.toFixed(1)) },
    ingested: {
      path: 'in-process ingestDelivery',
      concurrency: CONCURRENCY,
      deliveries: INGESTED,
      redeliveries,
      seconds: Number(loadSeconds.toFixed(1)),
      events_per_second: Number((stored / loadSeconds).toFixed(1)),
    },
    ...check,
    runs: runs!.n,
    group_counters_equal_recount: check!.mismatched === 0,
  });
  await sql('analyze');
  // Latencies are wall-clock on this machine, shared with whatever else runs: say how busy it was.
  emit({ phase: 'machine', cpus: cpus().length, load_average_1m: Number(loadavg()[0]!.toFixed(2)) });

  // --- reads --------------------------------------------------------------------------------------
  const login = await fetch(`${running.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation L($u: String!, $p: String!) { login(username: $u, password: $p) { ... on LoginPayload { token } ... on Error { message } } }',
      variables: { u: config.admin.username, p: config.admin.password },
    }),
  });
  const token = ((await login.json()) as { data: { login: { token: string } } }).data.login.token;
  const auth = { authorization: `Bearer ${token}` };

  interface View {
    name: string;
    rest: (limit: number) => string;
    maxLimit: number;
    /** The GraphQL query measured when the REST path is missing. */
    gql: string;
    items: (body: any, transport: 'rest' | 'graphql') => number;
  }
  const views: View[] = [
    {
      name: 'recurrence dossier',
      rest: (limit) => `/api/v1/events/dossier/recurrence?limit=${limit}`,
      maxLimit: 300,
      gql: `query B($limit: Int) { recurrenceDossier(limit: $limit) {
        projectId limit
        summary { sourceEventTotal recurrenceGroupTotal recurrentGroupTotal duplicateEventTotal linkedRunTotal unlinkedEventTotal
          autoRepairLinkedTotal verifiedRepairGroupTotal openWorkItemGroupTotal manualGateGroupTotal automationGapGroupTotal
          failedRepairGroupTotal latestReceivedAt }
        items { workItemId projectId recurrenceKey provider alertname ruleId severity namespace targetResource occurrenceTotal duplicateTotal
          resolvedTotal sourceRefTotal missingSourceRefsTotal sentryRefTotal signozRefTotal alertRefTotal firstReceivedAt latestReceivedAt
          lifecycle linkedRunTotal runStateCounts latestRun { runId status } chamadoPublicIds latestAgent repairSummary
          latestChamado { publicId } workItem { id state reason nextStep title } }
      } }`,
      items: (b, t) => (t === 'rest' ? b.items : b.data.recurrenceDossier.items).length,
    },
    {
      name: 'dossier coverage',
      rest: (limit) => `/api/v1/events/dossier/coverage?limit=${limit}`,
      maxLimit: 200,
      gql: `query B($limit: Int) { eventCoverage(limit: $limit) {
        projectId limit
        summary { sourceCount sourceEnvelopeTotal missingSourceEnvelopeTotal withSourceRefsTotal missingSourceRefsTotal duplicateTotal
          redactedTotal sourceRefTotal sentryRefTotal signozRefTotal alertRefTotal latestReceivedAt }
        providers { provider total duplicateTotal redactedTotal sourceRefTotal missingSourceRefsTotal sentryRefTotal signozRefTotal alertRefTotal latestReceivedAt }
      } }`,
      items: (b, t) => (t === 'rest' ? b.providers : b.data.eventCoverage.providers).length,
    },
    {
      name: 'event dossier',
      rest: (limit) => `/api/v1/events/dossier?limit=${limit}`,
      maxLimit: 50,
      gql: `query B($limit: Int) { events(first: $limit) { edges { node {
        eventUuid projectId provider stage contentPreview contentRedacted hasRedactedContent sourceUrl sourceRefCount logCorrelation
        providerEventIdOrFallback channelChatId isDuplicate receivedAt occurredAt
      } } } }`,
      items: (b, t) => (t === 'rest' ? b.events : b.data.events.edges).length,
    },
    {
      name: 'recent events',
      rest: (limit) => `/api/v1/events/recent?limit=${limit}`,
      maxLimit: 100,
      gql: `query B($limit: Int) { events(first: $limit) { edges { node {
        eventUuid projectId source providerEventIdOrFallback channelChatId contentPreview isDuplicate receivedAt
      } } } }`,
      items: (b, t) => (t === 'rest' ? b.events : b.data.events.edges).length,
    },
  ];

  async function call(view: View, transport: 'rest' | 'graphql', limit: number): Promise<{ ms: number; statements: number; status: number; body: any }> {
    const started = performance.now();
    const res =
      transport === 'rest'
        ? await fetch(`${running.url}${view.rest(limit)}`, { headers: auth })
        : await fetch(`${running.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...auth },
            body: JSON.stringify({ query: view.gql, variables: { limit } }),
          });
    const body = await res.json();
    const ms = performance.now() - started;
    return { ms, statements: Number(res.headers.get('x-sql-statements')), status: res.status, body };
  }

  const pct = (sorted: number[], p: number) => Number(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(1));
  for (const view of views) {
    const probe = await call(view, 'rest', view.maxLimit);
    const transport = probe.status === 404 ? 'graphql' : 'rest';
    const first = transport === 'rest' ? probe : await call(view, 'graphql', view.maxLimit);
    if (first.status !== 200 || first.body.errors) {
      emit({ view: view.name, transport, error: `answered ${first.status}: ${JSON.stringify(first.body).slice(0, 500)}` });
      continue;
    }
    for (let i = 0; i < 10; i++) await call(view, transport, view.maxLimit);
    const latencies: number[] = [];
    const statements = new Set<number>();
    for (let i = 0; i < REQUESTS; i++) {
      const r = await call(view, transport, view.maxLimit);
      latencies.push(r.ms);
      statements.add(r.statements);
    }
    latencies.sort((a, b) => a - b);
    const small = await call(view, transport, 10);
    const p95 = pct(latencies, 95);
    emit({
      view: view.name,
      transport,
      request: transport === 'rest' ? `GET ${view.rest(view.maxLimit)}` : `POST /graphql (limit ${view.maxLimit})`,
      requests: REQUESTS,
      items: view.items(first.body, transport),
      latency_ms: { p50: pct(latencies, 50), p95, p99: pct(latencies, 99), max: Number(latencies.at(-1)!.toFixed(1)) },
      target: { p95_ms_below: TARGET_P95_MS, met: p95 < TARGET_P95_MS },
      sql_statements: { limit_10: small.statements, [`limit_${view.maxLimit}`]: [...statements] },
      // Bounded: one count at the largest limit, and no more than that at 10 (a loader with no
      // keys at limit 10, e.g. no runs among 10 groups, skips its statement).
      statements: { constant: statements.size === 1 && statements.has(small.statements), bounded: statements.size === 1 && small.statements <= [...statements][0]! },
    });
  }

  // --- the ingest reference, against the same server ---------------------------------------------
  const ingest = await new Promise<string>((resolve) => {
    const child = spawn(
      process.execPath,
      ['bench/ingest.ts', '--url', running.url, '--secret', config.ingest.webhookSecrets.alertmanager!, '--events', '2000', '--senders', '16'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.on('exit', () => resolve(out.trim().split('\n').at(-1) ?? ''));
  });
  let reference: unknown = ingest;
  try {
    reference = JSON.parse(ingest);
  } catch {
    // printed as it came
  }
  emit({
    phase: 'ingest throughput',
    in_process_ingest_events_per_second: Number((stored / loadSeconds).toFixed(1)),
    bench_ingest: reference,
  });
} finally {
  await cleanUp();
}
process.exit(0);
