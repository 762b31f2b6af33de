/**
 * The state method handlers share, and the records tests assert on.
 */
import type { CallbackQuery, MessageEntity } from './bot-api-types.js';
import type { ChatStore } from './chat-store.js';
import type { SendThrottle } from './rate-limits.js';
import type { Params, UploadedFile } from './request-params.js';
import type { UpdateQueue } from './update-queue.js';
import type { Webhook } from './webhook.js';

/** One earlier version of a message, kept when the bot edits it. */
export interface EditRecord {
  text: string;
  sourceText: string;
  parseMode: string | undefined;
  entities: MessageEntity[];
  replyMarkup: unknown;
  /** Unix seconds, as `edit_date`. */
  editDate: number;
}

/** A message the bot sent, in its current state, with the history of its edits. */
export interface SentMessageRecord {
  chatId: number;
  messageId: number;
  /** The forum topic (`message_thread_id`) it was posted in; undefined: the chat (General). */
  threadId: number | undefined;
  kind: 'text' | 'photo';
  /** Visible text after entity parsing (the caption for photos). */
  text: string;
  /** Text as the bot sent it, markup included. */
  sourceText: string;
  parseMode: string | undefined;
  entities: MessageEntity[];
  replyToMessageId: number | undefined;
  replyMarkup: unknown;
  linkPreviewOptions: unknown;
  disableNotification: boolean;
  photo: UploadedFile | undefined;
  /** Versions replaced by editMessageText, oldest first. */
  edits: EditRecord[];
}

/** A command list stored by setMyCommands: https://core.telegram.org/bots/api#botcommand */
export interface BotCommand {
  command: string;
  description: string;
}

/** A callback query the fake produced, and the bot's answer once it came. */
export interface CallbackQueryRecord {
  query: CallbackQuery;
  answer:
    { text: string | undefined; showAlert: boolean; url: string | undefined; cacheTimeS: number } | undefined;
}

/** One HTTP call the fake answered. */
export interface CallRecord {
  /** Method name as requested (Telegram treats it case-insensitively). */
  method: string;
  params: Readonly<Record<string, unknown>>;
  /** HTTP status, equal to `error_code` on failures. */
  status: number;
  description: string | undefined;
  parameters: unknown;
  /** When the answer was given (epoch ms). */
  at: number;
}

/** Everything method handlers read and change. */
export interface FakeState {
  readonly store: ChatStore;
  readonly updates: UpdateQueue;
  /** The webhook (setWebhook) and the loop that POSTs pending updates to it. */
  readonly webhook: Webhook;
  readonly throttle: SendThrottle;
  readonly sent: SentMessageRecord[];
  readonly callbackQueries: Map<string, CallbackQueryRecord>;
  /** Command lists keyed by {@link commandKey}. */
  readonly commands: Map<string, BotCommand[]>;
  /** Uploaded files by the `file_id` the fake gave them. */
  readonly files: Map<string, UploadedFile>;
  nowMs(): number;
  /** Wakes {@link FakeTelegram.waitFor} waiters. */
  changed(): void;
}

/** A Bot API method: returns `result` or throws a BotApiError. */
export type MethodHandler = (state: FakeState, params: Params, signal: AbortSignal) => unknown;

/** Key of a command list: scope object (or default) plus language code. */
export function commandKey(scope: unknown, languageCode: string | undefined): string {
  const s = (scope ?? { type: 'default' }) as Record<string, unknown>;
  const parts = [s.type, s.chat_id, s.user_id].filter((p) => p !== undefined).map(String);
  return `${parts.join(':')}|${languageCode ?? ''}`;
}

/** Unix time in seconds, as Telegram's `date` fields. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1_000);
}
