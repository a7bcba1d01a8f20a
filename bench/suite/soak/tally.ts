export type LoadKind = 'list' | 'discover' | 'ingest';
export const LOAD_KINDS: LoadKind[] = ['list', 'discover', 'ingest'];

/** What one kind of load got back during one window of the series. */
export interface KindWindow {
  responses: number;
  /** Unexpected status, GraphQL `errors`, socket errors and timeouts. */
  errors: number;
  latenciesMs: number[];
}

export type WindowTally = Record<LoadKind, KindWindow>;

/** Counts answers as they come; `take` hands over the window so far and starts the next one. */
export function createTally() {
  const fresh = (): WindowTally => ({
    list: { responses: 0, errors: 0, latenciesMs: [] },
    discover: { responses: 0, errors: 0, latenciesMs: [] },
    ingest: { responses: 0, errors: 0, latenciesMs: [] },
  });
  let current = fresh();
  return {
    response(kind: LoadKind, ms: number): void {
      current[kind].responses += 1;
      current[kind].latenciesMs.push(ms);
    },
    error(kind: LoadKind): void {
      current[kind].errors += 1;
    },
    take(): WindowTally {
      const taken = current;
      current = fresh();
      return taken;
    },
  };
}

export type Tally = ReturnType<typeof createTally>;

/** Adds `late`'s answers to `target` (answers that came after their window closed). */
export function addInto(target: WindowTally, late: WindowTally): void {
  for (const kind of LOAD_KINDS) {
    target[kind].responses += late[kind].responses;
    target[kind].errors += late[kind].errors;
    target[kind].latenciesMs.push(...late[kind].latenciesMs);
  }
}
