import type { EntityManager } from '@mikro-orm/postgresql';
import { readDiscoveryConfig, type DiscoveryConfigRow } from '../config.ts';
import type { ProbeSettings } from '../probes/types.ts';

/** What one monitor cycle needs from the stored config, in the units the code uses. */
export interface MonitorSettings {
  active: boolean;
  failuresBeforeDanger: number;
  passesBeforeSuccess: number;
  intervalMs: number;
  retryIntervalMs: number;
  tlsWarningDays: number;
  tlsDangerDays: number;
  slowMs: number;
  concurrency: number;
  historyDays: number;
  probe: ProbeSettings;
}

const MINUTE_MS = 60_000;

export function monitorSettingsOf(config: DiscoveryConfigRow): MonitorSettings {
  return {
    active: config.monitorActive,
    failuresBeforeDanger: config.failuresBeforeDanger,
    passesBeforeSuccess: config.passesBeforeSuccess,
    intervalMs: config.monitorInterval * MINUTE_MS,
    retryIntervalMs: config.retryInterval * MINUTE_MS,
    tlsWarningDays: config.tlsWarningDays,
    tlsDangerDays: config.tlsDangerDays,
    slowMs: config.slowMs,
    concurrency: config.probeConcurrency,
    historyDays: config.historyDays,
    probe: { timeoutMs: config.probeTimeoutMs, allowedNetworks: config.allowedNetworks },
  };
}

export async function readMonitorSettings(em: EntityManager): Promise<MonitorSettings> {
  return monitorSettingsOf(await readDiscoveryConfig(em));
}
