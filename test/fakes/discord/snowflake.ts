/**
 * Snowflake ids as Discord builds them: milliseconds since the Discord epoch shifted left by 22 bits,
 * plus an increment, always as decimal strings (they exceed 2^53, docs/platforms.md §1.2).
 * https://discord.com/developers/docs/reference#snowflakes
 */

/** 2015-01-01T00:00:00.000Z, the first second of Discord snowflakes. */
export const DISCORD_EPOCH_MS = 1_420_070_400_000n;

const TIMESTAMP_SHIFT_BITS = 22n;

/** Hands out strictly increasing snowflakes, so ids sort in creation order like Discord's. */
export class SnowflakeGenerator {
  private last = 0n;

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** A new id, greater than every id this generator returned before. */
  next(): string {
    const fromClock = (BigInt(this.nowMs()) - DISCORD_EPOCH_MS) << TIMESTAMP_SHIFT_BITS;
    this.last = fromClock > this.last ? fromClock : this.last + 1n;
    return this.last.toString();
  }
}

/** Whether `value` looks like a snowflake: a decimal string of at most 20 digits. */
export function isSnowflake(value: string): boolean {
  return /^\d{1,20}$/.test(value);
}
