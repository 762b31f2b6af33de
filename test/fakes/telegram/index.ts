/**
 * Local Telegram Bot API server for end-to-end tests. Usage:
 *
 * ```ts
 * const fake = await startFakeTelegram({ rateLimits: false });
 * const bot = new Telegraf(fake.token, { telegram: { apiRoot: fake.apiRoot } });
 * const user = fake.createUser({ first_name: 'Rina', language_code: 'bn' });
 * const chat = fake.createChat({ type: 'private', user });
 * fake.sendUserMessage(chat.id, user, '/status');
 * await fake.waitFor(() => fake.messages(chat.id)[0]);
 * ```
 */
export { DEFAULT_BOT_TOKEN, DEFAULT_WAIT_MS, FakeTelegram, startFakeTelegram } from './fake-telegram.js';
export type { FakeTelegramOptions } from './fake-telegram.js';
export type {
  BotApiChat,
  BotApiChatMember,
  BotApiMessage,
  BotApiUpdate,
  BotApiUser,
  ChatType,
  MemberStatus,
  MessageEntity,
} from './bot-api-types.js';
export { CHANNEL_BOT, GROUP_ANONYMOUS_BOT, TELEGRAM_SERVICE_USER } from './bot-api-types.js';
export type { MessageOrigin } from './bot-api-types.js';
export type { ChatSpec } from './chat-store.js';
export type { UserMessageOptions } from './user-actions.js';
export type {
  BotCommand,
  CallbackQueryRecord,
  CallRecord,
  EditRecord,
  SentMessageRecord,
} from './fake-state.js';
export { MAX_CALLBACK_DATA_BYTES, MAX_CAPTION_CHARS, MAX_TEXT_CHARS } from './message-format.js';
export { DEFAULT_RATE_LIMITS } from './rate-limits.js';
export type { RateLimitConfig, StormSpec, WindowLimit } from './rate-limits.js';
export { parseTelegramHtml } from './html-parse-mode.js';
export { SECRET_TOKEN_HEADER } from './webhook.js';
export type { WebhookAttempt, WebhookInfo, WebhookTiming } from './webhook.js';
export type { HtmlParseResult } from './html-parse-mode.js';
