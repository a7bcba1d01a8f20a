import { builder } from '../src/builder.ts';
import { ValidationError } from '../src/errors.ts';
import { DEFAULT_PROJECT_ID } from '../src/services/ingest/project-id.ts';
import {
  DEFAULT_HEARTBEAT_REASON,
  HEARTBEAT_PROVIDERS,
  recordProviderHeartbeat,
  type HeartbeatItem,
  type HeartbeatResult,
} from '../src/services/events/provider-heartbeat.ts';
import { describedValues } from './described.ts';
import { badInput } from './pagination.ts';

const HeartbeatProviderEnum = builder.enumType('HeartbeatProvider', {
  description: 'A source provider whose ingestion path a heartbeat proves fresh.',
  values: describedValues(HEARTBEAT_PROVIDERS, {
    sentry: 'Sentry (issue webhooks).',
    signoz: 'SigNoz (Alertmanager-shaped alert webhooks).',
  }),
});

const HeartbeatItemRef = builder.objectRef<HeartbeatItem>('ProviderHeartbeatItem').implement({
  description: 'The heartbeat event stored for one provider.',
  fields: (t) => ({
    provider: t.expose('provider', { type: HeartbeatProviderEnum, description: 'The provider (the stored event’s source).' }),
    eventId: t.exposeString('eventId', {
      description:
        'Its provider event id, `heartbeat-<UTC yyyymmddThhmmssZ>`. Exact redelivery is keyed on source and this id: a second heartbeat within the same second is stored as a duplicate of the first.',
    }),
    conversationEventId: t.exposeString('conversationEventId', { description: 'The stored event’s uuid (Event.eventUuid).' }),
  }),
});

const HeartbeatPayloadRef = builder.objectRef<HeartbeatResult>('ProviderHeartbeatPayload').implement({
  description: 'Heartbeats recorded: one synthetic event per provider, with no chamado, notification, approval or outbound delivery.',
  fields: (t) => ({
    status: t.exposeString('status', { description: 'Always `recorded`.' }),
    projectId: t.exposeString('projectId', { description: 'The project the events were stored under.' }),
    items: t.field({ type: [HeartbeatItemRef], description: 'One per provider, in the order asked.', resolve: (r) => r.items }),
  }),
});

const HeartbeatInput = builder.inputType('RecordProviderHeartbeatInput', {
  description: 'Which providers to prove fresh, and why.',
  fields: (f) => ({
    projectId: f.string({ required: false, defaultValue: DEFAULT_PROJECT_ID, description: 'Project (tenant) to store the events under.' }),
    providers: f.field({
      type: [HeartbeatProviderEnum],
      required: false,
      defaultValue: [...HEARTBEAT_PROVIDERS],
      description: '1 or 2 distinct providers.',
    }),
    reason: f.string({ required: false, defaultValue: DEFAULT_HEARTBEAT_REASON, description: 'Why it runs (1–120 characters); kept in the payload.' }),
    runRef: f.string({ required: false, description: 'The caller’s run reference (at most 120 characters); kept in the payload.' }),
  }),
});

builder.mutationField('recordProviderHeartbeat', (t) =>
  t.field({
    type: HeartbeatPayloadRef,
    authScopes: { operator: true },
    description:
      'Stores one synthetic heartbeat event per provider (eventType `provider.heartbeat`), counted in its recurrence group but never opening or joining a chamado. Operator key only (header X-Operator-Key): none → UNAUTHENTICATED, a wrong one → FORBIDDEN; a user token does not stand in for it. Bad input → BAD_USER_INPUT.',
    args: { input: t.arg({ type: HeartbeatInput, required: false, description: 'What to record; every field has a default.' }) },
    resolve: async (_, { input }, ctx) => {
      try {
        return await recordProviderHeartbeat(ctx.em, ctx.config.ingest, {
          projectId: input?.projectId ?? DEFAULT_PROJECT_ID,
          providers: input?.providers ?? HEARTBEAT_PROVIDERS,
          reason: input?.reason ?? DEFAULT_HEARTBEAT_REASON,
          runRef: input?.runRef ?? null,
        });
      } catch (err) {
        if (err instanceof ValidationError) throw badInput(err.message, { issues: err.issues });
        throw err;
      }
    },
  }),
);
