import { prng } from '../../scripts/prng.ts';
import { WAZUH_RULES } from '../../scripts/stream.ts';

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

const ALERTNAMES = ['KubePodCrashLooping', 'NodeDiskPressure', 'HighLatencyP99', 'CertificateExpiringSoon', 'TargetDown', 'KubeJobFailed', 'PostfixQueueGrowing'];
const NAMESPACES = ['mail', 'infra', 'api', 'edge', 'billing', 'portal'];
const SEVERITIES = ['critical', 'error', 'warning', 'warning', 'info'];
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

interface Sent {
  source: Source;
  project: string;
  text: string;
  deliveryId: string;
  /** When it was sent: the stream's clock (the bulk history's received_at). */
  at: Date;
}

export type Delivery = Sent & { redelivery: boolean };

const WEEK_MS = 7 * 24 * 3_600_000;

/**
 * The bench's delivery stream, seeded: `groups` recurring problems of four sources over four
 * projects, `events` deliveries spread over the last 7 days. `delivery(n)` must be called in order
 * of n: the history and the ingested events share one stream.
 */
export function createStream(options: { seed: number; groups: number; events: number }): { delivery: (n: number) => Delivery } {
  const random = prng(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const weighted = <T>(table: readonly (readonly [T, number])[]): T => {
    let u = random();
    for (const [value, weight] of table) if ((u -= weight) < 0) return value;
    return table.at(-1)![0];
  };

  const groups: Group[] = Array.from({ length: options.groups }, (_, i) => ({
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
    for (let r = 1; r <= options.groups; r++) cdf.push((total += 1 / r ** 0.9));
    for (let r = 0; r < options.groups; r++) cdf[r]! /= total;
  }
  function zipfGroup(): Group {
    const u = random();
    let lo = 0;
    let hi = options.groups - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return groups[lo]!;
  }

  let clock = Date.now() - WEEK_MS;
  /** The stream's clock: `events` steps over the last 7 days. */
  const tick = () => new Date((clock += WEEK_MS / options.events)).toISOString();

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

  /** The n-th delivery: ~5 % an exact redelivery of a recent one, else the next notification of a Zipf-picked group. */
  const recent: Sent[] = [];
  function delivery(n: number): Delivery {
    if (recent.length > 0 && random() < 0.05) return { ...pick(recent), at: new Date(clock), redelivery: true };
    const g = zipfGroup();
    const sent: Sent = { source: g.source, project: g.project, text: JSON.stringify(nextBody(g, n)), deliveryId: `bench-${n}`, at: new Date(clock) };
    g.occurrences++;
    recent.push(sent);
    if (recent.length > 2000) recent.shift();
    return { ...sent, redelivery: false };
  }

  return { delivery };
}
