/**
 * What users do on the Telegram side, turned into the updates Telegram would send the bot:
 * messages and commands, button presses, adding/removing/blocking the bot, member changes and
 * group → supergroup migration (https://core.telegram.org/bots/api#update).
 * These helpers throw plain Errors on impossible requests: those are mistakes in the test.
 */
import type {
  BotApiChat,
  BotApiMessage,
  BotApiUser,
  MemberStatus,
  MessageEntity,
  MessageOrigin,
} from './bot-api-types.js';
import { CHANNEL_BOT, GROUP_ANONYMOUS_BOT, TELEGRAM_SERVICE_USER } from './bot-api-types.js';
import type { ChatRecord } from './chat-store.js';
import type { FakeState } from './fake-state.js';
import { unixSeconds } from './fake-state.js';
import { callbackDataOf } from './message-format.js';

/** A leading `/command` or `/command@botname`, which Telegram marks as a bot_command entity. */
const LEADING_COMMAND = /^\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,32})?/;

/** True when Telegram would deliver updates of this chat to the bot. */
function botReceives(state: FakeState, record: ChatRecord): boolean {
  const status = state.store.botStatus(record);
  return status !== 'left' && status !== 'kicked';
}

/** Where and as whom a user's message is written (https://core.telegram.org/bots/api#message). */
export interface UserMessageOptions {
  /** A forum topic (`message_thread_id`, `is_topic_message`); absent: General, or a chat without topics. */
  topic?: number;
  /**
   * Sent on behalf of a chat: `from` becomes Telegram's placeholder and `sender_chat` this chat.
   * The group itself: the user is one of its anonymous admins (GroupAnonymousBot); a channel: the
   * user posts as that channel (Channel_Bot), which needs them to be one of its admins.
   */
  asChat?: number;
}

/** A user writes in a chat; the bot gets a `message` (`channel_post` in channels) if it is there. */
export function injectUserMessage(
  state: FakeState,
  chatId: number,
  from: BotApiUser,
  text: string,
  options: UserMessageOptions = {},
): BotApiMessage {
  const record = state.store.get(chatId);
  if (record.migratedTo !== undefined) throw new Error(`chat ${chatId} was migrated`);
  if (record.chat.type === 'private' && !record.startedBot) {
    record.startedBot = true; // writing to a bot starts it
    state.store.setStatus(record, state.store.bot, 'member');
  }
  const isChannel = record.chat.type === 'channel';
  const message = deliverMessage(state, record, {
    ...(isChannel ? { sender_chat: record.chat } : senderFields(state, record, from, options.asChat)),
    ...topicFields(record, options.topic),
    ...textFields(text),
  });
  if (isChannel && record.linkedChatId !== undefined) autoForward(state, record.chat, message);
  return message;
}

/** `text` with the bot_command entity Telegram marks a leading `/command` with. */
function textFields(text: string): { text: string; entities?: MessageEntity[] } {
  const command = LEADING_COMMAND.exec(text);
  return command === null
    ? { text }
    : { text, entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] };
}

/** `from`, and `sender_chat` for a message on behalf of a chat (see {@link UserMessageOptions}). */
function senderFields(
  state: FakeState,
  record: ChatRecord,
  from: BotApiUser,
  asChat: number | undefined,
): Pick<BotApiMessage, 'from' | 'sender_chat'> {
  if (asChat === undefined) return { from };
  const sender = state.store.get(asChat);
  const status = sender.members.get(from.id)?.status;
  if (status !== 'creator' && status !== 'administrator') {
    throw new Error(`user ${from.id} is no admin of chat ${asChat}, so cannot write on its behalf`);
  }
  if (asChat === record.chat.id) return { from: { ...GROUP_ANONYMOUS_BOT }, sender_chat: record.chat };
  if (sender.chat.type !== 'channel') throw new Error(`chat ${asChat} is not a channel`);
  return { from: { ...CHANNEL_BOT }, sender_chat: sender.chat };
}

