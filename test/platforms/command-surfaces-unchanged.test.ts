/**
 * What every bot already registered must not change when the commands are restructured: the slash
 * command JSON Discord receives (a changed JSON makes every bot re-register on upgrade:
 * `commandsDiffer`), the Telegram menus per language and the `/help` texts, byte for byte. The
 * fixtures were written from the code before commands became one file each; a deliberate change
 * of a command's surface rewrites them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCALES, messagesFor } from '../../src/core/i18n/index.js';
import { DISCORD_COMMANDS } from '../../src/platforms/discord/discord-commands.js';
import { registerTelegramCommands } from '../../src/platforms/telegram/telegram-commands.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/commands/${name}`, import.meta.url), 'utf8');
const asFixture = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

describe('command surfaces', () => {
  it('give Discord the same slash-command JSON, key order included', () => {
    expect(asFixture(DISCORD_COMMANDS)).toBe(fixture('discord-commands.json'));
  });

  it('give Telegram the same menus, in the same calls', async () => {
    const calls: unknown[] = [];
    await registerTelegramCommands({
      setMyCommands: async (commands: unknown, extra?: unknown) => {
        calls.push(extra === undefined ? { commands } : { commands, extra });
        return true;
      },
    } as never);
    expect(asFixture(calls)).toBe(fixture('telegram-menus.json'));
  });

  it('answer /help with the same text in every language, with and without /start', () => {
    const help = Object.fromEntries(
      LOCALES.flatMap((l) => [
        [`${l} withStart`, messagesFor(l).commands.help({ withStart: true })],
        [l, messagesFor(l).commands.help({ withStart: false })],
      ]),
    );
    expect(asFixture(help)).toBe(fixture('help-texts.json'));
  });
});
