/**
 * Validation of message content as the Bot API applies it: text and caption limits after entity
 * parsing (https://core.telegram.org/bots/api#sendmessage), `parse_mode`, `entities`, and inline
 * keyboards (https://core.telegram.org/bots/api#inlinekeyboardbutton).
 */
import { badRequest } from './api-error.js';
import type { MessageEntity } from './bot-api-types.js';
import { parseTelegramHtml } from './html-parse-mode.js';
import type { Params } from './request-params.js';

/** sendMessage `text`: 1-4096 characters after entities parsing. */
export const MAX_TEXT_CHARS = 4096;
/** sendPhoto `caption`: 0-1024 characters after entities parsing. */
export const MAX_CAPTION_CHARS = 1024;
/** InlineKeyboardButton `callback_data`: 1-64 bytes. */
export const MAX_CALLBACK_DATA_BYTES = 64;

/** Text as Telegram will store it, plus what the bot sent, for assertions. */
export interface FormattedText {
  text: string;
  sourceText: string;
  parseMode: string | undefined;
  entities: MessageEntity[];
}

/** Which parameters carry the text: sendMessage/editMessageText or a media caption. */
export interface TextFields {
  text: 'text' | 'caption';
  entities: 'entities' | 'caption_entities';
  maxChars: number;
}

export const MESSAGE_TEXT: TextFields = { text: 'text', entities: 'entities', maxChars: MAX_TEXT_CHARS };
export const CAPTION_TEXT: TextFields = {
  text: 'caption',
  entities: 'caption_entities',
  maxChars: MAX_CAPTION_CHARS,
};

/**
 * Parses text with `parse_mode` or `entities` and checks its length.
 * Markdown and MarkdownV2 are accepted but not parsed (the visible text is the raw text).
 */
export function formatText(params: Params, fields: TextFields): FormattedText {
  const sourceText = params.string(fields.text) ?? '';
  const parseMode = params.string('parse_mode') || undefined;
  const explicit = params.json(fields.entities);
  let text = sourceText;
  let entities: MessageEntity[] = [];
  if (explicit !== undefined) {
    entities = readEntities(explicit); // Telegram ignores parse_mode when entities are given
  } else if (parseMode === 'HTML') {
    const parsed = parseTelegramHtml(sourceText);
    if (!parsed.ok) throw badRequest(`can't parse entities: ${parsed.error}`);
    ({ text, entities } = parsed);
  } else if (parseMode !== undefined && parseMode !== 'Markdown' && parseMode !== 'MarkdownV2') {
    throw badRequest('unsupported parse_mode');
  }
  if (fields.text === 'text' && text.trim() === '') throw badRequest('message text is empty');
  if ([...text].length > fields.maxChars) {
    throw badRequest(fields.text === 'text' ? 'message is too long' : 'message caption is too long');
  }
  return { text, sourceText, parseMode, entities };
}

function readEntities(value: unknown): MessageEntity[] {
  const valid =
    Array.isArray(value) &&
    value.every(
      (e: unknown) =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as MessageEntity).type === 'string' &&
        Number.isInteger((e as MessageEntity).offset) &&
        Number.isInteger((e as MessageEntity).length),
    );
  if (!valid) throw badRequest("can't parse entities JSON object");
  return value as MessageEntity[];
}

/** Checks `reply_markup`; inline keyboards are validated button by button, others stored as sent. */
export function readReplyMarkup(params: Params): unknown {
  const markup = params.json('reply_markup');
  if (markup === undefined) return undefined;
  if (typeof markup !== 'object' || markup === null || Array.isArray(markup)) {
    throw badRequest("can't parse reply keyboard markup JSON object");
  }
  const keyboard = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (keyboard === undefined) return markup;
  if (!Array.isArray(keyboard) || !keyboard.every((row) => Array.isArray(row))) {
    throw badRequest("can't parse inline keyboard markup JSON object");
  }
  for (const button of (keyboard as unknown[][]).flat()) validateButton(button);
  return markup;
}

function validateButton(button: unknown): void {
  if (typeof button !== 'object' || button === null) {
    throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
  }
  const { text, callback_data: data, url } = button as Record<string, unknown>;
  if (typeof text !== 'string') {
    throw badRequest('can\'t parse inline keyboard button: Field "text" must be of type String');
  }
  if (data === undefined && url === undefined && Object.keys(button).length === 1) {
    throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
  }
  if (data !== undefined) {
    const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : 0;
    if (bytes < 1 || bytes > MAX_CALLBACK_DATA_BYTES) throw badRequest('BUTTON_DATA_INVALID');
  }
  if (url !== undefined && (typeof url !== 'string' || !/^(https?|tg):\/\/\S+$/i.test(url))) {
    throw badRequest('BUTTON_URL_INVALID');
  }
}

/** All `callback_data` values of an inline keyboard, to check what a simulated user can press. */
export function callbackDataOf(markup: unknown): string[] {
  const keyboard = (markup as { inline_keyboard?: unknown } | undefined)?.inline_keyboard;
  if (!Array.isArray(keyboard)) return [];
  return (keyboard as unknown[][])
    .flat()
    .map((button) => (button as { callback_data?: unknown }).callback_data)
    .filter((data): data is string => typeof data === 'string');
}
