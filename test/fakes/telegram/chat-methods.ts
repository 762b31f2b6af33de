/**
 * Bot, chat and command methods: getMe, getUpdates, getChat, getChatMember,
 * getChatAdministrators, leaveChat, setMyCommands, getMyCommands, deleteMyCommands
 * (https://core.telegram.org/bots/api#available-methods).
 */
import { badRequest, botNotMember, webhookActiveConflict } from './api-error.js';
import type { BotCommand, FakeState, MethodHandler } from './fake-state.js';
import { commandKey, unixSeconds } from './fake-state.js';
import type { Params } from './request-params.js';
import { readAllowedUpdates } from './webhook.js';

/** setMyCommands: at most 100 commands, names 1-32 of [a-z0-9_], descriptions 1-256 characters. */
export const MAX_COMMANDS = 100;
const COMMAND_NAME = /^[a-z0-9_]{1,32}$/;
const MAX_COMMAND_DESCRIPTION_CHARS = 256;
/** https://core.telegram.org/bots/api#botcommandscope */
const SCOPE_TYPES = [
  'default',
  'all_private_chats',
  'all_group_chats',
  'all_chat_administrators',
  'chat',
  'chat_administrators',
  'chat_member',
];

const getMe: MethodHandler = (state) => ({
  ...state.store.bot,
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
});

const getUpdates: MethodHandler = (state, params, signal) => {
  if (state.webhook.active) throw webhookActiveConflict();
  const allowed = readAllowedUpdates(params.json('allowed_updates'));
  return state.updates.poll(
    {
      ...optional('offset', params.int('offset')),
      ...optional('limit', params.int('limit')),
      ...optional('timeoutS', params.int('timeout')),
      ...optional('allowedUpdates', allowed),
    },
    signal,
  );
};

/** `{ key: value }` when value is defined, `{}` otherwise (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

const getChat: MethodHandler = (state, params) => {
  const record = state.store.resolve(params.string('chat_id'));
  return { ...record.chat, accent_color_id: 0, max_reaction_count: 11 };
};

const getChatMember: MethodHandler = (state, params) => {
  const record = state.store.resolve(params.string('chat_id'));
  const userId = params.int('user_id');
  const member = userId === undefined ? undefined : state.store.member(record, userId);
  if (member !== undefined) return member;
  const user = findUser(state, userId);
  if (user === undefined) throw badRequest('user not found');
  return { status: 'left', user };
};

function findUser(state: FakeState, userId: number | undefined): unknown {
  for (const record of state.store.all()) {
    const member = userId === undefined ? undefined : record.members.get(userId);
    if (member !== undefined) return member.user;
  }
  return undefined;
}

const getChatAdministrators: MethodHandler = (state, params) => {
  const record = state.store.resolve(params.string('chat_id'));
  if (record.chat.type === 'private') {
    throw badRequest('there are no administrators in the private chat');
  }
  return [...record.members.keys()]
    .map((userId) => state.store.member(record, userId))
    .filter((m) => m?.status === 'creator' || m?.status === 'administrator');
};

const leaveChat: MethodHandler = (state, params) => {
  const record = state.store.resolve(params.string('chat_id'));
  if (record.chat.type === 'private') {
    throw badRequest("chat member status can't be changed in private chats");
  }
  const status = state.store.botStatus(record);
  if (status === 'left' || status === 'kicked') throw botNotMember(record.chat.type);
  const { before, after } = state.store.setStatus(record, state.store.bot, 'left');
  state.updates.push({
    my_chat_member: {
      chat: record.chat,
      from: state.store.bot,
      date: unixSeconds(state.nowMs()),
      old_chat_member: before,
      new_chat_member: after,
    },
  });
  return true;
};

/** Validates `scope` and `language_code` and returns the storage key. */
function readCommandKey(state: FakeState, params: Params): string {
  const scope = params.json('scope') as { type?: unknown; chat_id?: unknown } | undefined;
  if (scope !== undefined && !SCOPE_TYPES.includes(String(scope.type))) {
    throw badRequest('unsupported scope type');
  }
  if (scope?.chat_id !== undefined) state.store.resolve(String(scope.chat_id));
  const languageCode = params.string('language_code') || undefined;
  // ISO 639-1: two letters. Error text not verified against the real API.
  if (languageCode !== undefined && !/^[a-z]{2}$/.test(languageCode)) {
    throw badRequest('invalid language code specified');
  }
  return commandKey(scope, languageCode);
}

const setMyCommands: MethodHandler = (state, params) => {
  const commands = params.json('commands');
  if (!Array.isArray(commands)) throw badRequest("can't parse commands JSON array");
  if (commands.length > MAX_COMMANDS) throw badRequest('BOT_COMMANDS_TOO_MUCH');
  const parsed = commands.map((c: unknown): BotCommand => {
    const { command, description } = (c ?? {}) as Record<string, unknown>;
    if (typeof command !== 'string' || !COMMAND_NAME.test(command)) {
      throw badRequest('BOT_COMMAND_INVALID');
    }
    const length = typeof description === 'string' ? [...description].length : 0;
    if (typeof description !== 'string' || length < 1 || length > MAX_COMMAND_DESCRIPTION_CHARS) {
      throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
    }
    return { command, description };
  });
  const key = readCommandKey(state, params);
  if (parsed.length === 0) state.commands.delete(key);
  else state.commands.set(key, parsed);
  state.changed();
  return true;
};

const getMyCommands: MethodHandler = (state, params) =>
  state.commands.get(readCommandKey(state, params)) ?? [];

const deleteMyCommands: MethodHandler = (state, params) => {
  state.commands.delete(readCommandKey(state, params));
  state.changed();
  return true;
};

/** Handlers by lower-case method name. */
export const CHAT_METHODS: Readonly<Record<string, MethodHandler>> = {
  getme: getMe,
  getupdates: getUpdates,
  getchat: getChat,
  getchatmember: getChatMember,
  getchatadministrators: getChatAdministrators,
  leavechat: leaveChat,
  setmycommands: setMyCommands,
  getmycommands: getMyCommands,
  deletemycommands: deleteMyCommands,
};
