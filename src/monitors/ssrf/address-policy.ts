/**
 * Which IP addresses a chat-added monitor may connect to. Only global unicast passes;
 * every special-purpose range is refused with its reason, IPv6 forms that embed an IPv4 address
 * are judged by that address, and cloud metadata addresses are refused even when the operator
 * allowed their range.
 */
import ipaddr from 'ipaddr.js';
import type { SsrfRefusalReason } from '../../core/i18n/ssrf-messages.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/** Operator-allowed ranges (e.g. a homelab's 192.168.1.0/24, or 127.0.0.1/32 for a demo). */
export interface AddressPolicy {
  readonly allowedRanges: readonly string[];
}

/** No exceptions: only global unicast. */
export const STRICT_ADDRESS_POLICY: AddressPolicy = { allowedRanges: [] };

/**
 * Instance metadata endpoints of the big clouds: AWS/GCP/Azure/OpenStack 169.254.169.254, AWS ECS
 * 169.254.170.2, AWS IPv6 fd00:ec2::254, Alibaba 100.100.100.200, Oracle 192.0.0.192.
 */
const METADATA_ADDRESSES: readonly string[] = [
  '169.254.169.254',
  '169.254.170.2',
  '100.100.100.200',
  '192.0.0.192',
  'fd00:ec2::254',
];

const REASON_BY_RANGE: Readonly<Record<string, SsrfRefusalReason>> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'cgnat',
  private: 'private',
  reserved: 'reserved',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'site-local',
};

/** IPv6 forms that carry an IPv4 address, and where (ipaddr.js range names). */
const EMBEDDING_RANGES: ReadonlySet<string> = new Set([
  'ipv4Compatible',
  'ipv4Mapped',
  'rfc6145',
  'rfc6052',
  '6to4',
  'teredo',
]);

/** Parses CIDR strings; returns the ones that do not parse, for config validation. */
export function invalidCidrs(ranges: readonly string[]): string[] {
  return ranges.filter((range) => !isCidr(range));
}

function isCidr(range: string): boolean {
  try {
    ipaddr.parseCIDR(range);
    return true;
  } catch {
    return false;
  }
}

/** Parses a bare IP address (no brackets, no port); null when it is not one. */
export function parseAddress(text: string): Address | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return null;
}

/** `::a.b.c.d` (deprecated IPv4-compatible, RFC 4291 §2.5.5.1), except `::` and `::1`. */
function isIpv4Compatible(address: ipaddr.IPv6): boolean {
  const bytes = address.toByteArray();
  const last = bytes.slice(12);
  const isUnspecifiedOrLoopback = last.slice(0, 3).every((b) => b === 0) && (last[3] ?? 0) <= 1;
  return bytes.slice(0, 12).every((b) => b === 0) && !isUnspecifiedOrLoopback;
}

/** The IPv4 address inside an IPv6 transition form, or null. */
function embeddedIpv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  switch (range) {
    case 'ipv4Compatible':
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return new ipaddr.IPv4(bytes.slice(12, 16));
    case '6to4':
      return new ipaddr.IPv4(bytes.slice(2, 6));
    case 'teredo': // the client address, stored inverted (RFC 4380 §4)
      return new ipaddr.IPv4(bytes.slice(12, 16).map((b) => b ^ 0xff));
    default:
      return null;
  }
}

function isAllowed(address: Address, policy: AddressPolicy): boolean {
  const candidates: Address[] = [address];
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress())
    candidates.push((address as ipaddr.IPv6).toIPv4Address());
  return policy.allowedRanges.some((range) => {
    const cidr = ipaddr.parseCIDR(range) as Cidr;
    return candidates.some((c) => c.kind() === cidr[0].kind() && c.match(cidr));
  });
}

function isMetadata(address: Address): boolean {
  const normal = address.toNormalizedString();
  return METADATA_ADDRESSES.some((m) => ipaddr.parse(m).toNormalizedString() === normal);
}

/**
 * Judges one address: null when a chat monitor may connect to it, else why not.
 * Order: metadata (never allowed), operator allow-list, then the special-purpose ranges.
 */
export function classifyAddress(address: Address, policy: AddressPolicy): SsrfRefusalReason | null {
  if (isMetadata(address)) return 'cloud-metadata';
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    const range = isIpv4Compatible(v6) ? 'ipv4Compatible' : v6.range();
    if (EMBEDDING_RANGES.has(range)) {
      const inner = embeddedIpv4(v6, range);
      if (isAllowed(address, policy)) return null;
      const innerReason = inner === null ? null : classifyAddress(inner, policy);
      return innerReason ?? 'ipv6-transition';
    }
  }
  if (isAllowed(address, policy)) return null;
  const range = address.range();
  if (range === 'unicast') return null;
  return REASON_BY_RANGE[range] ?? 'reserved';
}
