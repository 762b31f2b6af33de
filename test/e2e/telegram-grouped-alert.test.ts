/**
 * Grouped alerts end to end, with the real bot process on the local Telegram: two services of one group
 * that fail some seconds apart, the second after the first alert went out (past the 5 s gather),
 * end up in ONE message, the first alert edited into the grouped one; the recoveries, close together,
 * make one reply to it. On SQLite and on PostgreSQL (the alert's message reference, edited later, is stored).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.js';
import { type BotDatabase, openBotDatabase } from './telegram-harness.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe.each(BACKENDS)('Telegram: services of one group failing seconds apart (%s)', (backend) => {
  it('makes one message, edited into the grouped alert, and one reply for the recoveries', async () => {
    const fake: FakeTelegram = await startFakeTelegram({ rateLimits: false });
    const web: HttpTarget = await startHttpTarget();
    const api: HttpTarget = await startHttpTarget();
    const dir = mkdtempSync(join(tmpdir(), 'telegram-grouped-'));
    const bots: BotProcess[] = [];
    const database: BotDatabase = await openBotDatabase(backend, dir);
    cleanup = async () => {
      for (const b of bots)
        if (b.child.exitCode === null && b.child.signalCode === null) await b.stop('SIGKILL');
      await database.close();
      await fake.close();
      await Promise.all([web.close(), api.close()]);
      rmSync(dir, { recursive: true, force: true });
    };
    const servicesFile = join(dir, 'services.yaml');
    writeFileSync(
      servicesFile,
      `defaults: { every: 1s, timeout: 800ms, confirm: { down: 2, up: 2 } }
services:
  - id: shop-web
    name: Shop web
    group: shop
    monitors:
      - { type: http, url: "${web.url}" }
  - id: shop-api
    name: Shop API
    group: shop
    monitors:
      - { type: http, url: "${api.url}" }
`,
    );
    const creator = fake.createUser({ first_name: 'Owner' });
    const chat = fake.createChat({ type: 'supergroup', title: 'Ops', creator });
    await database.withSubscriptions(async (subs) => {
      for (const service of ['shop-web', 'shop-api'])
        await subs.subscribe({ platform: 'telegram', chatId: String(chat.id) }, service, 'minor', Date.now());
    });

    const bot = new BotProcess({
      SERVICES_FILE: servicesFile,
      ...database.env,
      HTTP_PORT: '0',
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
    });
    bots.push(bot);
    await bot.waitForLine(/status API on/);

    web.up = false;
    const alert = await fake.waitFor(() => fake.messages(chat.id)[0], 20_000);
    expect(alert.text).toMatch(/Shop web is down/);
    expect(alert.edits).toEqual([]);

    // The first alert is out (after the gather): the API failing now cannot be grouped with it
    // in one send, only by editing it.
    api.up = false;
    await fake.waitFor(
      () => (/Shop services: /.test(fake.messages(chat.id)[0]?.text ?? '') ? true : undefined),
      20_000,
    );
    const grouped = fake.messages(chat.id)[0]!;
    expect(grouped.messageId).toBe(alert.messageId);
    expect(grouped.text).toMatch(/Shop API/);
    expect(grouped.text).toMatch(/Shop web/);
    expect(grouped.edits).toHaveLength(1);
    expect(fake.messages(chat.id)).toHaveLength(1);

    web.up = true;
    api.up = true;
    // Recovering together, they gather into one reply that lists both with their durations.
    const recovery = await fake.waitFor(() => fake.messages(chat.id)[1], 20_000);
    expect(recovery.replyToMessageId).toBe(alert.messageId);
    expect(recovery.text).toMatch(/^✅ Shop services back up: /);
    expect(recovery.text).toMatch(/Shop web is back up after /);
    expect(recovery.text).toMatch(/Shop API is back up after /);
    expect(fake.messages(chat.id)).toHaveLength(2);
  }, 60_000);
});
