/*
 * What the live scenario (parent) and its subscriber process (clients.ts, forked with an IPC
 * channel) say to each other. The parent asks one question at a time and waits for its answer.
 */

/** Parent → clients. */
export type Request =
  /** How many subscribers have received at least one event (the protocol never acknowledges a subscribe). */
  | { type: 'status' }
  /** Receipt times of these event ids, then forget everything received so far. */
  | { type: 'collect'; ids: number[] }
  | { type: 'close' };

/** Clients → parent. */
export type Reply =
  | { type: 'connected'; sockets: number; seconds: number }
  | { type: 'status'; withAny: number; received: number }
  | {
      type: 'collected';
      /** Per requested id, the receipt times (sharedClockMs) at every subscriber that got it. */
      receipts: [id: number, times: number[]][];
      /** The same event twice to one subscriber. */
      duplicates: number;
    }
  /** A socket or subscription failed: the run is void, whatever else happens. */
  | { type: 'failed'; reason: string };

/**
 * One clock for both processes, in ms: CLOCK_MONOTONIC is system-wide on Linux, whereas
 * performance.timeOrigin is fixed per process and was seen up to 9 ms apart between two processes.
 */
export function sharedClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
