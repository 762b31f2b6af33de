import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hourOfWeekSlot, WINDOW_MS } from '../../../src/core/crowd/crowd-window.js';
import { CROWD_LEVELS, type CrowdLevel, type CrowdVerdict } from '../../../src/core/crowd/crowd-decision.js';
import {
  createCrowdDetector,
  crowdDetectorStateSchema,
  MAX_BASELINE_FREEZE_MS,
  stepCrowdDetector,
  storedCrowdDetector,
  type CrowdDetectorState,
} from '../../../src/core/crowd/crowd-detector.js';
import { slotTableValues, slotValue } from '../../../src/core/crowd/slot-table.js';
import { poissonDraw, seededRandom } from './seeded-random.js';

const MONDAY = Date.UTC(2021, 2, 15); // 2021-03-15 was a Monday
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** One window's reports: `count` reporters spread over `chats` chats (every reporter in its own chat by default). */
interface Window {
  readonly count: number;
  readonly chats?: number;
}
const summary = ({ count, chats = count }: Window) => ({
  effectiveCount: count,
  distinctChats: Math.min(chats, count),
});

/** Steps the detector over consecutive 5-minute windows starting at `from`. */
function run(state: CrowdDetectorState, from: number, windows: readonly Window[]) {
  const verdicts: CrowdVerdict[] = [];
  let next = state;
  windows.forEach((window, i) => {
    const step = stepCrowdDetector(next, summary(window), from + i * WINDOW_MS);
    next = step.state;
    verdicts.push(step.verdict);
  });
  return { state: next, verdicts, levels: verdicts.map((v): CrowdLevel => v.level) };
}

const repeat = (window: Window, times: number): Window[] => Array.from({ length: times }, () => window);
const noise = (seed: number, lambda: number, windows: number): Window[] => {
  const random = seededRandom(seed);
  return Array.from({ length: windows }, () => ({ count: poissonDraw(random, lambda) }));
};
const WINDOWS_PER_DAY = DAY / WINDOW_MS;

/** A detector that has learned one quiet day of Poisson(0.3) noise, and the time right after it. */
function learnedQuietDay(): { state: CrowdDetectorState; at: number } {
  return {
    state: run(createCrowdDetector(), MONDAY, noise(7, 0.3, WINDOWS_PER_DAY)).state,
    at: MONDAY + DAY,
  };
}

