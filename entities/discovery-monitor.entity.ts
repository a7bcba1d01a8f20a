import { defineEntity, p } from '@mikro-orm/core';
import type { CheckResult } from '../src/services/discovery/probes/types.ts';
import { DiscoveredResource, DiscoveryEnvironment, HEALTH_STATUSES } from './discovery.entity.ts';
import { Event } from './event.entity.ts';
import { User } from './user.entity.ts';

/*
 * What the discovery monitor records: every check (history, pruned past `historyDays`), every
 * status change (the `discovery` events and the resourceHealthChanged feed come from these) and
 * the maintenance windows that keep planned work from opening chamados.
 */

const DiscoveryCheckSchema = defineEntity({
  name: 'DiscoveryCheck',
  tableName: 'discovery_checks',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    resource: () => p.manyToOne(DiscoveredResource),
    checkedAt: p.datetime(),
    /** false: the host is outside the allowed networks and was not probed. */
    allowed: p.boolean(),
    ok: p.boolean(),
    reason: p.string().length(20).nullable(),
    durationMs: p.integer(),
    /** The resource's status after this check. */
    status: p.enum(HEALTH_STATUSES),
    checks: p.json<CheckResult[]>(),
  },
  indexes: [{ properties: ['resource', 'checkedAt'] }, { properties: ['checkedAt'] }],
});
export class DiscoveryCheck extends DiscoveryCheckSchema.class {}
DiscoveryCheckSchema.setClass(DiscoveryCheck);

/** Why a status change opened no chamado. */
export const SUPPRESSIONS = ['dependency', 'maintenance'] as const;
export type Suppression = (typeof SUPPRESSIONS)[number];

const ResourceHealthChangeSchema = defineEntity({
  name: 'ResourceHealthChange',
  tableName: 'discovery_health_changes',
  properties: {
    id: p.integer().primary().autoincrement(),
    uuid: p.uuid().unique().defaultRaw('gen_random_uuid()'),
    resource: () => p.manyToOne(DiscoveredResource),
    fromStatus: p.enum(HEALTH_STATUSES),
    toStatus: p.enum(HEALTH_STATUSES),
    /** The failure reason when it got worse because a check failed (refused, timeout, tls_expired …). */
    reason: p.string().length(20).nullable(),
    detail: p.string().length(500),
    suppressedBy: p.enum(SUPPRESSIONS).nullable(),
    /** Which parent is down, or which maintenance window runs. */
    suppressionDetail: p.string().length(500).nullable(),
    /** The `discovery` event it became; null until ingestion stored it (the monitor retries). */
    // A soft reference: no foreign key into the partitioned events (see event.entity.ts).
    event: () => p.manyToOne(Event).nullable().createForeignKeyConstraint(false),
    changedAt: p.datetime(),
  },
  indexes: [{ properties: ['resource', 'id'] }, { properties: ['changedAt'] }],
});
export class ResourceHealthChange extends ResourceHealthChangeSchema.class {}
ResourceHealthChangeSchema.setClass(ResourceHealthChange);

const MaintenanceWindowSchema = defineEntity({
  name: 'MaintenanceWindow',
  tableName: 'discovery_maintenance_windows',
  properties: {
    id: p.integer().primary().autoincrement(),
    uuid: p.uuid().unique().defaultRaw('gen_random_uuid()'),
    /** Exactly one of resource and environment (a check constraint says so). */
    resource: () => p.manyToOne(DiscoveredResource).nullable(),
    environment: () => p.manyToOne(DiscoveryEnvironment).nullable(),
    startsAt: p.datetime(),
    endsAt: p.datetime(),
    reason: p.string().length(500),
    createdBy: () => p.manyToOne(User).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    cancelledAt: p.datetime().nullable(),
    cancelledBy: () => p.manyToOne(User).nullable(),
  },
  indexes: [{ properties: ['resource'] }, { properties: ['environment'] }, { properties: ['endsAt'] }],
});
export class MaintenanceWindow extends MaintenanceWindowSchema.class {}
MaintenanceWindowSchema.setClass(MaintenanceWindow);

export { DiscoveryCheckSchema, MaintenanceWindowSchema, ResourceHealthChangeSchema };
