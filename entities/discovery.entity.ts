import { defineEntity, p } from '@mikro-orm/core';
import type { CheckResult } from '../src/services/discovery/probes/types.ts';
import { PROBE_KINDS } from '../src/services/discovery/probes/types.ts';
import { User } from './user.entity.ts';

/*
 * The discovery inventory (spec 003): License installations (by TOTVS id), their environments
 * (PRODUCAO, HOMOLOGACAO …) and the resources found in each. Rows are retired, never deleted, so
 * check history and the chamados that cite a resource keep their subject.
 */

/** What a resource is (spec 003 `category`). */
export const RESOURCE_CATEGORIES = ['server', 'machine', 'database', 'lsv', 'gateway'] as const;
export type ResourceCategory = (typeof RESOURCE_CATEGORIES)[number];

/** Health of a resource or of one health item, best first: the worst item wins (DOMAIN.md). */
export const HEALTH_STATUSES = ['success', 'warning', 'error', 'danger'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** One evaluated item (spec 003 "Estrutura com informações dos itens avaliados"). */
export interface InfoItem {
  code: string;
  title: string;
  detail: string | null;
  value: string | boolean | number | null;
}

/** One health finding (spec 003 "Estrutura com informações de saúde"). */
export interface HealthItem {
  type: HealthStatus;
  message: string;
  detail: string | null;
  helpUrl: string | null;
}

const DiscoveryInstallationSchema = defineEntity({
  name: 'DiscoveryInstallation',
  tableName: 'discovery_installations',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** The License installation's TOTVS id (spec 003 `TOTVSID`, the `{idTOTVS}` of the paths). */
    totvsId: p.string().length(64).unique(),
    name: p.string().length(200).nullable(),
    alias: p.string().length(100).nullable(),
    /** "Internal control use" in the spec: kept and served as given. */
    receive: p.string().length(200).default(''),
    createdAt: p.datetime().onCreate(() => new Date()),
    retiredAt: p.datetime().nullable(),
  },
});
export class DiscoveryInstallation extends DiscoveryInstallationSchema.class {}
DiscoveryInstallationSchema.setClass(DiscoveryInstallation);

const DiscoveryEnvironmentSchema = defineEntity({
  name: 'DiscoveryEnvironment',
  tableName: 'discovery_environments',
  properties: {
    id: p.integer().primary().autoincrement(),
    installation: () => p.manyToOne(DiscoveryInstallation),
    /** PRODUCAO, HOMOLOGACAO … (the `{name}` of the resources path). */
    name: p.string().length(100),
    createdAt: p.datetime().onCreate(() => new Date()),
    retiredAt: p.datetime().nullable(),
  },
  uniques: [{ name: 'discovery_environments_installation_name_unique', properties: ['installation', 'name'] }],
});
export class DiscoveryEnvironment extends DiscoveryEnvironmentSchema.class {}
DiscoveryEnvironmentSchema.setClass(DiscoveryEnvironment);

const DiscoveredResourceSchema = defineEntity({
  name: 'DiscoveredResource',
  tableName: 'discovered_resources',
  properties: {
    id: p.integer().primary().autoincrement(),
    uuid: p.uuid().unique().defaultRaw('gen_random_uuid()'),
    environment: () => p.manyToOne(DiscoveryEnvironment),
    /** IP or domain name. */
    host: p.string().length(253),
    port: p.integer().nullable(),
    category: p.enum(RESOURCE_CATEGORIES),
    description: p.string().length(500).default(''),
    /** A Wazuh agent name on the same machine, so chamados about that agent find it. */
    agent: p.string().length(200).nullable(),
    /** Discovery time (spec 003 `date`). */
    discoveredAt: p.datetime(),
    status: p.enum(HEALTH_STATUSES).default('success'),
    /** The latest check's evaluated items and health findings. */
    info: p.json<InfoItem[]>().default('[]'),
    health: p.json<HealthItem[]>().default('[]'),
    /** The resource this one depends on (a database on its machine): its outages explain this one's. */
    dependsOn: () => p.manyToOne(DiscoveredResource).nullable(),
    /** Whether the monitor checks it; a resource reported by an outside agent can opt out and keep its items. */
    monitored: p.boolean().default(true),
    /** How the monitor probes it; null: the port table's kind (src/services/discovery/probes/port-table.ts). */
    probe: p.enum(PROBE_KINDS).nullable(),
    /** Path of the HTTP(S) probe's GET. */
    httpPath: p.string().length(500).default('/'),
    /** Consecutive failed and passed checks: `danger` needs N failures, leaving it M passes (DOMAIN.md). */
    failStreak: p.integer().default(0),
    passStreak: p.integer().default(0),
    /** In an outage: from N consecutive failures until M consecutive passes (what `danger` from a finding is not). */
    down: p.boolean().default(false),
    /** When the monitor may check it next (null: at the next tick); shorter while it fails. */
    nextCheckAt: p.datetime().nullable(),
    lastCheckedAt: p.datetime().nullable(),
    /** The latest probe: passed, why not, wall time, certificate expiry and each check (for /metrics and infra). */
    lastSuccess: p.boolean().nullable(),
    lastReason: p.string().length(20).nullable(),
    lastDurationMs: p.integer().nullable(),
    certExpiresAt: p.datetime().nullable(),
    lastChecks: p.json<CheckResult[]>().defaultRaw("'[]'"),
    /** When `status` last changed. */
    statusChangedAt: p.datetime().nullable(),
    createdBy: () => p.manyToOne(User).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    retiredAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['environment', 'host', 'port'] }, { properties: ['host'] }, { properties: ['agent'] }],
});
export class DiscoveredResource extends DiscoveredResourceSchema.class {}
DiscoveredResourceSchema.setClass(DiscoveredResource);

/** The monitor's settings (spec 003 `/discovery/v1/config`): one row, id 1. */
const DiscoveryConfigSchema = defineEntity({
  name: 'DiscoveryConfig',
  tableName: 'discovery_config',
  properties: {
    id: p.integer().primary(),
    monitorActive: p.boolean().default(false),
    historyDays: p.integer().default(30),
    monitorInterval: p.integer().default(15),
    sendDataTotvs: p.boolean().default(false),
    /** The monitor's tuning beyond spec 003's four settings (GraphQL only; bounds in src/services/discovery/config.ts). */
    failuresBeforeDanger: p.integer().default(3),
    passesBeforeSuccess: p.integer().default(2),
    /** Minutes between checks of a failing resource (or one not yet back to success). */
    retryInterval: p.integer().default(1),
    probeTimeoutMs: p.integer().default(5000),
    probeConcurrency: p.integer().default(64),
    /** A TLS certificate with fewer days left is a warning, with fewer still a danger. */
    tlsWarningDays: p.integer().default(14),
    tlsDangerDays: p.integer().default(7),
    /** A check slower than this (ms) is a warning. */
    slowMs: p.integer().default(1000),
    /** Networks (CIDR) besides loopback that probes and scans may touch. */
    allowedNetworks: p.json<string[]>().default('[]'),
    updatedBy: () => p.manyToOne(User).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export class DiscoveryConfig extends DiscoveryConfigSchema.class {}
DiscoveryConfigSchema.setClass(DiscoveryConfig);

export { DiscoveredResourceSchema, DiscoveryConfigSchema, DiscoveryEnvironmentSchema, DiscoveryInstallationSchema };
