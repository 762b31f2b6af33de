/**
 * The domain vocabulary shared by every layer: states, outcome reasons, severities.
 * Each enum-like set is one `as const` array feeding both the TypeScript type and zod enums.
 */

/** Confirmed state of a monitor or a service. */
export const STATES = ['up', 'degraded', 'down', 'unknown', 'maintenance'] as const;
export type State = (typeof STATES)[number];

/**
 * Why a probe outcome is what it is. Fixed taxonomy: probes never invent reasons.
 * `ok` for good outcomes; `slow` for up-but-over-`degradedAfter`; `blocked` when the SSRF guard
 * refused the target before connecting (a chat monitor whose name now points at a private address).
 * Check results store a reason by its index here (`src/db/check-encoding.ts`): append only.
 */
export const OUTCOME_REASONS = [
  'ok',
  'slow',
  'timeout',
  'refused',
  'reset',
  'unreachable',
  'dns-nxdomain',
  'dns-servfail',
  'dns-timeout',
  'dns-no-records',
  'dns-mismatch',
  'tls',
  'tls-expiring',
  'tls-expired',
  'http-status',
  'assertion',
  'too-large',
  'redirects',
  'protocol',
  'official-incident',
  'official-maintenance',
  'bad-payload',
  'missed-heartbeat',
  'aborted',
  'error',
  'blocked',
] as const;
export type OutcomeReason = (typeof OUTCOME_REASONS)[number];

/** Severity of an incident: minor = degraded service, major = service down. */
export const SEVERITIES = ['minor', 'major'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * What one probe run observed. A value, never an exception: a failing service is an outcome.
 * `status` is the raw (unconfirmed) verdict of this single check.
 */
export interface ProbeOutcome {
  readonly status: 'up' | 'degraded' | 'down' | 'unknown' | 'maintenance';
  readonly reason: OutcomeReason;
  /** Short human text, e.g. `HTTP 503`, `connect ECONNREFUSED 127.0.0.1:4000`. Untrusted-safe plain text. */
  readonly message: string;
  /** Time to the answer that decided the outcome; null when there was none (timeout, refused). */
  readonly latencyMs: number | null;
  /** Optional evidence lines (official incident titles and the like), plain text. */
  readonly evidence?: readonly string[];
  /** What the check observed, as data: alerts say it in each language; `message` says it in English. */
  readonly facts?: OutcomeFacts;
}

/** What a check expected and did not see (config values, never text from the target). */
export const EXPECTED_KINDS = ['keyword', 'not-keyword', 'regex', 'json', 'dns-records'] as const;
export type ExpectedKind = (typeof EXPECTED_KINDS)[number];

/**
 * The facts behind a probe outcome, a closed set; each probe fills what it knows. Numbers and
 * codes only, plus the configured expectation that failed: no text from the target.
 */
export interface OutcomeFacts {
  /** HTTP status code of the answer that decided the outcome. */
  readonly statusCode?: number;
  /** The time limit that passed without an answer (`timeout`, `dns-timeout`), ms. */
  readonly timeoutMs?: number;
  /** The size limit the answer went over (`too-large`), bytes. */
  readonly bytes?: number;
  /** The redirect limit that was passed (`redirects`). */
  readonly maxRedirects?: number;
  /** Whole days the certificate has left (`tls-expiring`); negative once expired. */
  readonly daysLeft?: number;
  /** When the certificate expires (or expired), epoch ms. */
  readonly certExpiresAt?: number;
  /** How long a push monitor has gone without a ping (`missed-heartbeat`), ms. */
  readonly silentMs?: number;
  /** The system, TLS or DNS error code behind the outcome: `ECONNREFUSED`, `CERT_HAS_EXPIRED`, `ESERVFAIL`. */
  readonly errorCode?: string;
  /** The configured expectation that failed (`assertion`, `dns-mismatch`): which, and its value. */
  readonly expected?: { readonly kind: ExpectedKind; readonly value: string };
  /**
   * Set on an outcome fused from several vantage points (a service with `vantages: all`, several
   * instances): `down` of the `of` vantage points that voted saw it down. Only when `of` > 1.
   */
  readonly vantages?: { readonly down: number; readonly of: number };
}

/** A probe outcome stamped with its monitor and time: what the engine consumes and stores. */
export interface CheckResult extends ProbeOutcome {
  readonly monitorId: string;
  /** Epoch milliseconds when the check finished (from the Clock port). */
  readonly at: number;
}

/** The port for time. Core code never reads the wall clock itself. */
export interface Clock {
  now(): number;
}

export const isFailing = (status: ProbeOutcome['status']): boolean => status === 'down';
