/**
 * The checks Discord makes before touching a channel for the bot, in the order that decides which
 * error wins: 10003 Unknown Channel, 50001 Missing Access, 50013 Missing Permissions.
 * https://discord.com/developers/docs/topics/opcodes-and-status-codes#json ; docs/platforms.md §1.1.
 */
import { apiErrors } from './api-error.js';
import type { FakeState } from './fake-state.js';
import type { ChannelRecord, GuildRecord } from './guild-store.js';
import { PermissionBits } from './permissions.js';

/** Resolves a channel the bot can see, else throws the error Discord would answer. */
export function visibleChannel(
  state: FakeState,
  channelId: string,
): { channel: ChannelRecord; guild: GuildRecord } {
  const channel = state.guilds.channels.get(channelId);
  const guild = channel === undefined ? undefined : state.guilds.guilds.get(channel.guildId);
  if (channel === undefined || channel.deleted || guild === undefined) throw apiErrors.unknownChannel();
  if (guild.removed) throw apiErrors.missingAccess();
  if ((state.guilds.permissionsIn(channel, state.bot.id) & PermissionBits.ViewChannel) === 0n)
    throw apiErrors.missingAccess();
  return { channel, guild };
}

/** Like {@link visibleChannel}, and the bot must also have every bit of `needed`. */
export function channelWith(
  state: FakeState,
  channelId: string,
  needed: bigint,
): { channel: ChannelRecord; guild: GuildRecord } {
  const found = visibleChannel(state, channelId);
  if ((state.guilds.permissionsIn(found.channel, state.bot.id) & needed) !== needed)
    throw apiErrors.missingPermissions();
  return found;
}

/** A guild the bot is in, else 10004 (never existed) or 50001 (bot removed). */
export function memberGuild(state: FakeState, guildId: string): GuildRecord {
  const guild = state.guilds.guilds.get(guildId);
  if (guild === undefined) throw apiErrors.unknownGuild();
  if (guild.removed) throw apiErrors.missingAccess();
  return guild;
}
