import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapBounded } from '../src/services/discovery/probes/bounded.ts';
import { invalidNetworks, isAllowedAddress } from '../src/services/discovery/probes/network-policy.ts';
import { defaultProbeKind, guessByPort } from '../src/services/discovery/probes/port-table.ts';
import { probeResource } from '../src/services/discovery/probes/probe.ts';
import type { ProbeKind, ProbeSettings, ProbeTarget } from '../src/services/discovery/probes/types.ts';
import { closedPort, httpListener, httpsListener, silentListener, tcpListener, tlsListener, type TestListener } from './helpers/listeners.ts';
import { selfSignedCert } from './helpers/tls-cert.ts';

/*
 * The probes against real sockets on loopback: what each check measures and how each failure is
 * named. Only the allow-list cases touch a non-loopback address, and the first of them must not.
 */

const DAY_MS = 86_400_000;
const LOCAL: ProbeSettings = { timeoutMs: 2000, allowedNetworks: [] };
const FAST: ProbeSettings = { timeoutMs: 300, allowedNetworks: [] };

const target = (port: number | null, kind: ProbeKind, host = '127.0.0.1', httpPath = '/'): ProbeTarget => ({ host, port, kind, httpPath });

const listeners: TestListener[] = [];
async function track(listener: Promise<TestListener>): Promise<TestListener> {
  const ready = await listener;
  listeners.push(ready);
  return ready;
}
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
});

let current: { key: string; cert: string };
let expired: { key: string; cert: string };
beforeAll(() => {
  const now = Date.now();
  current = selfSignedCert({ notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 10 * DAY_MS) });
  expired = selfSignedCert({ notBefore: new Date(now - 30 * DAY_MS), notAfter: new Date(now - 2 * DAY_MS) });
});

describe('tcp', () => {
  it('connects and measures the connect time', async () => {
    const { port } = await track(tcpListener());
    const outcome = await probeResource(target(port, 'tcp'), LOCAL);
    expect(outcome).toMatchObject({ allowed: true, ok: true, reason: null, address: '127.0.0.1', httpStatus: null, certExpiresAt: null });
    // An address needs no resolving: only names get a dns check.
    expect(outcome.checks.map((c) => [c.check, c.ok])).toEqual([['tcp', true]]);
    const tcp = outcome.checks[0]!;
    expect(tcp.durationMs).toBeGreaterThanOrEqual(0);
    expect(tcp.durationMs).toBeLessThan(LOCAL.timeoutMs);
    expect(outcome.durationMs).toBeGreaterThanOrEqual(tcp.durationMs!);
  });

  it('names a port where nothing listens refused', async () => {
    const outcome = await probeResource(target(await closedPort(), 'tcp'), LOCAL);
    expect(outcome).toMatchObject({ allowed: true, ok: false, reason: 'refused' });
    expect(outcome.checks.at(-1)).toMatchObject({ check: 'tcp', ok: false, reason: 'refused' });
  });

  it('with port null only resolves the name', async () => {
    const outcome = await probeResource(target(null, 'tcp', 'localhost'), LOCAL);
    expect(outcome).toMatchObject({ allowed: true, ok: true, reason: null });
    expect(outcome.checks.map((c) => c.check)).toEqual(['dns']);
    expect(isAllowedAddress(outcome.address!, [])).toBe(true);
  });
});

describe('tls', () => {
  it('reads the days left on a self-signed certificate without failing on trust', async () => {
    const { port } = await track(tlsListener(current));
    const outcome = await probeResource(target(port, 'tls'), LOCAL);
    expect(outcome).toMatchObject({ ok: true, reason: null });
    const tls = outcome.checks.find((c) => c.check === 'tls')!;
    expect([9, 10]).toContain(tls.value);
    expect(tls.detail).toMatch(/CN=localhost/);
    expect(tls.detail).toMatch(/untrusted/);
    expect(outcome.certExpiresAt!.getTime() - Date.now()).toBeGreaterThan(9 * DAY_MS);
  });

  it('fails an expired certificate with tls_expired and still reports when it expired', async () => {
    const { port } = await track(tlsListener(expired));
    const outcome = await probeResource(target(port, 'tls'), LOCAL);
    expect(outcome).toMatchObject({ ok: false, reason: 'tls_expired' });
    expect(outcome.certExpiresAt!.getTime()).toBeLessThan(Date.now());
    expect(outcome.checks.find((c) => c.check === 'tls')).toMatchObject({ ok: false, reason: 'tls_expired', value: -3 });
  });

  it('fails a certificate that is not valid yet with tls_expired', async () => {
    const now = Date.now();
    const early = selfSignedCert({ notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 20 * DAY_MS) });
    const { port } = await track(tlsListener(early));
    const outcome = await probeResource(target(port, 'tls'), LOCAL);
    expect(outcome).toMatchObject({ ok: false, reason: 'tls_expired' });
    expect(outcome.checks.at(-1)!.detail).toMatch(/not valid before/);
  });

  it('names a plain HTTP port probed as tls a handshake failure', async () => {
    // Node's HTTP server reads our ClientHello as a malformed request and answers "400 Bad Request";
    // OpenSSL then sees bytes that are no TLS record and fails the handshake (wrong version number).
    const { port } = await track(httpListener());
    const outcome = await probeResource(target(port, 'tls'), LOCAL);
    expect(outcome).toMatchObject({ ok: false, reason: 'tls_handshake', certExpiresAt: null });
    expect(outcome.checks.at(-1)!.check).toBe('tls');
  });

  it('times out a handshake nobody answers', async () => {
    const { port } = await track(silentListener());
    const outcome = await probeResource(target(port, 'tls'), FAST);
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout' });
    expect(outcome.checks.at(-1)).toMatchObject({ check: 'tls', reason: 'timeout' });
  });
});

