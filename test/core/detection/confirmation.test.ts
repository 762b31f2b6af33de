import { describe, expect, it } from 'vitest';
import {
  BACKGROUND_MEMORY,
  type Cadence,
  FALSE_ALARM_BUDGET,
  MAX_CONFIRMATIONS,
  MIN_CONFIRMATIONS,
  PRIOR_BACKGROUND,
  checksPerBudgetPeriod,
  confirmationsForRate,
  RECHECK_MAX_MS,
  detectionTargetMs,
  detectionTimeMs,
  downConfirmation,
  learnBackground,
  minStreakSpanMs,
  recheckDelayMs,
  recheckFits,
  streakGapMs,
  targetMet,
  upperFailureRate,
} from '../../../src/core/detection/confirmation.js';
import {
  type MonitorRecord,
  initialMonitorRecord,
  stepMonitor,
} from '../../../src/core/detection/monitor-state.js';
import type { ProbeOutcome } from '../../../src/core/model.js';
import { readDocTable } from '../../helpers/doc-table.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

describe('confirmationsForRate', () => {
  const table = readDocTable(
    new URL('../../../src/core/detection/confirmation.ts', import.meta.url),
    'confirmationsForRate',
  ).map(([rate = '', at60 = '', at1 = '']) => ({ rate: Number(rate), at60: Number(at60), at1: Number(at1) }));

  it('has a table of rates from clean to very noisy', () => {
    expect(table.length).toBeGreaterThanOrEqual(8);
    for (const row of table) expect(row.rate).toBeGreaterThan(0);
  });

  it.each(table)('rate $rate needs $at60 at 60 s and $at1 at 1 s', ({ rate, at60, at1 }) => {
    expect(confirmationsForRate(rate, MINUTE)).toBe(at60);
    expect(confirmationsForRate(rate, SECOND)).toBe(at1);
  });

  it.each(table)('rate $rate: the count meets the budget and one less would not', ({ rate, at60, at1 }) => {
    for (const [intervalMs, k] of [
      [MINUTE, at60],
      [SECOND, at1],
    ] as const) {
      const checks = checksPerBudgetPeriod(intervalMs);
      expect(checks * rate ** k).toBeLessThanOrEqual(FALSE_ALARM_BUDGET);
      if (k > MIN_CONFIRMATIONS) expect(checks * rate ** (k - 1)).toBeGreaterThan(FALSE_ALARM_BUDGET);
    }
  });

  it('never asks for fewer than two, and for infinitely many at a rate of 1', () => {
    expect(confirmationsForRate(0, SECOND)).toBe(MIN_CONFIRMATIONS);
    expect(confirmationsForRate(1e-9, MINUTE)).toBe(MIN_CONFIRMATIONS);
    expect(confirmationsForRate(1, MINUTE)).toBe(Number.POSITIVE_INFINITY);
  });

  it('counts the checks of 90 days at the interval', () => {
    expect(checksPerBudgetPeriod(MINUTE)).toBe(129_600);
    expect(checksPerBudgetPeriod(SECOND)).toBe(7_776_000);
  });
});

describe('downConfirmation', () => {
  it('caps the count at MAX_CONFIRMATIONS and says when the budget is then not met', () => {
    // 30 % of checks failing, every second: 14 would be needed.
    const noisy = downConfirmation({ checks: 5000, failures: 1500 }, SECOND);
    expect(noisy).toMatchObject({ needed: MAX_CONFIRMATIONS, budgetMet: false });
    expect(noisy.rate).toBeGreaterThan(0.3);
    const clean = downConfirmation({ checks: 5000, failures: 0 }, MINUTE);
    expect(clean).toMatchObject({ needed: 2, budgetMet: true });
  });

  it('asks a learned 5 % monitor for more than a 1 % one, and a clean one for two at 60 s', () => {
    const at = (p: number, intervalMs: number) =>
      downConfirmation({ checks: BACKGROUND_MEMORY, failures: BACKGROUND_MEMORY * p }, intervalMs).needed;
    expect(at(0, MINUTE)).toBe(2);
    expect(at(0.01, MINUTE)).toBe(3);
    expect(at(0.05, MINUTE)).toBe(5);
    expect(at(0.1, MINUTE)).toBe(6);
    expect(at(0.05, SECOND)).toBe(6);
    expect(at(0.1, SECOND)).toBe(8);
  });

  it('starts a fresh monitor from a conservative prior that real checks outweigh', () => {
    expect(upperFailureRate(PRIOR_BACKGROUND)).toBeGreaterThan(0.15);
    expect(downConfirmation(PRIOR_BACKGROUND, MINUTE).needed).toBe(8);
    expect(downConfirmation(PRIOR_BACKGROUND, SECOND).needed).toBe(MAX_CONFIRMATIONS);
    const needed = [100, 500, 2000].map(
      (n) => downConfirmation(learnBackground(PRIOR_BACKGROUND, 0, n), MINUTE).needed,
    );
    expect(needed).toEqual([4, 3, 2]);
  });
});

