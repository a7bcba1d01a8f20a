import { describe, expect, it } from 'vitest';
import { evaluate, type ResourceState } from '../src/services/discovery/monitor/evaluate.ts';
import type { MonitorSettings } from '../src/services/discovery/monitor/settings.ts';
import type { ProbeOutcome } from '../src/services/discovery/probes/types.ts';

/**
 * The monitor's judgement (DOMAIN.md "Discovered resources"), without sockets: N consecutive
 * failures to turn danger, M consecutive passes to leave it, the shorter interval while failing,
 * the TLS and slowness findings, and hosts outside the allowed networks.
 */

const settings: MonitorSettings = {
  active: true,
  failuresBeforeDanger: 3,
  passesBeforeSuccess: 2,
  intervalMs: 15 * 60_000,
  retryIntervalMs: 60_000,
  tlsWarningDays: 14,
  tlsDangerDays: 7,
  slowMs: 1000,
  concurrency: 8,
  historyDays: 30,
  probe: { timeoutMs: 1000, allowedNetworks: [] },
};
const now = new Date('2026-12-05T10:00:00Z');
const healthy: ResourceState = { status: 'success', failStreak: 0, passStreak: 5, down: false, health: [] };

const pass = (extra: Partial<ProbeOutcome> = {}): ProbeOutcome => ({
  allowed: true,
  ok: true,
  reason: null,
  durationMs: 3,
  address: '127.0.0.1',
  httpStatus: null,
  certExpiresAt: null,
  checks: [{ check: 'tcp', ok: true, durationMs: 1, reason: null, value: null, detail: '127.0.0.1' }],
  ...extra,
});
const fail = (): ProbeOutcome =>
  pass({ ok: false, reason: 'refused', checks: [{ check: 'tcp', ok: false, durationMs: 1, reason: 'refused', value: null, detail: 'connect ECONNREFUSED' }] });

/** Runs a sequence of outcomes from a state, returning every intermediate state. */
function run(from: ResourceState, outcomes: ProbeOutcome[]) {
  const states = [];
  let state = from;
  for (const outcome of outcomes) {
    const next = evaluate(state, outcome, settings, now);
    states.push(next);
    state = next;
  }
  return states;
}

describe('monitor judgement', () => {
  it('holds the status through N-1 failures, turns danger at the Nth, and re-checks sooner meanwhile', () => {
    const [first, second, third] = run(healthy, [fail(), fail(), fail()]);
    expect([first!.status, second!.status, third!.status]).toEqual(['success', 'success', 'danger']);
    expect([first!.failStreak, second!.failStreak, third!.failStreak]).toEqual([1, 2, 3]);
    expect(first!.health).toEqual([]);
    expect(third!.down).toBe(true);
    expect(third!.health[0]).toMatchObject({ type: 'danger', message: expect.stringContaining('refused') });
    for (const s of [first!, second!, third!]) expect(s.nextCheckAt.getTime() - now.getTime()).toBe(settings.retryIntervalMs);
    expect(first!.info.find((i) => i.code === 'probe_result')?.value).toBe('refused');
    expect(first!.info.find((i) => i.code === 'consecutive_failures')?.value).toBe(1);
  });

  it('a pass between failures starts the count again: flapping never turns danger', () => {
    const states = run(healthy, [fail(), fail(), pass(), fail(), fail(), pass()]);
    expect(states.every((s) => s.status === 'success')).toBe(true);
  });

  it('needs M consecutive passes to leave danger; a failure while recovering keeps it down', () => {
    const down = run(healthy, [fail(), fail(), fail()]).at(-1)!;
    const [p1, f1, p2, p3] = run(down, [pass(), fail(), pass(), pass()]);
    expect([p1!.status, f1!.status, p2!.status, p3!.status]).toEqual(['danger', 'danger', 'danger', 'success']);
    expect(p1!.health[0]!.message).toMatch(/Recovering: 1\/2/);
    expect(p3!.down).toBe(false);
    expect(p3!.detail).toMatch(/Back up after 2/);
    expect(p3!.nextCheckAt.getTime() - now.getTime()).toBe(settings.intervalMs);
  });

  it('grades a certificate by the days it has left, and a slow answer as a warning', () => {
    const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000 + 3600_000);
    expect(evaluate(healthy, pass({ certExpiresAt: inDays(30) }), settings, now).status).toBe('success');
    expect(evaluate(healthy, pass({ certExpiresAt: inDays(10) }), settings, now)).toMatchObject({
      status: 'warning',
      health: [{ type: 'warning', message: 'TLS certificate expires in 10 days (under 14)' }],
    });
    expect(evaluate(healthy, pass({ certExpiresAt: inDays(3) }), settings, now).status).toBe('danger');
    // A danger finding is not an outage: the next pass without it is success at once.
    const finding = evaluate(healthy, pass({ certExpiresAt: inDays(3) }), settings, now);
    expect(finding.down).toBe(false);
    expect(evaluate(finding, pass({ certExpiresAt: inDays(90) }), settings, now).status).toBe('success');
    const slow = pass({ checks: [{ check: 'tcp', ok: true, durationMs: 1500, reason: null, value: null, detail: null }] });
    expect(evaluate(healthy, slow, settings, now).health[0]!.message).toBe('Slow TCP connect: 1500 ms (≥ 1000 ms)');
  });

  it('a host outside the allowed networks is a warning, and its streaks start again', () => {
    const judged = evaluate({ ...healthy, failStreak: 2 }, pass({ allowed: false, ok: false, checks: [] }), settings, now);
    expect(judged).toMatchObject({ status: 'warning', failStreak: 0, down: false });
    expect(judged.health[0]!.message).toMatch(/outside the allowed networks/);
  });
});
