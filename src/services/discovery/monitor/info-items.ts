import type { InfoItem } from '../../../../entities/discovery.entity.ts';
import type { CheckResult, ProbeOutcome } from '../probes/types.ts';
import type { ResourceState } from './evaluate.ts';

/*
 * The spec 003 `info` items a check leaves on its resource: one per measured check plus the
 * verdict and the failure streak, so the REST `info` list answers "what did the monitor see".
 */

const CHECK_ITEMS: Record<CheckResult['check'], { code: string; title: string }> = {
  dns: { code: 'dns_address', title: 'Resolved address' },
  tcp: { code: 'tcp_connect_ms', title: 'TCP connect time (ms)' },
  tls: { code: 'tls_days_left', title: 'TLS certificate days left' },
  http: { code: 'http_status', title: 'HTTP status' },
};

export function infoItemsOf(outcome: ProbeOutcome, state: Pick<ResourceState, 'failStreak'>, now: Date): InfoItem[] {
  const items: InfoItem[] = outcome.checks.map((c) => ({
    ...CHECK_ITEMS[c.check],
    detail: c.ok ? c.detail : `failed (${c.reason})${c.detail ? `: ${c.detail}` : ''}`,
    value: c.check === 'tcp' ? c.durationMs : c.value,
  }));
  items.push(
    {
      code: 'probe_result',
      title: 'Last check',
      detail: `checked at ${now.toISOString()} in ${outcome.durationMs} ms`,
      value: !outcome.allowed ? 'not_allowed' : outcome.ok ? 'pass' : outcome.reason,
    },
    { code: 'consecutive_failures', title: 'Consecutive failed checks', detail: null, value: state.failStreak },
  );
  return items;
}
