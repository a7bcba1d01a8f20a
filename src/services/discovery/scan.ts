import type { EntityManager } from '@mikro-orm/postgresql';
import { performance } from 'node:perf_hooks';
import type { ResourceCategory } from '../../../entities/discovery.entity.ts';
import { arrayOf } from '../../db/sql.ts';
import { AlreadyExistsError } from '../../errors.ts';
import type { Actor } from '../actor.ts';
import { liveEnvironment, registerResource } from './commands.ts';
import { readDiscoveryConfig } from './config.ts';
import { mapBounded } from './probes/bounded.ts';
import { guessByPort } from './probes/port-table.ts';
import { probeResource } from './probes/probe.ts';
import type { ProbeKind, ProbeSettings } from './probes/types.ts';
import { resourcesByIds, type ResourceRow } from './reads.ts';
import { resolveScanHosts, scanRequestOf } from './scan-targets.ts';

/*
 * The admin scan: probe hosts × ports with a plain TCP connect and register what listens, filed
 * by the port table (probes/port-table.ts). Registration goes through registerResource, so a scan
 * follows the same validation and duplicate rule as a hand registration, and two scans of one
 * environment at once cannot create a listener twice (the loser's AlreadyExistsError counts as known).
 */

/** A host:port where something accepted the connection, with the port table's guess. */
export interface ScanHit {
  host: string;
  port: number;
  what: string;
  category: ResourceCategory;
  probe: ProbeKind;
}

export interface ScanResult {
  /** host × port pairs probed. */
  probed: number;
  listening: ScanHit[];
  registered: ResourceRow[];
  alreadyKnown: ResourceRow[];
  durationMs: number;
}

/** A pair listens when one of the host's addresses accepts; a timeout stops there, as the monitor's probe does. */
async function listens(addresses: readonly string[], port: number, settings: ProbeSettings): Promise<boolean> {
  for (const address of addresses) {
    // The address, not the name: resolved once per host, and the probe re-checks it against the policy.
    const outcome = await probeResource({ host: address, port, kind: 'tcp', httpPath: '/' }, settings);
    if (outcome.ok) return true;
    if (outcome.reason !== 'refused' && outcome.reason !== 'unreachable') return false;
  }
  return false;
}

const listenerKey = (host: string, port: number): string => `${host.toLowerCase()}:${port}`;

/** The environment's live resources on these ports, by host (case-insensitive) and port: the duplicate rule's key. */
async function liveListeners(em: EntityManager, environmentId: number, ports: readonly number[]): Promise<Map<string, number>> {
  const rows = await em.execute<{ id: number; host: string; port: number }[]>(
    'select id, host, port from discovered_resources where environment_id = ? and retired_at is null and port = any(?)',
    [environmentId, arrayOf(ports, 'int')],
  );
  return new Map(rows.map((r) => [listenerKey(r.host, r.port), r.id]));
}

async function registerHits(
  em: EntityManager,
  actor: Actor,
  where: { totvsId: string; environment: string; environmentId: number },
  hits: readonly ScanHit[],
): Promise<Pick<ScanResult, 'registered' | 'alreadyKnown'>> {
  const ports = [...new Set(hits.map((h) => h.port))];
  let existing = await liveListeners(em, where.environmentId, ports);
  const registered: ResourceRow[] = [];
  const known: ScanHit[] = [];
  let lostRace = false;
  for (const hit of hits) {
    if (existing.has(listenerKey(hit.host, hit.port))) {
      known.push(hit);
      continue;
    }
    try {
      const { host, port, category, probe, what } = hit;
      const input = { totvsId: where.totvsId, environment: where.environment, host, port, category, probe, description: `found by scan: ${what}` };
      registered.push(await registerResource(em, actor, input));
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      known.push(hit);
      lostRace = true;
    }
  }
  if (lostRace) existing = await liveListeners(em, where.environmentId, ports);
  // A known one retired in the meantime is simply left out.
  const ids = known.map((h) => existing.get(listenerKey(h.host, h.port))).filter((id) => id !== undefined);
  const rows = new Map((await resourcesByIds(em, ids)).map((r) => [r.id, r]));
  return { registered, alreadyKnown: ids.map((id) => rows.get(id)).filter((r) => r !== undefined) };
}

/**
 * Probes the hosts × ports of a scan input and registers in its environment each listener it
 * does not have yet. Refused whole, before any probe, when the input is invalid or too large
 * (ValidationError), the environment is unknown (NotFoundError) or an address lies outside
 * loopback and `allowedNetworks` (NetworkNotAllowedError).
 */
export async function scanHosts(em: EntityManager, actor: Actor, input: unknown): Promise<ScanResult> {
  const start = performance.now();
  const request = scanRequestOf(input);
  const environment = await liveEnvironment(em, request.totvsId, request.environment);
  const config = await readDiscoveryConfig(em);
  const settings: ProbeSettings = { timeoutMs: config.probeTimeoutMs, allowedNetworks: config.allowedNetworks };
  const hosts = await resolveScanHosts(request.hosts, settings, config.probeConcurrency);

  const pairs = hosts.flatMap((h) => request.ports.map((port) => ({ host: h, port })));
  const answers = await mapBounded(pairs, config.probeConcurrency, ({ host, port }) => listens(host.addresses, port, settings));
  const listening = pairs
    .filter((_, i) => answers[i])
    .map(({ host, port }): ScanHit => {
      const { what, category, kind } = guessByPort(port);
      return { host: host.host, port, what, category, probe: kind };
    });
  const where = { totvsId: request.totvsId, environment: request.environment, environmentId: environment.id };
  const { registered, alreadyKnown } = await registerHits(em, actor, where, listening);
  return { probed: pairs.length, listening, registered, alreadyKnown, durationMs: Math.round(performance.now() - start) };
}
