/**
 * Self-tests of the fake Telegram's webhooks and its 409s: setWebhook's checks, updates POSTed
 * with the secret header and sent again until a 2xx, getUpdates refused while a webhook is set,
 * deleteWebhook, and which of two long polls gets the conflict.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BotApiUpdate, FakeTelegram } from '../fakes/telegram/index.js';
import { SECRET_TOKEN_HEADER, startFakeTelegram } from '../fakes/telegram/index.js';
import { type WebhookReceiver, startWebhookReceiver } from '../fakes/webhook-receiver.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup(setIntervalMs = 0): Promise<{ fake: FakeTelegram; receiver: WebhookReceiver }> {
  const fake = await startFakeTelegram({
    rateLimits: false,
    webhookTiming: { retryMs: 10, timeoutMs: 2_000, setIntervalMs },
  });
  closers.push(() => fake.close());
  const receiver = await startWebhookReceiver();
  closers.push(() => receiver.close());
  return { fake, receiver };
}

interface Answer<T> {
  status: number;
  body: { ok: boolean; result: T; error_code?: number; description?: string };
}

async function call<T = unknown>(
  fake: FakeTelegram,
  method: string,
  params: object = {},
): Promise<Answer<T>> {
  const res = await fetch(`${fake.apiRoot}/bot${fake.token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Answer<T>['body'] };
}

function userChat(fake: FakeTelegram) {
  const user = fake.createUser({ first_name: 'Rina' });
  return { user, chatId: fake.createChat({ type: 'private', user }).id };
}

const textOf = (body: string): string | undefined => {
  const update = JSON.parse(body) as BotApiUpdate;
  return 'message' in update ? update.message.text : undefined;
};

describe('fake Telegram: setWebhook checks', () => {
  it('refuses what Telegram refuses and reports the webhook in getWebhookInfo', async () => {
    const { fake, receiver } = await setup();
    expect((await call(fake, 'getWebhookInfo')).body.result).toEqual({
      url: '',
      has_custom_certificate: false,
      pending_update_count: 0,
    });
    const refused = async (params: object) => (await call(fake, 'setWebhook', params)).body;
    expect(await refused({ url: 'http://bot.example.org/hook' })).toMatchObject({
      error_code: 400,
      description: 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
    });
    expect(await refused({ url: 'https://bot.example.org:8080/hook' })).toMatchObject({
      error_code: 400,
      description: 'Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443',
    });
    expect(await refused({ url: `${receiver.origin}/hook`, secret_token: 'a'.repeat(257) })).toMatchObject({
      error_code: 400,
      description: 'Bad Request: secret token is too long',
    });
    expect(await refused({ url: `${receiver.origin}/hook`, secret_token: 'no spaces' })).toMatchObject({
      error_code: 400,
      description: 'Bad Request: secret token contains unallowed characters',
    });
    const url = `${receiver.origin}/hook`;
    expect(
      (await call(fake, 'setWebhook', { url, secret_token: 'Ab_-9', allowed_updates: ['message'] })).body,
    ).toEqual({ ok: true, result: true });
    // the same webhook again: accepted, nothing changes
    expect((await call(fake, 'setWebhook', { url, secret_token: 'Ab_-9' })).body).toEqual({
      ok: true,
      result: true,
    });
    expect((await call(fake, 'getWebhookInfo')).body.result).toEqual({
      url,
      has_custom_certificate: false,
      pending_update_count: 0,
      ip_address: '127.0.0.1',
      max_connections: 40,
      allowed_updates: ['message'],
    });
  });

  it('takes one setWebhook with a URL per second, a refused one included', async () => {
    const { fake, receiver } = await setup(1_000);
    const url = `${receiver.origin}/hook`;
    expect((await call(fake, 'setWebhook', { url: 'ftp://x' })).body).toMatchObject({ error_code: 400 });
    expect((await call(fake, 'setWebhook', { url })).body).toMatchObject({
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    expect((await call(fake, 'deleteWebhook')).body).toEqual({ ok: true, result: true });
  });
});

describe('fake Telegram: webhook delivery', () => {
  it('POSTs updates in order with the secret, sends a refused one again, and refuses getUpdates meanwhile', async () => {
    const { fake, receiver } = await setup();
    const { user, chatId } = userChat(fake);
    receiver.answer({ status: 500 }, { status: 401 });
    const url = `${receiver.origin}/telegram/hook`;
    await call(fake, 'setWebhook', { url, secret_token: 'sekret_1' });
    fake.sendUserMessage(chatId, user, 'first');
    fake.sendUserMessage(chatId, user, 'second');
    const requests = await receiver.waitForRequests(4);
    expect(requests.map((r) => [r.path, textOf(r.body), r.answer])).toEqual([
      ['/telegram/hook', 'first', 500],
      ['/telegram/hook', 'first', 401],
      ['/telegram/hook', 'first', 200],
      ['/telegram/hook', 'second', 200],
    ]);
    expect(requests.every((r) => r.method === 'POST')).toBe(true);
    expect(requests.every((r) => r.headers[SECRET_TOKEN_HEADER.toLowerCase()] === 'sekret_1')).toBe(true);
    expect(requests[0]?.headers['content-type']).toBe('application/json');
    await fake.waitFor(() => fake.pendingUpdateCount === 0);
    expect(fake.webhookAttempts.map((a) => a.error)).toEqual([
      'Wrong response from the webhook: 500 Internal Server Error',
      'Wrong response from the webhook: 401 Unauthorized',
      undefined,
      undefined,
    ]);
    expect(fake.webhookInfo.last_error_message).toBe('Wrong response from the webhook: 401 Unauthorized');

    const polled = await call(fake, 'getUpdates');
    expect(polled.body).toEqual({
      ok: false,
      error_code: 409,
      description:
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    });
    expect(fake.conflictCount).toBe(1);
  });

  it('keeps updates pending across deleteWebhook, for getUpdates to read; drop_pending_updates drops them', async () => {
    const { fake, receiver } = await setup();
    const { user, chatId } = userChat(fake);
    receiver.answer({ hang: true });
    await call(fake, 'setWebhook', { url: `${receiver.origin}/hook` });
    fake.sendUserMessage(chatId, user, 'held');
    await receiver.waitForRequests(1);
    await call(fake, 'deleteWebhook');
    expect(fake.webhookInfo.url).toBe('');
    const polled = await call<BotApiUpdate[]>(fake, 'getUpdates');
    expect(polled.body.result.map((u) => ('message' in u ? u.message.text : ''))).toEqual(['held']);
    await call(fake, 'deleteWebhook', { drop_pending_updates: true });
    expect(fake.pendingUpdateCount).toBe(0);
    expect(fake.conflictCount).toBe(0);
  });

  it('ends a held getUpdates with 409 when a webhook is set', async () => {
    const { fake, receiver } = await setup();
    const held = call(fake, 'getUpdates', { timeout: 50 });
    await fake.waitFor(() => fake.isPolling);
    await call(fake, 'setWebhook', { url: `${receiver.origin}/hook` });
    expect((await held).body).toEqual({
      ok: false,
      error_code: 409,
      description: 'Conflict: terminated by setWebhook request',
    });
    expect(fake.conflictCount).toBe(1);
  });
});

describe('fake Telegram: two long polls', () => {
  it('answers the older poll 409 and counts it; a poll its client abandoned is not counted', async () => {
    const { fake } = await setup();
    const older = call(fake, 'getUpdates', { timeout: 50 });
    await fake.waitFor(() => fake.isPolling);
    const abandon = new AbortController();
    const newer = fetch(`${fake.apiRoot}/bot${fake.token}/getUpdates?timeout=50`, { signal: abandon.signal });
    expect((await older).body).toEqual({
      ok: false,
      error_code: 409,
      description:
        'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    });
    expect(fake.conflictCount).toBe(1);
    await fake.waitFor(() => fake.isPolling);
    abandon.abort();
    await newer.catch(() => undefined);
    await fake.waitFor(() => !fake.isPolling);
    expect((await call(fake, 'getUpdates')).body).toEqual({ ok: true, result: [] });
    expect(fake.conflictCount).toBe(1);
  });
});
