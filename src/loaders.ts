import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BatchedReads } from './db/batched-reads.ts';
import { isUuid } from './db/sql.ts';
import {
  chamadosByIds,
  chamadosByPublicIds,
  observablesByChamadoIds,
  timelineByChamadoIds,
  timelineEntriesByIds,
  timelineWindowsByChamadoIds,
  usersByIds,
  type ChamadoRow,
  type ObservableField,
  type ObservableRow,
  type TimelineRow,
  type TimelineField,
  type TimelineWindow,
  type UserRow,
} from './services/chamados/reads.ts';
import { alertsByChamadoIds, type ChamadoAlertRow } from './services/chamados/alerts.ts';
import {
  environmentsByIds,
  environmentsByInstallationIds,
  environmentsByKeys,
  installationsByIds,
  installationsByTotvsIds,
  resourcesByIds,
  resourcePagesOf,
  resourcesByUuids,
  type EnvironmentRow,
  type ResourceFilter,
  type InstallationRow,
  type ResourceRow,
} from './services/discovery/reads.ts';
import type { ResourceCategory } from '../entities/discovery.entity.ts';
import { infraByChamadoIds, type ChamadoInfra } from './services/discovery/infra.ts';
import { windowsCoveringResources, windowsOfEnvironments, type MaintenanceWindowRow } from './services/discovery/maintenance.ts';
import type { PagedRows, PageRequest } from './db/paged-rows.ts';
import {
  checkPagesOf,
  healthChangesByIds,
  healthChangesOf,
  type CheckPageRequest,
  type CheckRow,
  type HealthChangeRow,
} from './services/discovery/history-reads.ts';
import { eventPayloadsByIds, eventsByIds, type EventRow } from './services/events/reads.ts';
import { groupsByIds, groupsByUuids, type RecurrenceGroupRow } from './services/recurrence/reads.ts';
import {
  chamadosOfGroups,
  histogramOfGroups,
  occurrencesOfGroups,
  type HistogramRange,
  type Keyset,
  type OccurrencePage,
} from './services/recurrence/group-reads.ts';
import { runsByGroupIds, runsOf, type GroupRuns } from './services/recurrence/group-runs.ts';
import { suggestionsByGroupIds, type RunbookSuggestion } from './services/recurrence/suggestions.ts';
import { entriesByGroupIds, entriesByIds, type WorkItemEntryRow } from './services/recurrence/work-items.ts';
import {
  approvalsByIds,
  decisionsByRequestIds,
  executionsByChamadoIds,
  executionsByIds,
  runbooksByIds,
  type ApprovalRow,
  type DecisionRow,
  type ExecutionRow,
  type RunbookRow,
} from './services/runbooks/reads.ts';

/** Names the loaders of `timelineFor`, so clearTimeline finds them all. */
const TIMELINE_LOADER_PREFIX = 'timeline:';
/** Names the loaders of `observablesFor`, so clearObservables finds them all. */
const OBSERVABLES_LOADER_PREFIX = 'observables:';

function byKey<K, V>(rows: V[], key: (row: V) => K, keys: readonly K[]): (V | null)[] {
  const map = new Map(rows.map((row) => [key(row), row]));
  return keys.map((k) => map.get(k) ?? null);
}

function groupedBy<K, V>(rows: V[], key: (row: V) => K, keys: readonly K[]): V[][] {
  const map = new Map<K, V[]>();
  for (const row of rows) {
    const list = map.get(key(row));
    if (list) list.push(row);
    else map.set(key(row), [row]);
  }
  return keys.map((k) => map.get(k) ?? []);
}

/**
 * The request's DataLoaders, each built on first use. One instance per request (never shared),
 * so caches cannot leak data between users and die with the request.
 */
export class Loaders {
  #em: EntityManager;
  /** The chamado reads' statements, sent together per turn of the event loop (src/db/batched-reads.ts). */
  #reads: BatchedReads;
  #cache = new Map<string, DataLoader<unknown, unknown>>();

