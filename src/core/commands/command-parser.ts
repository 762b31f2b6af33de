import type { Position } from './command-definition.js';
import type { CommandArgs } from './command-request.js';
import { findCommand } from './registry.js';

/**
 * Telegram-style command text (`/subscribe whatsapp major`, `/status@MyBot "google cloud"`) to
 * a command name and named arguments, the same names Discord's options have: each command's
 * definition says where its arguments stand (`text`, registry.ts). Pure and total: any string gives
 * a result or null, never an exception.
 *
 * | text                                   | command     | args                                        |
 * |----------------------------------------|-------------|---------------------------------------------|
 * | `/status`                              | status      | {}                                          |
 * | `/status@MyBot  GitHub`                | status      | service: GitHub                             |
 * | `/status google cloud`                 | status      | service: google cloud                       |
 * | `/subscribe whatsapp major`            | subscribe   | service: whatsapp, severity: major          |
 * | `/subscribe "google cloud" minor`      | subscribe   | service: google cloud, severity: minor      |
 * | `/report whatsapp messages not sending`| report      | service: whatsapp, problem: messages not... |
 * | `/settings language bn quiet off`      | settings    | language: bn, quiet: off                    |
 * | `/settings Asia/Dhaka`                 | settings    | timezone: Asia/Dhaka                        |
 * | `/monitor add shop https://s.example/ 5m` | monitor  | action: add, name: shop, target: https://s.example/, every: 5m |
 * | `/monitor add shop https://s.example/ Welcome` | monitor | action: add, name: shop, target: https://s.example/ Welcome |
 * | `/monitor remove shop`                 | monitor     | action: remove, name: shop                  |
 * | `/monitor list`                        | monitor     | action: list                                |
 * | `/status@OtherBot`, `hello`, `/ x`     | null        |                                             |
 */

export interface ParsedCommand {
  /** Lower case, without the slash and the bot's name. */
  readonly command: string;
  readonly args: CommandArgs;
  /**
   * The command named this bot (`/status@MyBot`). In a group with several bots a plain
   * `/frobnicate` may be another bot's: an adapter can leave unknown commands unanswered unless
   * they were addressed to it.
   */
  readonly addressed: boolean;
}

/**
 * Telegram command names: 1-32 of `a-z`, `0-9`, `_` (core.telegram.org/bots/features#commands);
 * bot usernames 5-32 of `a-z`, `0-9`, `_`. Wider ranges are accepted so odd input still parses.
 */
const COMMAND_HEAD = /^\/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)/u;
/** Invisible characters someone may paste before the slash: zero-width, bidi marks, BOM. */
const LEADING_INVISIBLE = /^[\s\p{Cf}]+/u;
/** Arguments past this many characters are ignored: no command needs more. */
export const MAX_ARGUMENT_CHARS = 1000;
/** Opening quote → closing quote. */
const QUOTES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '“': '”',
  '„': '“',
  '«': '»',
  '‘': '’',
};

/** Parses `text`, or null when it is not a command for us (no leading slash, or `@AnotherBot`). */
export function parseCommandText(text: string, botUsername?: string): ParsedCommand | null {
  if (typeof text !== 'string') return null;
  const trimmed = text.replace(LEADING_INVISIBLE, '');
  const head = COMMAND_HEAD.exec(trimmed);
  if (!head) return null;
  const [whole, name = '', addressee] = head;
  if (addressee !== undefined && botUsername !== undefined) {
    if (addressee.toLowerCase() !== botUsername.replace(/^@/, '').toLowerCase()) return null;
  }
  const command = name.toLowerCase();
  const tokens = tokenize(trimmed.slice(whole.length).trimStart().slice(0, MAX_ARGUMENT_CHARS));
  return { command, args: mapArguments(command, tokens), addressed: addressee !== undefined };
}

/** Splits on white space; a quoted part is one token (an unclosed quote runs to the end). */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const chars = [...text];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i] ?? '';
    if (/[\s\p{Cf}]/u.test(c)) {
      i++;
      continue;
    }
    const close = QUOTES[c];
    let token = '';
    if (close !== undefined) {
      i++;
      while (i < chars.length && chars[i] !== close) token += chars[i++];
      i++;
      token = token.trim().replace(/\s+/gu, ' ');
    } else {
      while (i < chars.length && !/\s/u.test(chars[i] ?? '')) token += chars[i++];
      token = token.replace(/^\p{Cf}+|\p{Cf}+$/gu, '');
    }
    if (token !== '') tokens.push(token);
  }
  return tokens;
}

/** The command's own arguments from its words; none for an unknown command or one without words. */
function mapArguments(command: string, tokens: readonly string[]): CommandArgs {
  const text = findCommand(command)?.text;
  if (text === undefined) return {};
  return typeof text === 'function' ? text(tokens) : byPosition(text, tokens);
}

/**
 * The words placed by {@link Position}: first the `last` positions at the end claim the final
 * words they accept (while a word is left before them), then the others take words from the
 * front, `rest` all that remain.
 */
export function byPosition(positions: readonly Position[], tokens: readonly string[]): CommandArgs {
  const args: Record<string, string> = {};
  let start = 0;
  let end = tokens.length;
  let front = positions.length;
  while (front > 0 && positions[front - 1]?.take === 'last') {
    const position = positions[--front];
    const token = tokens[end - 1];
    if (position === undefined || token === undefined || end - start < 2) continue;
    if (position.when?.(token) ?? true) {
      args[position.arg] = token;
      end--;
    }
  }
  for (const position of positions.slice(0, front)) {
    if (start >= end) break;
    if (position.take === 'rest') {
      args[position.arg] = tokens.slice(start, end).join(' ');
      start = end;
    } else {
      args[position.arg] = tokens[start++] ?? '';
    }
  }
  return args;
}
