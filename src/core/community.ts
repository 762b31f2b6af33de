/**
 * A community: a Discord server (all its channels) or a Telegram chat. The one key for it, used by
 * the crowd detector (whose reports count per community) and by chat monitors (owned by a
 * community). The crowd adds one rule of its own: all private chats of a platform are one
 * community there (a private chat's id is its user's, so each would otherwise count alone).
 */
export function communityKey(chat: {
  readonly platform: string;
  readonly chatId: string;
  readonly guildId?: string | null | undefined;
}): string {
  return chat.guildId != null ? `${chat.platform}:guild:${chat.guildId}` : `${chat.platform}:${chat.chatId}`;
}
