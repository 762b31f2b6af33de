import { DiscordAPIError, HTTPError } from 'discord.js';
import type { DeliveryResult } from '../../core/delivery/ports.js';

/**
 * Discord's JSON error codes the bot acts on (discord-api-docs topics/opcodes-and-status-codes.mdx
 * "JSON Error Codes"; platforms.md §1.1).
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

export function isUnknownMessage(err: unknown): boolean {
  return err instanceof DiscordAPIError && err.code === DiscordErrorCode.UnknownMessage;
}

/**
 * Classifies a failed REST call into a delivery result (DESIGN §4). @discordjs/rest has already
 * waited out 429s and retried 5xx by then, so what reaches here is final for this attempt:
 * - the channel is gone or closed to us → `permanent`, with the reason;
 * - anything else (5xx, network, timeout, abort, an unexpected 4xx such as 50035 from a renderer
 *   bug) → `transient`: the outbox backs off and eventually gives the row up, but never
 *   deactivates a chat for a fault of ours.
 */
export function classifyDiscordError(err: unknown): Exclude<DeliveryResult, { kind: 'sent' }> {
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