describe('http and https', () => {
  it('passes a 200 over https, with the certificate and status recorded', async () => {
    const { port } = await track(httpsListener(current));
    const outcome = await probeResource(target(port, 'https'), LOCAL);
    expect(outcome).toMatchObject({ ok: true, reason: null, httpStatus: 200 });
    expect(outcome.checks.map((c) => c.check)).toEqual(['tcp', 'tls', 'http']);
    expect(outcome.checks.at(-1)).toMatchObject({ ok: true, value: 200, detail: 'OK' });
    expect(outcome.certExpiresAt).toBeInstanceOf(Date);
  });

  it('fails a 500 with http_status and the status as value', async () => {
    const { port } = await track(httpsListener(current, (_req, res) => { res.statusCode = 500; res.end('broken'); }));
    const outcome = await probeResource(target(port, 'https'), LOCAL);
    expect(outcome).toMatchObject({ ok: false, reason: 'http_status', httpStatus: 500 });
    expect(outcome.checks.at(-1)).toMatchObject({ check: 'http', ok: false, reason: 'http_status', value: 500 });
  });

  it('sends the path and the Host header, does not follow a redirect and does not wait for the body', async () => {
    const seen: { url?: string; host?: string } = {};
    const { port } = await track(
      httpListener((req, res) => {
        seen.url = req.url;
        seen.host = req.headers.host;
        res.writeHead(302, { location: '/elsewhere' });
        res.write('a body that never ends');
      }),
    );
    const outcome = await probeResource(target(port, 'http', 'localhost', '/health?deep=1'), FAST);
    expect(outcome).toMatchObject({ ok: true, httpStatus: 302 });
    expect(seen).toEqual({ url: '/health?deep=1', host: `localhost:${port}` });
  });

  it('times out when no response headers come', async () => {
    const { port } = await track(silentListener());
    const started = Date.now();
    const outcome = await probeResource(target(port, 'http'), FAST);
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout' });
    expect(outcome.checks.at(-1)).toMatchObject({ check: 'http', reason: 'timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAST.timeoutMs - 5);
    expect(Date.now() - started).toBeLessThan(FAST.timeoutMs + 500);
  });
});

describe('dns and the network policy', () => {
  it('names a host that does not resolve a dns failure', async () => {
    // RFC 6761 guarantees `.invalid` never resolves. Should this machine's resolver hang instead of
    // answering NXDOMAIN, the per-check timeout ends the lookup and it is still reported as dns.
    const outcome = await probeResource(target(443, 'https', `probe-${crypto.randomUUID()}.invalid`), { timeoutMs: 1500, allowedNetworks: [] });
    expect(outcome).toMatchObject({ allowed: true, ok: false, reason: 'dns', address: null });
    expect(outcome.checks[0]).toMatchObject({ check: 'dns', ok: false, reason: 'dns' });
    // The steps it never reached count as failing too (a score over checks says 0/4, not 0/1).
    expect(outcome.checks.slice(1)).toEqual(
      ['tcp', 'tls', 'http'].map((check) => ({ check, ok: false, durationMs: null, reason: null, value: null, detail: 'not reached: the dns check failed' })),
    );
  });

  it('does not touch an address outside loopback and the allow-list', async () => {
    const outcome = await probeResource(target(80, 'http', '10.255.255.1'), FAST);
    expect(outcome).toMatchObject({ allowed: false, ok: false, reason: null, address: null, httpStatus: null });
    // Only the resolution ran: no tcp check means no socket was opened.
    expect(outcome.checks.map((c) => c.check)).toEqual(['dns']);
    expect(outcome.checks[0]!.detail).toMatch(/outside the allowed networks/);
    expect(outcome.durationMs).toBeLessThan(50);
  });

  it('probes that address once its network is allowed', async () => {
    const outcome = await probeResource(target(80, 'tcp', '10.255.255.1'), { timeoutMs: 300, allowedNetworks: ['10.0.0.0/8'] });
    expect(outcome.allowed).toBe(true);
    expect(outcome.address).toBe('10.255.255.1');
    // What answers depends on the machine: usually nothing (a dropped SYN times out, a missing route
    // is unreachable), but behind a transparent egress proxy, as in our CI sandbox, every connect
    // succeeds. What matters here is that the connect was attempted at all.
    expect(outcome.checks.map((c) => c.check)).toEqual(['tcp']);
    expect([null, 'timeout', 'unreachable']).toContain(outcome.reason);
  });

  it('always allows loopback, in every notation', () => {
    for (const address of ['127.0.0.1', '127.45.6.7', '::1', '::ffff:127.0.0.1']) expect(isAllowedAddress(address, []), address).toBe(true);
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '192.168.1.1', 'fd00::1', 'not an address']) {
      expect(isAllowedAddress(address, []), address).toBe(false);
    }
  });

  it('allows the listed networks and single addresses, IPv4-mapped peers included', () => {
    const allowed = ['10.0.0.0/8', '192.168.5.7', 'fd00::/8'];
    expect(isAllowedAddress('10.20.30.40', allowed)).toBe(true);
    expect(isAllowedAddress('::ffff:10.20.30.40', allowed)).toBe(true);
    expect(isAllowedAddress('192.168.5.7', allowed)).toBe(true);
    expect(isAllowedAddress('192.168.5.8', allowed)).toBe(false);
    expect(isAllowedAddress('fd12::1', allowed)).toBe(true);
    expect(isAllowedAddress('fe80::1', allowed)).toBe(false);
    expect(isAllowedAddress('11.0.0.1', allowed)).toBe(false);
    expect(isAllowedAddress('10.0.0.1', ['::ffff:10.0.0.0/104'])).toBe(true);
  });

  it('lists the entries that are neither a CIDR nor an address', () => {
    const good = ['10.0.0.0/8', '192.168.1.10', '::1', 'fd00::/8', '::ffff:127.0.0.1'];
    const bad = ['10.1', '0x0a.0.0.1', '10.0.0.0/33', '300.1.1.1', 'fd00::/129', 'intranet', '', '1.2.3.4/'];
    expect(invalidNetworks([...good, ...bad])).toEqual(bad);
  });
});

