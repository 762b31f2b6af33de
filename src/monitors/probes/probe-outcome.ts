import type { OutcomeFacts, OutcomeReason, ProbeOutcome } from '../../core/model.js';

/** Longest message a probe returns; server-supplied text (JSON values, error strings) is cut to it. */
export const MAX_MESSAGE_CHARS = 200;

// C0/C1 control characters: a hostile target must not smuggle line breaks or escapes into alerts.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS_RE = /[\u0000-\u001f\u007f-\u009f]+/g;

/** Makes untrusted text a single plain line of at most `maxChars` characters. */
export function toPlainLine(text: string, maxChars = MAX_MESSAGE_CHARS): string {
  const line = text.replace(CONTROL_CHARS_RE, ' ').trim();
  return line.length <= maxChars ? line : `${line.slice(0, maxChars - 1)}…`;
}

/** Milliseconds since `startedAt` (a `performance.now()` reading), rounded to whole ms. */
export function elapsedMs(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}

/** The numeric facts: kept only when finite (JSON has no NaN or Infinity; stored, they read back as null). */
const NUMBER_FACTS = [
  'statusCode',
  'timeoutMs',
  'bytes',
  'maxRedirects',
  'daysLeft',
  'certExpiresAt',
  'silentMs',
] as const satisfies readonly (keyof OutcomeFacts)[];
/** Longest error code kept (Node's and OpenSSL's are well under it). */
const MAX_CODE_CHARS = 64;

/**
 * The facts as an outcome carries them, bounded like its message: finite numbers only, each text
 * (an error code, a configured expectation) one plain line of limited length. They are stored with
 * every failing check's record and every incident's evidence, and served by the API.
 */
export function boundedFacts(facts: OutcomeFacts): OutcomeFacts {
  const bounded: { -readonly [K in keyof OutcomeFacts]: OutcomeFacts[K] } = {};
  for (const key of NUMBER_FACTS) {
    const value = facts[key];
    if (value !== undefined && Number.isFinite(value)) bounded[key] = value;
  }
  if (facts.errorCode !== undefined) bounded.errorCode = toPlainLine(facts.errorCode, MAX_CODE_CHARS);
  if (facts.expected !== undefined)
    bounded.expected = { kind: facts.expected.kind, value: toPlainLine(facts.expected.value) };
  const votes = facts.vantages;
  if (votes !== undefined && isCount(votes.down) && isCount(votes.of) && votes.down <= votes.of)
    bounded.vantages = { down: votes.down, of: votes.of };
  return bounded;
}

const isCount = (value: number): boolean => Number.isSafeInteger(value) && value >= 0;

/** The facts, bounded, when there are any (an outcome without facts has no `facts` field). */
function withFacts(facts: OutcomeFacts | undefined): { facts?: OutcomeFacts } {
  const bounded = facts === undefined ? {} : boundedFacts(facts);
  return Object.keys(bounded).length === 0 ? {} : { facts: bounded };
}

export function upOutcome(message: string, latencyMs: number | null, facts?: OutcomeFacts): ProbeOutcome {
  return { status: 'up', reason: 'ok', message: toPlainLine(message), latencyMs, ...withFacts(facts) };
}

export function degradedOutcome(
  reason: OutcomeReason,
  message: string,
  latencyMs: number | null,
  facts?: OutcomeFacts,
): ProbeOutcome {
  return { status: 'degraded', reason, message: toPlainLine(message), latencyMs, ...withFacts(facts) };
}

export function downOutcome(
  reason: OutcomeReason,
  message: string,
  latencyMs: number | null,
  facts?: OutcomeFacts,
): ProbeOutcome {
  return { status: 'down', reason, message: toPlainLine(message), latencyMs, ...withFacts(facts) };
}

/** Nothing is known (the check could not finish its own part): counts neither way. */
export function unknownOutcome(
  reason: OutcomeReason,
  message: string,
  latencyMs: number | null,
  facts?: OutcomeFacts,
): ProbeOutcome {
  return { status: 'unknown', reason, message: toPlainLine(message), latencyMs, ...withFacts(facts) };
}
