import type { ResourceCategory } from '../../../../entities/discovery.entity.ts';
import type { ProbeKind } from './types.ts';

/** What a port usually is: the category a scan files it under and how the monitor probes it by default. */
export interface PortGuess {
  category: ResourceCategory;
  kind: ProbeKind;
  what: string;
}

/** The well-known ports of the environments we monitor (TOTVS Protheus estates on Windows and Linux). */
export const PORT_TABLE: readonly ({ port: number } & PortGuess)[] = [
  { port: 22, what: 'ssh', category: 'machine', kind: 'tcp' },
  { port: 445, what: 'smb', category: 'machine', kind: 'tcp' },
  { port: 3389, what: 'rdp', category: 'machine', kind: 'tcp' },
  { port: 5900, what: 'vnc', category: 'machine', kind: 'tcp' },
  { port: 5985, what: 'winrm', category: 'machine', kind: 'http' },
  { port: 5986, what: 'winrm-tls', category: 'machine', kind: 'https' },
  { port: 80, what: 'http', category: 'gateway', kind: 'http' },
  { port: 443, what: 'https', category: 'gateway', kind: 'https' },
  { port: 8080, what: 'http-alt', category: 'server', kind: 'http' },
  { port: 8443, what: 'https-alt', category: 'server', kind: 'https' },
  { port: 8000, what: 'http', category: 'server', kind: 'http' },
  { port: 3000, what: 'http', category: 'server', kind: 'http' },
  { port: 1234, what: 'protheus appserver', category: 'server', kind: 'tcp' },
  { port: 5555, what: 'totvs license server', category: 'lsv', kind: 'tcp' },
  { port: 2234, what: 'totvs license broker', category: 'lsv', kind: 'tcp' },
  { port: 5432, what: 'postgresql', category: 'database', kind: 'tcp' },
  { port: 3306, what: 'mysql', category: 'database', kind: 'tcp' },
  { port: 1433, what: 'sql server', category: 'database', kind: 'tcp' },
  { port: 1521, what: 'oracle', category: 'database', kind: 'tcp' },
  { port: 27017, what: 'mongodb', category: 'database', kind: 'tcp' },
  { port: 6379, what: 'redis', category: 'database', kind: 'tcp' },
  { port: 9200, what: 'elasticsearch', category: 'database', kind: 'http' },
  { port: 25, what: 'smtp', category: 'server', kind: 'tcp' },
  { port: 53, what: 'dns', category: 'server', kind: 'tcp' },
  { port: 389, what: 'ldap', category: 'server', kind: 'tcp' },
  { port: 636, what: 'ldaps', category: 'server', kind: 'tls' },
  { port: 993, what: 'imaps', category: 'server', kind: 'tls' },
  { port: 465, what: 'smtps', category: 'server', kind: 'tls' },
];

const BY_PORT = new Map(PORT_TABLE.map(({ port, ...guess }) => [port, guess]));
const UNKNOWN: PortGuess = { category: 'server', kind: 'tcp', what: 'unknown' };

/** The table's guess for a port; a port it does not know is a server probed by a plain connect. */
export function guessByPort(port: number): PortGuess {
  return { ...(BY_PORT.get(port) ?? UNKNOWN) };
}

/** How a resource is probed when nobody said: by its port, or by name resolution alone when it has none ('tcp' with port null). */
export function defaultProbeKind(port: number | null): ProbeKind {
  return port === null ? 'tcp' : guessByPort(port).kind;
}
