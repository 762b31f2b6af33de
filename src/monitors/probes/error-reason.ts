import type { OutcomeFacts, OutcomeReason, ProbeOutcome } from '../../core/model.js';
import { downOutcome, elapsedMs } from './probe-outcome.js';

/** A failed network call reduced to the outcome taxonomy. */
export interface ClassifiedError {
  readonly reason: OutcomeReason;
  readonly message: string;
  /** The error code it was classified by (`errorCode`), when there was one. */
  readonly facts?: OutcomeFacts;
}

/**
 * Error codes of Node (`net`, `dns`, `tls`) and undici, mapped to outcome reasons.
 * Node: https://nodejs.org/api/errors.html#common-system-errors,
 * undici: https://undici.nodejs.org/#/docs/api/Errors.
 */
const REASON_BY_CODE: Readonly<Record<string, OutcomeReason>> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ENOTFOUND: 'dns-nxdomain',
  ENODATA: 'dns-no-records',
  ESERVFAIL: 'dns-servfail',
  EREFUSED: 'dns-servfail',
  // getaddrinfo's "temporary failure": the resolver answered SERVFAIL or did not answer in time.
  EAI_AGAIN: 'dns-servfail',
  ETIMEOUT: 'dns-timeout',
  EPROTO: 'tls',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'too-large',
  UND_ERR_ABORTED: 'aborted',
  ABORT_ERR: 'aborted',
};

/** OpenSSL verification codes (https://docs.openssl.org/3.0/man1/openssl-verify/) in plain words. */
const TLS_PROBLEMS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted certificate (unable to verify the first certificate)',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted certificate (issuer unknown)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted certificate (issuer unknown)',
  CERT_UNTRUSTED: 'untrusted certificate',
  CERT_REVOKED: 'certificate revoked',
  CERT_SIGNATURE_FAILURE: 'certificate signature invalid',
  INVALID_CA: 'invalid CA certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname mismatch',
};

/** Plain words for a TLS verification code (as in `TLSSocket.authorizationError`), e.g. `self-signed certificate`. */
export function describeTlsProblem(code: string): string {
  return TLS_PROBLEMS[code] ?? `certificate rejected (${code})`;
}

interface ErrorFacts {
  readonly code: string | undefined;
  readonly name: string | undefined;
  readonly message: string;
}

/** The error, its `cause` chain and the members of an AggregateError (happy-eyeballs connects). */
function* errorChain(error: unknown): Generator<ErrorFacts> {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const fields = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    yield {
      code: typeof fields.code === 'string' ? fields.code : undefined,
      name: typeof fields.name === 'string' ? fields.name : undefined,
      message: typeof fields.message === 'string' ? fields.message : '',
    };
    pending.push(fields.cause);
    if (current instanceof AggregateError) pending.push(...(current.errors as unknown[]));
  }
}

const SSL_CODE_PREFIX = 'ERR_SSL_';

function classifyOne(facts: ErrorFacts): ClassifiedError | null {
  const classified = classifyByCode(facts);
  return classified === null || facts.code === undefined
    ? classified
    : { ...classified, facts: { errorCode: facts.code } };
}

function classifyByCode(facts: ErrorFacts): ClassifiedError | null {
  const { code, name, message } = facts;
  if (code !== undefined && code in TLS_PROBLEMS) {
    return { reason: 'tls', message: `TLS: ${describeTlsProblem(code)}` };
  }
  if (code?.startsWith(SSL_CODE_PREFIX) === true) {
    const words = code.slice(SSL_CODE_PREFIX.length).toLowerCase().replaceAll('_', ' ');
    return { reason: 'tls', message: `TLS handshake failed: ${words}` };
  }
  if (name === 'HTTPParserError' || code?.startsWith('HPE_') === true) {
    return { reason: 'protocol', message: `not an HTTP response: ${message}` };
  }
  if (name === 'AbortError') return { reason: 'aborted', message: 'check cancelled' };
  const reason = code === undefined ? undefined : REASON_BY_CODE[code];
  return reason === undefined ? null : { reason, message: message || code || 'network error' };
}

/**
 * Maps an error thrown by `net`, `tls`, `dns` or undici to a reason and a short message.
 * Looks through `cause` chains; anything unrecognised is reason `error` with its message.
 */
export function classifyError(error: unknown): ClassifiedError {
  for (const facts of errorChain(error)) {
    const classified = classifyOne(facts);
    if (classified !== null) return classified;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { reason: 'error', message: message || 'unknown error' };
}

/** Reasons for which there was no answer to time, so an outcome's latency is null. */
const NO_ANSWER_REASONS: ReadonlySet<OutcomeReason> = new Set<OutcomeReason>([
  'timeout',
  'refused',
  'aborted',
  'unreachable',
  'blocked',
  'dns-nxdomain',
  'dns-servfail',
  'dns-timeout',
  'dns-no-records',
]);

/** Whether a failure with this reason had an answer whose time means something. */
export function hasMeaningfulLatency(reason: OutcomeReason): boolean {
  return !NO_ANSWER_REASONS.has(reason);
}

/**
 * The outcome of a check whose connection failed: down for the classified reason, with the time
 * taken when that time says something about the target (`startedAt`: a `performance.now()` reading).
 */
export function failedOutcome(error: unknown, startedAt: number): ProbeOutcome {
  const { reason, message, facts } = classifyError(error);
  return downOutcome(reason, message, hasMeaningfulLatency(reason) ? elapsedMs(startedAt) : null, facts);
}
