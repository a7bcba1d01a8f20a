/** Recurrence rules from configuration (src/config.ts); a group's own threshold overrides the default. */
export interface RecurrenceSettings {
  /** Occurrences within `openWindowMs` before a group's ticket-worthy events open a chamado (1 = at once). */
  openThreshold: number;
  openWindowMs: number;
  /** `escalating` when the last hour's occurrences exceed this factor × the trailing 7-day hourly rate … */
  escalationFactor: number;
  /** … and are at least this many (a quiet group's second event is not an escalation). */
  escalationMinimum: number;
}
