/** How a delivery is retried; src/config.ts fills it from OUTBOUND_*. */
export interface OutboundRetrySettings {
  /** Retries after the first attempt before a delivery is dead-lettered (failed). */
  retryLimit: number;
  /** Seconds before the first retry (pg-boss takes whole seconds). */
  retryDelaySeconds: number;
  /** Exponential backoff with jitter from retryDelaySeconds (capped at an hour). */
  retryBackoff: boolean;
  /** Per attempt. */
  timeoutMs: number;
}

export interface OutboundWorkerSettings extends OutboundRetrySettings {
  /** Deliveries in flight at once in this process. */
  concurrency: number;
  /** How often the dispatcher looks at the outbox (nudge() runs it at once). Default 1000. */
  dispatchIntervalMs?: number;
  /** Timeline entries per dispatcher transaction. Default 200. */
  dispatchBatch?: number;
  /** How often an idle worker polls for jobs (≥ 0.5). Default 1. */
  pollingIntervalSeconds?: number;
}
