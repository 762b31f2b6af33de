/**
 * The JSON shapes the fake Telegram Bot API server reads and writes: only the fields the fake
 * produces, named exactly as in https://core.telegram.org/bots/api (snake_case on purpose, these
 * objects go on the wire unchanged).
 */

/** https://core.telegram.org/bots/api#user */
export interface BotApiUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
  language_code?: string;
}

/** Chat types of https://core.telegram.org/bots/api#chat, as one list for types and checks. */
export const CHAT_TYPES = ['private', 'group', 'supergroup', 'channel'] as const;
export type ChatType = (typeof CHAT_TYPES)[number];

/** https://core.telegram.org/bots/api#chat */
export interface BotApiChat {
  id: number;
  type: ChatType;
  title?: string;
  username?: string;
  first_name?: string;
  /** Supergroups with topics. */
  is_forum?: true;
}

/**
 * The users Telegram puts in `from` of messages sent on behalf of a chat (`sender_chat` is then
 * the real sender): every anonymous group admin, everyone posting as a channel, and the service
 * account of a channel's automatic forwards to its discussion group.
 */
export const GROUP_ANONYMOUS_BOT: Readonly<BotApiUser> = {
  id: 1087968824,
  is_bot: true,
  first_name: 'Group',
  username: 'GroupAnonymousBot',
};
export const CHANNEL_BOT: Readonly<BotApiUser> = {
  id: 136817688,
  is_bot: true,
  first_name: 'Channel',
  username: 'Channel_Bot',
};
export const TELEGRAM_SERVICE_USER: Readonly<BotApiUser> = {
  id: 777000,
  is_bot: false,
  first_name: 'Telegram',
};

/** https://core.telegram.org/bots/api#messageorigin (the kinds the fake forwards). */
export type MessageOrigin =
  | { type: 'user'; date: number; sender_user: BotApiUser }
  | { type: 'chat'; date: number; sender_chat: BotApiChat; author_signature?: string }
  | { type: 'channel'; date: number; chat: BotApiChat; message_id: number; author_signature?: string };

/** https://core.telegram.org/bots/api#forumtopiccreated */
export interface ForumTopicCreated {
  name: string;
  icon_color: number;
}

/** Member statuses of https://core.telegram.org/bots/api#chatmember that the fake models. */
export const MEMBER_STATUSES = ['creator', 'administrator', 'member', 'left', 'kicked'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** https://core.telegram.org/bots/api#messageentity */
export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
  user?: { id: number };
}

/** https://core.telegram.org/bots/api#photosize */
export interface PhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size: number;
}

/** https://core.telegram.org/bots/api#message (the subset the fake emits). */
export interface BotApiMessage {
  message_id: number;
  date: number;
  chat: BotApiChat;
  from?: BotApiUser;
  sender_chat?: BotApiChat;
  edit_date?: number;
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  caption_entities?: MessageEntity[];
  photo?: PhotoSize[];
  reply_to_message?: BotApiMessage;
  reply_markup?: unknown;
  link_preview_options?: unknown;
  migrate_to_chat_id?: number;
  migrate_from_chat_id?: number;
  message_thread_id?: number;
  is_topic_message?: true;
  is_automatic_forward?: true;
  forward_origin?: MessageOrigin;
  forum_topic_created?: ForumTopicCreated;
}

/** https://core.telegram.org/bots/api#chatmember (status plus the fields clients read). */
export interface BotApiChatMember {
  status: MemberStatus;
  user: BotApiUser;
  is_anonymous?: boolean;
  can_be_edited?: boolean;
  can_manage_chat?: boolean;
  can_post_messages?: boolean;
  can_change_info?: boolean;
  can_delete_messages?: boolean;
  can_invite_users?: boolean;
  can_restrict_members?: boolean;
  can_promote_members?: boolean;
  can_manage_video_chats?: boolean;
  until_date?: number;
}

/** https://core.telegram.org/bots/api#chatmemberupdated */
export interface ChatMemberUpdated {
  chat: BotApiChat;
  from: BotApiUser;
  date: number;
  old_chat_member: BotApiChatMember;
  new_chat_member: BotApiChatMember;
}

/** https://core.telegram.org/bots/api#callbackquery */
export interface CallbackQuery {
  id: string;
  from: BotApiUser;
  message: BotApiMessage;
  chat_instance: string;
  data: string;
}

/** Update kinds the fake can produce; the key names the field of the update object. */
export const UPDATE_KINDS = [
  'message',
  'edited_message',
  'channel_post',
  'callback_query',
  'my_chat_member',
  'chat_member',
] as const;
export type UpdateKind = (typeof UPDATE_KINDS)[number];

/** https://core.telegram.org/bots/api#update, one payload field per update. */
export type BotApiUpdate = { update_id: number } & (
  | { message: BotApiMessage }
  | { edited_message: BotApiMessage }
  | { channel_post: BotApiMessage }
  | { callback_query: CallbackQuery }
  | { my_chat_member: ChatMemberUpdated }
  | { chat_member: ChatMemberUpdated }
);

/** Body of every Bot API answer: https://core.telegram.org/bots/api#making-requests */
export type BotApiResponse =
  | { ok: true; result: unknown }
  | {
      ok: false;
      error_code: number;
      description: string;
      parameters?: { retry_after?: number; migrate_to_chat_id?: number };
    };
