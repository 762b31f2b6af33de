/**
 * Users, chats, members and messages of the fake, and the rules deciding whether the bot may write to
 * a chat (chat not found, migrated groups, blocked, kicked).
 */
import { badRequest, botKicked, botNotMember, chatNotFound, forbidden, groupMigrated } from './api-error.js';
import type {
  BotApiChat,
  BotApiChatMember,
  BotApiMessage,
  BotApiUser,
  ChatType,
  MemberStatus,
} from './bot-api-types.js';

/** What a test states when it creates a chat. */
export type ChatSpec =
  | {
      type: 'private';
      user: BotApiUser;
      /** False until the user pressed Start; the bot then can't write first. Default true. */
      startedBot?: boolean;
    }
  | {
      type: 'group' | 'supergroup' | 'channel';
      title: string;
      username?: string;
      creator: BotApiUser;
      admins?: readonly BotApiUser[];
      members?: readonly BotApiUser[];
      /** The bot's own membership; channels need 'administrator' to post. Default 'member'. */
      botStatus?: 'member' | 'administrator';
      /** A supergroup with topics (`is_forum`). */
      isForum?: boolean;
    };

/** A forum topic; its id is `message_thread_id`, the id of its `forum_topic_created` message. */
export interface TopicRecord {
  name: string;
  closed: boolean;
  /** The service message that opened it: messages in the topic reply to it. */
  created: BotApiMessage;
}

/** One chat's state. */
export interface ChatRecord {
  chat: BotApiChat;
  members: Map<number, { user: BotApiUser; status: MemberStatus }>;
  messages: Map<number, BotApiMessage>;
  nextMessageId: number;
  startedBot: boolean;
  migratedTo?: number;
  /** Forum topics by thread id; a deleted topic is removed with its messages. */
  topics: Map<number, TopicRecord>;
  /** A channel's discussion group, and a discussion group's channel. */
  linkedChatId?: number;
  /** The messages pinned by pinChatMessage (a chat may pin several), oldest pin first. */
  pinnedMessageIds?: number[];
}

/** First ids handed out; arbitrary but shaped like real ones (supergroups and channels use -100…). */
const FIRST_USER_ID = 100_000_001;
const FIRST_GROUP_ID = -4_000_000_001;
const FIRST_SUPERGROUP_ID = -1_002_000_000_001;

/** All chats and users the fake knows. */
export class ChatStore {
  private readonly chats = new Map<number, ChatRecord>();
  private nextUserId = FIRST_USER_ID;
  private nextGroupId = FIRST_GROUP_ID;
  private nextSupergroupId = FIRST_SUPERGROUP_ID;

  constructor(readonly bot: BotApiUser) {}

  createUser(init: Partial<Omit<BotApiUser, 'id'>> = {}): BotApiUser {
    const id = this.nextUserId++;
    return { id, is_bot: false, first_name: `User ${id}`, ...init };
  }

  createChat(spec: ChatSpec): BotApiChat {
    if (spec.type === 'private') {
      const chat: BotApiChat = { id: spec.user.id, type: 'private', first_name: spec.user.first_name };
      if (spec.user.username !== undefined) chat.username = spec.user.username;
      const record = this.insert(chat, spec.startedBot ?? true);
      record.members.set(spec.user.id, { user: spec.user, status: 'member' });
      return chat;
    }
    const id = spec.type === 'group' ? this.nextGroupId-- : this.nextSupergroupId--;
    const chat: BotApiChat = { id, type: spec.type, title: spec.title };
    if (spec.username !== undefined) chat.username = spec.username;
    if (spec.isForum === true) {
      if (spec.type !== 'supergroup') throw new Error('only supergroups can have topics');
      chat.is_forum = true;
    }
    const record = this.insert(chat, true);
    record.members.set(spec.creator.id, { user: spec.creator, status: 'creator' });
    for (const user of spec.admins ?? []) record.members.set(user.id, { user, status: 'administrator' });
    for (const user of spec.members ?? []) record.members.set(user.id, { user, status: 'member' });
    record.members.set(this.bot.id, { user: this.bot, status: spec.botStatus ?? 'member' });
    return chat;
  }

