/**
 * API objects built from the fake's records, with the fields discord.js reads when it caches them
 * (https://discord.com/developers/docs/resources/guild, /channel, /user, /message).
 */
import type { BotUser, ChannelRecord, GuildRecord, MemberRecord, RoleRecord } from './guild-store.js';
import type { MessageRecord } from './records.js';

type Json = Record<string, unknown>;

/** Message type 0 DEFAULT, 19 REPLY, 20 CHAT_INPUT_COMMAND. */
const MESSAGE_TYPE = { default: 0, reply: 19, chatInput: 20 } as const;

/** A user object; bots get `bot: true`. */
export function userPayload(user: { id: string; username: string; isBot?: boolean }): Json {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: null,
    avatar: null,
    ...(user.isBot === true ? { bot: true } : {}),
    flags: 0,
    public_flags: 0,
  };
}

/** The bot's own user, as READY and `GET /users/@me` show it. */
export function botUserPayload(bot: BotUser): Json {
  return { ...userPayload({ ...bot, isBot: true }), verified: true, mfa_enabled: false, email: null };
}

export function rolePayload(role: RoleRecord): Json {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.botId !== undefined,
    mentionable: false,
    flags: 0,
    ...(role.botId === undefined ? {} : { tags: { bot_id: role.botId } }),
  };
}

export function channelPayload(channel: ChannelRecord): Json {
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    permission_overwrites: channel.overwrites.map((ow) => ({
      id: ow.id,
      type: ow.type,
      allow: ow.allow.toString(),
      deny: ow.deny.toString(),
    })),
    parent_id: channel.thread?.parentId ?? null,
    ...(channel.thread === undefined
      ? {}
      : {
          owner_id: channel.thread.ownerId,
          thread_metadata: {
            archived: channel.thread.archived,
            auto_archive_duration: channel.thread.autoArchiveDuration,
            archive_timestamp: new Date().toISOString(),
            locked: false,
          },
          message_count: 0,
          member_count: 1,
        }),
    topic: channel.topic,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
}

export function memberPayload(member: MemberRecord): Json {
  return {
    user: userPayload(member),
    nick: member.nick,
    avatar: null,
    banner: null,
    roles: member.roleIds,
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
  };
}

/** The guild object of `GET /guilds/{id}` (without channels and members). */
export function guildPayload(guild: GuildRecord): Json {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: guild.preferredLocale,
    features: [],
    roles: guild.roles.map(rolePayload),
    emojis: [],
    stickers: [],
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    max_members: 500_000,
  };
}

/** GUILD_CREATE's guild: the guild object plus channels, members and the other gateway-only lists. */
export function guildCreatePayload(guild: GuildRecord): Json {
  const channels = guild.channels.filter((c) => !c.deleted);
  return {
    ...guildPayload(guild),
    joined_at: guild.members.values().next().value?.joinedAt ?? new Date().toISOString(),
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    members: [...guild.members.values()].map(memberPayload),
    channels: channels.map(channelPayload),
    threads: [],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

/** A message object as returned by Create Message and the webhook routes. */
export function messagePayload(
  message: MessageRecord,
  bot: BotUser,
  applicationId: string,
  attachmentBaseUrl: string,
): Json {
  const fromInteraction = message.interactionId !== undefined;
  const type =
    message.messageReference !== undefined
      ? MESSAGE_TYPE.reply
      : fromInteraction && message.source === 'interaction-response'
        ? MESSAGE_TYPE.chatInput
        : MESSAGE_TYPE.default;
  return {
    id: message.id,
    channel_id: message.channelId,
    ...(message.guildId === undefined ? {} : { guild_id: message.guildId }),
    author: userPayload({ ...bot, isBot: true }),
    content: message.content,
    timestamp: message.createdAt,
    edited_timestamp: message.editedAt,
    tts: message.tts,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    mention_channels: [],
    attachments: message.attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      size: a.size,
      url: `${attachmentBaseUrl}/${message.channelId}/${a.id}/${encodeURIComponent(a.filename)}`,
      proxy_url: `${attachmentBaseUrl}/${message.channelId}/${a.id}/${encodeURIComponent(a.filename)}`,
      ...(a.contentType === undefined ? {} : { content_type: a.contentType }),
      ...(a.description === undefined ? {} : { description: a.description }),
    })),
    embeds: message.embeds,
    components: message.components,
    reactions: [],
    pinned: message.pinned === true,
    type,
    flags: message.flags,
    ...(message.messageReference === undefined ? {} : { message_reference: message.messageReference }),
    ...(fromInteraction ? { webhook_id: applicationId, application_id: applicationId } : {}),
  };
}
