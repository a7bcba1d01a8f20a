import type { ResourceCategory } from '../../entities/discovery.entity.ts';
import type { ProbeKind } from '../../src/services/discovery/probes/types.ts';
import { closedPort, httpListener, httpsListener, tcpListener, type TestListener } from '../../test/helpers/listeners.ts';
import { selfSignedCert } from '../../test/helpers/tls-cert.ts';

/*
 * The estate one size stands for: real listeners on 127.0.0.1 ephemeral ports, mostly plain TCP,
 * some HTTP, a few HTTPS, a few ports where nothing listens, and one machine (no port, a DNS check)
 * per environment of 250 that the others depend on, as an installation's servers depend on theirs.
 */

export interface PlannedResource {
  environment: number;
  host: string;
  port: number | null;
  category: ResourceCategory;
  /** null for the machines: the port table's default, as an unset probe is in production. */
  probe: ProbeKind | null;
  /** Whether its probe should pass (false only for the closed ports). */
  up: boolean;
}

export interface Estate {
  resources: PlannedResource[];
  environments: number;
  mix: { machine: number; tcp: number; http: number; https: number; closed: number };
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const RESOURCES_PER_ENVIRONMENT = 250;
// Inside the default tlsWarningDays (14), outside tlsDangerDays (7): the HTTPS resources turn `warning` in the first cycle.
const CERT_DAYS_LEFT = 10;
const DAY_MS = 86_400_000;
/** Listeners opened at once: enough to be quick, few enough not to burst the accept backlog. */
const OPEN_BATCH = 100;
const TCP_CATEGORIES: ResourceCategory[] = ['server', 'database', 'lsv'];

export function mixOf(size: number): Estate['mix'] {
  const machine = Math.ceil(size / RESOURCES_PER_ENVIRONMENT);
  const https = Math.max(1, Math.round(size * 0.01));
  const http = Math.round(size * 0.05);
  const closed = Math.max(1, Math.round(size * 0.04));
  const tcp = size - machine - https - http - closed;
  if (tcp < 1) throw new Error(`--sizes: ${size} resources are too few for the mix (at least 10)`);
  return { machine, tcp, http, https, closed };
}

async function openAll(count: number, open: () => Promise<TestListener>, opened: TestListener[]): Promise<number[]> {
  const ports: number[] = [];
  for (let done = 0; done < count; done += OPEN_BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(OPEN_BATCH, count - done) }, open));
    opened.push(...batch);
    ports.push(...batch.map((l) => l.port));
  }
  return ports;
}

export async function openEstate(size: number): Promise<Estate> {
  const mix = mixOf(size);
  const opened: TestListener[] = [];
  const close = async () => {
    await Promise.all(opened.map((l) => l.close()));
  };
  try {
    const now = Date.now();
    const cert = selfSignedCert({ notBefore: new Date(now - DAY_MS), notAfter: new Date(now + CERT_DAYS_LEFT * DAY_MS) });
    const tcp = await openAll(mix.tcp, tcpListener, opened);
    const http = await openAll(mix.http, () => httpListener(), opened);
    const https = await openAll(mix.https, () => httpsListener(cert), opened);
    // After the listeners, so a port released here cannot be handed to one of them.
    // The kernel may hand a just-released port out again: keep drawing until they are distinct.
    const closed = new Set<number>();
    while (closed.size < mix.closed) closed.add(await closedPort());

    const withPorts: Omit<PlannedResource, 'environment'>[] = [
      ...tcp.map((port, i) => ({ host: HOST, port, category: TCP_CATEGORIES[i % TCP_CATEGORIES.length]!, probe: 'tcp' as const, up: true })),
      ...http.map((port) => ({ host: HOST, port, category: 'gateway' as const, probe: 'http' as const, up: true })),
      ...https.map((port) => ({ host: HOST, port, category: 'gateway' as const, probe: 'https' as const, up: true })),
      ...[...closed].map((port) => ({ host: HOST, port, category: 'server' as const, probe: 'tcp' as const, up: false })),
    ];
    // Dealt round-robin, so every environment gets its share of each kind.
    const resources: PlannedResource[] = [
      ...Array.from({ length: mix.machine }, (_, environment) => ({ environment, host: HOST, port: null, category: 'machine' as const, probe: null, up: true })),
      ...withPorts.map((r, i) => ({ ...r, environment: i % mix.machine })),
    ];
    return { resources, environments: mix.machine, mix, close };
  } catch (error) {
    await close();
    throw error;
  }
}
