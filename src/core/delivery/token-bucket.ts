/** `burst` messages at once, refilled at `burst` per `perMs` (e.g. 20 per 60 000 ms). */
export interface Rate {
  readonly burst: number;
  readonly perMs: number;
}

/** Float slack so a bucket refilled for exactly the computed wait counts as having its token. */
const EPSILON = 1e-9;

/**
 * A token bucket with time passed in (the caller's Clock), so pacing is deterministic under test.
 * `delay` says how long until one send is allowed; `take` spends a token; `pauseUntil` blocks it
 * entirely (a 429's `retry_after`).
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private pausedUntil = Number.NEGATIVE_INFINITY;

  constructor(
    readonly rate: Rate,
    now: number,
  ) {
    this.tokens = rate.burst;
    this.updatedAt = now;
  }

  /** Milliseconds until a send is allowed; 0 = now. */
  delay(now: number): number {
    this.refill(now);
    const pause = Math.max(0, this.pausedUntil - now);
    const refill =
      this.tokens >= 1 - EPSILON ? 0 : Math.ceil(((1 - this.tokens) * this.rate.perMs) / this.rate.burst);
    return Math.max(pause, refill);
  }

  /** Spends one token (call when `delay(now)` is 0). */
  take(now: number): void {
    this.refill(now);
    this.tokens = Math.max(this.tokens - 1, -this.rate.burst);
  }

  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  /** Full and not paused: indistinguishable from a new bucket, so it can be forgotten. */
  isIdle(now: number): boolean {
    this.refill(now);
    return now >= this.pausedUntil && this.tokens >= this.rate.burst - EPSILON;
  }

  private refill(now: number): void {
    if (now <= this.updatedAt) return;
    this.tokens = Math.min(
      this.rate.burst,
      this.tokens + ((now - this.updatedAt) * this.rate.burst) / this.rate.perMs,
    );
    this.updatedAt = now;
  }
}
