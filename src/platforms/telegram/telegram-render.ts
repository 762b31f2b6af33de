import { buttonPayload, isWebUrl, type AlertMessage } from '../../core/alert-message.js';
import { messagesFor } from '../../core/i18n/index.js';
import {
  fitLines,
  sliceCodePoints,
  toPlainLine,
  toPlainText,
  truncateText,
} from '../../core/i18n/text-fit.js';
import type { State } from '../../core/model.js';

/**
 * Alerts and replies as Telegram Bot API payloads with `parse_mode: 'HTML'`. Pure: the sender
 * adds `chat_id` and calls the API. Every piece of text from outside (service names, reasons,
 * official lines, user input) is escaped; the only tags are our own `<b>` and `<a href>`.
 */

/**
 * `sendMessage.text`: 1-4096 characters after entity parsing (docs/platforms.md §1.2,
 * https://core.telegram.org/bots/api#sendmessage). Counted here in UTF-16 units, as Telegram does.
 */
export const MAX_TELEGRAM_TEXT_CHARS = 4096;
/** `InlineKeyboardButton.callback_data`: 1-64 bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton). */
export const MAX_TELEGRAM_CALLBACK_DATA_BYTES = 64;
/** Our caps, so a 10,000-character service name cannot crowd the evidence out. */
const MAX_TITLE_CHARS = 512;
const MAX_LINE_CHARS = 1024;
const MAX_LINKS = 3;
/** Telegram documents no limit for button text; longer labels are unreadable on a phone anyway. */
const MAX_BUTTON_TEXT_CHARS = 64;

const STATE_EMOJI: Readonly<Record<State, string>> = {
  down: '🔴',
  degraded: '🟠',
  maintenance: '🔧',
  unknown: '⚪',
  up: '✅',
};

export interface TelegramInlineButton {
  readonly text: string;
  readonly callback_data: string;
}

export interface TelegramAlert {
  readonly text: string;
  readonly parseMode: 'HTML';
  readonly replyMarkup: { readonly inline_keyboard: readonly (readonly TelegramInlineButton[])[] };
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes text for Telegram HTML, in element content and in double-quoted attributes alike. */
export function escapeTelegramHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ENTITIES[c] ?? c);
}

/**
 * An alert as one message: a bold title with a state emoji, the evidence lines, then when it
 * started and links; buttons as an inline keyboard (none on a recovery). The visible text stays
 * within `MAX_TELEGRAM_TEXT_CHARS`: evidence lines are cut first (`… and 3 more`). Text is cut
 * before it is escaped, so a cut never lands inside an entity or a tag.
 */
export function renderTelegramAlert(alert: AlertMessage): TelegramAlert {
  const m = messagesFor(alert.locale);
  const emoji = STATE_EMOJI[alert.state];
  const title = truncateText(toPlainLine(alert.title), MAX_TITLE_CHARS);
  const since = truncateText(toPlainLine(alert.sinceText), MAX_TITLE_CHARS);
  const links = alert.links
    .filter((l) => isWebUrl(l.url))
    .slice(0, MAX_LINKS)
    .map((l) => ({ label: truncateText(toPlainLine(l.label), MAX_TITLE_CHARS), url: l.url }));

  const headVisible = `${emoji} ${title}`.length;
  const footVisible = [since, ...links.map((l) => l.label)].join('\n').length;
  // head, "\n", evidence, "\n\n", footer
  const budget = MAX_TELEGRAM_TEXT_CHARS - headVisible - footVisible - 3;
  const lines = fitLines(alert.lines, budget, {
    render: (plain, max) => truncateText(`• ${toPlainLine(plain)}`, max),
    measure: (rendered) => rendered.length,
    more: (count) => m.alert.moreLines({ count }),
    separatorCost: 1,
    maxLineCost: MAX_LINE_CHARS,
  });

  const head = `${emoji} <b>${escapeTelegramHtml(title)}</b>`;
  const evidence = lines.map(escapeTelegramHtml);
  const footer = [
    escapeTelegramHtml(since),
    ...links.map((l) => `<a href="${escapeTelegramHtml(l.url)}">${escapeTelegramHtml(l.label)}</a>`),
  ];
  const text = [[head, ...evidence].join('\n'), footer.join('\n')].join('\n\n');
  const row = alert.buttons.map((b) => ({
    text: truncateText(toPlainLine(b.label), MAX_BUTTON_TEXT_CHARS),
    callback_data: buttonPayload(b.kind, b.serviceId, MAX_TELEGRAM_CALLBACK_DATA_BYTES),
  }));
  return { text, parseMode: 'HTML', replyMarkup: { inline_keyboard: row.length === 0 ? [] : [row] } };
}

/** U+2060 WORD JOINER: invisible, and not a username character. */
const WORD_JOINER = '\u2060';

/**
 * Telegram turns `@name` in a message into a mention, which notifies that user in a group
 * (https://core.telegram.org/bots/api#messageentity, type `mention`). A reply quotes what users
 * typed (monitor names, targets, services), so it must not ping anyone: a word joiner after every
 * `@` that starts a name keeps the text as it reads but breaks the mention.
 */
export function breakTelegramMentions(text: string): string {
  return text.replace(/@(?=[\p{L}\p{N}_])/gu, `@${WORD_JOINER}`);
}

/**
 * A command reply: escaped HTML chunks of at most `MAX_TELEGRAM_TEXT_CHARS` visible characters,
 * split at line breaks (a longer line is split between code points), with mentions broken.
 * Blank chunks are dropped, since Telegram rejects empty messages; an empty reply gives no chunks.
 */
export function renderTelegramText(plain: string): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let length = -1; // the first line has no separator before it
  const flush = (): void => {
    if (current.join('').trim() !== '') chunks.push(escapeTelegramHtml(current.join('\n')));
    current = [];
    length = -1;
  };
  for (const line of breakTelegramMentions(toPlainText(plain)).split('\n')) {
    for (const piece of splitLine(line, MAX_TELEGRAM_TEXT_CHARS)) {
      if (length + 1 + piece.length > MAX_TELEGRAM_TEXT_CHARS) flush();
      current.push(piece);
      length += 1 + piece.length;
    }
  }
  flush();
  return chunks;
}

function splitLine(line: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > max) {
    // A pair straddling the cut moves to the next piece (max is far above 1, so it always progresses).
    const piece = sliceCodePoints(rest, max);
    pieces.push(piece);
    rest = rest.slice(piece.length);
  }
  pieces.push(rest);
  return pieces;
}
