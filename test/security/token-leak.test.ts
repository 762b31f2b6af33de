/**
 * Secrets: the real bot process (`tsx src/main.ts`) runs through start-up, an outage
 * alert, a recovery and a rejected-token start-up on both platforms' local servers, at LOG_LEVEL
 * trace; no token (nor its secret half, nor its URL-encoded form) may appear anywhere in its output.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../../src/logging.js';
import type { BotProcess } from '../helpers/bot-process.js';
import { must, startDiscordWorld, STARTUP_WAIT_MS, type DiscordWorld } from '../e2e/discord-harness.js';
import { startTelegramWorld, type TelegramWorld } from '../e2e/telegram-harness.js';

let worlds: (TelegramWorld | DiscordWorld)[] = [];
afterEach(async () => {
  await Promise.all(worlds.map((w) => w.close()));
  worlds = [];
});

function outputOf(bot: BotProcess): string {
  return `${bot.stdout.join('\n')}\n${bot.stderr}`;
}

/** The forms a token could leak in: whole, its secret half (Telegram `<id>:<secret>`), URL-encoded. */
function leakForms(token: string): string[] {
  const secretHalf = token.includes(':') ? token.slice(token.indexOf(':') + 1) : token;
  return [token, secretHalf, encodeURIComponent(token)];
}

function expectNoToken(output: string, token: string): void {
  expect(output.length).toBeGreaterThan(0);
  for (const form of leakForms(token)) expect(output).not.toContain(form);
}

describe('no token in the bot output', () => {
  it('Telegram: start-up, outage alert, recovery, shutdown and a rejected token', async () => {
    const world = await startTelegramWorld();
    worlds.push(world);
    const creator = world.fake.createUser({ first_name: 'Owner' });
    const groupId = world.fake.createChat({ type: 'group', title: 'Ops', creator }).id;
    await world.subscribe(groupId, 'site');
    const bot = world.startBot({ LOG_LEVEL: 'trace' });
    await bot.waitForLine(/status API on/);
    world.target.up = false;
    await world.fake.waitFor(() => world.fake.messages(groupId)[0], 20_000);
    world.target.up = true;
    await world.fake.waitFor(() => world.fake.messages(groupId)[1], 20_000);
    await bot.stop();
    expectNoToken(outputOf(bot), world.fake.token);

    const rejected = '4242:AAE-rejected-secret-token-value';
    const refused = world.startBot({ LOG_LEVEL: 'trace', TELEGRAM_BOT_TOKEN: rejected });
    expect(await refused.exited()).toBe(1);
    expectNoToken(outputOf(refused), rejected);
  }, 60_000);

  it('Discord: start-up, outage alert, recovery and shutdown', async () => {
    const world = await startDiscordWorld('sqlite');
    worlds.push(world);
    const alertsId = must(world.guild.channels.alerts, 'alerts');
    await world.subscribe(alertsId, 'site');
    const bot = world.startBot({ LOG_LEVEL: 'trace' });
    await bot.waitForLine(/status API on/, STARTUP_WAIT_MS);
    world.target.up = false;
    await world.fake.waitFor(() => world.fake.messagesIn(alertsId)[0], 20_000);
    world.target.up = true;
    await world.fake.waitFor(() => world.fake.messagesIn(alertsId)[1], 20_000);
    await bot.stop();
    expectNoToken(outputOf(bot), world.fake.token);
  }, 180_000);

  it('redacts a token URL-encoded or by its secret half alone', () => {
    const token = '123456:AAE-secret-value';
    expect(redactSecrets('GET /bot123456%3AAAE-secret-value/getMe', [token])).toBe(
      'GET /bot[redacted]/getMe',
    );
    expect(redactSecrets('secret=AAE-secret-value', [token])).toBe('secret=[redacted]');
    const discord = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB';
    expect(redactSecrets('hmac abcdefghijklmnopqrstuvwxyz0123456789AB seen', [discord])).toBe(
      'hmac [redacted] seen',
    );
    expect(redactSecrets('a short id 123456 stays', [token])).toBe('a short id 123456 stays');
  });

  it('redacts a secret holding quotes or backslashes from the JSON log line, where it appears escaped', () => {
    const secret = 'wh"sec\\value\ttab';
    const lines: string[] = [];
    const log = createLogger('info', [secret], {
      write: (chunk: string) => {
        lines.push(String(chunk));
        return true;
      },
    } as unknown as NodeJS.WritableStream);
    log.info({ key: secret }, `signing with ${secret}`);
    const output = lines.join('');
    expect(output).toContain('[redacted]');
    expect(output).not.toContain(secret);
    expect(output).not.toContain(JSON.stringify(secret).slice(1, -1));
  });

  it('redacts a Telegram token inside a request URL path', () => {
    const token = '123456:AAE-secret-value';
    const line = `request to https://api.telegram.org/bot${token}/getMe failed`;
    expect(redactSecrets(line, [token])).toBe(
      'request to https://api.telegram.org/bot[redacted]/getMe failed',
    );
  });
});
