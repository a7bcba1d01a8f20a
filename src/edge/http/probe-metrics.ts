import type { MikroORM } from '@mikro-orm/postgresql';
import { Gauge } from 'prom-client';
import type { Logger } from '../../logger.ts';
import { defaultProbeKind } from '../../services/discovery/probes/port-table.ts';
import type { ProbeKind } from '../../services/discovery/probes/types.ts';

/*
 * The discovery monitor's latest probe of each resource, in blackbox_exporter's vocabulary, so a
 * Prometheus that already scrapes /metrics gets the inventory's health without a second exporter.
 * The values are read from the database at each scrape (prom-client's async collect), not kept in
 * this process: the monitor may run in another process, and every API instance answers the same.
 */

const LABELS = ['resource_id', 'totvs_id', 'environment', 'host', 'port', 'category', 'probe'] as const;
type Labels = Record<(typeof LABELS)[number], string>;

interface ProbeRow {
  resourceId: string;
  totvsId: string;
  environment: string;
  host: string;
  port: number | null;
  category: string;
  probe: ProbeKind | null;
  success: boolean;
  durationMs: number | null;
  /** The certificate's notAfter in unix seconds, when a TLS handshake ever reached one. */
  certExpiry: number | null;
  /** The latest HTTP answer's status, when there was one. */
  httpStatus: number | null;
}

// Live, monitored resources whose latest probe ran (not skipped by the network policy).
const PROBED_RESOURCES = `select r.uuid as "resourceId", i.totvs_id as "totvsId", e.name as environment, r.host, r.port,
    r.category, r.probe, r.last_success as success, r.last_duration_ms as "durationMs",
    extract(epoch from r.cert_expires_at)::float8 as "certExpiry",
    (select (c->>'value')::float8 from jsonb_array_elements(r.last_checks) c
     where c->>'check' = 'http' and jsonb_typeof(c->'value') = 'number' limit 1) as "httpStatus"
  from discovered_resources r
  join discovery_environments e on e.id = r.environment_id
  join discovery_installations i on i.id = e.installation_id
  where r.retired_at is null and r.monitored and r.last_checked_at is not null and r.last_success is not null
  order by r.id`;

let source: { orm: MikroORM; log: Logger } | null = null;
let scrape: Promise<ProbeRow[]> | null = null;

async function readRows(): Promise<ProbeRow[]> {
  if (!source) return [];
  try {
    return await source.orm.em.fork().execute<ProbeRow[]>(PROBED_RESOURCES);
  } catch (err) {
    // A scrape without the probe series beats a failed scrape: the process metrics still arrive.
    source.log.error({ err }, 'probe metrics not read');
    return [];
  }
}

/**
 * The rows of the scrape under way. prom-client calls every metric's collect in the same tick, so
 * the four gauges share one statement; the next scrape reads afresh.
 */
function currentRows(): Promise<ProbeRow[]> {
  scrape ??= readRows().finally(() => {
    scrape = null;
  });
  return scrape;
}

function labelsOf(row: ProbeRow, kind: ProbeKind): Labels {
  return {
    resource_id: row.resourceId,
    totvs_id: row.totvsId,
    environment: row.environment,
    host: row.host,
    port: row.port === null ? '' : String(row.port),
    category: row.category,
    probe: kind,
  };
}

/** A gauge refilled from the scrape's rows; `value` null leaves a resource out of that series. */
function probeGauge(name: string, help: string, value: (row: ProbeRow, kind: ProbeKind) => number | null): Gauge<(typeof LABELS)[number]> {
  return new Gauge({
    name,
    help,
    labelNames: LABELS,
    async collect() {
      const rows = await currentRows();
      this.reset();
      for (const row of rows) {
        const kind = row.probe ?? defaultProbeKind(row.port);
        const v = value(row, kind);
        if (v !== null) this.set(labelsOf(row, kind), v);
      }
    },
  });
}

const speaksTls = (kind: ProbeKind) => kind === 'tls' || kind === 'https';
const speaksHttp = (kind: ProbeKind) => kind === 'http' || kind === 'https';

probeGauge('probe_success', 'Whether the latest discovery probe of the resource succeeded (1) or failed (0)', (row) => (row.success ? 1 : 0));
probeGauge('probe_duration_seconds', 'Wall time of the latest discovery probe of the resource', (row) =>
  row.durationMs === null ? null : row.durationMs / 1000,
);
probeGauge('probe_ssl_earliest_cert_expiry', 'Unix time the resource\'s TLS certificate expires (notAfter)', (row, kind) =>
  speaksTls(kind) ? row.certExpiry : null,
);
probeGauge('probe_http_status_code', 'HTTP status of the latest discovery probe of the resource (0: no answer)', (row, kind) =>
  speaksHttp(kind) ? (row.httpStatus ?? 0) : null,
);

/**
 * The database the probe gauges read from. One per process: when a process serves several apps
 * (tests), the latest one wins, and a closed one only costs the probe series of a scrape (logged).
 */
export function exportProbeResults(orm: MikroORM, log: Logger): void {
  source = { orm, log };
}
