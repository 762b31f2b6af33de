import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { OutcomeReason, ProbeOutcome } from '../../core/model.js';
import type { Probe, ProbeContext } from '../probe.js';
import { runWithDeadline } from './deadline.js';
import { classifyError } from './error-reason.js';
import { hostSchema, portSchema } from './option-schemas.js';
import { downOutcome, elapsedMs, upOutcome } from './probe-outcome.js';

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** Attempts per query; c-ares doubles the per-try timeout on each retry, hence the split below. */
const DNS_TRIES = 2;
const DNS_TIMEOUT_SHARES = 3; // first try gets 1/3 of the budget, the retry 2/3

/** `ip`, `ip:port` or `[ipv6]:port`, in the form `Resolver.setServers` accepts. */
const resolverSchema = z.string().transform((text, ctx) => {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const ipv4WithPort = /^([\d.]+):(\d+)$/.exec(text);
  const [ip, port] = bracketed
    ? [bracketed[1], bracketed[2]]
    : ipv4WithPort
      ? [ipv4WithPort[1], ipv4WithPort[2]]
      : [text];
  const portNumber = port === undefined ? undefined : Number(port);
  if (
    ip === undefined ||
    isIP(ip) === 0 ||
    (portNumber !== undefined && !portSchema.safeParse(portNumber).success)
  ) {
    ctx.addIssue({ code: 'custom', message: 'Invalid resolver (use an IP, ip:port or [ipv6]:port)' });
    return z.NEVER;
  }
  return text;
});

const dnsOptionsSchema = z
  .strictObject({
    host: hostSchema,
    record: z.enum(DNS_RECORD_TYPES).default('A'),
    /** Values that must ALL be among the answers (extra answers are fine). */
    expect: z.array(z.string().trim().min(1)).min(1).optional(),
    resolver: resolverSchema.optional(),
  })
  .superRefine((options, ctx) => {
    const family = options.record === 'A' ? 4 : options.record === 'AAAA' ? 6 : 0;
    options.expect?.forEach((value, index) => {
      if (family !== 0 && isIP(value) !== family) {
        ctx.addIssue({ code: 'custom', path: ['expect', index], message: `Not an IPv${family} address` });
      }
    });
  });

/**
 * Options of a `type: dns` monitor. `expect` semantics: every listed value must appear among the
 * answers (so a record that moved is caught; extra answers such as new CDN addresses are fine).
 * Names compare case-insensitively without the trailing dot; MX compares the exchange host; TXT
 * compares each record's joined strings; AAAA compares canonical IPv6 text.
 */
export type DnsOptions = z.output<typeof dnsOptionsSchema>;

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Canonical IPv6 text (`2001:DB8:0::1` → `2001:db8::1`), through the WHATWG URL parser. */
function normalizeIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

function normalizeValue(record: DnsRecordType, value: string): string {
  if (record === 'A' || record === 'TXT') return value;
  return record === 'AAAA' ? normalizeIpv6(value) : normalizeName(value);
}

async function resolveValues(resolver: Resolver, record: DnsRecordType, host: string): Promise<string[]> {
  switch (record) {
    case 'A':
      return resolver.resolve4(host);
    case 'AAAA':
      return (await resolver.resolve6(host)).map(normalizeIpv6);
    case 'CNAME':
      return (await resolver.resolveCname(host)).map(normalizeName);
    case 'NS':
      return (await resolver.resolveNs(host)).map(normalizeName);
    case 'MX':
      return (await resolver.resolveMx(host)).map((mx) => normalizeName(mx.exchange));
    case 'TXT':
      return (await resolver.resolveTxt(host)).map((chunks) => chunks.join(''));
  }
}

/** c-ares codes (https://nodejs.org/api/dns.html#error-codes) that mean something for a DNS check. */
const DNS_FAILURES: Readonly<Record<string, { reason: OutcomeReason; text: string }>> = {
  ENOTFOUND: { reason: 'dns-nxdomain', text: 'no such domain (NXDOMAIN)' },
  ENODATA: { reason: 'dns-no-records', text: 'no records' },
  ESERVFAIL: { reason: 'dns-servfail', text: 'server failure (SERVFAIL)' },
  EREFUSED: { reason: 'dns-servfail', text: 'query refused (REFUSED)' },
  ECONNREFUSED: { reason: 'dns-servfail', text: 'DNS server unreachable' },
  EBADRESP: { reason: 'dns-servfail', text: 'malformed DNS response' },
  EFORMERR: { reason: 'dns-servfail', text: 'query rejected as malformed (FORMERR)' },
  ENOTIMP: { reason: 'dns-servfail', text: 'query not implemented (NOTIMP)' },
  ETIMEOUT: { reason: 'dns-timeout', text: 'no answer' },
};

function describeDnsFailure(error: unknown, options: DnsOptions): ProbeOutcome {
  const code = (error as { code?: unknown } | null)?.code;
  const failure = typeof code === 'string' ? DNS_FAILURES[code] : undefined;
  if (failure === undefined) {
    const classified = classifyError(error);
    return downOutcome(classified.reason, classified.message, null, classified.facts);
  }
  return downOutcome(failure.reason, `${options.record} ${options.host}: ${failure.text}`, null, {
    errorCode: code as string,
  });
}

function judgeAnswers(options: DnsOptions, values: readonly string[], latencyMs: number): ProbeOutcome {
  const label = `${options.record} ${options.host}`;
  if (values.length === 0) return downOutcome('dns-no-records', `${label}: no records`, latencyMs);
  const answers = values.join(', ');
  const missing = (options.expect ?? []).filter(
    (value) => !values.includes(normalizeValue(options.record, value)),
  );
  if (missing.length > 0) {
    return downOutcome(
      'dns-mismatch',
      `${label}: missing ${missing.join(', ')} (got ${answers})`,
      latencyMs,
      {
        expected: { kind: 'dns-records', value: missing.join(', ') },
      },
    );
  }
  return upOutcome(`${label}: ${answers}`, latencyMs);
}

/**
 * The DNS probe: one query of one record type through `node:dns` `Resolver` (c-ares), against
 * the system resolvers or the configured `resolver`. Cancelled on abort.
 */
export const dnsProbe: Probe<DnsOptions> = {
  type: 'dns',
  optionsSchema: dnsOptionsSchema,
  describe: (options) =>
    `${options.record} ${options.host}${options.resolver ? ` @${options.resolver}` : ''}`,
  run(options: DnsOptions, ctx: ProbeContext): Promise<ProbeOutcome> {
    const startedAt = performance.now();
    const resolver = new Resolver({
      timeout: Math.max(1, Math.floor(ctx.timeoutMs / DNS_TIMEOUT_SHARES)),
      tries: DNS_TRIES,
    });
    if (options.resolver !== undefined) resolver.setServers([options.resolver]);
    return runWithDeadline(
      ctx,
      async (deadline) => {
        deadline.signal.addEventListener('abort', () => resolver.cancel(), { once: true });
        const values = await resolveValues(resolver, options.record, options.host);
        return judgeAnswers(options, values, elapsedMs(startedAt));
      },
      (error) => describeDnsFailure(error, options),
      'dns-timeout',
    );
  },
};