  /** Moves a basic group's state to a new supergroup; the old id then answers "upgraded". */
  migrate(chatId: number): ChatRecord {
    const old = this.get(chatId);
    if (old.chat.type !== 'group' || old.migratedTo !== undefined) {
      throw new Error(`chat ${chatId} is not a basic group that can be migrated`);
    }
    const chat: BotApiChat = { ...old.chat, id: this.nextSupergroupId--, type: 'supergroup' };
    const record = this.insert(chat, true);
    for (const [userId, member] of old.members) record.members.set(userId, { ...member });
    old.migratedTo = chat.id;
    return record;
  }

  /** The chat with this id, for test helpers: throws a plain Error, since a test made a mistake. */
  get(chatId: number): ChatRecord {
    const record = this.chats.get(chatId);
    if (record === undefined) throw new Error(`the fake has no chat ${chatId}; create it first`);
    return record;
  }

  all(): IterableIterator<ChatRecord> {
    return this.chats.values();
  }

  /** Resolves a `chat_id` parameter (number, digit string or `@username`) as the API does. */
  resolve(chatId: string | undefined): ChatRecord {
    if (chatId === undefined || chatId === '') throw badRequest('chat_id is empty');
    const record = chatId.startsWith('@')
      ? [...this.chats.values()].find((r) => r.chat.username?.toLowerCase() === chatId.slice(1).toLowerCase())
      : this.chats.get(Number(chatId));
    if (record === undefined) throw chatNotFound();
    if (record.migratedTo !== undefined) throw groupMigrated(record.migratedTo);
    return record;
  }

  /** Throws the 403/400 Telegram returns when the bot may not post in this chat. */
  assertBotCanPost(record: ChatRecord): void {
    const { type } = record.chat;
    const status = this.botStatus(record);
    if (type === 'private') {
      if (status === 'kicked') throw forbidden('bot was blocked by the user');
      if (!record.startedBot) throw forbidden("bot can't initiate conversation with a user");
      return;
    }
    if (status === 'kicked') throw botKicked(type);
    if (status === 'left') throw botNotMember(type);
    if (type === 'channel' && status !== 'administrator') {
      throw badRequest('need administrator rights in the channel chat');
    }
  }

  botStatus(record: ChatRecord): MemberStatus {
    return record.members.get(this.bot.id)?.status ?? 'left';
  }

  /** Sets a status and returns the member object before and after, for `*_chat_member` updates. */
  setStatus(
    record: ChatRecord,
    user: BotApiUser,
    status: MemberStatus,
  ): { before: BotApiChatMember; after: BotApiChatMember } {
    const before = this.member(record, user.id) ?? toChatMember(user, 'left', record.chat.type);
    record.members.set(user.id, { user, status });
    return { before, after: toChatMember(user, status, record.chat.type) };
  }

  member(record: ChatRecord, userId: number): BotApiChatMember | undefined {
    const member = record.members.get(userId);
    return member === undefined ? undefined : toChatMember(member.user, member.status, record.chat.type);
  }

  /** Stores a message under the chat's next id. */
  addMessage(record: ChatRecord, fields: Omit<BotApiMessage, 'message_id' | 'chat'>): BotApiMessage {
    const message: BotApiMessage = { message_id: record.nextMessageId++, chat: record.chat, ...fields };
    record.messages.set(message.message_id, message);
    return message;
  }

  private insert(chat: BotApiChat, startedBot: boolean): ChatRecord {
    if (this.chats.has(chat.id)) throw new Error(`chat ${chat.id} already exists`);
    const record: ChatRecord = {
      chat,
      members: new Map(),
      messages: new Map(),
      nextMessageId: 1,
      startedBot,
      topics: new Map(),
    };
    if (chat.type !== 'private' || startedBot) {
      record.members.set(this.bot.id, { user: this.bot, status: 'member' });
    }
    this.chats.set(chat.id, record);
    return record;
  }
}

/** ChatMember object for a status; admins get the usual rights, in channels the right to post. */
export function toChatMember(user: BotApiUser, status: MemberStatus, type: ChatType): BotApiChatMember {
  switch (status) {
    case 'creator':
      return { status, user, is_anonymous: false };
    case 'administrator':
      return {
        status,
        user,
        is_anonymous: false,
        can_be_edited: false,
        can_manage_chat: true,
        can_change_info: true,
        can_delete_messages: true,
        can_invite_users: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_manage_video_chats: true,
        ...(type === 'channel' ? { can_post_messages: true } : {}),
      };
    case 'kicked':
      return { status, user, until_date: 0 };
    default:
      return { status, user };
  }
}
