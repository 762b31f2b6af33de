/**
 * One receiver of Telegram updates among several instances, with real telegraf against the local
 * Bot API: long polling handed from one platform object to another by lead()/unlead() without
 * losing, repeating or conflicting; and webhook mode, where the fake POSTs updates to the app's
 * real HTTP server (src/web) and the platform checks the secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundHttpRoute } from '../../src/platforms/platform.js';
import {
  MAX_TELEGRAM_UPDATE_BYTES,
  TELEGRAM_SECRET_HEADER,
  TelegramPlatform,
} from '../../src/platforms/telegram/telegram-platform.js';
import type { TelegramWebhookSettings } from '../../src/platforms/telegram/telegram-settings.js';
import { tempDatabase } from '../dispatch/delivery-fixtures.js';
import { type FakeTelegram, type FakeTelegramOptions, startFakeTelegram } from '../fakes/telegram/index.js';
import { waitUntil } from '../e2e/telegram-harness.js';
import { startWebHarness } from '../web/web-harness.js';
import { type Cleanups, createPlatform } from './telegram-world.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeAndDb(options: FakeTelegramOptions = {}) {
  const fake = await startFakeTelegram({ rateLimits: false, ...options });
  cleanups.push(() => fake.close());
  const database = tempDatabase();
  const db = database.open();
  cleanups.push(() => database.dispose());
  return { fake, db };
}

/** A platform of the "cluster", stopped after the test. */
function instance(
  fake: FakeTelegram,
  db: ReturnType<ReturnType<typeof tempDatabase>['open']>,
  webhook?: TelegramWebhookSettings,
): TelegramPlatform {
  const { platform } = createPlatform(fake, db, webhook === undefined ? {} : { webhook });
  cleanups.push(() => platform.stop());
  return platform;
}

function privateChat(fake: FakeTelegram) {
  const user = fake.createUser({ first_name: 'Rina', language_code: 'en' });
  return { user, chatId: fake.createChat({ type: 'private', user }).id };
}

