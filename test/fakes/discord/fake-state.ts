/**
 * The state route handlers and the gateway share.
 */
import type { CommandStore } from './command-store.js';
import type { BotUser, GuildStore } from './guild-store.js';
import type { MessageStore } from './message-store.js';
import type { RateLimiter } from './rate-limits.js';
import type { CallRecord, InteractionRecord } from './records.js';
import type { SnowflakeGenerator } from './snowflake.js';

/** Interaction deadlines (https://discord.com/developers/docs/interactions/receiving-and-responding). */
export interface InteractionTiming {
  /** The initial response must arrive within this; Discord: 3 s. Later → 404 10062. */
  callbackWindowMs: number;
  /** Follow-ups and edits work for this long; Discord: 15 min. Later → 401 50027. */
  tokenLifetimeMs: number;
}

/** Gateway sharding (https://discord.com/developers/docs/events/gateway#sharding). */
export interface ShardingState {
  /** What `GET /gateway/bot` recommends as `shards`. */
  recommendedShards: number;
  /** A session whose shard would hold more guilds than this is closed with 4011; Discord: 2,500. */
  readonly maxGuildsPerShard: number;
  /**
   * `session_start_limit.max_concurrency`: discord.js identifies shards `id % max_concurrency`
   * apart in parallel and waits 5 s between the others. Discord: 1, more for large bots.
   */
  readonly maxConcurrency: number;
}

export interface FakeState {
  readonly token: string;
  readonly applicationId: string;
  readonly bot: BotUser;
  readonly ids: SnowflakeGenerator;
  readonly guilds: GuildStore;
  readonly messages: MessageStore;
  readonly commands: CommandStore;
  readonly limiter: RateLimiter;
  /** By interaction id. */
  readonly interactions: Map<string, InteractionRecord>;
  readonly calls: CallRecord[];
  readonly timing: InteractionTiming;
  /** Largest file a message may carry (the `attachment_size_limit` interactions report). */
  readonly attachmentSizeLimitBytes: number;
  readonly sharding: ShardingState;
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  origin(): string;
  /**
   * Sends a dispatch (op 0) to every gateway session, or for a guild's event (`guildId` set) to
   * the sessions of the guild's shard. Returns how many sessions got it.
   */
  dispatch(event: string, data: Record<string, unknown>, guildId?: string): number;
  /** Reports a route the fake does not implement. */
  reportUnknownRoute(method: string, path: string): void;
  nowMs(): number;
  /** Wakes `waitFor` waiters. */
  changed(): void;
}
