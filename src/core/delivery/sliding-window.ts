import type { Rate } from './token-bucket.js';

/**
 * At most `rate.burst` sends in any `rate.perMs` milliseconds: a limit as Telegram states a group's
 * (20 messages a minute) and enforces it, over a sliding window. A token bucket of the same rate
 * lets its burst out and then keeps refilling, so after a burst it admits up to twice the limit
 * into one window; this log of the last `burst` send times admits exactly the limit. Time is
 * passed in (the caller's Clock).
 */
export class SlidingWindow {
  /** Times of the latest sends, oldest first, at most `burst` of them. */
  private readonly sends: number[] = [];
  private pausedUntil = Number.NEGATIVE_INFINITY;

  constructor(readonly rate: Rate) {
    if (!Number.isInteger(rate.burst) || rate.burst < 1 || !(rate.perMs > 0)) {
      throw new Error(
        `a sliding window needs a whole number of sends ≥ 1 per positive period, not ${rate.burst} per ${rate.perMs} ms`,
      );
    }
  }

  /** Milliseconds until a send is allowed; 0 = now. */
  delay(now: number): number {
    const pause = this.pausedUntil - now;
    const full = this.sends.length >= this.rate.burst ? this.sends[0]! + this.rate.perMs - now : 0;
    return Math.max(0, pause, Math.ceil(full));
  }

  /** Counts a send at `at` (now, or a replayed earlier one). */
  take(at: number): void {
    let i = this.sends.length;
    while (i > 0 && this.sends[i - 1]! > at) i--;
    this.sends.splice(i, 0, at);
    if (this.sends.length > this.rate.burst) this.sends.shift();
  }

  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  /** No send in the window and not paused: indistinguishable from a new one, so it can be forgotten. */
  isIdle(now: number): boolean {
    const last = this.sends[this.sends.length - 1];
    return now >= this.pausedUntil && (last === undefined || last + this.rate.perMs <= now);
  }
}
