import type { OutcomeReason, ProbeOutcome, State } from '../model.js';

/** How many consecutive raw outcomes confirm a change (docs/design.md §3). */
export interface ConfirmPolicy {
  readonly down: number;
  readonly up: number;
}

/** More than `changes` confirmed changes within `windowMs` is flapping. */
export interface FlapPolicy {
  readonly changes: number;
  readonly windowMs: number;
}

export const DEFAULT_CONFIRM: ConfirmPolicy = { down: 2, up: 2 };
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
  /** A streak of raw outcomes that differ from the confirmed state, waiting for confirmation. */
  readonly pending: { readonly status: State; readonly count: number } | null;
  /** Times of recent confirmed changes, oldest first, pruned to the flap window. */
  readonly changes: readonly number[];
  readonly flapping: boolean;
  /**
   * While flapping: the run of consecutive raw outcomes agreeing with the confirmed state (how
   * many, since when). Absent otherwise, and in records stored before it existed.
   */
  readonly steady?: { readonly checks: number; readonly since: number };
  /** The reason and message of the outcome that last moved or held a failing state. */
  readonly reason: OutcomeReason;
  readonly message: string;
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
export function confirmationsNeeded(from: State, to: State, confirm: ConfirmPolicy): number {
  if (to === 'maintenance') return 1;
  if (to === 'up' && (from === 'unknown' || from === 'maintenance')) return 1;
  return RANK[to] > RANK[from] ? confirm.down : confirm.up;
}

/**
 * Applies one raw outcome to a monitor. A raw `unknown` (aborted check, our own vantage point
 * failing) neither confirms nor breaks a streak: it does not count.
 */
export function stepMonitor(
  record: MonitorRecord,
  outcome: Pick<ProbeOutcome, 'status' | 'reason' | 'message'>,
  at: number,
  confirm: ConfirmPolicy = DEFAULT_CONFIRM,
  flap: FlapPolicy = DEFAULT_FLAP,
): { record: MonitorRecord; events: MonitorEvent[] } {
  const events: MonitorEvent[] = [];
  const recent = record.changes.filter((t) => at - t < flap.windowMs);
  if (outcome.status === 'unknown') {
    return { record: settle({ ...record, changes: recent }, at, flap, events), events };
  }
  if (outcome.status === record.state) {
    const held = {
      ...record,
      pending: null,
      changes: recent,
      reason: outcome.reason,
      message: outcome.message,
      ...(record.flapping
        ? { steady: { checks: (record.steady?.checks ?? 0) + 1, since: record.steady?.since ?? at } }
        : {}),
    };
    return { record: settle(held, at, flap, events), events };
  }
  const count = record.pending?.status === outcome.status ? record.pending.count + 1 : 1;
  if (count < confirmationsNeeded(record.state, outcome.status, confirm)) {
    const { steady: _broken, ...rest } = record;
    const waiting = { ...rest, pending: { status: outcome.status, count }, changes: recent };
    return { record: settle(waiting, at, flap, events), events };
  }
  events.push({ kind: 'changed', from: record.state, to: outcome.status });
  // A fresh monitor's first verdict is not a change anybody should count as flapping.
  const changes = record.state === 'unknown' ? recent : [...recent, at];
  let flapping = record.flapping;
  if (!flapping && changes.length > flap.changes) {
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
      reason: outcome.reason,
      message: outcome.message,
    },
    events,
  };
}

/**
 * A flapping monitor settles after a whole flap window without a confirmed change, or earlier once
 * it has clearly been steady: `SETTLE_CHECKS` consecutive outcomes agreeing with its confirmed
 * state over at least `SETTLE_MS` (capped at the window). Settled `up`, its recent changes are
 * kept, so one more failure soon after makes it flapping again at once instead of alerting a few
 * more times first. Settled in a failing state, they are forgotten: the next change is a recovery
 * from a steady outage, and must read as one.
 */
function settle(record: MonitorRecord, at: number, flap: FlapPolicy, events: MonitorEvent[]): MonitorRecord {
  if (!record.flapping) return record;
  const last = record.changes[record.changes.length - 1];
  const quiet = last === undefined || at - last >= flap.windowMs;
  const steady =
    record.steady !== undefined &&
    record.steady.checks >= SETTLE_CHECKS &&
    at - record.steady.since >= Math.min(SETTLE_MS, flap.windowMs);
  if (!quiet && !steady) return record;
  events.push({ kind: 'settled' });
  const { steady: _done, ...rest } = record;
  return { ...rest, flapping: false, ...(record.state === 'up' ? {} : { changes: [] }) };
}
