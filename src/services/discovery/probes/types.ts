/*
 * The probe contract: what the monitor asks of one resource and what it gets back. The probes
 * only measure; judging a result (streaks, danger, events) is the monitor's job (../monitor/).
 */

/** How a resource is probed. `tcp`: connect only; `tls`: connect and handshake; `http`/`https`: a GET. */
export const PROBE_KINDS = ['tcp', 'tls', 'http', 'https'] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

/** Why a check failed (stored with the check and carried by the status-change event). */
export const FAILURE_REASONS = [
  'dns', // the name does not resolve
  'refused', // nothing listens (ECONNREFUSED)
  'timeout', // no answer within the per-check timeout (connect, handshake or HTTP response)
  'unreachable', // no route (EHOSTUNREACH, ENETUNREACH)
  'reset', // the peer closed or reset the connection mid-check
  'tls_handshake', // the TLS handshake failed (not a TLS port, protocol error)
  'tls_expired', // the certificate's notAfter is in the past (or notBefore in the future)
  'http_status', // an HTTP answer outside 200–399
  'error', // anything else (the detail says what)
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** One measured check of a probe. A probe runs dns, then tcp, then tls and/or http as its kind says. */
export interface CheckResult {
  check: 'dns' | 'tcp' | 'tls' | 'http';
  ok: boolean;
  /** Time the check took, in ms (connect time for tcp, handshake for tls, time to response headers for http). */
  durationMs: number | null;
  reason: FailureReason | null;
  /** What was measured: the address for dns, the HTTP status for http, days left on the certificate for tls. */
  value: string | number | null;
  /** Human detail: the error message, the certificate subject, the HTTP status text. */
  detail: string | null;
}

export interface ProbeTarget {
  host: string;
  /** null: a whole machine, only its name is resolved (dns check). */
  port: number | null;
  kind: ProbeKind;
  /** Path of the http/https GET (default '/'). */
  httpPath: string;
}

export interface ProbeSettings {
  /** Per-check timeout (dns, connect, handshake, HTTP response each get it). */
  timeoutMs: number;
  /** Which addresses may be probed: loopback always; these CIDRs besides (config allow-list). */
  allowedNetworks: readonly string[];
}

export interface ProbeOutcome {
  /**
   * false when the target resolves to an address outside loopback and the allow-list: nothing was
   * sent to it, and the monitor records the check as skipped (not a failure).
   */
  allowed: boolean;
  /** Every check passed. */
  ok: boolean;
  /** The first failing check's reason; null when ok (or not allowed). */
  reason: FailureReason | null;
  /** Wall time of the whole probe in ms (blackbox_exporter's probe_duration_seconds × 1000). */
  durationMs: number;
  /** The address connected to. */
  address: string | null;
  /** Status of the HTTP answer, when there was one. */
  httpStatus: number | null;
  /** The peer certificate's notAfter, when a TLS handshake reached it (also when expired). */
  certExpiresAt: Date | null;
  checks: CheckResult[];
}
