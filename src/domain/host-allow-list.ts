import { BlockList, isIP } from 'node:net';

/**
 * The hosts the image proxy may fetch from (IMAGE_PROXY_ALLOWED_HOSTS): host names, matched exactly and without
 * regard to case, and IP addresses or CIDR ranges, which a host's every resolved address must fall in.
 */
export interface HostAllowList {
  /** The entries as given, for messages and the log. */
  readonly entries: readonly string[];
  /** True when `hostname` is one of the listed names (an IP literal never is: it is checked as an address). */
  allowsName(hostname: string): boolean;
  /** True when `address` (an IPv4 or IPv6 address) falls in a listed address or range. */
  allowsAddress(address: string): boolean;
  /** True when some entry is an address or range, so a name not listed may still be let in by what it resolves to. */
  readonly hasRanges: boolean;
}

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Why `entry` is not a host name, IP address or CIDR range, or null when it is one. */
function addEntry(entry: string, names: Set<string>, ranges: BlockList): string | null {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0) {
    if (prefix !== undefined || !HOST_NAME.test(entry)) return 'is not a host name, IP address or CIDR range';
    names.add(entry.toLowerCase().replace(/\.$/, ''));
    return null;
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  const bits = family === 6 ? 128 : 32;
  if (prefix === undefined) {
    ranges.addAddress(address!, type);
    return null;
  }
  if (extra !== undefined || !/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) return `has no valid prefix length (0 to ${bits})`;
  ranges.addSubnet(address!, Number(prefix), type);
  return null;
}

/**
 * Parses a comma-separated list of host names, IP addresses and CIDR ranges. Throws an Error whose message
 * names the bad entry, fit for one line.
 */
export function parseHostAllowList(raw: string): HostAllowList {
  const names = new Set<string>();
  const ranges = new BlockList();
  const entries = raw.split(',').map((each) => each.trim()).filter((each) => each !== '');
  let hasRanges = false;
  for (const entry of entries) {
    const problem = addEntry(entry, names, ranges);
    if (problem !== null) throw new Error(`${JSON.stringify(entry)} ${problem}`);
    if (isIP(entry.split('/')[0]!) !== 0) hasRanges = true;
  }
  if (entries.length === 0) throw new Error('lists no host; unset it to allow any host');
  return {
    entries,
    hasRanges,
    allowsName: (hostname) => isIP(hostname) === 0 && names.has(hostname.toLowerCase().replace(/\.$/, '')),
    allowsAddress: (address) => {
      const family = isIP(address);
      if (family === 0) return false;
      return ranges.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
