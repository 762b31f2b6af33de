import { DiscordAPIError, HTTPError, type RateLimitData, RateLimitError } from 'discord.js';
import type { DeliveryResult } from '../../core/delivery/ports.js';

/**
 * Discord's JSON error codes the bot acts on (discord-api-docs topics/opcodes-and-status-codes.mdx
 * "JSON Error Codes"; docs/platforms.md §1.1).
 */
export const DiscordErrorCode = {
  UnknownChannel: 10003,
  UnknownGuild: 10004,
  UnknownMessage: 10008,
  MissingAccess: 50001,
  MissingPermissions: 50013,
} as const;

/** Codes that mean the channel itself is gone or closed to the bot: the chat is deactivated. */
const CHAT_UNREACHABLE: Readonly<Record<number, string>> = {
  [DiscordErrorCode.UnknownChannel]: 'Unknown Channel (10003): the channel was deleted',
  [DiscordErrorCode.UnknownGuild]: 'Unknown Guild (10004): the bot is not in the server',
  [DiscordErrorCode.MissingAccess]: 'Missing Access (50001): the bot cannot see the channel',
  [DiscordErrorCode.MissingPermissions]: 'Missing Permissions (50013): the bot may not post there',
};

/** The reason recorded when Missing Permissions deactivated a chat; admins are told on their next command. */
export const MISSING_PERMISSIONS_REASON = CHAT_UNREACHABLE[DiscordErrorCode.MissingPermissions] ?? '';

/**
 * A wait @discordjs/rest sits out itself; a longer one is handed back to the outbox as
 * `rate-limited`, so a delivery does not hold its lease (and a worker slot) through it. Still one
 * retry layer: the queue waits, or the outbox does, never both.
 */
export const MAX_QUEUED_RATE_LIMIT_MS = 5_000;

/** For the REST client's `rejectOnRateLimit`: throw a RateLimitError instead of waiting long. */
export const rejectLongRateLimits = (data: RateLimitData): boolean =>
  data.retryAfter > MAX_QUEUED_RATE_LIMIT_MS;

export function isUnknownMessage(err: unknown): boolean {
  return err instanceof DiscordAPIError && err.code === DiscordErrorCode.UnknownMessage;
}

/**
 * Classifies a failed REST call into a delivery result (docs/design.md §4). @discordjs/rest has already
 * waited out short 429s and retried 5xx by then, so what reaches here is final for this attempt:
 * - a long 429 it refused to wait for ({@link rejectLongRateLimits}) → `rate-limited`;
 * - the channel is gone or closed to us → `permanent`, with the reason;
 * - anything else (5xx, network, timeout, abort, an unexpected 4xx such as 50035 from a renderer
 *   bug) → `transient`: the outbox backs off and eventually gives the row up, but never
 *   deactivates a chat for a fault of ours.
 */
export function classifyDiscordError(err: unknown): Exclude<DeliveryResult, { kind: 'sent' }> {
  if (err instanceof RateLimitError)
    return { kind: 'rate-limited', retryAfterMs: Math.ceil(err.retryAfter), global: err.global };
  if (err instanceof DiscordAPIError) {
    const reason = typeof err.code === 'number' ? CHAT_UNREACHABLE[err.code] : undefined;
    if (reason !== undefined) return { kind: 'permanent', reason };
    return { kind: 'transient', error: `Discord ${err.status} code ${String(err.code)}: ${err.message}` };
  }
  if (err instanceof HTTPError) return { kind: 'transient', error: `Discord HTTP ${err.status}` };
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { kind: 'transient', error: `${err.name}: ${err.message}${cause}` };
  }
  return { kind: 'transient', error: String(err) };
}
