import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { DiscoveryConfig } from '../../../entities/discovery.entity.ts';
import { User } from '../../../entities/user.entity.ts';
import type { Actor } from '../actor.ts';
import { parseInput } from '../validation.ts';

/** The monitor settings as served (spec 003 `/discovery/v1/config`). */
export interface DiscoveryConfigRow {
  monitorActive: boolean;
  historyDays: number;
  monitorInterval: number;
  sendDataTOTVS: boolean;
  updatedAt: Date;
}

/** Bounds of the settings: history kept for up to ten years, a cycle at most once a minute and at least once a day. */
export const HISTORY_DAYS = { min: 1, max: 3650 } as const;
export const MONITOR_INTERVAL_MINUTES = { min: 1, max: 1440 } as const;

const ConfigChange = z
  .object({
    monitorActive: z.boolean().nullish(),
    historyDays: z.number().int().min(HISTORY_DAYS.min).max(HISTORY_DAYS.max).nullish(),
    monitorInterval: z.number().int().min(MONITOR_INTERVAL_MINUTES.min).max(MONITOR_INTERVAL_MINUTES.max).nullish(),
    sendDataTOTVS: z.boolean().nullish(),
  })
  .strict();
export type DiscoveryConfigChange = z.input<typeof ConfigChange>;

export async function readDiscoveryConfig(em: EntityManager): Promise<DiscoveryConfigRow> {
  const [row] = await em.execute<DiscoveryConfigRow[]>(
    `select monitor_active as "monitorActive", history_days as "historyDays", monitor_interval as "monitorInterval",
       send_data_totvs as "sendDataTOTVS", updated_at as "updatedAt" from discovery_config where id = 1`,
  );
  // The migration inserts the row; a missing one means the schema was not migrated.
  if (!row) throw new Error('discovery_config has no row 1: run the migrations');
  return row;
}

/** A partial update: only the settings given change (null or absent keeps the stored value). */
export async function updateDiscoveryConfig(em: EntityManager, actor: Actor, change: DiscoveryConfigChange): Promise<DiscoveryConfigRow> {
  const given = parseInput(ConfigChange, change);
  const config = await em.findOneOrFail(DiscoveryConfig, 1);
  if (given.monitorActive != null) config.monitorActive = given.monitorActive;
  if (given.historyDays != null) config.historyDays = given.historyDays;
  if (given.monitorInterval != null) config.monitorInterval = given.monitorInterval;
  if (given.sendDataTOTVS != null) config.sendDataTotvs = given.sendDataTOTVS;
  config.updatedBy = em.getReference(User, actor.id);
  // Saving with nothing changed still records who looked and when: the REST POST answers the stored row.
  config.updatedAt = new Date();
  await em.flush();
  return readDiscoveryConfig(em);
}
