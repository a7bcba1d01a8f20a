import type { EntityManager } from '@mikro-orm/postgresql';
import pLimit from 'p-limit';
import { anyOf, sqlPart } from '../../../db/sql.ts';
import type { Logger } from '../../../logger.ts';
import type { IngestSettings } from '../../ingest/settings.ts';
import { mapBounded } from '../probes/bounded.ts';
import { defaultProbeKind } from '../probes/port-table.ts';
import { probeResource } from '../probes/probe.ts';
import type { ProbeKind, ProbeOutcome } from '../probes/types.ts';
import { announceChanges } from './announce.ts';
import { applyOutcome } from './apply.ts';
import type { MonitorSettings } from './settings.ts';

/*
 * One monitor cycle: claim the resources that are due, probe them concurrently (bounded, each
 * check with its own timeout, so a slow host costs one slot for at most the timeout), store each
 * result as it comes — a parent before its children, so a child going down in the same cycle as
 * the machine it runs on sees the machine down and opens no chamado of its own — and announce the
 * status changes as `discovery` events.
 */

const LEASE_MS = 10 * 60_000;
const DUE_SLACK_MS = 30_000;

export interface CycleSummary {
  checked: number;
  passed: number;
  failed: number;
  skipped: number;
  statusChanges: number;
  durationMs: number;
}

interface Claimed {
  id: number;
  host: string;
  port: number | null;
  probe: ProbeKind | null;
  httpPath: string;
  dependsOnId: number | null;
}

/**
 * Takes the due resources (or, with `only`, those resources whatever their schedule) and moves
 * their next check a lease ahead in the same statement: a concurrent cycle (another instance, a
 * manual check) skips them, and if this process dies the lease lapses and they are checked again.
 */
async function claim(em: EntityManager, now: Date, leaseMs: number, only: readonly number[] | null): Promise<Claimed[]> {
  // Ticks come once a minute, give or take pg-boss's polling: a resource due a few seconds after
  // this tick is checked now rather than a whole minute late.
  const dueBy = new Date(now.getTime() + DUE_SLACK_MS);
  const which = only ? anyOf('id', only, 'int') : sqlPart('(next_check_at is null or next_check_at <= ?)', dueBy);
  return em.execute<Claimed[]>(
    `update discovered_resources r set next_check_at = ?
     from (select id from discovered_resources where retired_at is null and monitored and ?
           order by next_check_at nulls first, id for update skip locked) due
     where r.id = due.id
     returning r.id, r.host, r.port, r.probe, r.http_path as "httpPath", r.depends_on_id as "dependsOnId"`,
    [new Date(now.getTime() + leaseMs), which],
  );
}

/** Results stored at once: a few, so a cycle's writes never take the pool from API requests. */
const WRITERS = 4;

/**
 * Stores results as they arrive, a few at a time, except that a child waits until its parent in
 * the same batch is stored (a child's suppression reads its parent's status).
 */
function parentFirst(batch: readonly Claimed[], apply: (resource: Claimed, outcome: ProbeOutcome) => Promise<void>) {
  const inBatch = new Set(batch.map((r) => r.id));
  const applied = new Set<number>();
  const waiting = new Map<number, { resource: Claimed; outcome: ProbeOutcome }[]>();
  const limit = pLimit(WRITERS);
  const running: Promise<void>[] = [];
  const store = (resource: Claimed, outcome: ProbeOutcome): void => {
    running.push(
      limit(async () => {
        await apply(resource, outcome);
        applied.add(resource.id);
        for (const child of waiting.get(resource.id) ?? []) store(child.resource, child.outcome);
        waiting.delete(resource.id);
      }),
    );
  };
  return {
    push: (resource: Claimed, outcome: ProbeOutcome): void => {
      const parent = resource.dependsOnId;
      if (parent !== null && inBatch.has(parent) && !applied.has(parent)) {
        waiting.set(parent, [...(waiting.get(parent) ?? []), { resource, outcome }]);
      } else store(resource, outcome);
    },
    /** Every result stored, children queued meanwhile included. */
    done: async () => {
      for (let i = 0; i < running.length; i++) await running[i];
    },
  };
}

export interface CycleOptions {
  settings: MonitorSettings;
  ingest: IngestSettings;
  log: Logger;
  now?: () => Date;
  /** Check these resources now, whatever their schedule (the checkDiscoveredResources mutation). */
  only?: readonly number[];
}

export async function runMonitorCycle(em: EntityManager, options: CycleOptions): Promise<CycleSummary> {
  const clock = options.now ?? (() => new Date());
  const started = performance.now();
  const { settings } = options;
  // Longer than any sane cycle (7,680 dead hosts at the default 64 × 5 s), short enough that a
  // crashed cycle's resources are checked again soon.
  const leaseMs = Math.max(settings.retryIntervalMs, LEASE_MS);
  const batch = await claim(em, clock(), leaseMs, options.only ?? null);
  const summary: CycleSummary = { checked: 0, passed: 0, failed: 0, skipped: 0, statusChanges: 0, durationMs: 0 };
  const changes: number[] = [];
  const writer = parentFirst(batch, async (resource, outcome) => {
    summary.checked++;
    if (!outcome.allowed) summary.skipped++;
    else if (outcome.ok) summary.passed++;
    else summary.failed++;
    try {
      const change = await applyOutcome(em.fork(), resource.id, outcome, settings, clock());
      if (change !== null) changes.push(change);
    } catch (err) {
      // The lease lapses and the resource is checked again; one bad row never stops the cycle.
      options.log.error({ err, resource: resource.id }, 'discovery check not stored');
    }
  });
  await mapBounded(
    batch,
    settings.concurrency,
    (resource) =>
      probeResource(
        { host: resource.host, port: resource.port, kind: resource.probe ?? defaultProbeKind(resource.port), httpPath: resource.httpPath },
        settings.probe,
      ),
    (outcome, resource) => writer.push(resource, outcome),
  );
  await writer.done();
  summary.statusChanges = changes.length;
  await announceChanges(em.fork(), options.ingest, changes, options.log);
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}
