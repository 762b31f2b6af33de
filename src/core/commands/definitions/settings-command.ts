import type { ChatSettings } from '../../delivery/ports.js';
import { LOCALES, messagesFor } from '../../i18n/index.js';
import type { CommandDefinition } from '../command-definition.js';
import { echo, type CommandContext } from '../command-context.js';
import type { CommandArgs, CommandReply } from '../command-request.js';
import {
  isOffWord,
  parseLanguage,
  parseQuietHours,
  parseRemindPace,
  parseRoleId,
  parseTimeZone,
} from '../settings-input.js';
import { REMIND_PACES_MINUTES } from '../../delivery/reminders.js';

/** The settings `/settings` changes, in the order they are checked. */
const SETTING_ARGUMENTS = ['language', 'timezone', 'quiet', 'role', 'remind', 'threads'] as const;
type Patch = { -readonly [K in keyof ChatSettings]?: ChatSettings[K] };

/**
 * `/settings`: without arguments shows the chat's settings; with some, validates all of them
 * first (one bad value changes nothing), stores them and answers in the chat's new language.
 */
async function settings(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
  const patch = settingsPatch(c, args);
  if ('reply' in patch) return patch.reply;
  const changed = SETTING_ARGUMENTS.some((a) => args[a] !== undefined);
  const stored =
    Object.keys(patch).length > 0
      ? await c.deps.subscriptions.updateSettings(c.request.chat, patch, c.now)
      : c.settings;
  const m = messagesFor(stored.locale);
  return c.info(
    m.commands.settings({
      changed,
      languageName: m.languageName,
      timeZone: stored.timeZone,
      quietHours: stored.quietHours,
      remindMinutes: stored.remindMinutes,
      // Roles and incident threads are Discord's: the platform with the `mentionRole` capability.
      ...(c.request.chat.capabilities.mentionRole
        ? { mentionRoleId: stored.mentionRoleId, threads: stored.threads === true }
        : {}),
    }),
  );
}

function settingsPatch(c: CommandContext, args: CommandArgs): Patch | { reply: CommandReply } {
  const m = c.m.commands;
  const refuse = (text: string): { reply: CommandReply } => ({ reply: c.problem(text) });
  const changing = SETTING_ARGUMENTS.some((a) => args[a] !== undefined);
  const patch: Patch = changing ? { ...c.firstLocale() } : {};
  for (const argument of SETTING_ARGUMENTS) {
    const given = args[argument];
    if (given === undefined) continue;
    if (given.trim() === '') return refuse(m.missingArgument({ command: '/settings', argument }));
    switch (argument) {
      case 'language': {
        const parsed = parseLanguage(given);
        if (!parsed.ok) return refuse(m.invalidLanguage({ given: echo(given), supported: [...LOCALES] }));
        patch.locale = parsed.value;
        break;
      }
      case 'timezone': {
        const parsed = parseTimeZone(given);
        if (!parsed.ok) return refuse(m.invalidTimeZone({ given: echo(given) }));
        patch.timeZone = parsed.value;
        break;
      }
      case 'quiet': {
        const parsed = parseQuietHours(given);
        if (!parsed.ok) return refuse(m.invalidQuietHours({ given: echo(given) }));
        patch.quietHours = parsed.value;
        break;
      }
      case 'role': {
        // Only Discord has roles; elsewhere the reply says so and what to do instead.
        if (!c.request.chat.capabilities.mentionRole)
          return refuse(m.discordOnlySetting({ setting: 'role' }));
        const parsed = parseRoleId(given);
        if (!parsed.ok) return refuse(m.missingArgument({ command: '/settings', argument }));
        patch.mentionRoleId = parsed.value;
        break;
      }
      case 'remind': {
        const parsed = parseRemindPace(given);
        if (!parsed.ok)
          return refuse(m.invalidRemindPace({ given: echo(given), paces: REMIND_PACES_MINUTES }));
        patch.remindMinutes = parsed.value;
        break;
      }
      case 'threads': {
        // Threads are Discord's (the platform with roles); `on`/`off` only.
        if (!c.request.chat.capabilities.mentionRole)
          return refuse(m.discordOnlySetting({ setting: 'threads' }));
        const parsed = parseOnOff(given);
        if (parsed === null) return refuse(m.missingArgument({ command: '/settings', argument }));
        patch.threads = parsed;
        break;
      }
    }
  }
  return patch;
}

