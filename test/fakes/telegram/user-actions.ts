/**
 * What users do on the Telegram side, turned into the updates Telegram would send the bot:
 * messages and commands, button presses, adding/removing/blocking the bot, member changes and
 * group → supergroup migration (https://core.telegram.org/bots/api#update).
 * These helpers throw plain Errors on impossible requests: those are mistakes in the test.
 */
import type { BotApiMessage, BotApiUser, MemberStatus, MessageEntity } from './bot-api-types.js';
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

/** A user writes in a chat; the bot gets a `message` (`channel_post` in channels) if it is there. */
export function injectUserMessage(
  state: FakeState,
  chatId: number,
  from: BotApiUser,
  text: string,
): BotApiMessage {
  const record = state.store.get(chatId);
  if (record.migratedTo !== undefined) throw new Error(`chat ${chatId} was migrated`);
  if (record.chat.type === 'private' && !record.startedBot) {
    record.startedBot = true; // writing to a bot starts it
    state.store.setStatus(record, state.store.bot, 'member');
  }
  const command = LEADING_COMMAND.exec(text);
  const entities: MessageEntity[] =
    command === null ? [] : [{ type: 'bot_command', offset: 0, length: command[0].length }];
  const isChannel = record.chat.type === 'channel';
  const message = state.store.addMessage(record, {
    date: unixSeconds(state.nowMs()),
    ...(isChannel ? { sender_chat: record.chat } : { from }),
    text,
    ...(entities.length > 0 ? { entities } : {}),
  });
  if (botReceives(state, record)) {
    state.updates.push(isChannel ? { channel_post: message } : { message });
  }
  state.changed();
  return message;
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
