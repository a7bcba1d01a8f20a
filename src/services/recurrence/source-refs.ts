/**
 * What an event's source refs link back to, for the dossier's coverage counters (spec 002):
 * a Sentry issue, a SigNoz rule, an Alertmanager/Prometheus alert. Keys are the normalizers'
 * (sentryIssue, generatorURL …); a SigNoz delivery's generatorURL points at SigNoz.
 */
export interface SourceRefFacts {
  count: number;
  sentry: boolean;
  signoz: boolean;
  alert: boolean;
}

export function sourceRefFacts(source: string, refs: Record<string, string> | null | undefined): SourceRefFacts {
  const keys = Object.keys(refs ?? {});
  const alertLink = keys.includes('generatorURL') || keys.includes('externalURL');
  return {
    count: keys.length,
    sentry: keys.some((k) => k.startsWith('sentry')),
    signoz: keys.some((k) => k.startsWith('signoz')) || (source === 'signoz' && alertLink),
    alert: source !== 'signoz' && alertLink,
  };
}
