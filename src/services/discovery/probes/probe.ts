import { lookup } from 'node:dns/promises';
import { request } from 'node:http';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { isAllowedAddress } from './network-policy.ts';
import type { CheckResult, FailureReason, ProbeOutcome, ProbeSettings, ProbeTarget } from './types.ts';

/*
 * One probe of one resource, in the order blackbox_exporter measures: resolve, check the network
 * policy, connect, handshake, ask. Every step runs on the one socket opened by the connect, so each
 * check's time is its own phase; node:net/tls/http suffice for that (undici pools and reuses
 * connections, which is what a probe must not do).
 */

const DAY_MS = 86_400_000;

type Failure = { ok: false; reason: FailureReason; detail: string };
type Settled<T> = { ok: true; value: T } | Failure;
type Step<T> = Settled<T> & { ms: number };

const elapsedSince = (start: number): number => Math.round((performance.now() - start) * 1000) / 1000;

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

const REASON_BY_CODE: Record<string, FailureReason> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ETIMEDOUT: 'timeout',
};

function socketFailure(error: unknown): Failure {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? '';
  return { ok: false, reason: REASON_BY_CODE[code] ?? 'error', detail: describe(error) };
}

/**
 * Runs one step under the per-check timeout. `begin` reports through `settle`; only the first report
 * counts, so a late error or close after success (or after the timer) changes nothing, and the
 * listeners that stay attached keep a late 'error' from crashing the process.
 */
function timed<T>(
  timeoutMs: number,
  timeoutReason: FailureReason,
  begin: (settle: (result: Settled<T>) => void) => void,
): Promise<Step<T>> {
  const start = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const settle = (result: Settled<T>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...result, ms: elapsedSince(start) });
    };
    const timer = setTimeout(() => settle({ ok: false, reason: timeoutReason, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
    try {
      begin(settle);
    } catch (error) {
      settle({ ok: false, reason: 'error', detail: describe(error) });
    }
  });
}

const unbracketed = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

/** A name that does not resolve in time is a dns failure too: the monitor reports it as the name's fault. */
function resolveHost(host: string, timeoutMs: number): Promise<Step<string[]>> {
  const literal = unbracketed(host);
  if (isIP(literal)) return Promise.resolve({ ok: true, value: [literal], ms: 0 });
  return timed(timeoutMs, 'dns', (settle) => {
    lookup(literal, { all: true }).then(
      (found) =>
        settle(found.length > 0 ? { ok: true, value: found.map((a) => a.address) } : { ok: false, reason: 'dns', detail: 'no address' }),
      (error: unknown) => settle({ ok: false, reason: 'dns', detail: describe(error) }),
    );
  });
}

function openTcp(address: string, port: number, timeoutMs: number, opened: Socket[]): Promise<Step<Socket>> {
  return timed(timeoutMs, 'timeout', (settle) => {
    const socket = connectTcp({ host: address, port });
    opened.push(socket);
    socket.on('connect', () => settle({ ok: true, value: socket }));
    socket.on('error', (error) => settle(socketFailure(error)));
  });
}

/** Certificates are not verified (ops LANs run self-signed ones); trust problems go to the detail. */
function handshake(socket: Socket, host: string, timeoutMs: number, opened: Socket[]): Promise<Step<TLSSocket>> {
  return timed(timeoutMs, 'timeout', (settle) => {
    const servername = isIP(unbracketed(host)) ? undefined : host;
    const secure = connectTls({ socket, servername, rejectUnauthorized: false });
    opened.push(secure);
    secure.on('secureConnect', () => settle({ ok: true, value: secure }));
    // Any failure before the handshake completes (alert, garbage, a peer hanging up on our hello) means the port does not speak TLS to us.
    secure.on('error', (error) => settle({ ok: false, reason: 'tls_handshake', detail: describe(error) }));
    secure.on('close', () => settle({ ok: false, reason: 'tls_handshake', detail: 'connection closed during the handshake' }));
  });
}

function hostHeader(target: ProbeTarget): string {
  const host = isIP(target.host) === 6 ? `[${target.host}]` : target.host;
  const defaultPort = target.kind === 'https' ? 443 : 80;
  return target.port === defaultPort ? host : `${host}:${target.port}`;
}

/** Sends the GET and stops at the response headers: the body is never read, redirects never followed. */
function askHttp(socket: Socket, target: ProbeTarget, timeoutMs: number): Promise<Step<{ status: number; text: string }>> {
  return timed(timeoutMs, 'timeout', (settle) => {
    const path = target.httpPath.startsWith('/') ? target.httpPath : `/${target.httpPath}`;
    const req = request({
      createConnection: () => socket,
      method: 'GET',
      path,
      headers: { host: hostHeader(target), 'user-agent': 'OpsGraph-probe', accept: '*/*', connection: 'close' },
    });
    req.on('response', (res) => {
      settle({ ok: true, value: { status: res.statusCode ?? 0, text: res.statusMessage ?? '' } });
      res.destroy();
    });
    req.on('error', (error) => settle(socketFailure(error)));
    req.end();
  });
}