  constructor(em: EntityManager) {
    this.#em = em;
    this.#reads = new BatchedReads(em);
  }

  #loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
    let loader = this.#cache.get(name) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = new DataLoader<K, V>(batch);
      this.#cache.set(name, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }

  get user(): DataLoader<number, UserRow | null> {
    return this.#loader('user', async (ids) => byKey(await usersByIds(this.#reads, ids), (r) => r.id, ids));
  }

  get chamado(): DataLoader<number, ChamadoRow | null> {
    return this.#loader('chamado', async (ids) => byKey(await chamadosByIds(this.#reads, ids), (r) => r.id, ids));
  }

  get recurrenceGroup(): DataLoader<number, RecurrenceGroupRow | null> {
    return this.#loader('recurrenceGroup', async (ids) => byKey(await groupsByIds(this.#em, ids), (r) => r.id, ids));
  }

  /** By public id (the REST `work_item_id`), lowercase. */
  get recurrenceGroupByUuid(): DataLoader<string, RecurrenceGroupRow | null> {
    return this.#loader('recurrenceGroupByUuid', async (uuids) =>
      byKey(
        await groupsByUuids(this.#em, uuids),
        (r) => r.uuid.toLowerCase(),
        uuids.map((u) => u.toLowerCase()),
      ),
    );
  }

