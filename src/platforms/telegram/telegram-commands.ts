import type { Telegram } from 'telegraf';
import type { CommandDefinition } from '../../core/commands/command-definition.js';
import { menuCommands } from '../../core/commands/registry.js';
import { LOCALES, type Locale, messagesFor } from '../../core/i18n/index.js';
import { TELEGRAM_CAPABILITIES } from './telegram-settings.js';

/**
 * The command menu Telegram shows, registered with `setMyCommands` once per language
 * (docs/platforms.md §1.2: names 1-32 of `[a-z0-9_]`, descriptions 1-256; `language_code` is
 * ISO 639-1, and `bn` and `hi` are accepted). English is also the fallback list (no `language_code`).
 * The commands are the registry's menu commands Telegram has (`COMMANDS`,
 * src/core/commands/registry.ts), the `menuFirst` ones (`/start`, `/help`) first; the descriptions
 * are each catalogue's `commandMenu`, so a language brings its menu with it.
 */
const TELEGRAM_MENU: readonly CommandDefinition[] = [
  ...menuCommands(TELEGRAM_CAPABILITIES).filter((c) => c.menuFirst === true),
  ...menuCommands(TELEGRAM_CAPABILITIES).filter((c) => c.menuFirst !== true),
];

function commandList(locale: Locale): { command: string; description: string }[] {
  const descriptions = messagesFor(locale).commandMenu;
  return TELEGRAM_MENU.map(({ name }) => ({ command: name, description: descriptions[name] ?? '' }));
}

/** Registers the menu: the first language as the default list, then one list per language. Throws the API's error. */
export async function registerTelegramCommands(telegram: Pick<Telegram, 'setMyCommands'>): Promise<void> {
  await telegram.setMyCommands(commandList(LOCALES[0]));
  for (const locale of LOCALES) {
    await telegram.setMyCommands(commandList(locale), { language_code: locale });
  }
}
