import type { OutcomeFacts, OutcomeReason, ProbeOutcome, State } from '../model.js';
import {
  type Background,
  type Cadence,
  DEFAULT_CADENCE,
  type DownConfirmation,
  PRIOR_BACKGROUND,
  downConfirmation,
  learnBackground,
  minStreakSpanMs,
  streakGapMs,
  targetMet,
} from './confirmation.js';

/**
 * How many consecutive raw outcomes confirm a change (docs/design.md §3). `down: 'auto'` (the
 * default) learns it from the monitor's own failure rate (docs/detection.md); a number is a fixed
 * count set in the services file.
 */
export interface ConfirmPolicy {
  readonly down: number | 'auto';
  readonly up: number;
}

/** A policy with the worsening count decided. */
export interface FixedConfirmPolicy {
  readonly down: number;
  readonly up: number;
}

/** More than `changes` confirmed changes within `windowMs` is flapping. */
export interface FlapPolicy {
  readonly changes: number;
  readonly windowMs: number;
}

export const DEFAULT_CONFIRM: ConfirmPolicy = { down: 'auto', up: 2 };
export const DEFAULT_FLAP: FlapPolicy = { changes: 5, windowMs: 30 * 60_000 };

/**
 * A flapping monitor settles early once it has clearly been steady: at least this many
 * consecutive outcomes agreeing with its confirmed state…
 */
export const SETTLE_CHECKS = 5;
/** …spanning at least this long (or the flap window, if shorter). */
export const SETTLE_MS = 5 * 60_000;

/** The persisted state of one monitor. Plain data: stored as JSON by the store. */
export interface MonitorRecord {
  readonly state: State;
  readonly since: number;
  /**
   * A streak of raw outcomes that differ from the confirmed state, waiting for confirmation;
   * `since` is when its first outcome came, `last` its latest (absent in records stored before
   * they were kept).
   */
  readonly pending: {
    readonly status: State;
    readonly count: number;
    readonly since?: number;
    readonly last?: number;
  } | null;
  /** Times of recent confirmed changes, oldest first, pruned to the flap window. */
  readonly changes: readonly number[];
  readonly flapping: boolean;
  /**
   * While flapping: the run of consecutive raw outcomes agreeing with the confirmed state (how
   * many, since when). Absent otherwise, and in records stored before it existed.
   */
  readonly steady?: { readonly checks: number; readonly since: number };
  /**
   * When the monitor last settled `up` early (steady, before a whole quiet window): a confirmed
   * change within the flap window after it makes the monitor flapping again at once.
   */
  readonly settledAt?: number;
  /**
   * Flapping again soon after an early settle: this time it settles only after a whole flap
   * window without a confirmed change, so a slow flap is not resolved and re-announced each cycle.
   */
  readonly relapsed?: boolean;
  /** The reason, message and facts of the outcome that last moved or held a failing state. */
  readonly reason: OutcomeReason;
  readonly message: string;
  /** Absent when that outcome had none (and in records stored before probes gave facts). */
  readonly facts?: OutcomeFacts;
  /**
   * What the monitor's checks looked like while it was up (decayed counts), for `confirm.down:
   * 'auto'`. Absent in records stored before it was learned: the prior stands in.
   */
  readonly background?: Background;
}

export type MonitorEvent =
  | { readonly kind: 'changed'; readonly from: State; readonly to: State }
  | { readonly kind: 'flapping' }
  | { readonly kind: 'settled' };

export const initialMonitorRecord = (at: number): MonitorRecord => ({
  state: 'unknown',
  since: at,
  pending: null,
  changes: [],
  flapping: false,
  reason: 'ok',
  message: 'not checked yet',
  background: PRIOR_BACKGROUND,
});

/** Badness order used to tell a worsening from a recovery. */
const RANK: Record<State, number> = { up: 0, maintenance: 0, unknown: 1, degraded: 2, down: 3 };

/**
 * How many consecutive raw outcomes it takes to move from the confirmed state to `to`.
 * This table is the contract and the test table:
 *
 * | from        | to          | needs          | why                                                   |
 * |-------------|-------------|----------------|-------------------------------------------------------|
 * | any         | maintenance | 1              | announced maintenance is a fact, not a measurement    |
 * | unknown     | up          | 1              | nothing is announced when a fresh monitor comes up    |
 * | maintenance | up          | 1              | maintenance ended, the service answers                |
 * | better      | worse       | confirm.down   | no alert on one bad check                             |
 * | worse       | better      | confirm.up     | no recovery on one good check                         |
 */
export function confirmationsNeeded(from: State, to: State, confirm: FixedConfirmPolicy): number {
  if (to === 'maintenance') return 1;
  if (to === 'up' && (from === 'unknown' || from === 'maintenance')) return 1;
  return RANK[to] > RANK[from] ? confirm.down : confirm.up;
}

