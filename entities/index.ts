import { ApprovalDecisionSchema, ApprovalRequestSchema } from './approval.entity.ts';
import { ChamadoSchema } from './chamado.entity.ts';
import { ChamadoSequenceSchema } from './chamado-sequence.entity.ts';
import { DeadLetterSchema } from './dead-letter.entity.ts';
import { EventDedupKeySchema } from './event-dedup-key.entity.ts';
import { DiscoveredResourceSchema, DiscoveryConfigSchema, DiscoveryEnvironmentSchema, DiscoveryInstallationSchema } from './discovery.entity.ts';
import { DiscoveryCheckSchema, MaintenanceWindowSchema, ResourceHealthChangeSchema } from './discovery-monitor.entity.ts';
import { EventSchema } from './event.entity.ts';
import { ObservableSchema } from './observable.entity.ts';
import { OutboundDeliverySchema, OutboundWebhookSchema } from './outbound-webhook.entity.ts';
import { RecurrenceGroupChamadoSchema, RecurrenceGroupSchema, RecurrenceHourSchema } from './recurrence-group.entity.ts';
import { RecurrenceWorkItemEntrySchema } from './recurrence-work-item-entry.entity.ts';
import { RunbookExecutionSchema } from './runbook-execution.entity.ts';
import { RunbookSchema } from './runbook.entity.ts';
import { SavedSearchSchema } from './saved-search.entity.ts';
import { TimelineEntrySchema } from './timeline-entry.entity.ts';
import { UserSchema } from './user.entity.ts';

/** Every entity, listed explicitly for the ORM config (no folder scanning). */
export const ENTITIES = [
  UserSchema,
  ChamadoSchema,
  ChamadoSequenceSchema,
  EventSchema,
  EventDedupKeySchema,
  TimelineEntrySchema,
  ObservableSchema,
  DeadLetterSchema,
  SavedSearchSchema,
  RunbookSchema,
  RunbookExecutionSchema,
  ApprovalRequestSchema,
  ApprovalDecisionSchema,
  OutboundWebhookSchema,
  OutboundDeliverySchema,
  RecurrenceGroupSchema,
  RecurrenceGroupChamadoSchema,
  RecurrenceHourSchema,
  RecurrenceWorkItemEntrySchema,
  DiscoveryInstallationSchema,
  DiscoveryEnvironmentSchema,
  DiscoveredResourceSchema,
  DiscoveryConfigSchema,
  DiscoveryCheckSchema,
  ResourceHealthChangeSchema,
  MaintenanceWindowSchema,
];
