/** The fields of a received event that observables are extracted from. */
export interface EventFacts {
  source: string;
  domain?: string | null;
  agent?: string | null;
  ruleId?: string | null;
  sessionId?: string | null;
  fingerprint?: string | null;
  severity?: number | null;
}

export interface ObservableFact {
  tipo: string;
  valor: string;
  fonte: string;
}

/** Typed facts of one event (contract: `{tipo, valor, fonte}`); ingestion adds payload-derived ones. */
export function observablesOfEvent(event: EventFacts): ObservableFact[] {
  const pairs: [string, string | null | undefined][] = [
    ['domain', event.domain],
    ['agent', event.agent],
    ['rule_id', event.ruleId],
    ['session_id', event.sessionId],
    ['fingerprint', event.fingerprint],
  ];
  return pairs
    .filter((pair): pair is [string, string] => typeof pair[1] === 'string' && pair[1].length > 0)
    .map(([tipo, valor]) => ({ tipo, valor, fonte: event.source }));
}