function certificateCheck(secure: TLSSocket, ms: number): { check: CheckResult; expiresAt: Date | null } {
  const cert = secure.getPeerX509Certificate();
  if (!cert) {
    return { check: { check: 'tls', ok: false, durationMs: ms, reason: 'tls_handshake', value: null, detail: 'no peer certificate' }, expiresAt: null };
  }
  const now = Date.now();
  const notBefore = cert.validFromDate;
  const notAfter = cert.validToDate;
  const current = notBefore.getTime() <= now && now <= notAfter.getTime();
  const detail = [
    cert.subject.replaceAll('\n', ', '),
    secure.authorized ? 'trusted' : `untrusted (${String(secure.authorizationError)})`,
    ...(current ? [] : [now < notBefore.getTime() ? `not valid before ${notBefore.toISOString()}` : `expired ${notAfter.toISOString()}`]),
  ].join('; ');
  return {
    check: {
      check: 'tls',
      ok: current,
      durationMs: ms,
      reason: current ? null : 'tls_expired',
      value: Math.floor((notAfter.getTime() - now) / DAY_MS),
      detail,
    },
    expiresAt: notAfter,
  };
}

function stepCheck(check: CheckResult['check'], step: Step<unknown>, value: CheckResult['value'] = null, detail: string | null = null): CheckResult {
  return step.ok
    ? { check, ok: true, durationMs: step.ms, reason: null, value, detail }
    : { check, ok: false, durationMs: step.ms, reason: step.reason, value, detail: step.detail };
}

/** The checks a probe of this kind makes when every one passes, in order. */
function plannedSteps(target: ProbeTarget): CheckResult['check'][] {
  if (target.port === null) return ['dns'];
  const steps: CheckResult['check'][] = isIP(target.host) ? ['tcp'] : ['dns', 'tcp'];
  if (target.kind === 'tls' || target.kind === 'https') steps.push('tls');
  if (target.kind === 'http' || target.kind === 'https') steps.push('http');
  return steps;
}

/** Probes one resource; never throws (an unexpected error becomes reason 'error'). Every socket it opens is destroyed before it returns. */
export async function probeResource(target: ProbeTarget, settings: ProbeSettings): Promise<ProbeOutcome> {
  const start = performance.now();
  const opened: Socket[] = [];
  const checks: CheckResult[] = [];
  const found: Pick<ProbeOutcome, 'allowed' | 'address' | 'httpStatus' | 'certExpiresAt'> = {
    allowed: true,
    address: null,
    httpStatus: null,
    certExpiresAt: null,
  };
  let stage: CheckResult['check'] = 'dns';
  const outcome = (): ProbeOutcome => {
    const failed = checks.find((c) => !c.ok);
    // A failed step hides the ones after it; they count as failing too, so a score over checks
    // (the chamado's infra block) says 0/3 for a dead HTTPS service, not 0/1.
    if (failed && found.allowed) {
      for (const step of plannedSteps(target)) {
        if (!checks.some((c) => c.check === step)) {
          checks.push({ check: step, ok: false, durationMs: null, reason: null, value: null, detail: `not reached: the ${failed.check} check failed` });
        }
      }
    }
    return { ...found, ok: found.allowed && !failed, reason: failed?.reason ?? null, durationMs: elapsedSince(start), checks };
  };

  try {
    const resolved = await resolveHost(target.host, settings.timeoutMs);
    const addresses = resolved.ok ? resolved.value : [];
    const outside = addresses.find((a) => !isAllowedAddress(a, settings.allowedNetworks));
    const dnsDetail = outside ? `${outside} is outside the allowed networks` : addresses.length > 1 ? addresses.join(', ') : null;
    // An address needs no resolving: only a name gets a dns check (and counts in scores).
    if (!isIP(target.host) || !resolved.ok || outside) checks.push(stepCheck('dns', resolved, addresses[0] ?? null, dnsDetail));
    if (!resolved.ok) return outcome();
    if (outside) {
      found.allowed = false;
      return outcome();
    }
    found.address = addresses[0] ?? null;
    if (target.port === null) return outcome();

    // Like a browser, try the next address only when this one fails fast (nothing listens, no route).
    stage = 'tcp';
    let connected: Step<Socket> | undefined;
    for (const address of addresses) {
      found.address = address;
      connected = await openTcp(address, target.port, settings.timeoutMs, opened);
      if (connected.ok || (connected.reason !== 'refused' && connected.reason !== 'unreachable')) break;
    }
    if (!connected) throw new Error('no address to connect to');
    checks.push(stepCheck('tcp', connected));
    if (!connected.ok) return outcome();
    let socket: Socket = connected.value;

    if (target.kind === 'tls' || target.kind === 'https') {
      stage = 'tls';
      const shaken = await handshake(socket, target.host, settings.timeoutMs, opened);
      if (!shaken.ok) {
        checks.push(stepCheck('tls', shaken));
        return outcome();
      }
      const { check, expiresAt } = certificateCheck(shaken.value, shaken.ms);
      checks.push(check);
      found.certExpiresAt = expiresAt;
      if (!check.ok) return outcome();
      socket = shaken.value;
    }

    if (target.kind === 'http' || target.kind === 'https') {
      stage = 'http';
      const answered = await askHttp(socket, target, settings.timeoutMs);
      if (!answered.ok) {
        checks.push(stepCheck('http', answered));
        return outcome();
      }
      const { status, text } = answered.value;
      found.httpStatus = status;
      const passed = status >= 200 && status <= 399;
      checks.push({ check: 'http', ok: passed, durationMs: answered.ms, reason: passed ? null : 'http_status', value: status, detail: text || null });
    }
    return outcome();
  } catch (error) {
    checks.push({ check: stage, ok: false, durationMs: null, reason: 'error', value: null, detail: describe(error) });
    return outcome();
  } finally {
    // Outermost first: destroying a net.Socket while a TLSSocket still wraps it crashes Node 24 (SIGSEGV).
    for (const socket of opened.reverse()) socket.destroy();
  }
}
