import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anscombeScore, poissonUpperTail } from '../../../src/core/crowd/poisson-test.js';

/** P(X ≥ x) by summing the mass from x upwards with plain products: fine for small λ and x. */
function referenceUpperTail(x: number, lambda: number): number {
  let mass = Math.exp(-lambda);
  for (let k = 1; k <= x; k++) mass *= lambda / k;
  let sum = 0;
  for (let k = x; k < x + 400; k++) {
    sum += mass;
    mass *= lambda / (k + 1);
  }
  return sum;
}

describe('poissonUpperTail', () => {
  // Reference values computed independently with mpmath at 40 digits.
  const known: readonly [number, number, number][] = [
    [5, 1, 0.00365984682734],
    [1, 1, 1 - Math.exp(-1)],
    [5, 0.2, 2.25819055296e-6],
    [5, 0.3, 1.57850405417e-5],
    [8, 1.6, 0.000260440152934],
    [100, 100, 0.513298798279],
    [15, 0.2, 2.07754405226e-23],
  ];
  it.each(known)('P(X ≥ %d | λ = %d) ≈ %d', (x, lambda, p) => {
    expect(poissonUpperTail(x, lambda) / p).toBeCloseTo(1, 10);
  });

  it('is 1 for x ≤ 0 and 0 for x > 0 when λ = 0', () => {
    expect(poissonUpperTail(0, 3.5)).toBe(1);
    expect(poissonUpperTail(-2, 0)).toBe(1);
    expect(poissonUpperTail(1, 0)).toBe(0);
  });

  it('rounds a fractional count up', () => {
    expect(poissonUpperTail(4.2, 1)).toBe(poissonUpperTail(5, 1));
  });

  it('stays finite for huge counts and rates', () => {
    for (const [x, lambda] of [
      [1e6, 0.2],
      [1e9, 5],
      [Infinity, 1],
      [2e6, 1e6],
      [1e6, 1e6],
      [5e5, 1e6],
    ] as const) {
      const p = poissonUpperTail(x, lambda);
      expect(Number.isFinite(p)).toBe(true);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }
    expect(poissonUpperTail(1e6, 0.2)).toBe(0);
    expect(poissonUpperTail(1e6, 1e6)).toBeCloseTo(0.5, 2);
    expect(poissonUpperTail(5e5, 1e6)).toBe(1);
  });

  it('rejects a NaN count or an impossible rate', () => {
    expect(() => poissonUpperTail(Number.NaN, 1)).toThrow(RangeError);
    expect(() => poissonUpperTail(3, -1)).toThrow(RangeError);
    expect(() => poissonUpperTail(3, Infinity)).toThrow(RangeError);
  });

  it('matches a direct summation for small counts and rates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0.01, max: 30, noNaN: true }),
        (x, lambda) => {
          const expected = referenceUpperTail(x, lambda);
          const actual = poissonUpperTail(x, lambda);
          expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 + 1e-9 * expected);
        },
      ),
    );
  });

  it('is a probability that falls as x grows and rises with λ', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 5_000, noNaN: true }),
        (x, lambda) => {
          const p = poissonUpperTail(x, lambda);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
          expect(poissonUpperTail(x + 1, lambda)).toBeLessThanOrEqual(p + 1e-12);
          expect(poissonUpperTail(x, lambda * 1.1 + 0.01)).toBeGreaterThanOrEqual(p - 1e-12);
        },
      ),
    );
  });
});

describe('anscombeScore', () => {
  it('is 0 at the mean and about 4 for a clear spike', () => {
    expect(anscombeScore(3, 3)).toBe(0);
    expect(anscombeScore(8, 0.2)).toBeCloseTo(2 * (Math.sqrt(8.375) - Math.sqrt(0.575)), 12);
    expect(anscombeScore(0, 5)).toBeLessThan(0);
  });
});
