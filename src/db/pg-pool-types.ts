/** The part of pg's pool and client wrapped here (pg ships no types; @types/pg is not installed). */
export interface PgClient {
  query: (...args: unknown[]) => unknown;
  /** Set by pg-pool on each checkout; an error argument discards the client instead of pooling it. */
  release?: (err?: Error) => void;
  /** pg's pipeline mode: queued queries are written at once instead of one after another's answer. */
  pipeline: boolean;
  /** The protocol connection; its socket is corked to write several queries at once. */
  connection: { stream: { cork(): void; uncork(): void } };
  once(event: 'drain', listener: () => void): unknown;
}

export interface PgPool {
  on(event: 'connect', listener: (client: PgClient) => void): unknown;
  /** Every check-in of a client, with the error it was released with (if any). */
  on(event: 'release', listener: (err: Error | undefined, client: PgClient) => void): unknown;
}
