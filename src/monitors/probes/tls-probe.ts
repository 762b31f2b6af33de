import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { checkServerIdentity, connect } from 'node:tls';
import { z } from 'zod';
import type { Clock, ProbeOutcome } from '../../core/model.js';
import type { Probe, ProbeContext } from '../probe.js';
import { runWithDeadline } from './deadline.js';
import { describeTlsProblem, failedOutcome } from './error-reason.js';
import { caFileSchema, formatHostPort, hostSchema, portSchema } from './option-schemas.js';
import { degradedOutcome, downOutcome, elapsedMs, upOutcome } from './probe-outcome.js';

const DAY_MS = 86_400_000;
const DEFAULT_TLS_PORT = 443;
const DEFAULT_WARN_DAYS = 14;

const tlsOptionsSchema = z.strictObject({
  host: hostSchema,
  port: portSchema.default(DEFAULT_TLS_PORT),
  /** SNI name and the name the certificate must match; default `host`. */
  servername: hostSchema.optional(),
  /** Fewer days left than this is `degraded`/`tls-expiring`. */
  warnDays: z.number().int().min(0).default(DEFAULT_WARN_DAYS),
  /** Path to extra trusted CA certificates (PEM); the output is the PEM text. */
  ca: caFileSchema.optional(),
});

/** Options of a `type: tls` monitor: the certificate served at `host:port`. */
export type TlsOptions = z.output<typeof tlsOptionsSchema>;

export interface TlsProbeDeps {
  /** Wall clock for days-left arithmetic (certificates expire in wall time). Default: `Date.now`. */
  readonly clock?: Clock;
  /** Replaces `dns.lookup` for hostnames. */
  readonly lookup?: LookupFunction;
}

/** What the handshake revealed. Verification is ours to judge, so the handshake never rejects on it. */
interface Handshake {
  readonly certificate: PeerCertificate;
  readonly authorizationError: string | null;
}

function handshake(
  options: TlsOptions,
  signal: AbortSignal,
  lookup: LookupFunction | undefined,
): Promise<Handshake> {
  const servername = options.servername ?? options.host;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: options.host,
      port: options.port,
      // SNI must not carry an IP (RFC 6066 §3); Node still checks the name for the identity test.
      ...(isIP(servername) === 0 ? { servername } : {}),
      // The configured name, even when it is an IP and so not sent as SNI.
      checkServerIdentity: (_host, cert) => checkServerIdentity(servername, cert),
      rejectUnauthorized: false,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(lookup ? { lookup } : {}),
    });
    const onAbort = (): void => {
      socket.destroy(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const authorizationError = socket.authorized ? null : String(socket.authorizationError);
      resolve({ certificate: socket.getPeerCertificate(), authorizationError });
      socket.destroy();
    });
    socket.once('error', reject);
    socket.once('close', () => signal.removeEventListener('abort', onAbort));
  });
}

/** Whole days from `nowMs` to the certificate's notAfter, rounded down (negative once expired). */
function daysLeft(certificate: PeerCertificate, nowMs: number): number {
  return Math.floor((Date.parse(certificate.valid_to) - nowMs) / DAY_MS);
}

function formatDays(days: number): string {
  return days === 1 ? '1 day' : `${days} days`;
}

/** Expiry first (the most actionable finding), then trust and identity, then the warning window. */
function judgeCertificate(
  options: TlsOptions,
  result: Handshake,
  nowMs: number,
  latencyMs: number,
): ProbeOutcome {
  const { certificate, authorizationError } = result;
  if (!certificate.valid_to) return downOutcome('tls', 'TLS: no peer certificate', latencyMs);
  const days = daysLeft(certificate, nowMs);
  const expiresAt = Date.parse(certificate.valid_to);
  const expiry = Number.isNaN(expiresAt) ? {} : { daysLeft: days, certExpiresAt: expiresAt };
  if (days < 0) {
    return downOutcome('tls-expired', `certificate expired on ${certificate.valid_to}`, latencyMs, expiry);
  }
  if (authorizationError !== null) {
    return downOutcome('tls', `TLS: ${describeTlsProblem(authorizationError)}`, latencyMs, {
      errorCode: authorizationError,
    });
  }
  if (days < options.warnDays) {
    return degradedOutcome(
      'tls-expiring',
      `certificate expires in ${formatDays(days)} (${certificate.valid_to})`,
      latencyMs,
      expiry,
    );
  }
  return upOutcome(`certificate valid for ${formatDays(days)}`, latencyMs, expiry);
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * Builds the TLS certificate probe: handshake, read the peer certificate, close. Days left are
 * computed with `deps.clock`, so tests can pin them exactly.
 */
export function createTlsProbe(deps: TlsProbeDeps = {}): Probe<TlsOptions> {
  const clock = deps.clock ?? systemClock;
  return {
    type: 'tls',
    optionsSchema: tlsOptionsSchema,
    describe: (options) => `tls ${formatHostPort(options.host, options.port)}`,
    run(options: TlsOptions, ctx: ProbeContext): Promise<ProbeOutcome> {
      const startedAt = performance.now();
      return runWithDeadline(
        ctx,
        async (deadline) => {
          const result = await handshake(options, deadline.signal, deps.lookup);
          return judgeCertificate(options, result, clock.now(), elapsedMs(startedAt));
        },
        (error) => failedOutcome(error, startedAt),
      );
    },
  };
}

/** The TLS probe on the system clock and resolver. */
export const tlsProbe: Probe<TlsOptions> = createTlsProbe();
