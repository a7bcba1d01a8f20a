import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { DomainError, ValidationError, type FieldIssue } from '../../errors.ts';
import { parseInput } from '../validation.ts';
import { EnvironmentName, Host, InstallationInput, Port } from './inputs.ts';
import { mapBounded } from './probes/bounded.ts';
import { isAllowedAddress } from './probes/network-policy.ts';
import type { ProbeSettings } from './probes/types.ts';

/*
 * What a scan may touch, settled before any packet goes to a target: the input is checked and
 * bounded, CIDR blocks expanded, names resolved, and every address held against the network
 * policy (loopback, or inside the configured allow-list). One address outside refuses the scan.
 */

/** A scan is an operator's look at a few machines, not a sweep: hosts after expansion, ports, and pairs of both. */
export const SCAN_LIMITS = { hosts: 256, ports: 1024, pairs: 16_384, smallestPrefix: 24 } as const;

/** The scan would reach addresses outside loopback and `allowedNetworks`; nothing was sent. */
export class NetworkNotAllowedError extends DomainError {
  readonly code = 'NETWORK_NOT_ALLOWED';
  /** The host entries as given (a name, an address or a CIDR block) that reach outside. */
  readonly hosts: string[];
  constructor(hosts: string[]) {
    super(`outside loopback and the allowed networks: ${hosts.join(', ')} (an admin may add their networks to allowedNetworks)`);
    this.hosts = hosts;
  }
}

const isBlock = (entry: string): boolean => entry.includes('/');

const HostEntry = z
  .string()
  .trim()
  .superRefine((entry, ctx) => {
    if (!isBlock(entry)) {
      if (!Host.safeParse(entry).success) ctx.addIssue({ code: 'custom', message: 'must be an IP address, a DNS name or an IPv4 CIDR block' });
    } else if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(entry)) {
      ctx.addIssue({ code: 'custom', message: 'must be an IPv4 CIDR block (a.b.c.d/n)' });
    } else if (ipaddr.IPv4.parseCIDR(entry)[1] < SCAN_LIMITS.smallestPrefix) {
      ctx.addIssue({ code: 'custom', message: `a CIDR block may be /${SCAN_LIMITS.smallestPrefix} at most (256 addresses)` });
    }
  });

const ScanInput = z.object({
  totvsId: InstallationInput.shape.totvsId,
  environment: EnvironmentName,
  hosts: z.array(HostEntry).min(1).max(SCAN_LIMITS.hosts),
  ports: z.array(Port).min(1).max(SCAN_LIMITS.ports),
});

/** One host to probe: `host` is what gets registered (the name as given, or one address of a block). */
export interface ScanHost {
  host: string;
  /** The `hosts` entry it came from, as given, and its index (for refusals and issue paths). */
  source: string;
  entry: number;
}

export interface ScanRequest {
  totvsId: string;
  environment: string;
  hosts: ScanHost[];
  ports: number[];
}

const toNumber = (address: ipaddr.IPv4): number => address.toByteArray().reduce((n, byte) => n * 256 + byte, 0);
const toAddress = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/**
 * The hosts of an IPv4 block. The network and broadcast addresses are no hosts, except in /31 and
 * /32 (RFC 3021), as Python's `ipaddress.hosts()` counts them; `10.0.0.7/30` means the block it lies in.
 */
function hostsOfBlock(block: string): string[] {
  const bits = ipaddr.IPv4.parseCIDR(block)[1];
  const first = toNumber(ipaddr.IPv4.networkAddressFromCIDR(block));
  const size = 2 ** (32 - bits);
  const edge = size > 2 ? 1 : 0;
  return Array.from({ length: size - 2 * edge }, (_, i) => toAddress(first + edge + i));
}

function limitError(issue: FieldIssue): ValidationError {
  return new ValidationError(`${issue.path}: ${issue.message}`, [issue]);
}

/** Checks the input, expands the blocks and enforces the limits; a host or port given twice counts once. */
export function scanRequestOf(input: unknown): ScanRequest {
  const given = parseInput(ScanInput, input);
  const seen = new Set<string>();
  const hosts: ScanHost[] = [];
  given.hosts.forEach((text, entry) => {
    for (const host of isBlock(text) ? hostsOfBlock(text) : [text]) {
      const key = host.toLowerCase();
      if (!seen.has(key)) hosts.push({ host, source: text, entry });
      seen.add(key);
    }
  });
  const ports = [...new Set(given.ports)];
  if (hosts.length > SCAN_LIMITS.hosts) {
    throw limitError({ path: 'hosts', message: `${hosts.length} hosts after expanding the CIDR blocks; at most ${SCAN_LIMITS.hosts}` });
  }
  if (hosts.length * ports.length > SCAN_LIMITS.pairs) {
    throw limitError({
      path: 'ports',
      message: `${hosts.length} hosts × ${ports.length} ports = ${hosts.length * ports.length} probes; at most ${SCAN_LIMITS.pairs}`,
    });
  }
  return { totvsId: given.totvsId, environment: given.environment, hosts, ports };
}

/** Every address of a name, or [] when it does not resolve in time (the OS resolver has no timeout of its own). */
async function addressesOf(host: string, timeoutMs: number): Promise<string[]> {
  if (isIP(host)) return [host];
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<[]>((resolve) => {
    timer = setTimeout(() => resolve([]), timeoutMs);
  });
  const found = lookup(host, { all: true }).then(
    (list) => list.map((a) => a.address),
    () => [],
  );
  try {
    return await Promise.race([found, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ResolvedHost extends ScanHost {
  addresses: string[];
}

/**
 * Resolves every host and refuses the scan when any address lies outside the policy (all such
 * entries named at once) or a name does not resolve: an operator's typo should not read as "nothing listens".
 */
export async function resolveScanHosts(hosts: readonly ScanHost[], settings: ProbeSettings, concurrency: number): Promise<ResolvedHost[]> {
  const resolved = await mapBounded(hosts, concurrency, async (h) => ({ ...h, addresses: await addressesOf(h.host, settings.timeoutMs) }));
  const outside = resolved.filter((h) => h.addresses.some((a) => !isAllowedAddress(a, settings.allowedNetworks)));
  if (outside.length) throw new NetworkNotAllowedError([...new Set(outside.map((h) => h.source))]);
  const unresolved = resolved.filter((h) => h.addresses.length === 0);
  if (unresolved.length) {
    const issues = unresolved.map((h) => ({ path: `hosts.${h.entry}`, message: `${h.host} does not resolve` }));
    throw new ValidationError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  return resolved;
}
