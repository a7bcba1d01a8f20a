import ipaddr from 'ipaddr.js';

/*
 * Which addresses the probes may reach: loopback always, anything else only inside the configured
 * allow-list, so a resource row cannot turn the monitor into a scanner of networks nobody approved.
 */

type Network = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * A CIDR or a single address, or null when the entry is neither. Only the canonical notations count
 * (ipaddr's plain parser also takes inet_aton forms like `10.1` or `0x0a.0.0.1`, which an operator
 * never means in a config). IPv4-mapped IPv6 networks become IPv4 ones so they match IPv4 peers.
 */
function parseNetwork(entry: string): Network | null {
  const text = entry.trim();
  try {
    if (text.includes('/')) {
      if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text) && !ipaddr.IPv6.isValidCIDR(text)) return null;
      const [address, bits] = ipaddr.parseCIDR(text);
      if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() && bits >= 96) return [address.toIPv4Address(), bits - 96];
      return [address, bits];
    }
    if (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text)) return null;
    const address = ipaddr.process(text);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}

/** True when the address is loopback (127.0.0.0/8, ::1, ::ffff:127.x) or inside one of the allowed networks. */
export function isAllowedAddress(address: string, allowedNetworks: readonly string[]): boolean {
  let peer: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns ::ffff:a.b.c.d into the IPv4 address it carries.
    peer = ipaddr.process(address.trim());
  } catch {
    return false;
  }
  if (peer.range() === 'loopback') return true;
  return allowedNetworks.some((entry) => {
    const network = parseNetwork(entry);
    return network !== null && network[0].kind() === peer.kind() && peer.match(network);
  });
}

/** The entries that are neither a CIDR nor a single address (config validation). */
export function invalidNetworks(list: readonly string[]): string[] {
  return list.filter((entry) => parseNetwork(entry) === null);
}
