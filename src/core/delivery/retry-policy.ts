/** How failed deliveries are retried: exponential backoff with jitter, capped, bounded in count and age. */
export interface RetryPolicy {
  /** Delay before the second try. */
  readonly baseMs: number;
  /** Longest wait between two tries. */
  readonly capMs: number;
  /** After this many failed tries the row is dead. */
  readonly maxAttempts: number;
  /** An alert older than this is not worth sending any more: dead. */
  readonly maxAgeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 5_000,
  capMs: 60 * 60_000,
  maxAttempts: 15,
  maxAgeMs: 24 * 60 * 60_000,
};

export type RetryDecision =
  | { readonly kind: 'retry'; readonly at: number }
  | { readonly kind: 'give-up'; readonly why: 'attempts' | 'age' };

/**
 * After the `attempts`-th failure: when to try again, or give up. The nominal delay is
 * `min(capMs, baseMs · 2^(attempts−1))`; the actual one is drawn from [½, 1] of it ("equal jitter"),
 * so chats failing together do not retry together, and a retry never comes sooner than half the delay.
 *
 * | attempts | nominal delay (default policy) | decision |
 * |---|---|---|
 * | 1 | 5 s | retry |
 * | 2 | 10 s | retry |
 * | 3 | 20 s | retry |
 * | 8 | 640 s | retry |
 * | 10 | 2560 s | retry |
 * | 11 | 3600 s | retry |
 * | 14 | 3600 s | retry |
 * | 15 | — | give up (attempts) |
 *
 * Whatever the count, a row first queued `maxAgeMs` or more ago gives up (age).
 */
export function decideRetry(
  input: {
    readonly attempts: number;
    readonly createdAt: number;
    readonly now: number;
    readonly random: () => number;
  },
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryDecision {
  if (input.attempts >= policy.maxAttempts) return { kind: 'give-up', why: 'attempts' };
  if (input.now - input.createdAt >= policy.maxAgeMs) return { kind: 'give-up', why: 'age' };
  const nominal = nominalRetryDelay(input.attempts, policy);
  const jitter = Math.min(1, Math.max(0, input.random()));
  return { kind: 'retry', at: input.now + Math.round(nominal / 2 + (jitter * nominal) / 2) };
}

export function nominalRetryDelay(attempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  return Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
}
