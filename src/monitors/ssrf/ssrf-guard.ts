/**
 * The SSRF guard for monitors added from chat. A name is resolved once per connection
 * through an injectable resolver; every answer must pass the address policy; the connection is
 * then made to the vetted address through a pinned `lookup`, which never resolves by itself, so a
 * DNS answer that changes between check and connect (rebinding) cannot redirect the probe.
 */
import type { LookupFunction } from 'node:net';
import { Resolver } from 'node:dns/promises';
import type { SsrfRefusalReason } from '../../core/i18n/ssrf-messages.js';
import type { AddressPolicy } from './address-policy.js';
import { classifyAddress, parseAddress } from './address-policy.js';
import type { ChatTarget } from './target-parser.js';
import { parseHttpUrl, parseTarget } from './target-parser.js';

/** Resolves a name to its addresses (A and AAAA). Rejects when resolution fails. */
export type AddressResolver = (hostname: string, signal: AbortSignal) => Promise<readonly string[]>;

export interface SsrfGuardDeps {
  readonly resolve: AddressResolver;
  readonly policy: AddressPolicy;
}

export type HostVerdict =
  | { readonly ok: true; readonly address: string; readonly family: 4 | 6 }
  | { readonly ok: false; readonly reason: SsrfRefusalReason; readonly host: string };

/** Names that point inside a network whatever DNS says (RFC 6761, RFC 6762, cloud metadata). */
const INTERNAL_NAMES: readonly RegExp[] = [
  /^localhost$/,
  /\.localhost$/,
  /(^|\.)internal$/, // metadata.google.internal, *.ec2.internal
  /(^|\.)local$/,
  /(^|\.)home\.arpa$/,
  /^metadata(\.goog)?$/,
  /^instance-data$/,
  /\.in-addr\.arpa$/,
  /\.ip6\.arpa$/,
];

function isInternalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return !name.includes('.') || INTERNAL_NAMES.some((pattern) => pattern.test(name));
}

/**
 * Judges a host (a name, or an address in URL form) and picks the address to connect to.
 * Every resolved address must pass: one forbidden answer among public ones refuses the host.
 */
export async function vetHost(
  hostname: string,
  deps: SsrfGuardDeps,
  signal: AbortSignal,
): Promise<HostVerdict> {
  const literal = parseAddress(hostname);
  if (literal !== null) {
    const reason = classifyAddress(literal, deps.policy);
    if (reason !== null) return { ok: false, reason, host: hostname };
    return { ok: true, address: literal.toString(), family: literal.kind() === 'ipv4' ? 4 : 6 };
  }
  if (isInternalName(hostname)) return { ok: false, reason: 'internal-name', host: hostname };
  let answers: readonly string[];
  try {
    answers = await deps.resolve(hostname, signal);
  } catch {
    return { ok: false, reason: 'dns-failed', host: hostname };
  }
  const parsed = answers.map(parseAddress);
  if (parsed.length === 0) return { ok: false, reason: 'no-address', host: hostname };
  for (const address of parsed) {
    if (address === null) return { ok: false, reason: 'dns-failed', host: hostname };
    const reason = classifyAddress(address, deps.policy);
    if (reason !== null) return { ok: false, reason, host: hostname };
  }
  const chosen = parsed[0]!;
  return { ok: true, address: chosen.toString(), family: chosen.kind() === 'ipv4' ? 4 : 6 };
}

/** Judges an http(s) URL: scheme, credentials, then its host. */
export async function vetUrl(url: string, deps: SsrfGuardDeps, signal: AbortSignal): Promise<HostVerdict> {
  const parsed = parseHttpUrl(url);
  if (!parsed.ok) return { ok: false, reason: parsed.reason, host: url };
  return vetHost(parsed.url.hostname, deps, signal);
}

/** What the probes need from the guard, one per check (its pins live as long as the check). */
export interface ConnectionGuard {
  /** Vets a host before a connection to it (first hop and every redirect); pins the address. */
  checkHost(hostname: string, signal: AbortSignal): Promise<HostVerdict>;
  /** For `net.connect`/undici: answers only pinned names, with the vetted address; never resolves. */
  readonly lookup: LookupFunction;
}

