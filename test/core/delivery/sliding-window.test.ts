import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../../src/core/delivery/sliding-window.js';
import { TokenBucket } from '../../../src/core/delivery/token-bucket.js';

const T0 = 1_700_000_000_000;
const GROUP = { burst: 20, perMs: 60_000 };

/** Sends as many as allowed, each as soon as allowed, from T0 for `spanMs`: their times. */
function greedy(limit: { delay(now: number): number; take(now: number): void }, spanMs: number): number[] {
  const sent: number[] = [];
  for (let now = T0; now < T0 + spanMs;) {
    const wait = limit.delay(now);
    if (wait > 0) {
      now += wait;
      continue;
    }
    limit.take(now);
    sent.push(now);
  }
  return sent;
}

/** The most sends inside any window of `perMs` (a send exactly `perMs` after another is outside its window). */
function busiestWindow(times: readonly number[], perMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= perMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe('sliding window', () => {
  it('lets a burst of 20 through and the 21st only when the first has left the minute', () => {
    const window = new SlidingWindow(GROUP);
    for (let i = 0; i < 20; i++) {
      expect(window.delay(T0 + i)).toBe(0);
      window.take(T0 + i);
    }
    expect(window.delay(T0 + 20)).toBe(60_000 - 20);
    expect(window.delay(T0 + 60_000)).toBe(0);
    expect(window.isIdle(T0 + 60_000)).toBe(false);
    expect(window.isIdle(T0 + 60_019)).toBe(true);
  });

  it('holds 20 a minute where a token bucket of the same rate lets nearly twice that into one', () => {
    const bucket = greedy(new TokenBucket(GROUP, T0), 10 * 60_000);
    const window = greedy(new SlidingWindow(GROUP), 10 * 60_000);
    // The bucket: its 20 at once, then one every 3 s refilled, 19 of them still inside that minute.
    expect(busiestWindow(bucket, GROUP.perMs)).toBe(39);
    expect(busiestWindow(window, GROUP.perMs)).toBe(20);
    // The same long-run rate: 20 a minute.
    expect(window.length).toBe(200);
  });

  it('never allows more than its limit in any window, whatever the order of sends and replays', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 10, max: 5_000 }),
        fc.array(fc.record({ gap: fc.nat(3_000), replay: fc.option(fc.nat(10_000), { nil: undefined }) }), {
          maxLength: 60,
        }),
        (burst, perMs, steps) => {
          const window = new SlidingWindow({ burst, perMs });
          const sent: number[] = [];
          let now = T0 + 20_000;
          for (const step of steps) {
            now += step.gap;
            if (step.replay !== undefined) {
              // A send the previous leader made: counted, whether or not it kept to the limit.
              window.take(now - step.replay);
              sent.push(now - step.replay);
            } else if (window.delay(now) === 0) {
              window.take(now);
              // Only sends this window allowed are checked against the limit, with all counted ones.
              const counted = [...sent, now].sort((a, b) => a - b);
              const inWindow = counted.filter((t) => t > now - perMs && t <= now).length;
              expect(inWindow).toBeLessThanOrEqual(burst);
              sent.push(now);
            }
          }
        },
      ),
    );
  });

  it('waits out a pause, and refuses a fractional burst', () => {
    const window = new SlidingWindow({ burst: 1, perMs: 1000 });
    window.pauseUntil(T0 + 5000);
    expect(window.delay(T0)).toBe(5000);
    expect(window.isIdle(T0)).toBe(false);
    expect(() => new SlidingWindow({ burst: 1.5, perMs: 1000 })).toThrow(/whole number/);
  });
});
