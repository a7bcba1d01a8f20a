import { defineEntity, p } from '@mikro-orm/core';
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
    updatedBy: () => p.manyToOne(User).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export class DiscoveryConfig extends DiscoveryConfigSchema.class {}
DiscoveryConfigSchema.setClass(DiscoveryConfig);

export { DiscoveredResourceSchema, DiscoveryConfigSchema, DiscoveryEnvironmentSchema, DiscoveryInstallationSchema };