  /** Run statistics of each group (its runs: the executions on the chamados its events joined). */
  get recurrenceGroupRuns(): DataLoader<number, GroupRuns> {
    return this.#loader('recurrenceGroupRuns', async (ids) => {
      const runs = await runsByGroupIds(this.#em, ids);
      return ids.map((id) => runsOf(runs, id));
    });
  }

  /** The chamados each group's events joined, oldest first. */
  get recurrenceGroupChamados(): DataLoader<number, { chamadoId: number; publicId: string }[]> {
    return this.#loader('recurrenceGroupChamados', async (ids) => groupedBy(await chamadosOfGroups(this.#em, ids), (r) => r.groupId, ids));
  }

  /** One page of each group's occurrences; one loader per page asked for (groups of a list share it). */
  recurrenceOccurrences(page: { limit: number; after: Keyset | null }): DataLoader<number, OccurrencePage> {
    const key = `recurrenceOccurrences:${page.limit}:${page.after ? `${page.after.micros}:${page.after.id}` : ''}`;
    return this.#loader(key, async (ids) => {
      const pages = await occurrencesOfGroups(this.#em, ids, page);
      return ids.map((id) => pages.get(id) ?? { events: [], total: 0, hasNextPage: false });
    });
  }

  /** Each group's occurrence histogram over one range; one loader per range asked for. */
  recurrenceHistogram(range: HistogramRange): DataLoader<number, { start: Date; count: number }[]> {
    return this.#loader(`recurrenceHistogram:${range.bucket}:${range.start.toISOString()}:${range.count}`, async (ids) =>
      groupedBy(await histogramOfGroups(this.#em, ids, range), (r) => r.groupId, ids),
    );
  }

  get chamadoByPublicId(): DataLoader<string, ChamadoRow | null> {
    return this.#loader('chamadoByPublicId', async (ids) => byKey(await chamadosByPublicIds(this.#reads, ids), (r) => r.publicId, ids));
  }

  /** Every entry of each chamado, every field: the cache other readers (chamado links) share. */
  get timeline(): DataLoader<number, TimelineRow[]> {
    return this.#loader('timeline', async (ids) => groupedBy(await timelineByChamadoIds(this.#reads, ids), (r) => r.chamadoId, ids));
  }

  /**
   * Each chamado's timeline as the `timeline` field asks for it: a window (or all) and only the
   * fields its query selects (null: all). One loader per distinct ask, so the chamados of a list
   * share one statement.
   */
  timelineFor(window: TimelineWindow | null, fields: readonly TimelineField[] | null): DataLoader<number, TimelineRow[]> {
    if (!window && !fields) return this.timeline;
    const windowKey = window ? `${window.first ?? ''}:${window.last ?? ''}:${window.afterId ?? ''}:${window.beforeId ?? ''}` : 'all';
    return this.#loader(`${TIMELINE_LOADER_PREFIX}${windowKey}:${fields?.join(',') ?? '*'}`, async (ids) =>
      groupedBy(
        window ? await timelineWindowsByChamadoIds(this.#reads, ids, window, fields) : await timelineByChamadoIds(this.#reads, ids, fields),
        (r) => r.chamadoId,
        ids,
      ),
    );
  }

  /** Forgets a chamado's timeline in every loader that holds it (after a write to it). */
  clearTimeline(chamadoId: number): void {
    this.#clearFamily('timeline', TIMELINE_LOADER_PREFIX, chamadoId);
  }

  /** Forgets a chamado's observables in every loader that holds them (after a write to it). */
  clearObservables(chamadoId: number): void {
    this.#clearFamily('observables', OBSERVABLES_LOADER_PREFIX, chamadoId);
  }

  /** Clears a key in the loader `name` and in each of its per-selection variants (`prefix…`). */
  #clearFamily(name: string, prefix: string, key: unknown): void {
    for (const [loaderName, loader] of this.#cache) {
      if (loaderName === name || loaderName.startsWith(prefix)) loader.clear(key);
    }
  }

  get timelineEntry(): DataLoader<number, TimelineRow | null> {
    return this.#loader('timelineEntry', async (ids) => byKey(await timelineEntriesByIds(this.#reads, ids), (r) => r.id, ids));
  }

  get event(): DataLoader<number, EventRow | null> {
    return this.#loader('event', async (ids) => byKey(await eventsByIds(this.#em, ids), (r) => r.id, ids));
  }

  get eventPayload(): DataLoader<number, unknown> {
    return this.#loader('eventPayload', async (ids) =>
      byKey(await eventPayloadsByIds(this.#em, ids), (r) => r.id, ids).map((r) => r?.payload ?? null),
    );
  }

  get runbook(): DataLoader<number, RunbookRow | null> {
    return this.#loader('runbook', async (ids) => byKey(await runbooksByIds(this.#em, ids), (r) => r.id, ids));
  }

  get execution(): DataLoader<number, ExecutionRow | null> {
    return this.#loader('execution', async (ids) => byKey(await executionsByIds(this.#em, ids), (r) => r.id, ids));
  }

  /** Open executions per chamado (acoes_pendentes). */
  get pendingActions(): DataLoader<number, ExecutionRow[]> {
    return this.#loader('pendingActions', async (ids) =>
      groupedBy(await executionsByChamadoIds(this.#em, ids, true), (r) => r.chamadoId, ids),
    );
  }

  get executions(): DataLoader<number, ExecutionRow[]> {
    return this.#loader('executions', async (ids) =>
      groupedBy(await executionsByChamadoIds(this.#em, ids, false), (r) => r.chamadoId, ids),
    );
  }

  get approval(): DataLoader<number, ApprovalRow | null> {
    return this.#loader('approval', async (ids) => byKey(await approvalsByIds(this.#em, ids), (r) => r.id, ids));
  }

  get decisions(): DataLoader<number, DecisionRow[]> {
    return this.#loader('decisions', async (ids) => groupedBy(await decisionsByRequestIds(this.#em, ids), (r) => r.requestId, ids));
  }

  /** Each chamado's alerts with the status of their latest event (one statement per batch). */
  get alerts(): DataLoader<number, ChamadoAlertRow[]> {
    return this.#loader('alerts', async (ids) => groupedBy(await alertsByChamadoIds(this.#em, ids), (r) => r.chamadoId, ids));
  }

  /** Every observable of each chamado, every field: the cache other readers (chamado links) share. */
  get observables(): DataLoader<number, ObservableRow[]> {
    return this.#loader('observables', async (ids) => groupedBy(await observablesByChamadoIds(this.#reads, ids), (r) => r.chamadoId, ids));
  }

  /** Each chamado's observables with only the fields the `observables` field selects (null: all); one loader per selection. */
  observablesFor(fields: readonly ObservableField[] | null): DataLoader<number, ObservableRow[]> {
    if (!fields) return this.observables;
    return this.#loader(`${OBSERVABLES_LOADER_PREFIX}${fields.join(',')}`, async (ids) =>
      groupedBy(await observablesByChamadoIds(this.#reads, ids, fields), (r) => r.chamadoId, ids),
    );
  }

  /** A recurrence work-item history entry by id. */
  get recurrenceWorkItemEntry(): DataLoader<number, WorkItemEntryRow | null> {
    return this.#loader('recurrenceWorkItemEntry', async (ids) => byKey(await entriesByIds(this.#em, ids), (r) => r.id, ids));
  }

  /** Each group's work-item history, newest first (its newest MAX_HISTORY entries). */
  get recurrenceWorkItemHistory(): DataLoader<number, WorkItemEntryRow[]> {
    return this.#loader('recurrenceWorkItemHistory', async (ids) =>
      groupedBy(await entriesByGroupIds(this.#em, ids), (r) => r.groupId, ids),
    );
  }

  /** Runbooks that worked on groups like each one, best first (MAX_SUGGESTIONS at most). */
  get recurrenceRunbookSuggestions(): DataLoader<number, RunbookSuggestion[]> {
    return this.#loader('recurrenceRunbookSuggestions', async (ids) => {
      const suggestions = await suggestionsByGroupIds(this.#em, ids);
      return ids.map((id) => suggestions.get(id) ?? []);
    });
  }
  /** Each chamado's infra block from the discovered resources linked to it; null when none is. */
  get chamadoInfra(): DataLoader<number, ChamadoInfra | null> {
    return this.#loader('chamadoInfra', async (ids) => {
      const infra = await infraByChamadoIds(this.#em, ids);
      return ids.map((id) => infra.get(id) ?? null);
    });
  }

  get discoveryInstallation(): DataLoader<number, InstallationRow | null> {
    return this.#loader('discoveryInstallation', async (ids) => byKey(await installationsByIds(this.#em, ids), (r) => r.id, ids));
  }

  get discoveryInstallationByTotvsId(): DataLoader<string, InstallationRow | null> {
    return this.#loader('discoveryInstallationByTotvsId', async (keys) =>
      byKey(await installationsByTotvsIds(this.#em, keys), (r) => r.totvsId, keys),
    );
  }

  get discoveryEnvironment(): DataLoader<number, EnvironmentRow | null> {
    return this.#loader('discoveryEnvironment', async (ids) => byKey(await environmentsByIds(this.#em, ids), (r) => r.id, ids));
  }

  /** By `environmentKey(totvsId, name)`. */
  get discoveryEnvironmentByKey(): DataLoader<string, EnvironmentRow | null> {
    return this.#loader('discoveryEnvironmentByKey', async (keys) => {
      const parsed = keys.map((k) => {
        const [totvsId, name] = k.split('\u0000') as [string, string];
        return { totvsId, name };
      });
      return byKey(await environmentsByKeys(this.#em, parsed), (r) => environmentKey(r.totvsId, r.name), keys);
    });
  }

  /** Each installation's environments by name; one loader per category asked for (null: all). */
  discoveryEnvironmentsOf(category: ResourceCategory | null): DataLoader<number, EnvironmentRow[]> {
    return this.#loader(`discoveryEnvironmentsOf:${category ?? ''}`, async (ids) =>
      groupedBy(await environmentsByInstallationIds(this.#em, ids, category), (r) => r.installationId, ids),
    );
  }

  /** One page of each environment's resources; one loader per filter and page asked for (environments of a list share it). */
  discoveredResourcePages(filter: ResourceFilter, page: PageRequest): DataLoader<number, PagedRows<ResourceRow>> {
    const key = `discoveredResourcePages:${JSON.stringify([filter.host ?? null, filter.port ?? null, filter.category ?? null, page.limit, page.afterId ?? null, page.offset ?? null])}`;
    return this.#loader(key, async (ids) => {
      const pages = await resourcePagesOf(this.#em, ids, filter, page);
      return ids.map((id) => pages.get(id)!);
    });
  }

  get discoveredResource(): DataLoader<number, ResourceRow | null> {
    return this.#loader('discoveredResource', async (ids) => byKey(await resourcesByIds(this.#em, ids), (r) => r.id, ids));
  }

  /** The maintenance windows covering each resource (its own and its environment's); one loader per `includeEnded`. */
  discoveryMaintenanceOfResources(includeEnded: boolean): DataLoader<number, MaintenanceWindowRow[]> {
    return this.#loader(`discoveryMaintenanceOfResources:${includeEnded}`, async (ids) =>
      groupedBy(await windowsCoveringResources(this.#em, ids, includeEnded, new Date()), (r) => r.coveredResourceId, ids),
    );
  }

  /** The maintenance windows on each environment as a whole; one loader per `includeEnded`. */
  discoveryMaintenanceOfEnvironments(includeEnded: boolean): DataLoader<number, MaintenanceWindowRow[]> {
    return this.#loader(`discoveryMaintenanceOfEnvironments:${includeEnded}`, async (ids) =>
      groupedBy(await windowsOfEnvironments(this.#em, ids, includeEnded, new Date()), (r) => r.environmentId!, ids),
    );
  }

  /** By public id (lowercase); anything that is not a UUID is simply not found. */
  get discoveredResourceByUuid(): DataLoader<string, ResourceRow | null> {
    return this.#loader('discoveredResourceByUuid', async (uuids) => {
      const wanted = uuids.map((u) => u.toLowerCase()).filter(isUuid);
      return byKey(
        await resourcesByUuids(this.#em, wanted),
        (r) => r.uuid.toLowerCase(),
        uuids.map((u) => u.toLowerCase()),
      );
    });
  }

  /** One page of each resource's check history, newest first; one loader per page and filter asked for. */
  discoveryCheckPages(page: CheckPageRequest): DataLoader<number, { rows: CheckRow[]; hasNextPage: boolean }> {
    return this.#loader(`discoveryCheckPages:${page.limit}:${page.afterId ?? ''}:${page.failedOnly}`, async (ids) => {
      const pages = await checkPagesOf(this.#em, ids, page);
      return ids.map((id) => pages.get(id)!);
    });
  }

  get resourceHealthChange(): DataLoader<number, HealthChangeRow | null> {
    return this.#loader('resourceHealthChange', async (ids) => byKey(await healthChangesByIds(this.#em, ids), (r) => r.id, ids));
  }

  /** Each resource's newest status changes, newest first; one loader per count asked for. */
  resourceHealthChanges(limit: number): DataLoader<number, HealthChangeRow[]> {
    return this.#loader(`resourceHealthChanges:${limit}`, async (ids) =>
      groupedBy(await healthChangesOf(this.#em, ids, limit), (r) => r.resourceId, ids),
    );
  }
}

/** The discoveryEnvironmentByKey key: TOTVS id and name cannot hold NUL (PostgreSQL text refuses it). */
export function environmentKey(totvsId: string, name: string): string {
  return `${totvsId}\u0000${name}`;
}

/** loadMany for node resolution: a failed key fails the request instead of returning an Error as data. */
export async function loadAll<K, V>(loader: DataLoader<K, V>, keys: readonly K[]): Promise<V[]> {
  const values = await loader.loadMany(keys);
  for (const v of values) if (v instanceof Error) throw v;
  return values as V[];
}
