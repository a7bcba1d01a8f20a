import type { TimelineKind } from '../../../entities/timeline-entry.entity.ts';

/**
 * Which timeline entries an outbound webhook receives. Every criterion that is present must hold
 * (AND); within a list any value may match (OR). An absent or empty list does not restrict, so
 * `{}` receives every change.
 */
export interface OutboundFilter {
  kinds?: TimelineKind[];
  /** Exact event types (`nota`, `status.resolvido`), or prefixes ending in `*` (`status.*`, `*`). */
  eventTypes?: string[];
  /** Entry sources: `ops` for operator actions, or the event source (`wazuh`, `onboard` …). */
  sources?: string[];
  /** Only this chamado's changes. */
  chamadoPublicId?: string;
}

export interface MatchableEntry {
  kind: string;
  eventType: string;
  source: string;
}

export interface MatchableChamado {
  publicId: string;
}

/** `status.*` matches `status.resolvido`; `*` matches anything; anything else must be equal. */
export function eventTypeMatches(pattern: string, eventType: string): boolean {
  return pattern.endsWith('*') ? eventType.startsWith(pattern.slice(0, -1)) : eventType === pattern;
}

const restricts = (list: readonly unknown[] | undefined): list is readonly unknown[] => Array.isArray(list) && list.length > 0;

/** Pure: whether `entry` on `chamado` passes `filter`. */
export function matches(filter: OutboundFilter, entry: MatchableEntry, chamado: MatchableChamado): boolean {
  if (filter.chamadoPublicId && filter.chamadoPublicId !== chamado.publicId) return false;
  if (restricts(filter.kinds) && !filter.kinds.includes(entry.kind as TimelineKind)) return false;
  if (restricts(filter.sources) && !filter.sources.includes(entry.source)) return false;
  if (restricts(filter.eventTypes) && !filter.eventTypes.some((p) => eventTypeMatches(p, entry.eventType))) return false;
  return true;
}
