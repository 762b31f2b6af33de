import type { Telegram } from 'telegraf';
import {
  COMMAND_MENU_NAMES,
  type CommandMenuName,
  LOCALES,
  type Locale,
  messagesFor,
} from '../../core/i18n/index.js';

/**
 * The command menu Telegram shows, registered with `setMyCommands` once per language
 * (docs/platforms.md §1.2: names 1-32 of `[a-z0-9_]`, descriptions 1-256; `language_code` is
 * ISO 639-1, and `bn` and `hi` are accepted). English is also the fallback list (no `language_code`).
 * The descriptions are each catalogue's `commandMenu`, so a language brings its menu with it.
 */
export const TELEGRAM_COMMAND_NAMES = COMMAND_MENU_NAMES;
export type TelegramCommandName = CommandMenuName;

function commandList(locale: Locale): { command: string; description: string }[] {
  const descriptions = messagesFor(locale).commandMenu;
  return TELEGRAM_COMMAND_NAMES.map((command) => ({ command, description: descriptions[command] }));
}

/** Registers the menu: the first language as the default list, then one list per language. Throws the API's error. */
export async function registerTelegramCommands(telegram: Pick<Telegram, 'setMyCommands'>): Promise<void> {
  await telegram.setMyCommands(commandList(LOCALES[0]));
  for (const locale of LOCALES) {
    await telegram.setMyCommands(commandList(locale), { language_code: locale });
  }
}
