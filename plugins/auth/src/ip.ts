import { BlockList, isIP } from 'node:net';

const VERDICTS_KEPT = 1024;

/** Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128). Undefined when malformed. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', bits, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * An allow-list compiled once per key (node's BlockList: it also matches IPv4-mapped IPv6 addresses such as
 * ::ffff:10.1.2.3 against IPv4 ranges, which is how a dual-stack socket reports IPv4 callers).
 */
export function compileAllowList(cidrs: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new Error(`invalid CIDR '${cidr}'`);
    list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  // A key's callers come from few addresses, and BlockList.check costs microseconds: remember recent verdicts.
  const seen = new Map<string, boolean>();
  return (ip) => {
    let allowed = seen.get(ip);
    if (allowed === undefined) {
      const version = isIP(ip);
      allowed = version !== 0 && list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
      if (seen.size >= VERDICTS_KEPT) seen.clear();
      seen.set(ip, allowed);
    }
    return allowed;
  };
}

/**
 * The bucket an address is throttled in: IPv4 (also when IPv4-mapped) as is, IPv6 by its /64 — one host usually
 * owns a whole /64, so counting single IPv6 addresses would let it rotate past the limit.
 */
export function throttleBucket(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (isIP(ip) !== 6) return ip;
  return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail] = ip.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) is two groups; the bucket only needs the first four, which it never touches.
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}
