/**
 * How much evidence a "down" needs, learned from each monitor's own history (docs/detection.md).
 *
 * Model: while a monitor is up, its failed checks are taken as independent background noise with
 * rate p. A run of k consecutive failures then starts at a given check with probability about
 * p^k, so over the M checks a monitor makes in the budget period, about M·p^k false alarms are
 * expected. The engine asks for the smallest k (at least 2) that keeps M·p^k within the budget,
 * with p the upper confidence bound of the learned rate, so a few lucky checks do not make a
 * monitor trigger-happy. The budget is the hard constraint: nothing confirms a down on fewer. Re-checks
 * a few seconds apart (`recheckDelayMs`) let the k checks of a real outage come in within two
 * intervals plus 30 s where the cadence allows it (`targetMet`). Pure: no clock, no I/O.
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
  /** The learned failure rate itself (decayed failures over decayed checks). */
  readonly observedRate: number;
  /** False when even MAX_CONFIRMATIONS cannot keep false alarms within the budget. */
  readonly budgetMet: boolean;
}

/** How many consecutive failures confirm a worsening of a monitor with this history. */
export function downConfirmation(bg: Background, intervalMs: number): DownConfirmation {
  const rate = upperFailureRate(bg);
  const k = confirmationsForRate(rate, intervalMs);
  const observedRate = bg.checks > 0 ? Math.min(1, bg.failures / bg.checks) : 0;
  return { needed: Math.min(k, MAX_CONFIRMATIONS), rate, observedRate, budgetMet: k <= MAX_CONFIRMATIONS };
}

/**
 * The re-check policy, shared by the scheduler, the noise bench and `detectionTimeMs`. After the
 * `streak`-th consecutive unconfirmed failure, the next check comes this many ms after the result
 * instead of at the next interval slot: 2 s, 4 s, then every 8 s, and at once after a check that
 * timed out (the timeout already waited). Null when that would not come sooner than the interval.
 * The scheduler also drops a re-check that could not end before the monitor's next regular slot
 * (`recheckFits`).
 */
export function recheckDelayMs(streak: number, intervalMs: number, timedOut = false): number | null {
  if (streak < 1) return null;
  const delay = timedOut ? 0 : Math.min(RECHECK_MAX_MS, RECHECK_FIRST_MS * 2 ** Math.min(streak - 1, 16));
  return delay < intervalMs ? delay : null;
}

/**
 * Whether a re-check starting at `at` ends (its timeout at most) before the monitor's next
 * regular slot: one that could still run then would make that slot be skipped.
 */
export function recheckFits(at: number, timeoutMs: number, nextRegularSlot: number): boolean {
  return at + timeoutMs < nextRegularSlot;
}

/**
 * A down streak must span at least this long, from its first failed result to the one that
 * confirms it: half the interval, at most 30 s. Re-checks a few seconds apart would otherwise
 * confirm a 10 s blip (a deploy's 502) that regular checks, an interval apart, would not see twice.
 */
export const MIN_STREAK_SPAN_MS = 30_000;

export function minStreakSpanMs(intervalMs: number): number {
  return Math.min(intervalMs / 2, MIN_STREAK_SPAN_MS);
}

/**
 * Counted results of one streak further apart than this are not consecutive: the streak starts
 * again (a restart, a run of `unknown` results, checks held back). Regular results come at most
 * an interval plus a timeout apart; the longest re-check delay is the slack for late ticks.
 */
export function streakGapMs(cadence: Cadence): number {
  return cadence.intervalMs + cadence.timeoutMs + RECHECK_MAX_MS;
}

/**
 * How long after an outage starts a monitor needing `needed` failures confirms it, in the worst
 * phase (the outage begins just after a check started), when each failed check takes `checkMs`
 * (a few ms when refused, the timeout when it times out), with re-checks by this policy and the
 * minimum streak span. The scheduler's rules, replayed: a slot that falls while a check runs is
 * skipped.
 */
export function detectionTimeMs(needed: number, cadence: Cadence, checkMs: number): number {
  const { intervalMs, timeoutMs } = cadence;
  const timedOut = checkMs >= timeoutMs;
  const span = minStreakSpanMs(intervalMs);
  let start = intervalMs;
  let first: number | null = null;
  for (let count = 1; count <= 10_000; count++) {
    const result = start + checkMs;
    first ??= result;
    if (count >= needed && result - first >= span) return result;
    const nextRegular = (Math.floor(result / intervalMs) + 1) * intervalMs;
    const delay = recheckDelayMs(count, intervalMs, timedOut);
    const at = delay === null ? null : result + delay;
    start = at !== null && recheckFits(at, timeoutMs, nextRegular) ? at : nextRegular;
  }
  return Number.POSITIVE_INFINITY;
}

/** The detection target: two intervals plus DETECTION_SLACK_MS from the outage start. */
export function detectionTargetMs(intervalMs: number): number {
  return 2 * intervalMs + DETECTION_SLACK_MS;
}

/**
 * Whether `needed` failures come in within the detection target, both when failed checks are
 * refused at once and when they take the whole timeout. The budget is never spent to make it:
 * where this is false, the monitor is slower than the target (and /api says so).
 */
export function targetMet(needed: number, cadence: Cadence): boolean {
  const target = detectionTargetMs(cadence.intervalMs);
  return (
    detectionTimeMs(needed, cadence, 0) <= target &&
    detectionTimeMs(needed, cadence, cadence.timeoutMs) <= target
  );
}
