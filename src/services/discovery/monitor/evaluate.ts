import type { HealthItem, HealthStatus, InfoItem } from '../../../../entities/discovery.entity.ts';
import type { ProbeOutcome } from '../probes/types.ts';
import { worstStatus } from '../status.ts';
import { infoItemsOf } from './info-items.ts';
import type { MonitorSettings } from './settings.ts';

/*
 * Judging one probe against the resource's streaks (DOMAIN.md): a resource turns `danger` (down)
 * only after N consecutive failures and leaves it only after M consecutive passes. Below N a
 * failure is recorded (history, info, streak) but the status and its findings hold: flapping is
 * not news. Pure, so the whole policy is tested without sockets.
 */

export interface ResourceState {
  status: HealthStatus;
  failStreak: number;
  passStreak: number;
  down: boolean;
  health: HealthItem[];
}

export interface Evaluation extends ResourceState {
  info: InfoItem[];
  nextCheckAt: Date;
  /** What the new status says, for the status-change event. */
  detail: string;
}

const finding = (type: HealthStatus, message: string, detail: string | null = null): HealthItem => ({ type, message, detail, helpUrl: null });

/** Findings of a passing probe: a certificate close to its end, a slow answer. */
function passFindings(outcome: ProbeOutcome, settings: MonitorSettings, now: Date): HealthItem[] {
  const findings: HealthItem[] = [];
  if (outcome.certExpiresAt) {
    const days = Math.floor((outcome.certExpiresAt.getTime() - now.getTime()) / 86_400_000);
    const expiry = `The certificate is valid until ${outcome.certExpiresAt.toISOString()}.`;
    if (days < settings.tlsDangerDays) findings.push(finding('danger', `TLS certificate expires in ${days} days (under ${settings.tlsDangerDays})`, expiry));
    else if (days < settings.tlsWarningDays) findings.push(finding('warning', `TLS certificate expires in ${days} days (under ${settings.tlsWarningDays})`, expiry));
  }
  for (const check of outcome.checks) {
    if ((check.check === 'tcp' || check.check === 'http') && check.durationMs != null && check.durationMs >= settings.slowMs) {
      const what = check.check === 'tcp' ? 'TCP connect' : 'HTTP answer';
      findings.push(finding('warning', `Slow ${what}: ${check.durationMs} ms (≥ ${settings.slowMs} ms)`));
    }
  }
  return findings;
}

function failureDetail(outcome: ProbeOutcome): string {
  const failed = outcome.checks.find((c) => !c.ok);
  return failed?.detail ? `${outcome.reason}: ${failed.detail}` : String(outcome.reason);
}

export function evaluate(state: ResourceState, outcome: ProbeOutcome, settings: MonitorSettings, now: Date): Evaluation {
  const later = (ms: number) => new Date(now.getTime() + ms);
  const judged = (next: ResourceState, intervalMs: number, detail: string): Evaluation => ({
    ...next,
    info: infoItemsOf(outcome, next, now),
    nextCheckAt: later(intervalMs),
    detail,
  });
  if (!outcome.allowed) {
    // Never probed, so no streak moves; the finding says why the resource shows no health.
    const health = [finding('warning', 'Not probed: the host is outside the allowed networks', 'Add its network to the discovery allowedNetworks setting.')];
    return judged({ status: 'warning', failStreak: 0, passStreak: 0, down: false, health }, settings.intervalMs, health[0]!.message);
  }
  if (!outcome.ok) {
    const failStreak = state.failStreak + 1;
    const down = state.down || failStreak >= settings.failuresBeforeDanger;
    if (!down) return judged({ ...state, failStreak, passStreak: 0 }, settings.retryIntervalMs, '');
    const message = `Down: ${failureDetail(outcome)} (${failStreak} consecutive failed checks)`;
    return judged({ status: 'danger', failStreak, passStreak: 0, down, health: [finding('danger', message)] }, settings.retryIntervalMs, message);
  }
  const passStreak = state.passStreak + 1;
  if (state.down && passStreak < settings.passesBeforeSuccess) {
    const message = `Recovering: ${passStreak}/${settings.passesBeforeSuccess} consecutive passes`;
    return judged({ status: 'danger', failStreak: 0, passStreak, down: true, health: [finding('danger', message)] }, settings.retryIntervalMs, message);
  }
  const health = passFindings(outcome, settings, now);
  const detail = health.length ? health.map((h) => h.message).join('; ') : state.down ? `Back up after ${passStreak} consecutive passes` : 'All checks pass';
  return judged({ status: worstStatus(health), failStreak: 0, passStreak, down: false, health }, settings.intervalMs, detail);
}
