import type { ChatSettings } from '../delivery/ports.js';
import { LOCALES, messagesFor } from '../i18n/index.js';
import { echo, type CommandContext } from './command-context.js';
import type { CommandArgs, CommandReply } from './command-request.js';
import { parseLanguage, parseQuietHours, parseRoleId, parseTimeZone } from './settings-input.js';

/** The settings `/settings` changes, in the order they are checked. */
const SETTING_ARGUMENTS = ['language', 'timezone', 'quiet', 'role'] as const;
type Patch = { -readonly [K in keyof ChatSettings]?: ChatSettings[K] };

/**
 * `/settings`: without arguments shows the chat's settings; with some, validates all of them
 * first (one bad value changes nothing), stores them and answers in the chat's new language.
 */
export async function settings(c: CommandContext, args: CommandArgs): Promise<CommandReply> {
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
      ...(c.request.chat.capabilities.mentionRole ? { mentionRoleId: stored.mentionRoleId } : {}),
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
        // Only Discord has roles; the missing-argument text says what the option takes.
        const parsed = parseRoleId(given);
        if (!parsed.ok || !c.request.chat.capabilities.mentionRole) {
          return refuse(m.missingArgument({ command: '/settings', argument }));
        }
        patch.mentionRoleId = parsed.value;
        break;
      }
    }
  }
  return patch;
}
