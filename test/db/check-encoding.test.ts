import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTCOME_REASONS, STATES } from '../../src/core/model.js';
import {
  HOUR_MS,
  type HourBucket,
  type RawCheck,
  decodeChunk,
  decodeDay,
  encodeCheck,
  encodeDay,
  summariseHour,
} from '../../src/db/check-encoding.js';

const SEED = 20240115;
const HOUR = Math.floor(Date.UTC(2024, 0, 15, 10) / HOUR_MS);

const check = (at: number, status: RawCheck['status'], latencyMs: number | null): RawCheck => ({
  at,
  status,
  reason: status === 'down' ? 'timeout' : 'ok',
  latencyMs,
});

const rawCheck = (hour: number): fc.Arbitrary<RawCheck> =>
  fc.record({
    at: fc.integer({ min: hour * HOUR_MS, max: (hour + 1) * HOUR_MS - 1 }),
    status: fc.constantFrom(...STATES),
    reason: fc.constantFrom(...OUTCOME_REASONS),
    latencyMs: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: null }),
  });

const hourBucket: fc.Arbitrary<HourBucket> = fc.integer({ min: 1, max: 100_000 }).chain((count) =>
  fc.record({
    count: fc.constant(count),
    failures: fc.integer({ min: 0, max: count }),
    degraded: fc.integer({ min: 0, max: count }),
    p50: fc.option(fc.integer({ min: 0, max: 600_000 }), { nil: null }),
    p95: fc.option(fc.integer({ min: 0, max: 600_000 }), { nil: null }),
  }),
);

describe('raw check encoding', () => {
  it('decodes a chunk of appended checks to exactly what was encoded', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.array(rawCheck(0), { maxLength: 80 }),
        (hour, checks) => {
          const shifted = checks.map((c) => ({ ...c, at: c.at + hour * HOUR_MS }));
          const chunk = Buffer.concat(shifted.map(encodeCheck));
          expect(decodeChunk(hour, chunk)).toEqual(shifted);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('packs a typical check into about 7 bytes (the budget in 001_core.sql)', () => {
    expect(encodeCheck(check(HOUR * HOUR_MS + 59 * 60_000, 'up', 180)).length).toBeLessThanOrEqual(7);
  });

  it('throws on a truncated chunk rather than inventing a check', () => {
    const bytes = encodeCheck(check(HOUR * HOUR_MS + 3_599_999, 'up', 1234));
    expect(() => decodeChunk(HOUR, bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
  });
});

describe('roll-up day encoding', () => {
  it('round-trips any day of hourly buckets, empty hours included', () => {
    fc.assert(
      fc.property(fc.array(fc.option(hourBucket, { nil: null }), { maxLength: 24 }), (slots) => {
        expect(decodeDay(encodeDay(slots))).toEqual(slots);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('keeps empty hours in the middle and at the end of a day', () => {
    const busy: HourBucket = { count: 60, failures: 2, degraded: 1, p50: 120, p95: 480 };
    const slots = [null, busy, null, null, { ...busy, p50: null, p95: null }, null];
    expect(decodeDay(encodeDay(slots))).toEqual(slots);
  });

  it('encodes an empty day as no bytes', () => {
    expect(decodeDay(encodeDay([]))).toEqual([]);
  });
});

describe('summariseHour', () => {
  it('computes nearest-rank p50 and p95 over measured latencies', () => {
    const checks = Array.from({ length: 20 }, (_, i) => check(HOUR * HOUR_MS + i * 1000, 'up', (i + 1) * 10));
    expect(summariseHour(checks)).toEqual({ count: 20, failures: 0, degraded: 0, p50: 100, p95: 190 });
  });

  it('ignores checks without a latency for percentiles but counts them', () => {
    const checks = [
      check(HOUR * HOUR_MS, 'down', null),
      check(HOUR * HOUR_MS + 1, 'degraded', 900),
      check(HOUR * HOUR_MS + 2, 'up', 100),
      check(HOUR * HOUR_MS + 3, 'down', null),
    ];
    expect(summariseHour(checks)).toEqual({ count: 4, failures: 2, degraded: 1, p50: 100, p95: 900 });
  });

  it('has no percentiles when nothing was measured', () => {
    expect(summariseHour([check(HOUR * HOUR_MS, 'down', null)])).toMatchObject({ p50: null, p95: null });
  });
});