type SettingArgument = (typeof SETTING_ARGUMENTS)[number];

/** `on` or `off` (any off word of a shipped language) for `/settings threads`; null otherwise. */
function parseOnOff(given: string): boolean | null {
  if (isOffWord(given)) return false;
  return ['on', 'yes', 'enable', 'enabled'].includes(given.trim().toLowerCase()) ? true : null;
}

const SETTING_KEYS: Readonly<Record<string, SettingArgument>> = {
  language: 'language',
  lang: 'language',
  timezone: 'timezone',
  tz: 'timezone',
  zone: 'timezone',
  quiet: 'quiet',
  role: 'role',
  remind: 'remind',
  reminders: 'remind',
  threads: 'threads',
  thread: 'threads',
};

/**
 * Telegram's words: `key value` pairs (`language bn timezone Asia/Dhaka`); a value without its key
 * is placed by its shape: a reminder pace (`1h`) is `remind`, a time range or `off` is quiet hours, a name with a slash or `UTC` a time
 * zone, anything else a language (so a typo is answered with the languages we speak). A key
 * without a value is given as empty, which the command answers with `missingArgument`.
 */
function settingsArguments(tokens: readonly string[]): CommandArgs {
  const args: Partial<Record<SettingArgument, string>> = {};
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
    } else if (key === 'remind' && PACE_UNIT.test(tokens[i + 2] ?? '')) {
      // `remind 2 hours` arrives as two tokens.
      args.remind = `${tokens[i + 1] ?? ''} ${tokens[i + 2] ?? ''}`;
      i += 2;
    } else if (key !== undefined) {
      args[key] = tokens[i + 1] ?? '';
      i++;
    } else {
      args[guessSetting(token)] ??= token;
    }
  }
  return args;
}

/** The unit of a reminder pace typed apart from its number (`2 hours`). */
const PACE_UNIT = /^(?:m|min|mins|minutes?|h|hr|hrs|hours?)$/i;

/** A piece of a time range: digits of any script (Bengali ০-৯, Hindi ०-९), `:`, `.`, dashes, or the word `to`. */
const TIME_PART = /^(?:[\p{Nd}:.\-–—]+|to)$/iu;

function guessSetting(value: string): SettingArgument {
  if (parseRemindPace(value).ok && !isOffWord(value)) return 'remind';
  if (isOffWord(value) || /\p{Nd}.*[-–—].*\p{Nd}/u.test(value)) return 'quiet';
  if (value.includes('/') || /^(utc|gmt)/i.test(value)) return 'timezone';
  return 'language';
}

export const settingsCommand: CommandDefinition = {
  name: 'settings',
  who: 'admins',
  surface: 'menu',
  description: 'Language, time zone, quiet hours, outage role and still-down reminders here',
  args: [
    {
      kind: 'choice',
      name: 'language',
      text: 'language',
      // Each language by its own name, the same in every locale.
      choices: LOCALES.map((locale) => ({ value: locale, name: messagesFor(locale).languageName })),
    },
    { kind: 'string', name: 'timezone', text: 'timezone', maxLength: 64 },
    { kind: 'string', name: 'quiet', text: 'quiet', maxLength: 32 },
    { kind: 'role', name: 'role', text: 'role' },
    { kind: 'string', name: 'remind', text: 'remind', maxLength: 16 },
    {
      kind: 'choice',
      name: 'threads',
      text: 'threads',
      choices: [
        { value: 'on', name: 'on' },
        { value: 'off', name: 'off' },
      ],
    },
  ],
  text: settingsArguments,
  help: ['settings'],
  handle: settings,
};
