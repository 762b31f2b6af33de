/**
 * How much evidence a "down" needs, learned from each monitor's own history (docs/detection.md).
 *
 * Model: while a monitor is up, its failed checks are taken as independent background noise with
 * rate p. A run of k consecutive failures then starts at a given check with probability about
 * p^k, so over the M checks a monitor makes in the budget period, about M·p^k false alarms are
 * expected. The engine asks for the smallest k (at least 2) that keeps M·p^k within the budget,
 * with p the upper confidence bound of the learned rate, so a few lucky checks do not make a
 * monitor trigger-happy. Re-checks a few seconds apart (`recheckDelayMs`) let the k checks of a
 * real outage come in within two intervals plus 30 s. Pure: no clock, no I/O.
 */

/** Expected false alarms per monitor allowed per `BUDGET_PERIOD_MS`. */
export const FALSE_ALARM_BUDGET = 1;
export const BUDGET_PERIOD_MS = 90 * 24 * 3_600_000;
/** Never fewer: one bad check must never alert. */
export const MIN_CONFIRMATIONS = 2;
/** Never more: past this, detection time matters more than the budget (and the monitor is flagged). */
export const MAX_CONFIRMATIONS = 10;
/** A real outage is confirmed within two check intervals plus this. */
export const DETECTION_SLACK_MS = 30_000;
/** Checks of memory: the learned counts decay by (1 - 1/BACKGROUND_MEMORY) per check. */
export const BACKGROUND_MEMORY = 5000;
/** One-sided 95 % normal quantile for the Wilson upper bound of the failure rate. */
export const CONFIDENCE_Z = 1.645;
/** First re-check this long after a first failure; each next one waits twice as long, up to the max. */
export const RECHECK_FIRST_MS = 2000;
export const RECHECK_MAX_MS = 8000;

/**
 * Decayed counts of a monitor's checks and failures while it was up (a failure is a raw `down` or
 * `degraded`). Persisted in the monitor record, so they survive restarts.
 */
export interface Background {
  readonly checks: number;
  readonly failures: number;
}

/**
 * What a fresh monitor starts from: as if it had failed 1 check in 20 (5 %, and with only 20
 * checks of weight its upper bound is about 20 %). That asks for 8 failures at a 60 s interval and
 * the cap (`MAX_CONFIRMATIONS`) at 1 s until real checks outweigh it; it decays away with them.
 */
export const PRIOR_BACKGROUND: Background = { checks: 20, failures: 1 };

/** How a monitor is checked: its interval and the probe's timeout. */
export interface Cadence {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_CADENCE: Cadence = { intervalMs: 60_000, timeoutMs: 10_000 };

const DECAY = 1 - 1 / BACKGROUND_MEMORY;

/** Adds `failures` failed checks and then `successes` good ones to the decayed counts. */
export function learnBackground(bg: Background, failures: number, successes: number): Background {
  let { checks, failures: failed } = bg;
  for (let i = 0; i < failures; i++) {
    checks = checks * DECAY + 1;
    failed = failed * DECAY + 1;
  }
  if (successes > 0) {
    const keep = DECAY ** successes;
    checks = checks * keep + (1 - keep) / (1 - DECAY);
    failed *= keep;
  }
  return { checks, failures: failed };
}

/** Wilson score upper bound (one-sided, `CONFIDENCE_Z`) of the failure rate. */
export function upperFailureRate(bg: Background): number {
  const n = bg.checks;
  if (!(n > 0)) return 1;
  const p = Math.min(1, Math.max(0, bg.failures / n));
  const z2 = CONFIDENCE_Z * CONFIDENCE_Z;
  const centre = p + z2 / (2 * n);
  const spread = CONFIDENCE_Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.min(1, (centre + spread) / (1 + z2 / n));
}

/** Regular checks a monitor makes in the budget period. */
export function checksPerBudgetPeriod(intervalMs: number): number {
  return BUDGET_PERIOD_MS / Math.max(1, intervalMs);
}

/**
 * The smallest k ≥ MIN_CONFIRMATIONS with checks·rate^k ≤ FALSE_ALARM_BUDGET, uncapped (a rate of
 * 1 gives Infinity). The table is the contract and the test table (rate is the upper bound used):
 *
 * | rate  | k at 60 s | k at 1 s |
 * |-------|-----------|----------|
 * | 0.001 | 2         | 3        |
 * | 0.002 | 2         | 3        |
 * | 0.005 | 3         | 3        |
 * | 0.01  | 3         | 4        |
 * | 0.02  | 4         | 5        |
 * | 0.05  | 4         | 6        |
 * | 0.06  | 5         | 6        |
 * | 0.1   | 6         | 7        |
 * | 0.2   | 8         | 10       |
 * | 0.3   | 10        | 14       |
 */
export function confirmationsForRate(rate: number, intervalMs: number): number {
  if (rate <= 0) return MIN_CONFIRMATIONS;
  if (rate >= 1) return Number.POSITIVE_INFINITY;
  const k = Math.ceil(
    Math.log(FALSE_ALARM_BUDGET / checksPerBudgetPeriod(intervalMs)) / Math.log(rate) - 1e-9,
  );
  return Math.max(MIN_CONFIRMATIONS, k);
}

export interface DownConfirmation {
  /** Consecutive failures that confirm a worsening now, within [MIN, MAX]_CONFIRMATIONS. */
  readonly needed: number;
  /** The upper bound of the learned failure rate the count was chosen for. */
  readonly rate: number;
  /** False when even MAX_CONFIRMATIONS cannot keep false alarms within the budget. */
  readonly budgetMet: boolean;
}

/** How many consecutive failures confirm a worsening of a monitor with this history. */
export function downConfirmation(bg: Background, intervalMs: number): DownConfirmation {
  const rate = upperFailureRate(bg);
  const k = confirmationsForRate(rate, intervalMs);
  return { needed: Math.min(k, MAX_CONFIRMATIONS), rate, budgetMet: k <= MAX_CONFIRMATIONS };
}

/**
 * The re-check policy, shared by the scheduler and the noise bench. After the `streak`-th
 * consecutive unconfirmed failure, the next check comes this many ms after the result instead of
 * at the next interval slot: 2 s, 4 s, then every 8 s. Null when that would not come sooner than
 * the interval (a monitor checked every second or few needs none). A re-check is scheduled from
 * the failed check's result, so it never starts before that check has ended (its timeout).
 */
export function recheckDelayMs(streak: number, intervalMs: number): number | null {
  if (streak < 1) return null;
  const delay = Math.min(RECHECK_MAX_MS, RECHECK_FIRST_MS * 2 ** Math.min(streak - 1, 16));
  return delay < intervalMs ? delay : null;
}

/**
 * Whether a streak must be confirmed now, whatever its count, to stay within the detection target
 * (two intervals plus DETECTION_SLACK_MS from the outage start). Failing checks that take their
 * whole timeout come in slowly; this assumes the worst: the outage began a whole interval and a
 * timeout before the first failed result, and the next result would take a re-check delay plus a
 * timeout more. Only for streaks of at least MIN_CONFIRMATIONS.
 */
export function deadlineReached(
  count: number,
  firstFailureAt: number,
  at: number,
  cadence: Cadence,
): boolean {
  if (count < MIN_CONFIRMATIONS) return false;
  const next = (recheckDelayMs(count, cadence.intervalMs) ?? cadence.intervalMs) + cadence.timeoutMs;
  const window = cadence.intervalMs + DETECTION_SLACK_MS - cadence.timeoutMs - next;
  return at - firstFailureAt >= window;
}