describe('Telegram long polling: one leader at a time', () => {
  it('hands polling from one instance to the other and back: every update answered once, no 409', async () => {
    const { fake, db } = await fakeAndDb();
    const a = instance(fake, db);
    const b = instance(fake, db);
    await a.start({ lead: false });
    await b.start({ lead: false });
    expect([a.connected, b.connected, a.leading, b.leading]).toEqual([true, true, false, false]);
    expect(fake.callCount({ method: 'getUpdates' })).toBe(0);
    expect(fake.callCount({ method: 'setMyCommands' })).toBeGreaterThan(0);

    const { user, chatId } = privateChat(fake);
    let sent = 0;
    const send = (): void => {
      fake.sendUserMessage(chatId, user, '/help');
      sent++;
    };
    const allAnswered = () => fake.waitFor(() => fake.messages(chatId).length === sent);

    await a.lead();
    expect(a.leading).toBe(true);
    await a.lead(); // idempotent
    send();
    send();
    await allAnswered();

    // an update arriving just as the leader steps down is handled by it or by the next one
    send();
    await a.unlead();
    expect(a.leading).toBe(false);
    send(); // nobody leads: it waits at Telegram
    send();
    expect(fake.pendingUpdateCount).toBeGreaterThanOrEqual(2);

    await b.lead();
    expect(b.leading).toBe(true);
    await allAnswered();
    send();
    await b.unlead();
    send();
    await a.lead();
    await allAnswered();
    await a.unlead();
    await a.unlead(); // idempotent

    expect(fake.pendingUpdateCount).toBe(0);
    expect(fake.messages(chatId)).toHaveLength(sent);
    expect(sent).toBe(7);
    expect(fake.conflictCount).toBe(0);
    expect(fake.callCount({ status: 409 })).toBe(0);
  });

  it('start() alone still polls at once, as a single instance does', async () => {
    const { fake, db } = await fakeAndDb();
    const single = instance(fake, db);
    await single.start();
    expect(single.leading).toBe(true);
    const { user, chatId } = privateChat(fake);
    fake.sendUserMessage(chatId, user, '/help');
    await fake.waitFor(() => fake.messages(chatId)[0]);
    await single.stop();
    expect([single.leading, single.connected]).toEqual([false, false]);
    expect(fake.conflictCount).toBe(0);
  });

  it('deletes a webhook left from webhook mode before polling', async () => {
    const { fake, db } = await fakeAndDb({ webhookTiming: { setIntervalMs: 0 } });
    const set = await fetch(`${fake.apiRoot}/bot${fake.token}/setWebhook?url=http://127.0.0.1:9/hook`);
    expect(set.status).toBe(200);
    const single = instance(fake, db);
    await single.start();
    expect(fake.webhookInfo.url).toBe('');
    const { user, chatId } = privateChat(fake);
    fake.sendUserMessage(chatId, user, '/help');
    await fake.waitFor(() => fake.messages(chatId)[0]);
    expect(fake.conflictCount).toBe(0);
  });

  it('starts polling again by itself after another consumer took getUpdates from it (409)', async () => {
    const { fake, db } = await fakeAndDb();
    const { platform } = createPlatform(fake, db, { pollRestartMs: 200 });
    cleanups.push(() => platform.stop());
    await platform.start();
    await waitUntil(() => fake.isPolling);
    // A stray consumer of the same token (an old deployment): its getUpdates ends the bot's held
    // one with 409, which telegraf does not retry.
    const stray = fetch(`${fake.apiRoot}/bot${fake.token}/getUpdates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeout: 1 }),
    }).then((r) => r.status);
    await waitUntil(() => platform.connected === false);
    expect(platform.leading).toBe(false);
    // It polls again after the wait, and answers what was sent meanwhile.
    const { user, chatId } = privateChat(fake);
    fake.sendUserMessage(chatId, user, '/help');
    await fake.waitFor(() => fake.messages(chatId).length === 1);
    expect([platform.connected, platform.leading]).toEqual([true, true]);
    expect(await stray).toBeGreaterThanOrEqual(200);
    expect(fake.callCount({ method: 'getUpdates', status: 409 })).toBeGreaterThanOrEqual(1);
  });
});

const SECRET = 'Test_secret-0123456789';
const HOOK_PATH = '/telegram/hook';

/**
 * The app's HTTP server (createHttpServer, as src/features/web.ts builds it) with the platform's
 * webhook route, and a webhook-mode platform whose URL is that server's. The server must listen
 * before the URL is known, so its route hands each request to the platform's own route.
 */
async function webhookWorld(options: FakeTelegramOptions = {}) {
  const { fake, db } = await fakeAndDb({ webhookTiming: { retryMs: 10, setIntervalMs: 0 }, ...options });
  const platformRoute: { current: InboundHttpRoute | undefined } = { current: undefined };
  const web = await startWebHarness(undefined, () => ({
    inbound: [
      {
        method: 'POST',
        path: HOOK_PATH,
        bodyLimit: MAX_TELEGRAM_UPDATE_BYTES,
        handle: (request) => {
          if (platformRoute.current === undefined) throw new Error('no platform yet');
          return platformRoute.current.handle(request);
        },
      },
    ],
  }));
  cleanups.push(() => web.close());
  const webhook = { url: `${web.url}${HOOK_PATH}`, path: HOOK_PATH, secret: SECRET };
  const platform = instance(fake, db, webhook);
  expect(platform.httpRoutes.map((r) => [r.method, r.path, r.bodyLimit])).toEqual([
    ['POST', HOOK_PATH, MAX_TELEGRAM_UPDATE_BYTES],
  ]);
  platformRoute.current = platform.httpRoutes[0];
  return { fake, db, web, webhook, platform };
}

async function postUpdate(
  url: string,
  body: string,
  secret?: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secret === undefined ? {} : { [TELEGRAM_SECRET_HEADER]: secret }),
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

describe('Telegram webhook mode', () => {
  it('receives updates the fake POSTs through the HTTP server and answers them; getUpdates gets 409', async () => {
    const { fake, webhook, platform } = await webhookWorld();
    await platform.start();
    expect(platform.leading).toBe(true);
    expect(fake.webhookInfo).toMatchObject({
      url: webhook.url,
      allowed_updates: ['message', 'channel_post', 'callback_query', 'my_chat_member'],
    });

    const { user, chatId } = privateChat(fake);
    fake.sendUserMessage(chatId, user, '/help');
    const reply = await fake.waitFor(() => fake.messages(chatId)[0]);
    expect(reply.text).toMatch(/\/subscribe/);
    await fake.waitFor(() => fake.pendingUpdateCount === 0);
    expect(fake.webhookAttempts.map((a) => a.status)).toEqual([200]);
    expect(fake.callCount({ method: 'getUpdates' })).toBe(0);

    const polled = await fetch(`${fake.apiRoot}/bot${fake.token}/getUpdates`);
    expect(polled.status).toBe(409);
    expect(((await polled.json()) as { description: string }).description).toMatch(
      /^Conflict: can't use getUpdates method while webhook is active/,
    );
    expect(fake.conflictCount).toBe(1);

    // unlead keeps the webhook: another instance may lead already, and every instance takes POSTs
    await platform.unlead();
    expect(platform.leading).toBe(false);
    expect(fake.webhookInfo.url).toBe(webhook.url);
    fake.sendUserMessage(chatId, user, '/help');
    await fake.waitFor(() => fake.messages(chatId)[1]);
    expect(fake.callCount({ method: 'deleteWebhook' })).toBe(0);
  });

  it('refuses a wrong or missing secret with 401 and handles nothing; Telegram keeps the update', async () => {
    const { fake, web, webhook, platform } = await webhookWorld();
    await platform.start({ lead: false });
    const { user, chatId } = privateChat(fake);
    const setWith = (secret: string) =>
      fetch(
        `${fake.apiRoot}/bot${fake.token}/setWebhook?url=${encodeURIComponent(webhook.url)}&secret_token=${secret}`,
      );
    expect((await setWith('Not_the_secret')).status).toBe(200);
    fake.sendUserMessage(chatId, user, '/help');
    await fake.waitFor(() => fake.webhookAttempts.length >= 2);
    expect(fake.webhookAttempts.slice(0, 2).map((a) => a.status)).toEqual([401, 401]);
    expect(fake.pendingUpdateCount).toBe(1);
    expect(fake.messages(chatId)).toHaveLength(0);

    // the right secret: the same update goes through, once
    await platform.lead();
    await fake.waitFor(() => fake.messages(chatId)[0]);
    await fake.waitFor(() => fake.pendingUpdateCount === 0);
    expect(fake.messages(chatId)).toHaveLength(1);

    const hook = `${web.url}${HOOK_PATH}`;
    const update = JSON.stringify({
      update_id: 999,
      message: { message_id: 1, date: 1, chat: { id: chatId, type: 'private' }, from: user, text: '/help' },
    });
    const missing = await postUpdate(hook, update);
    const wrong = await postUpdate(hook, update, `${SECRET}x`);
    expect([missing.status, wrong.status]).toEqual([401, 401]);
    expect(missing.text).not.toContain('/help');
    expect(wrong.text).not.toContain(SECRET);

    expect((await postUpdate(hook, 'not json', SECRET)).status).toBe(400);
    expect((await postUpdate(hook, '{"message":{}}', SECRET)).status).toBe(400);
    const tooBig = await postUpdate(hook, `{"pad":"${'x'.repeat(MAX_TELEGRAM_UPDATE_BYTES)}"}`, SECRET);
    expect(tooBig.status).toBe(413);
    expect(fake.messages(chatId)).toHaveLength(1);

    // the right secret from elsewhere is an update like any other
    const direct = await postUpdate(hook, update, SECRET);
    expect(direct).toEqual({ status: 200, text: '' });
    expect(fake.messages(chatId)).toHaveLength(2);

    await platform.stop();
    expect((await postUpdate(hook, update, SECRET)).status).toBe(503);
    expect(fake.messages(chatId)).toHaveLength(2);
  });

  it('lets a second instance set the same webhook: Telegram takes one setWebhook a second, so it waits', async () => {
    const { fake, db, webhook, platform } = await webhookWorld({ webhookTiming: { retryMs: 10 } });
    await platform.start();
    const other = instance(fake, db, webhook);
    await other.start();
    expect(other.leading).toBe(true);
    expect(fake.callCount({ method: 'setWebhook', status: 429 })).toBe(1);
    expect(fake.callCount({ method: 'setWebhook', status: 200 })).toBe(2);
    expect(fake.webhookInfo.url).toBe(webhook.url);
  });
});