/**
 * Vets one hop of a request (the first URL or a redirect) through the guard: null when it may be
 * sent, else why not (`credentials-in-url`, or the guard's reason with the redirect's number).
 */
export async function refusedHop(
  guard: ConnectionGuard,
  url: URL,
  signal: AbortSignal,
  redirects: number,
): Promise<string | null> {
  if (url.username !== '' || url.password !== '') return 'credentials-in-url';
  const verdict = await guard.checkHost(url.hostname, signal);
  if (verdict.ok) return null;
  return redirects > 0 ? `${verdict.reason} (redirect ${redirects})` : verdict.reason;
}

/** Thrown through `lookup` for a name that was not vetted first (a bug, or an unexpected hop). */
export class UnvettedHostError extends Error {
  readonly code = 'ESSRFUNVETTED';
  constructor(readonly hostname: string) {
    super(`connection to a host the SSRF guard did not vet: ${hostname}`);
    this.name = 'UnvettedHostError';
  }
}

/** A fresh guard for one check. */
export function createConnectionGuard(deps: SsrfGuardDeps): ConnectionGuard {
  const pins = new Map<string, { address: string; family: 4 | 6 }>();
  const lookup: LookupFunction = (hostname, options, callback) => {
    const pin = pins.get(hostname.toLowerCase());
    if (pin === undefined) {
      callback(new UnvettedHostError(hostname) as NodeJS.ErrnoException, '', 4);
      return;
    }
    if (options.all === true) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pin]);
    } else {
      callback(null, pin.address, pin.family);
    }
  };
  return {
    lookup,
    async checkHost(hostname, signal) {
      const verdict = await vetHost(hostname, deps, signal);
      const key = hostname.replace(/^\[|\]$/g, '').toLowerCase();
      if (verdict.ok) pins.set(key, { address: verdict.address, family: verdict.family });
      else pins.delete(key);
      return verdict;
    },
  };
}

/** c-ares's NODATA: the name exists, but not with records of the type asked. */
const isNoData = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 'ENODATA';

/** The system's DNS (A and AAAA through c-ares, not getaddrinfo: no hosts file, no search domains). */
export function createSystemResolver(servers?: readonly string[]): AddressResolver {
  return async (hostname, signal) => {
    const resolver = new Resolver({ timeout: 5_000, tries: 2 });
    if (servers !== undefined) resolver.setServers([...servers]);
    const onAbort = (): void => resolver.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
      const addresses = [
        ...(v4.status === 'fulfilled' ? v4.value : []),
        ...(v6.status === 'fulfilled' ? v6.value : []),
      ];
      // A name that exists without A or AAAA records (NODATA) has no address; anything else
      // (NXDOMAIN, SERVFAIL, a timeout) means the name could not be resolved.
      const failure = [v4, v6].find((r) => r.status === 'rejected' && !isNoData(r.reason));
      if (addresses.length === 0 && failure?.status === 'rejected') throw failure.reason;
      return addresses;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
}

export type TargetVerdict =
  | { readonly ok: true; readonly target: ChatTarget; readonly address: string }
  | { readonly ok: false; readonly reason: SsrfRefusalReason };

/**
 * Parses and vets what a chat member typed (`/monitor add`): the refusal carries a stable reason
 * for `describeSsrfRefusal`. Passing here is not a licence: every check vets again per connection.
 */
export async function vetTarget(
  input: string,
  deps: SsrfGuardDeps,
  signal: AbortSignal,
): Promise<TargetVerdict> {
  const parsed = parseTarget(input);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const host = parsed.target.kind === 'http' ? parsed.target.url.hostname : parsed.target.host;
  const verdict = await vetHost(host, deps, signal);
  return verdict.ok
    ? { ok: true, target: parsed.target, address: verdict.address }
    : { ok: false, reason: verdict.reason };
}
