import type { EntityManager } from '@mikro-orm/postgresql';
import { liveEnvironment, liveInstallation, liveResource } from './commands.ts';

/*
 * Retiring (admin) hides a row and everything under it from every read, and never deletes: check
 * history and the chamados that cite a resource keep their subject. Resources depending on a
 * retired one lose their `dependsOn` in reads (the reference stays stored).
 */

export interface Retirement {
  retiredAt: Date;
  /** Resources hidden by this retirement (those under a retired environment or installation included). */
  resourcesRetired: number;
}

async function retireResourcesWhere(em: EntityManager, at: Date, condition: string, key: number): Promise<number> {
  const retired = await em.execute<{ id: number }[]>(
    `update discovered_resources set retired_at = ? where retired_at is null and ${condition} returning id`,
    [at, key],
  );
  return retired.length;
}

export async function retireResource(em: EntityManager, resourceId: string): Promise<Retirement> {
  return em.transactional(async (tx) => {
    const current = await liveResource(tx, resourceId);
    const at = new Date();
    return { retiredAt: at, resourcesRetired: await retireResourcesWhere(tx, at, 'id = ?', current.id) };
  });
}

export async function retireEnvironment(em: EntityManager, totvsId: string, name: string): Promise<Retirement> {
  return em.transactional(async (tx) => {
    const environment = await liveEnvironment(tx, totvsId, name);
    const at = new Date();
    await tx.execute('update discovery_environments set retired_at = ? where id = ?', [at, environment.id]);
    return { retiredAt: at, resourcesRetired: await retireResourcesWhere(tx, at, 'environment_id = ?', environment.id) };
  });
}

export async function retireInstallation(em: EntityManager, totvsId: string): Promise<Retirement> {
  return em.transactional(async (tx) => {
    const installation = await liveInstallation(tx, totvsId);
    const at = new Date();
    await tx.execute('update discovery_installations set retired_at = ? where id = ?', [at, installation.id]);
    await tx.execute('update discovery_environments set retired_at = ? where installation_id = ? and retired_at is null', [at, installation.id]);
    const resourcesRetired = await retireResourcesWhere(
      tx,
      at,
      'environment_id in (select id from discovery_environments where installation_id = ?)',
      installation.id,
    );
    return { retiredAt: at, resourcesRetired };
  });
}