describe('upperFailureRate and learnBackground', () => {
  it('bounds the observed rate from above, more tightly with more checks', () => {
    for (const p of [0, 0.01, 0.05, 0.1]) {
      const few = upperFailureRate({ checks: 100, failures: 100 * p });
      const many = upperFailureRate({ checks: 5000, failures: 5000 * p });
      expect(many).toBeGreaterThan(p);
      expect(few).toBeGreaterThan(many);
    }
    expect(upperFailureRate({ checks: 0, failures: 0 })).toBe(1);
  });

  it('decays old checks so the counts saturate at BACKGROUND_MEMORY', () => {
    const bg = learnBackground({ checks: 0, failures: 0 }, 0, 50 * BACKGROUND_MEMORY);
    expect(bg.checks).toBeLessThanOrEqual(BACKGROUND_MEMORY + 1e-6);
    expect(bg.checks).toBeGreaterThan(BACKGROUND_MEMORY * 0.99);
  });

  it('learns a batch the same as one check at a time', () => {
    let one = PRIOR_BACKGROUND;
    for (let i = 0; i < 3; i++) one = learnBackground(one, 1, 0);
    for (let i = 0; i < 40; i++) one = learnBackground(one, 0, 1);
    const batch = learnBackground(PRIOR_BACKGROUND, 3, 40);
    expect(batch.checks).toBeCloseTo(one.checks, 9);
    expect(batch.failures).toBeCloseTo(one.failures, 9);
  });
});

describe('recheckDelayMs', () => {
  it('re-checks after 2 s, 4 s, then every 8 s', () => {
    expect([1, 2, 3, 4, 9, 100].map((n) => recheckDelayMs(n, MINUTE))).toEqual([
      2000, 4000, 8000, 8000, 8000, 8000,
    ]);
  });

  it('never waits as long as the interval, and has nothing to re-check without a streak', () => {
    expect(recheckDelayMs(1, SECOND)).toBeNull();
    expect(recheckDelayMs(1, 2 * SECOND)).toBeNull();
    expect(recheckDelayMs(1, 3 * SECOND)).toBe(2000);
    expect(recheckDelayMs(2, 4 * SECOND)).toBeNull();
    expect(recheckDelayMs(0, MINUTE)).toBeNull();
  });

  it('re-checks at once after a check that timed out: the timeout already waited', () => {
    expect([1, 2, 5].map((n) => recheckDelayMs(n, MINUTE, true))).toEqual([0, 0, 0]);
  });

  it('fits a re-check only if it ends before the next regular slot', () => {
    expect(recheckFits(T0, 10 * SECOND, T0 + 11 * SECOND)).toBe(true);
    expect(recheckFits(T0, 10 * SECOND, T0 + 10 * SECOND)).toBe(false);
  });
});

