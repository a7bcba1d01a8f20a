import { builder } from '../src/builder.ts';
import { requireViewer } from '../src/context.ts';
import { NotFoundError, ValidationError } from '../src/errors.ts';
import { scanHosts, type ScanHit, type ScanResult } from '../src/services/discovery/scan.ts';
import { NetworkNotAllowedError, SCAN_LIMITS } from '../src/services/discovery/scan-targets.ts';
import { DiscoveredResourceRef, ResourceCategoryEnum } from './discovery.ts';
import { DiscoveryProbeKindEnum } from './discovery-health.ts';
import { ErrorInterface } from './errors.ts';

/* The admin scan: probe hosts × ports and register what listens; the rules live in src/services/discovery/scan.ts. */

builder.objectType(NetworkNotAllowedError, {
  name: 'NetworkNotAllowedError',
  description: 'The scan would reach addresses outside loopback and the allowed networks; nothing was sent (code NETWORK_NOT_ALLOWED).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    hosts: t.exposeStringList('hosts', { description: 'The host entries, as given, that reach outside (an admin may add their networks to `allowedNetworks`).' }),
  }),
});

const ScanHitRef = builder.objectRef<ScanHit>('DiscoveryScanHit').implement({
  description: 'A host and port where something accepted a TCP connection, with what the port usually is.',
  fields: (t) => ({
    host: t.exposeString('host', { description: 'The host as given (a name), or one address of a CIDR block.' }),
    port: t.exposeInt('port', { description: 'The port.' }),
    what: t.exposeString('what', { description: 'What usually listens there (`postgresql`, `rdp` …; `unknown` for a port the table does not know).' }),
    category: t.expose('category', { type: ResourceCategoryEnum, description: 'The category a scan files it under.' }),
    probe: t.expose('probe', { type: DiscoveryProbeKindEnum, description: 'How the monitor will probe it (the kind the port table gives the port).' }),
  }),
});

const ScanResultRef = builder.objectRef<ScanResult>('DiscoveryScanResult').implement({
  description: 'What one scan found and registered.',
  fields: (t) => ({
    probed: t.exposeInt('probed', { description: 'Host × port pairs probed.' }),
    listening: t.field({ type: [ScanHitRef], description: 'The pairs where something listens, in input order.', resolve: (r) => r.listening }),
    registered: t.field({ type: [DiscoveredResourceRef], description: 'Resources this scan registered.', resolve: (r) => r.registered }),
    alreadyKnown: t.field({
      type: [DiscoveredResourceRef],
      description: 'Listeners the environment already had as live resources (same host, case-insensitive, and port), left as they were.',
      resolve: (r) => r.alreadyKnown,
    }),
    durationMs: t.exposeInt('durationMs', { description: 'Wall time of the scan, in milliseconds.' }),
  }),
});

const ScanInput = builder.inputType('ScanDiscoveryHostsInput', {
  description: `Where to scan and what to probe: at most ${SCAN_LIMITS.hosts} hosts (after expanding blocks), ${SCAN_LIMITS.ports} ports and ${SCAN_LIMITS.pairs} host × port pairs.`,
  fields: (t) => ({
    totvsId: t.string({ description: 'The installation’s TOTVS id.' }),
    environment: t.string({ description: 'The environment’s name; what listens is registered there.' }),
    hosts: t.stringList({
      description: `IP addresses, DNS names or IPv4 CIDR blocks of /${SCAN_LIMITS.smallestPrefix} or smaller (network and broadcast addresses left out). Loopback always; others only inside \`allowedNetworks\`.`,
    }),
    ports: t.intList({ description: 'Ports to probe, 1–65535.' }),
  }),
});

builder.mutationFields((t) => ({
  scanDiscoveryHosts: t.field({
    type: ScanResultRef,
    authScopes: { role: 'admin' },
    description:
      'Probes each host × port with a TCP connect and registers what listens in the environment, with the category the port suggests; listeners it already has are left as they are. Admins.',
    errors: { types: [NotFoundError, ValidationError, NetworkNotAllowedError] },
    args: { input: t.arg({ type: ScanInput, description: 'Where to scan and what to probe.' }) },
    resolve: (_, { input }, ctx) => scanHosts(ctx.em, requireViewer(ctx), input),
  }),
}));
