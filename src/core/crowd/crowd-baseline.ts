/**
 * How many reports a service normally gets in a window: Downdetector's "average number of reports
 * for that given time of day", as an hour-of-week table, with an EWMA fallback while the table is
 * young. A plain JSON-safe object so a store can persist it. See docs/crowd.md §5.
 */
import { hourOfWeekSlot, SLOTS_PER_WEEK } from './crowd-window.js';
import { slotValue, uniformSlotTable, withSlotValue, type SlotTable } from './slot-table.js';

/** Expected reports per 5-minute window never go below this: zero would make any report infinitely surprising. */
export const LAMBDA_FLOOR = 0.2;
/** W: a slot's mean forgets with weight 1/W per week, so it tracks roughly the last W weeks. */
export const SEASONAL_WEEKS = 8;
/** A slot seen in fewer weeks than this is too young to trust; the EWMA level stands in. */
export const MIN_SEASONAL_WEEKS = 2;
/** Slots on each side averaged with a slot, so a weekly peak that drifts by a window still counts as normal. */
export const SEASONAL_SMOOTHING_SLOTS = 2;
/** α of the global EWMA level and variance, per window (≈ a 100-minute memory at 5-minute windows). */
export const EWMA_ALPHA = 0.05;
/** Stored means are rounded to this many decimals, which keeps a stored table short. */
const STORED_DECIMALS = 4;

/**
 * Per-service baseline state: plain immutable data. Its slot tables are copy-on-write and shared
 * between services where equal (`slot-table.ts`); `storedCrowdDetector` gives the stored form.
 */
export interface CrowdBaseline {
  /** Mean count per hour-of-week slot (`SLOTS_PER_WEEK` entries); meaningful where `slotWeeks` > 0. */
  readonly slotMean: SlotTable;
  /** Weeks each slot has been learned from, capped at `SEASONAL_WEEKS`. */
  readonly slotWeeks: SlotTable;
  /** Global EWMA of the count per window, μ. */
  readonly level: number;
  /** Global EWMA variance of the count, v: kept for an over-dispersion test no decision uses yet. */
  readonly variance: number;
  /** Windows learned so far. */
  readonly learnedWindows: number;
  /** Start of the newest learned window; older or repeated windows are ignored. */
  readonly lastLearnedWindowStart: number | null;
}

/** A baseline that has learned nothing: every window expects `LAMBDA_FLOOR`. */
export function createBaseline(): CrowdBaseline {
  return {
    slotMean: uniformSlotTable(0),
    slotWeeks: uniformSlotTable(0),
    level: 0,
    variance: 0,
    learnedWindows: 0,
    lastLearnedWindowStart: null,
  };
}

const roundStored = (value: number): number => {
  const scale = 10 ** STORED_DECIMALS;
  return Math.round(value * scale) / scale;
};

/**
 * Learns one window's effective count. Pass each 5-minute window once, in time order.
 *
 * Returns `state` itself (unchanged) when `inIncident` is set, because reports during an outage
 * are not what normal looks like, and when `windowStart` is not newer than the last learned
 * window, so a replay cannot count a window twice. The slot mean is an exact running mean for
 * its first `SEASONAL_WEEKS` weeks and an EWMA with weight 1/W after that.
 */
export function updateBaseline(
  state: CrowdBaseline,
  windowStart: number,
  count: number,
  options: { readonly inIncident: boolean },
): CrowdBaseline {
  if (options.inIncident) return state;
  if (state.lastLearnedWindowStart !== null && windowStart <= state.lastLearnedWindowStart) return state;
  const slot = hourOfWeekSlot(windowStart);
  const weeks = slotValue(state.slotWeeks, slot);
  const mean = slotValue(state.slotMean, slot);
  const deviation = count - state.level;
  return {
    slotMean: withSlotValue(
      state.slotMean,
      slot,
      roundStored(mean + (count - mean) / Math.min(weeks + 1, SEASONAL_WEEKS)),
    ),
    slotWeeks: withSlotValue(state.slotWeeks, slot, Math.min(weeks + 1, SEASONAL_WEEKS)),
    level: roundStored(state.level + EWMA_ALPHA * deviation),
    variance: roundStored((1 - EWMA_ALPHA) * (state.variance + EWMA_ALPHA * deviation * deviation)),
    learnedWindows: state.learnedWindows + 1,
    lastLearnedWindowStart: windowStart,
  };
}

/**
 * λ: the reports a window starting at `windowStart` normally gets, never below `LAMBDA_FLOOR`.
 *
 * With a slot learned in at least `MIN_SEASONAL_WEEKS` weeks: the larger of the slot's own mean
 * and the mean over the slots within `SEASONAL_SMOOTHING_SLOTS` of it (the larger, so a regular
 * peak is expected in the windows next to it too). Otherwise the global EWMA level.
 */
export function expectedCount(state: CrowdBaseline, windowStart: number): number {
  const slot = hourOfWeekSlot(windowStart);
  const seasonal = seasonalMean(state, slot);
  return Math.max(seasonal ?? state.level, LAMBDA_FLOOR);
}

function seasonalMean(state: CrowdBaseline, slot: number): number | null {
  const isLearned = (s: number): boolean => slotValue(state.slotWeeks, s) >= MIN_SEASONAL_WEEKS;
  if (!isLearned(slot)) return null;
  let sum = 0;
  let slots = 0;
  for (let offset = -SEASONAL_SMOOTHING_SLOTS; offset <= SEASONAL_SMOOTHING_SLOTS; offset++) {
    const neighbour = (slot + offset + SLOTS_PER_WEEK) % SLOTS_PER_WEEK;
    if (!isLearned(neighbour)) continue;
    sum += slotValue(state.slotMean, neighbour);
    slots += 1;
  }
  return Math.max(slotValue(state.slotMean, slot), sum / slots);
}