describe('stepCrowdDetector', () => {
  it('never fires on a month of Poisson(0.3) noise', () => {
    const { state, levels, verdicts } = run(
      createCrowdDetector(),
      MONDAY,
      noise(2021, 0.3, 30 * WINDOWS_PER_DAY),
    );
    expect(levels.filter((level) => level !== 'none')).toEqual([]);
    expect(verdicts.some((v) => v.observed >= 3)).toBe(true); // the noise did have bursts
    expect(Math.max(...slotTableValues(state.baseline.slotWeeks))).toBeGreaterThanOrEqual(2); // and the seasonal table took over
  });

  it('never fires on a month of noise evaluated every minute on the trailing five minutes', () => {
    const random = seededRandom(19);
    const perMinute = Array.from({ length: 30 * 24 * 60 }, () => poissonDraw(random, 0.3 / 5));
    let state = createCrowdDetector();
    let fired = 0;
    for (let minute = 5; minute < perMinute.length; minute++) {
      const count = perMinute.slice(minute - 5, minute).reduce((a, b) => a + b, 0);
      const step = stepCrowdDetector(state, summary({ count }), MONDAY + (minute - 5) * MINUTE);
      state = step.state;
      if (step.verdict.level !== 'none') fired += 1;
    }
    expect(fired).toBe(0);
  });

  it('fires possible, then detected, as reports from many chats climb from 0 to 40', () => {
    const { state, at } = learnedQuietDay();
    const { levels } = run(state, at, [{ count: 0 }, { count: 6 }, { count: 12 }, { count: 40 }]);
    expect(levels).toEqual(['none', 'none', 'possible', 'detected']);
  });

  it('detects a jump straight to 40 reporters in its first window', () => {
    const { state, at } = learnedQuietDay();
    expect(run(state, at, [{ count: 40, chats: 12 }]).levels).toEqual(['detected']);
  });

  it('never detects a surge that comes from one chat, however large', () => {
    const { state, at } = learnedQuietDay();
    const { levels } = run(state, at, repeat({ count: 10, chats: 1 }, 24));
    expect(levels).toContain('possible');
    expect(levels).not.toContain('detected');
  });

  it('resolves only after three quiet windows, and learns nothing from the outage', () => {
    const { state, at } = learnedQuietDay();
    const outage = [{ count: 6 }, { count: 12 }, ...repeat({ count: 40 }, 6)];
    const after = run(state, at, [
      ...outage,
      { count: 1 },
      { count: 0 },
      { count: 0 },
      ...repeat({ count: 0 }, 3),
    ]);
    expect(after.levels).toEqual([
      ...['none', 'possible', 'detected', 'detected', 'detected', 'detected', 'detected', 'detected'],
      ...['detected', 'detected', 'none', 'none', 'none', 'none'],
    ]);
    const outageSlots = outage.map((_, i) => hourOfWeekSlot(at + i * WINDOW_MS));
    expect(outageSlots.map((slot) => slotValue(after.state.baseline.slotWeeks, slot))).toEqual(
      outageSlots.map(() => 0),
    );
    expect(after.state.baseline.level).toBeLessThanOrEqual(state.baseline.level);
  });

  it('does not learn windows the caller marks as inside an incident', () => {
    const { state, at } = learnedQuietDay();
    let next = state;
    for (let i = 0; i < 6; i++) {
      next = stepCrowdDetector(next, summary({ count: 3 }), at + i * WINDOW_MS, { inIncident: true }).state;
    }
    const incidentSlots = [0, 1, 2, 3, 4, 5].map((i) => hourOfWeekSlot(at + i * WINDOW_MS));
    expect(incidentSlots.map((slot) => slotValue(next.baseline.slotWeeks, slot))).toEqual(
      incidentSlots.map(() => 0),
    );
    expect(next.baseline.level).toBeLessThanOrEqual(state.baseline.level);
    expect(next.pending).toEqual([]);
  });

  it('learns a weekday peak at 20:00 UTC: no alert there after two weeks, but 8 reports at 04:00 alert', () => {
    const twoWeeks = Array.from({ length: 2 * 7 * WINDOWS_PER_DAY }, (_, i): Window => {
      const offset = i * WINDOW_MS;
      const weekday = Math.floor(offset / DAY) % 7 < 5;
      return { count: weekday && offset % DAY === 20 * HOUR ? 8 : 0 };
    });
    const thirdMonday = MONDAY + 2 * WEEK;
    const learned = run(createCrowdDetector(), MONDAY, twoWeeks).state;
    expect(learned.level).toBe('none');
    const morning = run(learned, thirdMonday, repeat({ count: 0 }, 4 * 12)).state;
    const atFour = run(morning, thirdMonday + 4 * HOUR, repeat({ count: 8 }, 3));
    expect(atFour.verdicts[0]?.spike).toBe(true);
    expect(atFour.levels).toEqual(['none', 'possible', 'detected']);
    const evening = run(morning, thirdMonday + 4 * HOUR, repeat({ count: 0 }, 16 * 12)).state;
    const atEight = run(evening, thirdMonday + 20 * HOUR, [{ count: 8 }, { count: 0 }, { count: 0 }]);
    expect(atEight.verdicts[0]?.spike).toBe(false);
    expect(atEight.levels).toEqual(['none', 'none', 'none']);
  });

  it('gives the same baseline whether stepped every minute or every five minutes', () => {
    const perWindow = noise(5, 1.5, WINDOWS_PER_DAY);
    const fiveMinute = run(createCrowdDetector(), MONDAY, perWindow).state;
    let everyMinute = createCrowdDetector();
    perWindow.forEach((window, i) => {
      for (let minute = 0; minute < 5; minute++) {
        // Unaligned trailing windows carry other counts: they must not be learned.
        const count = minute === 0 ? window.count : window.count + 1;
        everyMinute = stepCrowdDetector(
          everyMinute,
          summary({ count }),
          MONDAY + i * WINDOW_MS + minute * MINUTE,
        ).state;
      }
    });
    expect(everyMinute.baseline).toEqual(fiveMinute.baseline);
  });

  it('detects a founding-outage surge within three minutes when evaluated every minute', () => {
    const { state, at } = learnedQuietDay();
    // Reports per minute, from near zero to hundreds within minutes (19 March 2021).
    const perMinute = [0, 0, 3, 9, 30, 120, 400, 900];
    const firstReportMinute = perMinute.findIndex((count) => count > 0);
    let next = state;
    let detectedAtMinute: number | null = null;
    for (let end = 1; end <= perMinute.length && detectedAtMinute === null; end++) {
      const count = perMinute.slice(Math.max(0, end - 5), end).reduce((a, b) => a + b, 0);
      const step = stepCrowdDetector(next, summary({ count, chats: 20 }), at + (end - 5) * MINUTE);
      next = step.state;
      if (step.verdict.level === 'detected') detectedAtMinute = end;
    }
    expect(detectedAtMinute).not.toBeNull();
    expect((detectedAtMinute ?? Infinity) - firstReportMinute).toBeLessThanOrEqual(3);
  });

  it('stops alerting within a day when normal volume rises for good', () => {
    const { state, at } = learnedQuietDay();
    const { levels } = run(state, at, repeat({ count: 20 }, WINDOWS_PER_DAY));
    expect(levels[0]).toBe('detected');
    const lastAlert = levels.lastIndexOf('detected');
    expect(lastAlert * WINDOW_MS).toBeGreaterThanOrEqual(MAX_BASELINE_FREEZE_MS);
    expect(levels.at(-1)).toBe('none');
  });

  it('rejects a window that is not after the previous one', () => {
    const first = stepCrowdDetector(createCrowdDetector(), summary({ count: 0 }), MONDAY).state;
    expect(() => stepCrowdDetector(first, summary({ count: 0 }), MONDAY)).toThrow(RangeError);
  });
});