/**
 * Applies one raw outcome to a monitor. A raw `unknown` (aborted check, our own vantage point
 * failing) neither confirms nor breaks a streak: it does not count.
 *
 * With `confirm.down: 'auto'` a worsening needs as many consecutive outcomes as the monitor's
 * learned failure rate asks for (`downConfirmation`), never fewer. Any worsening also needs its
 * streak (of two or more) to span `minStreakSpanMs` (re-checks seconds apart must not confirm a short blip).
 * Counted outcomes further apart than `streakGapMs` (a restart, a run of unknowns) are not
 * consecutive: the streak starts again. The rate is learned only while the monitor is up, and a
 * failure streak is learned only once it is broken by a good check (or replaced, or gone stale):
 * the failures of a confirmed outage never count as background noise.
 */
export function stepMonitor(
  record: MonitorRecord,
  outcome: Pick<ProbeOutcome, 'status' | 'reason' | 'message' | 'facts'>,
  at: number,
  confirm: ConfirmPolicy = DEFAULT_CONFIRM,
  flap: FlapPolicy = DEFAULT_FLAP,
  cadence: Cadence = DEFAULT_CADENCE,
): { record: MonitorRecord; events: MonitorEvent[] } {
  const events: MonitorEvent[] = [];
  const recent = record.changes.filter((t) => at - t < flap.windowMs);
  if (outcome.status === 'unknown') {
    return { record: settle({ ...record, changes: recent }, at, flap, events), events };
  }
  if (outcome.status === record.state) {
    // The facts of an earlier outcome never stay beside this one's message (no copy without them
    // when there are none: this runs for every check).
    const kept = record.facts === undefined ? record : withoutFacts(record);
    const held: MonitorRecord = {
      ...kept,
      pending: null,
      changes: recent,
      ...outcomeOf(outcome),
      // A good check while up: the failures of the streak it breaks were background noise.
      ...(record.state === 'up'
        ? { background: learnBackground(backgroundOf(record), unconfirmedFailures(record), 1) }
        : {}),
      ...(record.flapping
        ? { steady: { checks: (record.steady?.checks ?? 0) + 1, since: record.steady?.since ?? at } }
        : {}),
    };
    return { record: settle(held, at, flap, events), events };
  }
  const same = record.pending?.status === outcome.status && !staleStreak(record, at, cadence);
  const count = same && record.pending ? record.pending.count + 1 : 1;
  const since = same ? (record.pending?.since ?? at) : at;
  const policy = resolveConfirm(record, confirm, cadence);
  const worsening = RANK[outcome.status] > RANK[record.state];
  const confirmed =
    count >= confirmationsNeeded(record.state, outcome.status, policy) &&
    (!worsening || count === 1 || at - since >= minStreakSpanMs(cadence.intervalMs));
  if (!confirmed) {
    // A streak replaced by another one unconfirmed (down, then degraded) was noise too.
    const background =
      !same && record.state === 'up' && unconfirmedFailures(record) > 0
        ? { background: learnBackground(backgroundOf(record), unconfirmedFailures(record), 0) }
        : {};
    const { steady: _broken, ...rest } = record;
    const waiting: MonitorRecord = {
      ...rest,
      ...background,
      pending: { status: outcome.status, count, since, last: at },
      changes: recent,
    };
    return { record: settle(waiting, at, flap, events), events };
  }
  events.push({ kind: 'changed', from: record.state, to: outcome.status });
  // A fresh monitor's first verdict is not a change anybody should count as flapping, and neither
  // is announced maintenance beginning or ending: a provider toggling it is not instability.
  const counts =
    record.state !== 'unknown' && record.state !== 'maintenance' && outcome.status !== 'maintenance';
  const changes = counts ? [...recent, at] : recent;
  let flapping = record.flapping;
  // Hysteresis: changing again within a flap window of an early settle is flapping at once.
  const settledAt =
    record.settledAt !== undefined && at - record.settledAt < flap.windowMs ? record.settledAt : null;
  const relapse = !flapping && counts && settledAt !== null;
  if (!flapping && (changes.length > flap.changes || relapse)) {
    flapping = true;
    events.push({ kind: 'flapping' });
  }
  return {
    record: {
      state: outcome.status,
      since: at,
      pending: null,
      changes,
      flapping,
      ...outcomeOf(outcome),
      ...(record.background ? { background: record.background } : {}),
      ...(settledAt !== null ? { settledAt } : {}),
      ...(flapping && (relapse || record.relapsed === true) ? { relapsed: true } : {}),
    },
    events,
  };
}

function withoutFacts(record: MonitorRecord): MonitorRecord {
  const { facts: _previous, ...kept } = record;
  return kept;
}