describe('detection target: a real outage is confirmed within two intervals plus 30 s where the cadence allows it', () => {
  const DOWN: Pick<ProbeOutcome, 'status' | 'reason' | 'message'> = {
    status: 'down',
    reason: 'timeout',
    message: 'timed out',
  };

  /**
   * An outage starting at `start`, checked the way the scheduler does it: the first check on the
   * monitor's grid after the start (`phase` later), then re-checks by `recheckDelayMs` (at once after
   * a timeout) when they end before the next grid slot, each failed check taking `checkMs`; a grid
   * slot falling while a check runs is skipped. Returns when the monitor went down and on how many.
   */
  function confirmedAfter(
    record: MonitorRecord,
    cadence: Cadence,
    phase: number,
    checkMs: number,
  ): { delay: number; failures: number } {
    const start = T0;
    const grid = (t: number) =>
      start + phase + Math.floor((t - start - phase) / cadence.intervalMs + 1) * cadence.intervalMs;
    let check = start + phase;
    let r = record;
    for (let i = 1; i < 1000; i++) {
      const result = check + checkMs;
      r = stepMonitor(r, DOWN, result, { down: 'auto', up: 2 }, undefined, cadence).record;
      if (r.state === 'down') return { delay: result - start, failures: i };
      const delay = recheckDelayMs(r.pending?.count ?? 0, cadence.intervalMs, checkMs >= cadence.timeoutMs);
      const nextGrid = grid(result);
      check =
        delay !== null && recheckFits(result + delay, cadence.timeoutMs, nextGrid)
          ? result + delay
          : nextGrid;
    }
    throw new Error('never confirmed');
  }

  const cadences: Cadence[] = [
    { intervalMs: MINUTE, timeoutMs: 10 * SECOND },
    { intervalMs: MINUTE, timeoutMs: 30 * SECOND },
    { intervalMs: 30 * SECOND, timeoutMs: 5 * SECOND },
    { intervalMs: 10 * SECOND, timeoutMs: 10 * SECOND },
    { intervalMs: 5 * MINUTE, timeoutMs: 10 * SECOND },
    { intervalMs: SECOND, timeoutMs: 800 },
    { intervalMs: SECOND, timeoutMs: 10 * SECOND },
  ];
  const up = (background: MonitorRecord['background']): MonitorRecord => ({
    ...initialMonitorRecord(T0 - MINUTE),
    state: 'up',
    ...(background ? { background } : {}),
  });
  const histories: [string, MonitorRecord][] = [
    ['fresh', up(PRIOR_BACKGROUND)],
    ['clean', up({ checks: 5000, failures: 0 })],
    ['5 % noisy', up({ checks: 5000, failures: 250 })],
    ['10 % noisy', up({ checks: 5000, failures: 500 })],
    ['30 % noisy', up({ checks: 5000, failures: 1500 })],
  ];

  it.each(cadences)(
    'every $intervalMs ms, timeout $timeoutMs ms: never below the budget, in time where targetMet says so',
    (cadence) => {
      const target = detectionTargetMs(cadence.intervalMs);
      for (const [name, record] of histories) {
        const { needed } = downConfirmation(record.background ?? PRIOR_BACKGROUND, cadence.intervalMs);
        const met = targetMet(needed, cadence);
        for (const checkMs of [5, cadence.timeoutMs]) {
          // The worst phase: the outage began just after a check started.
          const worst = confirmedAfter(record, cadence, cadence.intervalMs, checkMs);
          expect(worst.failures, `${name}, check ${checkMs} ms`).toBeGreaterThanOrEqual(needed);
          expect(worst.delay, `${name}, check ${checkMs} ms`).toBe(detectionTimeMs(needed, cadence, checkMs));
          // Refused checks of a few ms each add those ms to the target.
          const slack = checkMs < cadence.timeoutMs ? worst.failures * checkMs : 0;
          if (met) expect(worst.delay, `${name}, check ${checkMs} ms`).toBeLessThanOrEqual(target + slack);
          for (const phase of [1, cadence.intervalMs / 2]) {
            const other = confirmedAfter(record, cadence, phase, checkMs);
            expect(other.failures).toBeGreaterThanOrEqual(needed);
            expect(other.delay).toBeLessThanOrEqual(worst.delay);
          }
        }
      }
    },
  );

  it('a fresh monitor at the defaults (60 s, 10 s timeout) meets the target, refused or timing out', () => {
    const cadence = { intervalMs: MINUTE, timeoutMs: 10 * SECOND };
    const { needed } = downConfirmation(PRIOR_BACKGROUND, MINUTE);
    expect(needed).toBe(8);
    expect(targetMet(needed, cadence)).toBe(true);
    expect(detectionTimeMs(needed, cadence, cadence.timeoutMs)).toBeLessThanOrEqual(
      detectionTargetMs(MINUTE),
    );
  });

  it('says when a cadence cannot fit the count in time, instead of confirming on fewer', () => {
    // Timeouts of 30 s at 60 s: only two fit in 2.5 minutes.
    expect(targetMet(2, { intervalMs: MINUTE, timeoutMs: 30 * SECOND })).toBe(true);
    expect(targetMet(3, { intervalMs: MINUTE, timeoutMs: 30 * SECOND })).toBe(false);
    // Every second with the default 10 s timeout: a timed-out check holds the next slots.
    expect(targetMet(3, { intervalMs: SECOND, timeoutMs: 10 * SECOND })).toBe(false);
    expect(targetMet(MAX_CONFIRMATIONS, { intervalMs: SECOND, timeoutMs: 800 })).toBe(true);
  });
});

describe('minStreakSpanMs and streakGapMs', () => {
  it('asks a streak to span half an interval, at most 30 s', () => {
    expect(minStreakSpanMs(MINUTE)).toBe(30 * SECOND);
    expect(minStreakSpanMs(5 * MINUTE)).toBe(30 * SECOND);
    expect(minStreakSpanMs(10 * SECOND)).toBe(5 * SECOND);
  });

  it('lets results of one streak be an interval, a timeout and the longest re-check delay apart', () => {
    expect(streakGapMs({ intervalMs: MINUTE, timeoutMs: 10 * SECOND })).toBe(
      MINUTE + 10 * SECOND + RECHECK_MAX_MS,
    );
  });
});