describe('stepCrowdDetector properties', () => {
  const windowArb = fc.record({ count: fc.nat({ max: 60 }), chats: fc.integer({ min: 1, max: 8 }) });
  const scenarioArb = fc.record({
    windows: fc.array(windowArb, { minLength: 1, maxLength: 40 }),
    gaps: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 40, maxLength: 40 }),
    cut: fc.nat({ max: 39 }),
  });

  it('only ever returns known levels and p-values in [0, 1], and a JSON round trip changes nothing', () => {
    const learned = learnedQuietDay();
    fc.assert(
      fc.property(scenarioArb, ({ windows, gaps, cut }) => {
        let original = learned.state;
        let restored = learned.state;
        let at = learned.at;
        windows.forEach((window, i) => {
          const a = stepCrowdDetector(original, summary(window), at);
          const b = stepCrowdDetector(restored, summary(window), at);
          expect(CROWD_LEVELS).toContain(a.verdict.level);
          expect(a.verdict.pValue).toBeGreaterThanOrEqual(0);
          expect(a.verdict.pValue).toBeLessThanOrEqual(1);
          expect(b.verdict).toEqual(a.verdict);
          original = a.state;
          restored =
            i === cut
              ? crowdDetectorStateSchema.parse(JSON.parse(JSON.stringify(storedCrowdDetector(b.state))))
              : b.state;
          at += (gaps[i] ?? 1) * MINUTE;
        });
        expect(restored).toEqual(original);
      }),
      { numRuns: 150 },
    );
  });
});
