/** What runbook execution, approvals and the runbook worker need; src/config.ts fills it. */
export interface RunbookSettings {
  hmacSecret: string;
  /** Run the job-queue worker inside this process (else run `npm run worker` separately). */
  workerInProcess: boolean;
  commandDir: string;
  maxOutputBytes: number;
  concurrency: number;
  heartbeatSeconds: number;
  retryLimit: number;
  approvalTtlMs: number;
}
