import { parseDuration } from '../duration.js';
import { SEVERITIES } from '../model.js';
import type { CommandArgName, CommandArgs } from './command-request.js';
import { isOffWord } from './settings-input.js';

/**
 * Telegram-style command text (`/subscribe whatsapp major`, `/status@MyBot "google cloud"`) to
 * a command name and named arguments, the same names Discord's options have. Pure and total:
 * any string gives a result or null, never an exception.
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

const isSeverity = (token: string): boolean =>
  (SEVERITIES as readonly string[]).includes(token.toLowerCase());

function mapArguments(command: string, tokens: readonly string[]): CommandArgs {
  const joined = (from: number, to = tokens.length): string | undefined =>
    to > from ? tokens.slice(from, to).join(' ') : undefined;
  switch (command) {
    case 'subscribe': {
      const last = tokens.at(-1);
      const withSeverity = tokens.length > 1 && last !== undefined && isSeverity(last);
      return compact({
        service: joined(0, withSeverity ? tokens.length - 1 : tokens.length),
        severity: withSeverity ? last : undefined,
      });
    }
    case 'unsubscribe':
    case 'status':
    case 'incidents':
      return compact({ service: joined(0) });
    case 'report':
      return compact({ service: tokens[0], problem: joined(1) });
    case 'settings':
      return settingsArguments(tokens);
    case 'monitor':
      return monitorArguments(tokens);
    default:
      return {};
  }
}

/**
 * `add <name> <target…> [every]`, `remove <name>`, `list`. The name is one token (quote it for
 * spaces); the target is the rest (a URL may be followed by a keyword), except a last token that
 * is a duration (`5m`), which is `every`. The action is lower-cased; an unknown one is kept for
 * the usage reply.
 */
function monitorArguments(tokens: readonly string[]): CommandArgs {
  const [first, name, ...rest] = tokens;
  const action = first?.toLowerCase();
  if (action !== 'add')
    return compact({ action, name: action === 'remove' ? joinAll(tokens.slice(1)) : name });
  const last = rest.at(-1);
  const withEvery = rest.length > 1 && last !== undefined && parseDuration(last) !== null;
  return compact({
    action,
    name,
    target: joinAll(withEvery ? rest.slice(0, -1) : rest),
    every: withEvery ? last : undefined,
  });
}

const joinAll = (tokens: readonly string[]): string | undefined =>
  tokens.length > 0 ? tokens.join(' ') : undefined;

const SETTING_KEYS: Readonly<Record<string, CommandArgName>> = {
  language: 'language',
  lang: 'language',
  timezone: 'timezone',
  tz: 'timezone',
  zone: 'timezone',
  quiet: 'quiet',
  role: 'role',
};

/**
 * `key value` pairs (`language bn timezone Asia/Dhaka`); a value without its key is placed by
 * its shape: a time range or `off` is quiet hours, a name with a slash or `UTC` a time zone,
 * anything else a language (so a typo is answered with the languages we speak). A key without a
 * value is given as empty, which the command answers with `missingArgument`.
 */
function settingsArguments(tokens: readonly string[]): CommandArgs {
  const args: Partial<Record<CommandArgName, string>> = {};
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    const key = SETTING_KEYS[token.toLowerCase()];
    if (key === 'quiet') {
      // `22:00 - 07:00` and `22:00 to 07:00` arrive as up to three tokens.
      const parts = tokens.slice(i + 1, i + 2);
      i += parts.length;
      while (
        parts.length < 3 &&
        parts.every((p) => TIME_PART.test(p)) &&
        TIME_PART.test(tokens[i + 1] ?? '')
      ) {
        parts.push(tokens[++i] ?? '');
      }
      const value = parts.join(' ');
      args.quiet = value;
    } else if (key !== undefined) {
      args[key] = tokens[i + 1] ?? '';
      i++;
    } else {
      args[guessSetting(token)] ??= token;
    }
  }
  return args;
}

/** A piece of a time range: digits of any script (Bengali ০-৯, Hindi ०-९), `:`, `.`, dashes, or the word `to`. */
const TIME_PART = /^(?:[\p{Nd}:.\-–—]+|to)$/iu;

function guessSetting(value: string): CommandArgName {
  if (isOffWord(value) || /\p{Nd}.*[-–—].*\p{Nd}/u.test(value)) return 'quiet';
  if (value.includes('/') || /^(utc|gmt)/i.test(value)) return 'timezone';
  return 'language';
}

function compact(args: Partial<Record<CommandArgName, string | undefined>>): CommandArgs {
  const out: Partial<Record<CommandArgName, string>> = {};
  for (const [k, v] of Object.entries(args) as [CommandArgName, string | undefined][]) {
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}
