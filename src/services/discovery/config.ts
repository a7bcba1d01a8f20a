import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { DiscoveryConfig } from '../../../entities/discovery.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import { ValidationError, type FieldIssue } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { parseInput } from '../validation.ts';
import { invalidNetworks } from './probes/network-policy.ts';

/** The monitor settings as served: spec 003's four (`/discovery/v1/config`) and the monitor's tuning (GraphQL). */
export interface DiscoveryConfigRow {
  monitorActive: boolean;
  historyDays: number;
  monitorInterval: number;
  sendDataTOTVS: boolean;
  failuresBeforeDanger: number;
  passesBeforeSuccess: number;
  retryInterval: number;
  probeTimeoutMs: number;
  probeConcurrency: number;
  tlsWarningDays: number;
  tlsDangerDays: number;
  slowMs: number;
  allowedNetworks: string[];
  updatedAt: Date;
}

/** Bounds of the settings: history kept for up to ten years, a cycle at most once a minute and at least once a day. */
export const HISTORY_DAYS = { min: 1, max: 3650 } as const;
export const MONITOR_INTERVAL_MINUTES = { min: 1, max: 1440 } as const;

const int = (min: number, max: number) => z.number().int().min(min).max(max).nullish();

const ConfigChange = z
  .object({
    monitorActive: z.boolean().nullish(),
    historyDays: int(HISTORY_DAYS.min, HISTORY_DAYS.max),
    monitorInterval: int(MONITOR_INTERVAL_MINUTES.min, MONITOR_INTERVAL_MINUTES.max),
    sendDataTOTVS: z.boolean().nullish(),
    failuresBeforeDanger: int(1, 20),
    passesBeforeSuccess: int(1, 20),
    retryInterval: int(MONITOR_INTERVAL_MINUTES.min, MONITOR_INTERVAL_MINUTES.max),
    probeTimeoutMs: int(100, 60_000),
    probeConcurrency: int(1, 1024),
    tlsWarningDays: int(0, 365),
    tlsDangerDays: int(0, 365),
    slowMs: int(1, 60_000),
    allowedNetworks: z.array(z.string().trim().min(1).max(64)).max(100).nullish(),
  })
  .strict();
export type DiscoveryConfigChange = z.input<typeof ConfigChange>;

const CONFIG_COLUMNS = `monitor_active as "monitorActive", history_days as "historyDays", monitor_interval as "monitorInterval",
  send_data_totvs as "sendDataTOTVS", failures_before_danger as "failuresBeforeDanger", passes_before_success as "passesBeforeSuccess",
  retry_interval as "retryInterval", probe_timeout_ms as "probeTimeoutMs", probe_concurrency as "probeConcurrency",
  tls_warning_days as "tlsWarningDays", tls_danger_days as "tlsDangerDays", slow_ms as "slowMs",
  allowed_networks as "allowedNetworks", updated_at as "updatedAt"`;

export async function readDiscoveryConfig(em: EntityManager): Promise<DiscoveryConfigRow> {
  const [row] = await em.execute<DiscoveryConfigRow[]>(`select ${CONFIG_COLUMNS} from discovery_config where id = 1`);
  // The migration inserts the row; a missing one means the schema was not migrated.
  if (!row) throw new Error('discovery_config has no row 1: run the migrations');
  return row;
}

/** Rules that tie two settings together, checked on the settings as they would be saved. */
function crossFieldIssues(config: DiscoveryConfig): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (config.retryInterval > config.monitorInterval) {
    issues.push({ path: 'retryInterval', message: `must not exceed monitorInterval (${config.monitorInterval})` });
  }
  if (config.tlsDangerDays > config.tlsWarningDays) {
    issues.push({ path: 'tlsDangerDays', message: `must not exceed tlsWarningDays (${config.tlsWarningDays})` });
  }
  for (const bad of invalidNetworks(config.allowedNetworks)) {
    issues.push({ path: 'allowedNetworks', message: `${bad} is not an IP address or CIDR network` });
  }
  return issues;
}

/** A partial update: only the settings given change (null or absent keeps the stored value). */
export async function updateDiscoveryConfig(em: EntityManager, actor: Actor, change: DiscoveryConfigChange): Promise<DiscoveryConfigRow> {
  const given = parseInput(ConfigChange, change);
  return em.transactional(async (tx) => {
    const config = await tx.findOneOrFail(DiscoveryConfig, 1);
    const { sendDataTOTVS, ...sameNamed } = given;
    for (const [key, value] of Object.entries(sameNamed)) {
      if (value != null) Object.assign(config, { [key]: value });
    }
    if (sendDataTOTVS != null) config.sendDataTotvs = sendDataTOTVS;
    const issues = crossFieldIssues(config);
    if (issues.length) throw new ValidationError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
    config.updatedBy = tx.getReference(User, actor.id);
    // Saving with nothing changed still records who looked and when: the REST POST answers the stored row.
    config.updatedAt = new Date();
    await tx.flush();
    return readDiscoveryConfig(tx);
  });
}
