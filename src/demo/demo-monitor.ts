import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../services/actor.ts';
import { registerEnvironment, registerInstallation, registerResource } from '../services/discovery/commands.ts';
import { updateDiscoveryConfig } from '../services/discovery/config.ts';

/*
 * The demo's monitored estate: OpsGraph watching itself on loopback, so `npm start` shows the
 * monitor at work — its API and its database pass, and a service that is switched off goes
 * `danger` after three checks (about three minutes), opening a chamado whose infra block says why.
 */

export const DEMO_MONITOR_TOTVS_ID = 'opsgraph-local';
const HOST = '127.0.0.1';
/** The discard port: nothing listens there on a demo machine. */
const SWITCHED_OFF_PORT = 9;

/** Registers the estate once (a retired one stays retired) and turns the monitor on. */
export async function seedMonitorDemo(em: EntityManager, admin: Actor, apiPort: number): Promise<{ seeded: boolean }> {
  const [known] = await em.execute<{ n: number }[]>('select count(*)::int as n from discovery_installations where totvs_id = ?', [DEMO_MONITOR_TOTVS_ID]);
  if (known!.n > 0) return { seeded: false };
  const [db] = await em.execute<{ port: number | null }[]>('select inet_server_port() as port');
  await registerInstallation(em.fork(), { totvsId: DEMO_MONITOR_TOTVS_ID, name: 'OpsGraph (este servidor)', alias: 'OPSGRAPH' });
  await registerEnvironment(em.fork(), DEMO_MONITOR_TOTVS_ID, 'LOCAL');
  const at = { totvsId: DEMO_MONITOR_TOTVS_ID, environment: 'LOCAL', host: HOST };
  const machine = await registerResource(em.fork(), admin, { ...at, category: 'machine', description: 'Este computador' });
  if (apiPort > 0) {
    await registerResource(em.fork(), admin, {
      ...at,
      port: apiPort,
      category: 'server',
      probe: 'http',
      httpPath: '/health',
      description: 'OpsGraph API',
      dependsOn: machine.uuid,
    });
  }
  if (db?.port) {
    await registerResource(em.fork(), admin, { ...at, port: db.port, category: 'database', description: 'PostgreSQL do OpsGraph', dependsOn: machine.uuid });
  }
  await registerResource(em.fork(), admin, {
    ...at,
    port: SWITCHED_OFF_PORT,
    category: 'server',
    description: 'Serviço legado (desligado): fica danger após 3 verificações',
    dependsOn: machine.uuid,
  });
  await updateDiscoveryConfig(em.fork(), admin, { monitorActive: true });
  return { seeded: true };
}
