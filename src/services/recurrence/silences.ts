import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { RecurrenceGroup } from '../../../entities/recurrence-group.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import type { Actor } from '../actor.ts';
import { parseInput } from '../validation.ts';
import { currentWorkItemState, findWorkItem, recordEntry } from './work-items.ts';

/*
 * What operators set on a group: a silence (its events open no chamado until then; see
 * opening-hold.ts) and its own opening threshold. Each change locks the group row (ingest's
 * upsert takes the same lock, so an event sees the change whole or not at all), bumps its
 * change_seq for recurrenceChanged, and is recorded in the work-item history.
 */

const DAY_MS = 24 * 3_600_000;
/** A silence ends at most this far ahead: a forgotten silence must not hide a group for good. */
export const MAX_SILENCE_MS = 30 * DAY_MS;

const silenceSchema = (now: Date) =>
  z.object({
    until: z
      .date()
      .refine((d) => d.getTime() > now.getTime(), 'must be in the future')
      .refine((d) => d.getTime() <= now.getTime() + MAX_SILENCE_MS, 'at most 30 days ahead'),
    reason: z.string().trim().min(3, 'at least 3 characters').max(500, 'at most 500 characters'),
  });

export const MAX_THRESHOLD_OCCURRENCES = 10_000;
/** One week. */
export const MAX_THRESHOLD_WINDOW_MINUTES = 10_080;

const thresholdSchema = z.object({
  occurrences: z.number().int().min(1, 'at least 1').max(MAX_THRESHOLD_OCCURRENCES, `at most ${MAX_THRESHOLD_OCCURRENCES}`).nullable(),
  windowMinutes: z.number().int().min(1, 'at least 1').max(MAX_THRESHOLD_WINDOW_MINUTES, `at most ${MAX_THRESHOLD_WINDOW_MINUTES} (a week)`).nullable(),
});

/** Locks the group for a change and returns it with its work item state (for the history entry). */
async function lockGroup(tx: EntityManager, workItemId: string) {
  const row = await findWorkItem(tx, { workItemId });
  // NO KEY UPDATE, like ingest's upsert: serialized with ingest, not with foreign-key checks.
  await tx.execute('select id from recurrence_groups where id = ? for no key update', [row.id]);
  const group = await tx.findOneOrFail(RecurrenceGroup, row.id);
  return { group, state: await currentWorkItemState(tx, row) };
}

/** The next value of the group's change sequence, taken when the update runs. */
function bumpChangeSeq(group: RecurrenceGroup): void {
  group.changeSeq = raw<number>("nextval('recurrence_change_seq')");
}

export interface SilenceInput {
  workItemId: string;
  until: Date;
  reason: string;
}

export async function silenceGroup(em: EntityManager, actor: Actor, input: SilenceInput): Promise<number> {
  const now = new Date();
  const { until, reason } = parseInput(silenceSchema(now), { until: input.until, reason: input.reason });
  return em.transactional(async (tx) => {
    const { group, state } = await lockGroup(tx, input.workItemId);
    const previous = group.silencedUntil && group.silencedUntil.getTime() > now.getTime() ? { until: group.silencedUntil.toISOString(), reason: group.silenceReason } : null;
    group.silencedUntil = until;
    group.silenceReason = reason;
    group.silencedBy = tx.getReference(User, actor.id);
    bumpChangeSeq(group);
    recordEntry(tx, group.id, actor, { kind: 'silenced', workItemState: state, data: { until: until.toISOString(), reason, replaced: previous } });
    await tx.flush();
    return group.id;
  });
}

/** Ends the group's silence (running or not) and forgets it; a group never silenced is left as it is. */
export async function unsilenceGroup(em: EntityManager, actor: Actor, workItemId: string): Promise<number> {
  return em.transactional(async (tx) => {
    const { group, state } = await lockGroup(tx, workItemId);
    if (!group.silencedUntil) return group.id;
    const ended = { until: group.silencedUntil.toISOString(), reason: group.silenceReason, active: group.silencedUntil.getTime() > Date.now() };
    group.silencedUntil = null;
    group.silenceReason = null;
    group.silencedBy = null;
    bumpChangeSeq(group);
    recordEntry(tx, group.id, actor, { kind: 'unsilenced', workItemState: state, data: { ended } });
    await tx.flush();
    return group.id;
  });
}

export interface ThresholdInput {
  workItemId: string;
  /** Occurrences within the window before the group's events open a chamado; null = the configured default. */
  occurrences: number | null;
  /** The window in minutes; null = the configured default. */
  windowMinutes: number | null;
}

export async function setOpeningThreshold(em: EntityManager, actor: Actor, input: ThresholdInput): Promise<number> {
  const { occurrences, windowMinutes } = parseInput(thresholdSchema, { occurrences: input.occurrences, windowMinutes: input.windowMinutes });
  return em.transactional(async (tx) => {
    const { group, state } = await lockGroup(tx, input.workItemId);
    const from = { occurrences: group.openThreshold ?? null, windowMinutes: group.openWindowMinutes ?? null };
    group.openThreshold = occurrences;
    group.openWindowMinutes = windowMinutes;
    bumpChangeSeq(group);
    recordEntry(tx, group.id, actor, { kind: 'threshold', workItemState: state, data: { from, to: { occurrences, windowMinutes } } });
    await tx.flush();
    return group.id;
  });
}
