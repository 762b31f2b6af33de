import { describe, expect, it } from 'vitest';
import {
  createBaseline,
  expectedCount,
  LAMBDA_FLOOR,
  SEASONAL_WEEKS,
  updateBaseline,
  type CrowdBaseline,
} from '../../../src/core/crowd/crowd-baseline.js';
import {
  createCrowdDetector,
  crowdDetectorStateSchema,
  storedCrowdDetector,
} from '../../../src/core/crowd/crowd-detector.js';
import { SLOTS_PER_WEEK, WINDOW_MS } from '../../../src/core/crowd/crowd-window.js';

const MONDAY = Date.UTC(2021, 2, 15); // 2021-03-15 was a Monday
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** Learns every window in [from, to) with the count `countAt` gives. */
function learn(
  state: CrowdBaseline,
  from: number,
  to: number,
  countAt: (at: number) => number,
): CrowdBaseline {
  let next = state;
  for (let at = from; at < to; at += WINDOW_MS)
    next = updateBaseline(next, at, countAt(at), { inIncident: false });
  return next;
}

const isWeekday = (at: number): boolean => Math.floor((at - MONDAY) / DAY) % 7 < 5;
const isWeekdayEightPm = (at: number): boolean => isWeekday(at) && (at - MONDAY) % DAY === 20 * HOUR;

describe('crowd baseline', () => {
  it('expects the floor before it has learned anything', () => {
    expect(expectedCount(createBaseline(), MONDAY)).toBe(LAMBDA_FLOOR);
  });

  it('uses the EWMA level while history is shorter than two weeks', () => {
    const state = learn(createBaseline(), MONDAY, MONDAY + DAY, () => 2);
    expect(state.level).toBeCloseTo(2, 2);
    expect(expectedCount(state, MONDAY + DAY + HOUR)).toBeCloseTo(2, 2);
  });

  it('learns a weekday peak at 20:00 UTC within two weeks, and nothing at 04:00', () => {
    const state = learn(createBaseline(), MONDAY, MONDAY + 2 * WEEK, (at) => (isWeekdayEightPm(at) ? 8 : 0));
    const thirdMonday = MONDAY + 2 * WEEK;
    expect(expectedCount(state, thirdMonday + 20 * HOUR)).toBe(8);
    expect(expectedCount(state, thirdMonday + 4 * HOUR)).toBe(LAMBDA_FLOOR);
    // The neighbouring windows expect part of the peak: a peak late by five minutes is normal too.
    expect(expectedCount(state, thirdMonday + 20 * HOUR + WINDOW_MS)).toBeCloseTo(8 / 5, 10);
    // Saturday has no peak.
    expect(expectedCount(state, thirdMonday + 5 * DAY + 20 * HOUR)).toBe(LAMBDA_FLOOR);
  });

  it('moves more than half way to a new normal within W weeks', () => {
    const quiet = learn(createBaseline(), MONDAY, MONDAY + SEASONAL_WEEKS * WEEK, () => 0);
    const busyFrom = MONDAY + SEASONAL_WEEKS * WEEK;
    const busy = learn(quiet, busyFrom, busyFrom + SEASONAL_WEEKS * WEEK, () => 4);
    expect(expectedCount(busy, busyFrom + SEASONAL_WEEKS * WEEK + HOUR)).toBeGreaterThan(2);
  });

  it('does not move for windows inside an incident', () => {
    const state = learn(createBaseline(), MONDAY, MONDAY + DAY, () => 1);
    expect(updateBaseline(state, MONDAY + DAY, 500, { inIncident: true })).toBe(state);
  });

  it('ignores a window it has already learned, so replays cannot count twice', () => {
    const state = learn(createBaseline(), MONDAY, MONDAY + HOUR, () => 1);
    expect(updateBaseline(state, MONDAY + HOUR - WINDOW_MS, 50, { inIncident: false })).toBe(state);
  });

  it('survives a JSON round trip unchanged', () => {
    const state = learn(createBaseline(), MONDAY, MONDAY + 3 * WEEK, (at) =>
      isWeekdayEightPm(at) ? 8 : 0.3,
    );
    const stored = JSON.stringify(storedCrowdDetector({ ...createCrowdDetector(), baseline: state }));
    const restored = crowdDetectorStateSchema.parse(JSON.parse(stored)).baseline;
    expect(restored).toEqual(state);
    for (let slot = 0; slot < SLOTS_PER_WEEK; slot++) {
      expect(expectedCount(restored, MONDAY + slot * WINDOW_MS)).toBe(
        expectedCount(state, MONDAY + slot * WINDOW_MS),
      );
    }
    // The weekday peaks and the rest stored as runs of equal values, not as 2 × 2,016 numbers.
    expect(stored.length).toBeLessThan(1_000);
  });
});
