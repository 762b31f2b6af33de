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

/**
 * The shard that receives a guild's events when the bot runs `shardCount` shards:
 * `(guild_id >> 22) % shardCount` (https://discord.com/developers/docs/events/gateway#sharding).
 */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> TIMESTAMP_SHIFT_BITS) % BigInt(shardCount));
}

/** 2024-01-01T00:00:00.000Z: ids made by {@link guildIdOnShard} are older than the generator's. */
const SHARD_ID_BASE_MS = 1_704_067_200_000n - DISCORD_EPOCH_MS;

/**
 * A snowflake for a guild that shard `shardId` of `shardCount` owns; `n` picks a different one
 * (0, 1, 2, … give distinct ids on the same shard). For tests that place guilds on shards.
 */
export function guildIdOnShard(shardId: number, shardCount: number, n = 0): string {
  const count = BigInt(shardCount);
  const offset = (BigInt(shardId) - (SHARD_ID_BASE_MS % count) + count) % count;
  return ((SHARD_ID_BASE_MS + offset + count * BigInt(n)) << TIMESTAMP_SHIFT_BITS).toString();
}
