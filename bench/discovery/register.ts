import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { anyOf } from '../../src/db/sql.ts';
import { registerEnvironment, registerInstallation } from '../../src/services/discovery/commands.ts';
import type { Estate } from './estate.ts';

export interface Registered {
  totvsId: string;
  environmentIds: number[];
  resourceIds: number[];
}

/**
 * The estate as an installation of its own: installation and environments through the inventory's
 * services, the resources with two multi-row INSERTs (machines first, then the rest depending on
 * their environment's machine). Setup, not measured; registerResource would take a transaction per row.
 */
export async function registerEstate(em: EntityManager, estate: Estate): Promise<Registered> {
  const totvsId = `BENCH-${estate.resources.length}-${randomBytes(3).toString('hex')}`;
  await registerInstallation(em.fork(), { totvsId, name: `bench:discovery, ${estate.resources.length} resources` });
  const environmentIds: number[] = [];
  for (let k = 0; k < estate.environments; k++) environmentIds.push((await registerEnvironment(em.fork(), totvsId, `BENCH${k + 1}`)).id);

  const rows = estate.resources.map((r) => ({ ...r, environment: environmentIds[r.environment]! }));
  const insert = (where: string) =>
    em.fork().execute(
      `insert into discovered_resources (environment_id, host, port, category, probe, depends_on_id, discovered_at, created_at, updated_at)
       select r.environment, r.host, r.port, r.category, r.probe,
         (select m.id from discovered_resources m where m.environment_id = r.environment and m.port is null and m.retired_at is null),
         now(), now(), now()
       from jsonb_to_recordset(?::jsonb) as r(environment int, host text, port int, category text, probe text) where ${where}`,
      [JSON.stringify(rows)],
    );
  await insert('r.port is null');
  await insert('r.port is not null');
  const ids = await em.fork().execute<{ id: number }[]>('select id from discovered_resources where ? and retired_at is null', [anyOf('environment_id', environmentIds, 'int')]);
  return { totvsId, environmentIds, resourceIds: ids.map((r) => r.id) };
}

/** Takes a size's resources out of the monitor's sight before the next size (the claim skips retired rows). */
export async function retireEstate(em: EntityManager, registered: Registered): Promise<void> {
  await em.fork().execute('update discovered_resources set retired_at = now() where ?', [anyOf('environment_id', registered.environmentIds, 'int')]);
}

/** Makes every resource of the size due again, as a full interval later would. */
export async function makeDue(em: EntityManager, registered: Registered): Promise<void> {
  await em.fork().execute('update discovered_resources set next_check_at = null where ?', [anyOf('environment_id', registered.environmentIds, 'int')]);
}