/** What a record keeps of the outcome that moved or held its state. */
function outcomeOf(
  outcome: Pick<ProbeOutcome, 'reason' | 'message' | 'facts'>,
): Pick<MonitorRecord, 'reason' | 'message' | 'facts'> {
  return {
    reason: outcome.reason,
    message: outcome.message,
    ...(outcome.facts === undefined ? {} : { facts: outcome.facts }),
  };
}

/** Whether the pending streak's latest counted outcome is too old for `at` to extend it. */
function staleStreak(record: MonitorRecord, at: number, cadence: Cadence): boolean {
  const last = record.pending?.last ?? record.pending?.since;
  return last !== undefined && at - last > streakGapMs(cadence);
}

/**
 * The record without its pending streak when that has gone stale by `at` (loaded after a restart):
 * its failures were never confirmed, and the next outcome could not extend it anyway.
 */
export function dropStaleStreak(
  record: MonitorRecord,
  at: number,
  cadence: Cadence = DEFAULT_CADENCE,
): MonitorRecord {
  return record.pending && staleStreak(record, at, cadence) ? { ...record, pending: null } : record;
}

/** The learned counts, or the prior for a record stored before they were kept. */
export function backgroundOf(record: MonitorRecord): Background {
  return record.background ?? PRIOR_BACKGROUND;
}

/** Failures of a pending streak that would take the monitor down from `up` (0 when none). */
function unconfirmedFailures(record: MonitorRecord): number {
  return record.state === 'up' && record.pending && RANK[record.pending.status] > RANK.up
    ? record.pending.count
    : 0;
}

/** The policy in effect for this record: `'auto'` replaced by the learned count. */
function resolveConfirm(record: MonitorRecord, confirm: ConfirmPolicy, cadence: Cadence): FixedConfirmPolicy {
  if (confirm.down !== 'auto') return confirm as FixedConfirmPolicy;
  return { down: downConfirmation(backgroundOf(record), cadence.intervalMs).needed, up: confirm.up };
}

/**
 * How many consecutive failures would confirm a worsening of this monitor now, whether that
 * keeps its false alarms within the budget (always met for a fixed count: the operator chose it),
 * and whether that many come in within the detection target at this cadence (for /api).
 */
export function downConfirmationOf(
  record: MonitorRecord,
  confirm: ConfirmPolicy,
  cadence: Cadence = DEFAULT_CADENCE,
): DownConfirmation & { readonly learned: boolean; readonly targetMet: boolean } {
  const learned = downConfirmation(backgroundOf(record), cadence.intervalMs);
  if (confirm.down === 'auto')
    return { ...learned, learned: true, targetMet: targetMet(learned.needed, cadence) };
  return {
    needed: confirm.down,
    rate: learned.rate,
    observedRate: learned.observedRate,
    budgetMet: true,
    learned: false,
    targetMet: targetMet(confirm.down, cadence),
  };
}

/**
 * The length of a pending streak that would make the monitor worse (a first failure of a monitor
 * that is up, and those after it), or 0. The scheduler re-checks a monitor sooner while it is > 0.
 */
export function pendingWorsening(record: MonitorRecord): number {
  return record.pending && RANK[record.pending.status] > RANK[record.state] ? record.pending.count : 0;
}

/**
 * A flapping monitor settles after a whole flap window without a confirmed change, or earlier once
 * it has clearly been steady: `SETTLE_CHECKS` consecutive outcomes agreeing with its confirmed
 * state over at least `SETTLE_MS` (capped at the window). Settled `up` early, it keeps its recent
 * changes and remembers when (`settledAt`): one more confirmed change within the flap window makes
 * it flapping again at once instead of alerting a few more times first, and that relapse settles
 * only after a whole quiet window, so a flap slower than the early settle (down 3 minutes every 12)
 * stays one quiet unstable incident instead of "back up", "down again", "unstable" every cycle.
 * Settled in a failing state, it forgets its changes: the next change is a recovery from a steady
 * outage, and must read as one.
 */
function settle(record: MonitorRecord, at: number, flap: FlapPolicy, events: MonitorEvent[]): MonitorRecord {
  if (!record.flapping) return record;
  const last = record.changes[record.changes.length - 1];
  const quiet = last === undefined || at - last >= flap.windowMs;
  const steady =
    record.relapsed !== true &&
    record.steady !== undefined &&
    record.steady.checks >= SETTLE_CHECKS &&
    at - record.steady.since >= Math.min(SETTLE_MS, flap.windowMs);
  if (!quiet && !steady) return record;
  events.push({ kind: 'settled' });
  const { steady: _done, relapsed: _relapse, settledAt: _settled, ...rest } = record;
  if (record.state !== 'up') return { ...rest, flapping: false, changes: [] };
  return { ...rest, flapping: false, ...(quiet ? {} : { settledAt: at }) };
}
