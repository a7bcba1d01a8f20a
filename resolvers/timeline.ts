import { decodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLResolveInfo } from 'graphql';
import { TIMELINE_KINDS } from '../entities/timeline-entry.entity.ts';
import { loadAll } from '../src/loaders.ts';
import { builder } from '../src/builder.ts';
import type { TimelineField, TimelineRow, TimelineWindow } from '../src/services/chamados/reads.ts';
import { describedValues } from './described.ts';
import { badInput, CLIENT_PAGE_MAX } from './pagination.ts';
import { selectedRowFields, type RowFieldsOf } from './selected-fields.ts';
import { UserRef } from './users.ts';

export const TimelineKindEnum = builder.enumType('TimelineKind', {
  description: 'What a timeline entry records.',
  values: describedValues(TIMELINE_KINDS, {
    created: 'The chamado was opened (by ingestion or by hand).',
    event: 'A received event joined the chamado (by correlation or attached by hand: anexar eventos).',
    claim: 'Someone claimed the chamado (assumir) or took it over.',
    status: 'The status changed (eventType `status.<new status>`).',
    note: 'An investigation note (nota).',
    attach: 'Reserved: events attached by hand appear as `event` entries today.',
    detach: 'An event was taken off the chamado.',
    move: 'An event was moved to or from another chamado.',
    merge: 'Another chamado was merged into this one, or this one into another.',
    wizard: 'Reserved: onboarding wizard step changes reach clients as WizardStepChanged (chamadoLive) today.',
    runbook: 'A runbook execution step (requested, approved, ran, failed …).',
  }),
});

export const TimelineEntryRef = builder.objectRef<TimelineRow>('TimelineEntry');
builder.node(TimelineEntryRef, {
  description: 'One thing that happened to a chamado: a received event or an action by a person or by OpsGraph.',
  id: { resolve: (e) => e.id },
  loadMany: (ids, ctx) => loadAll(ctx.loaders.timelineEntry, ids.map(Number)),
  fields: (t) => ({
    kind: t.expose('kind', { type: TimelineKindEnum, description: 'What the entry records.' }),
    eventType: t.exposeString('eventType', { description: 'The event type, or the action (`nota`, `status.resolvido` …).' }),
    source: t.exposeString('source', { description: 'Event source (wazuh, onboard …) or `ops` for operator actions.' }),
    summary: t.exposeString('summary', { nullable: true, description: 'One line for people (often Portuguese, as shown in the console).' }),
    severity: t.exposeInt('severity', { nullable: true, description: '0–15 (Wazuh scale), for `event` entries.' }),
    actor: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who did it; null for entries made by ingestion.',
      resolve: (e, _, ctx) => (e.actorId ? ctx.loaders.user.load(e.actorId) : null),
    }),
    eventId: t.exposeInt('eventId', { nullable: true, description: 'The Discover event id, for `event` entries.' }),
    data: t.expose('data', { type: 'JSON', nullable: true, description: 'Kind-specific details.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
  }),
});

/** The window arguments of `Chamado.timeline`: none reads every entry, as before they existed. */
export const timelineWindowArgs = builder.args((t) => ({
  first: t.int({
    required: false,
    description: `How many of the oldest entries (after \`after\` when given), 1–${CLIENT_PAGE_MAX}. Not with last.`,
  }),
  after: t.id({ required: false, description: 'Only entries after this TimelineEntry (its global `id`). Not with before.' }),
  last: t.int({
    required: false,
    description: `How many of the newest entries (before \`before\` when given), 1–${CLIENT_PAGE_MAX}; still listed oldest first. Not with first.`,
  }),
  before: t.id({ required: false, description: 'Only entries before this TimelineEntry (its global `id`). Not with after.' }),
}));

interface TimelineWindowArgs {
  first?: number | null;
  after?: string | number | null;
  last?: number | null;
  before?: string | number | null;
}

/** The timeline window the arguments ask for, or null for the whole timeline. */
export function timelineWindowOf(args: TimelineWindowArgs): TimelineWindow | null {
  const { first = null, last = null, after = null, before = null } = args;
  if (first === null && last === null && after === null && before === null) return null;
  if (first !== null && last !== null) throw badInput('timeline: give first or last, not both');
  if (after !== null && before !== null) throw badInput('timeline: give after or before, not both');
  for (const [name, size] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (size !== null && (size < 1 || size > CLIENT_PAGE_MAX)) throw badInput(`timeline: ${name} must be between 1 and ${CLIENT_PAGE_MAX}`);
  }
  return { first, last, afterId: entryIdOf('after', after), beforeId: entryIdOf('before', before) };
}

function entryIdOf(name: string, globalId: string | number | null): number | null {
  if (globalId === null) return null;
  try {
    const { typename, id } = decodeGlobalID(String(globalId));
    if (typename === TimelineEntryRef.name && /^[1-9]\d{0,15}$/.test(id) && Number.isSafeInteger(Number(id))) return Number(id);
  } catch {
    // not a global id at all: refused below like one of another type
  }
  throw badInput(`timeline: ${name} must be a TimelineEntry id`);
}

/** The row fields each TimelineEntry field reads (see RowFieldsOf). */
const TIMELINE_ROW_FIELDS: RowFieldsOf<TimelineField> = {
  __typename: [],
  id: [],
  kind: ['kind'],
  eventType: ['eventType'],
  source: ['source'],
  summary: ['summary'],
  severity: ['severity'],
  actor: ['actorId'],
  eventId: ['eventId'],
  data: ['data'],
  createdAt: ['createdAt'],
};

/** The row fields the query selects under a `timeline` field, so a list reads only those columns; null: every column. */
export function timelineFieldsOf(info: GraphQLResolveInfo): readonly TimelineField[] | null {
  return selectedRowFields(info, TIMELINE_ROW_FIELDS);
}