/** `message_thread_id` and `is_topic_message` of a message in a topic, replying to its creation. */
function topicFields(
  record: ChatRecord,
  topic: number | undefined,
): Pick<BotApiMessage, 'message_thread_id' | 'is_topic_message' | 'reply_to_message'> {
  if (topic === undefined) return {};
  const created = record.topics.get(topic)?.created;
  if (created === undefined) throw new Error(`chat ${record.chat.id} has no topic ${topic}`);
  return { message_thread_id: topic, is_topic_message: true, reply_to_message: created };
}

/** Stores a message and sends it to the bot (`channel_post` in channels) if the bot is there. */
function deliverMessage(
  state: FakeState,
  record: ChatRecord,
  fields: Omit<BotApiMessage, 'message_id' | 'chat' | 'date'>,
): BotApiMessage {
  const message = state.store.addMessage(record, { date: unixSeconds(state.nowMs()), ...fields });
  if (botReceives(state, record)) {
    state.updates.push(record.chat.type === 'channel' ? { channel_post: message } : { message });
  }
  state.changed();
  return message;
}

/**
 * A channel post copied by Telegram into the channel's discussion group: from the service user
 * 777000, on behalf of the channel, `is_automatic_forward`, with the post as `forward_origin`.
 */
function autoForward(state: FakeState, channel: BotApiChat, post: BotApiMessage): void {
  const group = state.store.get(post.chat.id).linkedChatId;
  if (group === undefined) return;
  const origin: MessageOrigin = {
    type: 'channel',
    date: post.date,
    chat: channel,
    message_id: post.message_id,
  };
  deliverMessage(state, state.store.get(group), {
    from: { ...TELEGRAM_SERVICE_USER },
    sender_chat: channel,
    is_automatic_forward: true,
    forward_origin: origin,
    ...(post.text === undefined ? {} : { text: post.text }),
    ...(post.entities === undefined ? {} : { entities: post.entities }),
  });
}

/** Links a channel to its discussion group: the channel's posts are then forwarded there. */
export function linkDiscussionGroup(state: FakeState, channelId: number, groupId: number): void {
  const channel = state.store.get(channelId);
  const group = state.store.get(groupId);
  if (channel.chat.type !== 'channel' || group.chat.type !== 'supergroup') {
    throw new Error('a discussion group links a channel to a supergroup');
  }
  channel.linkedChatId = groupId;
  group.linkedChatId = channelId;
}

/**
 * A user forwards a message of one chat to another: text and entities as they were, `from` the
 * forwarder, `forward_origin` who wrote it (https://core.telegram.org/bots/api#messageorigin).
 */
export function forwardUserMessage(
  state: FakeState,
  fromChatId: number,
  messageId: number,
  toChatId: number,
  by: BotApiUser,
  options: { topic?: number } = {},
): BotApiMessage {
  const source = state.store.get(fromChatId).messages.get(messageId);
  if (source === undefined) throw new Error(`chat ${fromChatId} has no message ${messageId}`);
  const record = state.store.get(toChatId);
  const origin: MessageOrigin =
    source.chat.type === 'channel'
      ? { type: 'channel', date: source.date, chat: source.chat, message_id: source.message_id }
      : source.sender_chat !== undefined
        ? { type: 'chat', date: source.date, sender_chat: source.sender_chat }
        : { type: 'user', date: source.date, sender_user: source.from ?? by };
  return deliverMessage(state, record, {
    from: by,
    ...topicFields(record, options.topic),
    forward_origin: origin,
    ...(source.text === undefined ? {} : { text: source.text }),
    ...(source.entities === undefined ? {} : { entities: source.entities }),
  });
}

/**
 * A member opens a topic in a forum: the `forum_topic_created` service message, whose id is the
 * topic's `message_thread_id`, returned.
 */
export function createForumTopic(state: FakeState, chatId: number, by: BotApiUser, name: string): number {
  const record = state.store.get(chatId);
  if (record.chat.is_forum !== true) throw new Error(`chat ${chatId} has no topics`);
  const threadId = record.nextMessageId;
  const created = state.store.addMessage(record, {
    date: unixSeconds(state.nowMs()),
    message_thread_id: threadId,
    from: by,
    is_topic_message: true,
    forum_topic_created: { name, icon_color: 0x6fb9f0 },
  });
  record.topics.set(threadId, { name, closed: false, created });
  if (botReceives(state, record)) state.updates.push({ message: created });
  state.changed();
  return threadId;
}

