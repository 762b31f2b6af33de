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

/** The facts, when there are any (an outcome without facts has no `facts` field). */
function withFacts(facts: OutcomeFacts | undefined): { facts?: OutcomeFacts } {
  return facts === undefined || Object.keys(facts).length === 0 ? {} : { facts };
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
