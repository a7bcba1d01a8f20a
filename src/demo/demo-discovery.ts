import type { EntityManager } from '@mikro-orm/postgresql';
import type { HealthItem, InfoItem } from '../../entities/discovery.entity.ts';
import type { Actor } from '../services/actor.ts';
import { registerEnvironment, registerInstallation, registerResource } from '../services/discovery/commands.ts';

/*
 * A small discovery inventory for the demo: spec 003's example installation with two environments,
 * its items as an agent reported them (not monitored). The monitored demo estate is demo-monitor.ts.
 */

export const DEMO_TOTVS_ID = 'g185sdf4b1bd8';
const HOST = '127.0.0.1';
const TDN = 'http://www.tdn.totvs.com.br';

const machineInfo: InfoItem[] = [
  { code: 'cpu', title: 'CPU', detail: 'Unidade Central de Processamento', value: '90' },
  { code: 'memory', title: 'Memória', detail: 'Memória RAM disponível (GB)', value: '6' },
  { code: 'ssd', title: 'Disco SSD', detail: null, value: true },
];
const machineHealth: HealthItem[] = [
  { type: 'warning', message: 'Consumo de CPU em 80%', detail: 'O alto consumo da CPU do servidor prejudica o desempenho do sistema', helpUrl: TDN },
  {
    type: 'warning',
    message: 'Memória disponível no servidor abaixo da recomendada',
    detail: 'O recomendado para o uso do TOTVS Microsiga Protheus é de no mínimo 8gb de RAM',
    helpUrl: TDN,
  },
];
const ok = (message: string): HealthItem[] => [{ type: 'success', message, detail: null, helpUrl: null }];

/** Registers the demo inventory when there is none yet (retired installations count: an emptied inventory stays empty). */
export async function seedDiscoveryDemo(em: EntityManager, admin: Actor): Promise<{ seeded: boolean }> {
  const [inventory] = await em.execute<{ installations: number }[]>('select count(*)::int as installations from discovery_installations');
  if (inventory!.installations > 0) return { seeded: false };
  await registerInstallation(em.fork(), { totvsId: DEMO_TOTVS_ID, name: 'EMPRESA FULANO', alias: 'FULANO', receive: '' });
  for (const name of ['PRODUCAO', 'HOMOLOGACAO']) await registerEnvironment(em.fork(), DEMO_TOTVS_ID, name);
  // What a discovery agent reported (spec 003's example items): the monitor leaves them be.
  const at = (environment: string) => ({ totvsId: DEMO_TOTVS_ID, environment, host: HOST, monitored: false });

  const machine = await registerResource(em.fork(), admin, {
    ...at('PRODUCAO'),
    category: 'machine',
    description: 'Slave 001',
    info: machineInfo,
    health: machineHealth,
  });
  await registerResource(em.fork(), admin, { ...at('PRODUCAO'), port: 1234, category: 'server', description: 'AppServer Protheus', health: ok('AppServer respondendo') });
  await registerResource(em.fork(), admin, {
    ...at('PRODUCAO'),
    port: 5432,
    category: 'database',
    description: 'PostgreSQL Protheus',
    dependsOn: machine.uuid,
    health: ok('Banco de dados aceitando conexões'),
  });
  await registerResource(em.fork(), admin, { ...at('PRODUCAO'), port: 5555, category: 'lsv', description: 'License Server' });
  await registerResource(em.fork(), admin, { ...at('HOMOLOGACAO'), port: 2234, category: 'server', description: 'AppServer Homologação' });
  await registerResource(em.fork(), admin, {
    ...at('HOMOLOGACAO'),
    port: 7890,
    category: 'gateway',
    description: 'DBAccess',
    health: [{ type: 'error', message: 'Versão do DBAccess desatualizada', detail: 'Atualize para a versão homologada do release', helpUrl: TDN }],
  });
  return { seeded: true };
}