/** An admin closes a topic: sends there answer 400 "TOPIC_CLOSED". */
export function closeForumTopic(state: FakeState, chatId: number, threadId: number): void {
  const topic = state.store.get(chatId).topics.get(threadId);
  if (topic === undefined) throw new Error(`chat ${chatId} has no topic ${threadId}`);
  topic.closed = true;
  state.changed();
}

/**
 * An admin deletes a topic with all its messages: sends there answer 400 "message thread not
 * found", edits of its messages "message to edit not found". Telegram sends no update for it.
 */
export function deleteForumTopic(state: FakeState, chatId: number, threadId: number): void {
  const record = state.store.get(chatId);
  if (!record.topics.delete(threadId)) throw new Error(`chat ${chatId} has no topic ${threadId}`);
  for (const [id, message] of record.messages) {
    if (message.message_thread_id === threadId) record.messages.delete(id);
  }
  state.changed();
}

/** A user presses an inline button of a bot message; returns the callback query id. */
export function injectButtonPress(
  state: FakeState,
  chatId: number,
  messageId: number,
  from: BotApiUser,
  data: string,
): string {
  const record = state.store.get(chatId);
  const message = record.messages.get(messageId);
  if (message === undefined || !callbackDataOf(message.reply_markup).includes(data)) {
    throw new Error(`message ${messageId} in chat ${chatId} has no button with data ${data}`);
  }
  const id = String(state.callbackQueries.size + 1);
  const query = { id, from, message, chat_instance: String(chatId), data };
  state.callbackQueries.set(id, { query, answer: undefined });
  state.updates.push({ callback_query: query });
  return id;
}

/** Changes the bot's own membership and sends the `my_chat_member` update Telegram sends. */
export function changeBotStatus(
  state: FakeState,
  chatId: number,
  by: BotApiUser | undefined,
  status: MemberStatus,
): void {
  const record = state.store.get(chatId);
  const actor = by ?? defaultActor(record);
  const { before, after } = state.store.setStatus(record, state.store.bot, status);
  if (status === 'member' || status === 'administrator') record.startedBot = true;
  state.updates.push({
    my_chat_member: {
      chat: record.chat,
      from: actor,
      date: unixSeconds(state.nowMs()),
      old_chat_member: before,
      new_chat_member: after,
    },
  });
}

/** Changes a user's membership; the `chat_member` update only reaches bots that asked for it. */
export function changeMemberStatus(
  state: FakeState,
  chatId: number,
  user: BotApiUser,
  status: MemberStatus,
): void {
  const record = state.store.get(chatId);
  const { before, after } = state.store.setStatus(record, user, status);
  if (botReceives(state, record)) {
    state.updates.push({
      chat_member: {
        chat: record.chat,
        from: defaultActor(record),
        date: unixSeconds(state.nowMs()),
        old_chat_member: before,
        new_chat_member: after,
      },
    });
  }
  state.changed();
}

/** Upgrades a basic group; both chats get the service messages Telegram posts. Returns the new id. */
export function migrateGroup(state: FakeState, chatId: number): number {
  const oldRecord = state.store.get(chatId);
  const newRecord = state.store.migrate(chatId);
  const from = defaultActor(oldRecord);
  const date = unixSeconds(state.nowMs());
  const toMessage = state.store.addMessage(oldRecord, {
    date,
    from,
    migrate_to_chat_id: newRecord.chat.id,
  });
  const fromMessage = state.store.addMessage(newRecord, {
    date,
    from,
    migrate_from_chat_id: chatId,
  });
  if (botReceives(state, newRecord)) {
    state.updates.push({ message: toMessage });
    state.updates.push({ message: fromMessage });
  }
  state.changed();
  return newRecord.chat.id;
}

/** The chat's creator (or, in a private chat, its user): who "did" an action a test did not attribute. */
function defaultActor(record: ChatRecord): BotApiUser {
  const members = [...record.members.values()];
  const actor = members.find((m) => m.status === 'creator') ?? members.find((m) => !m.user.is_bot);
  if (actor === undefined) throw new Error(`chat ${record.chat.id} has no user to act`);
  return actor.user;
}