describe('port table', () => {
  it('guesses by port and defaults unknown ports to a server probed by connect', () => {
    expect(guessByPort(5986)).toEqual({ category: 'machine', kind: 'https', what: 'winrm-tls' });
    expect(guessByPort(5555)).toMatchObject({ category: 'lsv', kind: 'tcp' });
    expect(guessByPort(49_999)).toEqual({ category: 'server', kind: 'tcp', what: 'unknown' });
    expect(defaultProbeKind(636)).toBe('tls');
    expect(defaultProbeKind(null)).toBe('tcp');
  });
});

describe('mapBounded', () => {
  it('never runs more than its bound, keeps the order and reports each result as it comes', async () => {
    let running = 0;
    let peak = 0;
    const reported: number[] = [];
    const delays = [50, 5, 30, 1, 20, 10, 40, 2, 15, 25];
    const results = await mapBounded(
      delays,
      3,
      async (ms, index) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, ms));
        running -= 1;
        return index * 10;
      },
      (result) => {
        reported.push(result);
      },
    );
    expect(peak).toBe(3);
    expect(results).toEqual(delays.map((_, index) => index * 10));
    expect(reported).toHaveLength(delays.length);
    // The slow first item is reported after faster ones started later: nobody waited for it.
    expect(reported.indexOf(0)).toBeGreaterThan(reported.indexOf(10));
  });
});

describe('resources', () => {
  const openHandles = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;

  it('leaves no handle behind after a thousand probes', async () => {
    // A listener that never hangs up, so only the probe's own cleanup can close the connections.
    const { port } = await track(silentListener());
    const before = openHandles();
    for (let i = 0; i < 1000; i += 1) {
      const outcome = await probeResource(target(port, 'tcp'), LOCAL);
      if (!outcome.ok) throw new Error(`probe ${i}: ${JSON.stringify(outcome)}`);
    }
    // The listener's side of the last connections closes a moment after the probe's.
    for (let waited = 0; openHandles() > before && waited < 1000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openHandles()).toBeLessThanOrEqual(before);
  });
});
