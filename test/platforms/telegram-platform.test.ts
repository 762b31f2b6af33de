/**
 * The Telegram adapter in-process with real telegraf against the local Bot API, the real
 * CommandService on SQLite: commands in every chat type with the admin check asked of Telegram,
 * alert buttons, membership changes, and the sender's delivery results for Telegram's real errors.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Telegraf } from 'telegraf';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramSender } from '../../src/platforms/telegram/telegram-sender.js';
import type { ChartPngOptions } from '../../src/charts/chart-png.js';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import { incidentEvent } from '../dispatch/delivery-fixtures.js';
import { type Cleanups, world as startWorld } from './telegram-world.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const world = (options: Parameters<typeof startWorld>[1] = {}) => startWorld(cleanups, options);

const tg = (chatId: number) => ({ platform: 'telegram' as const, chatId: String(chatId) });

function job(chatId: number, overrides: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    chatId: String(chatId),
    kind: 'send',
    events: [incidentEvent({ serviceId: 'site', serviceName: 'Our site' })],
    settings: { locale: 'en', timeZone: 'UTC', mentionRoleId: null },
    ...overrides,
  };
}

const signal = () => AbortSignal.timeout(5_000);

/** A PNG signature and some bytes: the adapter uploads what it is given. */
const FAKE_PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(64, 7),
]);

describe('Telegram commands', () => {
  it('lets a group admin subscribe and refuses a member, asking Telegram who is admin', async () => {
    const { fake, subscriptions } = await world();
    const creator = fake.createUser({ first_name: 'Owner' });
    const admin = fake.createUser({ first_name: 'Admin' });
    const member = fake.createUser({ first_name: 'Member' });
    const chat = fake.createChat({
      type: 'supergroup',
      title: 'Ops',
      creator,
      admins: [admin],
      members: [member],
    });

    fake.sendUserMessage(chat.id, member, '/subscribe site');
    const refusal = await fake.waitFor(() => fake.messages(chat.id)[0]);
    expect(refusal.text).toBe('Only admins of this chat can do that.');
    expect(subscriptions.listSubscriptions(tg(chat.id))).toEqual([]);

    fake.sendUserMessage(chat.id, admin, '/subscribe@fake_alert_bot site major');
    const done = await fake.waitFor(() => fake.messages(chat.id)[1]);
    expect(done.text).toMatch(/^This chat now gets alerts for Our site/);
    expect(done.replyToMessageId).toBeDefined();
    expect(subscriptions.listSubscriptions(tg(chat.id))).toMatchObject([
      { serviceId: 'site', minSeverity: 'major' },
    ]);
    expect(fake.callCount({ method: 'getChatMember' })).toBe(2);
  });

  it('sends the /status chart as a photo after the text; text alone when the chart cannot be drawn', async () => {
    let mode: 'png' | 'none' | 'throw' = 'png';
    const asked: (ChartPngOptions | undefined)[] = [];
    const { fake } = await world({
      renderChartPng: (serviceId, options) => {
        asked.push(options);
        if (mode === 'throw') throw new Error('resvg failed');
        return mode === 'png' && serviceId === 'site' ? FAKE_PNG : null;
      },
    });
    const user = fake.createUser({ first_name: 'Rina', language_code: 'bn' });
    const chat = fake.createChat({ type: 'private', user });
    const command = fake.sendUserMessage(chat.id, user, '/status site');
    const [text, photo] = await fake.waitFor(() => fake.messages(chat.id)[1] && fake.messages(chat.id));
    expect(text).toMatchObject({ kind: 'text', replyToMessageId: command.message_id });
    expect(text?.text).toMatch(/Our site/);
    expect(photo).toMatchObject({ kind: 'photo', text: '', replyToMessageId: command.message_id });
    expect(photo?.photo?.bytes.equals(FAKE_PNG)).toBe(true);
    expect(photo?.photo?.filename).toBe('site-24h.png');
    expect(asked).toEqual([{ locale: 'bn', timeZone: 'UTC' }]);

    for (const next of ['none', 'throw'] as const) {
      mode = next;
      const before = fake.messages(chat.id).length;
      fake.sendUserMessage(chat.id, user, '/status site');
      const reply = await fake.waitFor(() => fake.messages(chat.id)[before]);
      expect(reply.kind).toBe('text');
      fake.sendUserMessage(chat.id, user, '/help');
      await fake.waitFor(() => fake.messages(chat.id)[before + 1]);
      expect(
        fake
          .messages(chat.id)
          .slice(before)
          .map((m) => m.kind),
      ).toEqual(['text', 'text']);
    }
    expect(fake.messages(chat.id).filter((m) => m.kind === 'photo')).toHaveLength(1);
  });

  it('answers in a private chat and in a channel, where posts are the channel admins', async () => {
    const { fake, subscriptions } = await world();
    const user = fake.createUser({ first_name: 'Rina', language_code: 'bn' });
    const privateChat = fake.createChat({ type: 'private', user });
    fake.sendUserMessage(privateChat.id, user, '/subscribe site');
    const reply = await fake.waitFor(() => fake.messages(privateChat.id)[0]);
    expect(reply.text).toMatch(/[\u0980-\u09FF]/);
    expect(subscriptions.listSubscriptions(tg(privateChat.id))).toHaveLength(1);

    const owner = fake.createUser({ first_name: 'Owner' });
    const channel = fake.createChat({
      type: 'channel',
      title: 'News',
      creator: owner,
      botStatus: 'administrator',
    });
    fake.sendUserMessage(channel.id, owner, '/subscribe all');
    await fake.waitFor(() => fake.messages(channel.id)[0]);
    expect(subscriptions.listSubscriptions(tg(channel.id))).toMatchObject([{ serviceId: '*' }]);
  });

  it('ignores other bots and plain text, answers an unknown command it was named in', async () => {
    const { fake } = await world();
    const creator = fake.createUser({ first_name: 'Owner' });
    const chat = fake.createChat({ type: 'group', title: 'Ops', creator });
    fake.sendUserMessage(chat.id, creator, 'hello');
    fake.sendUserMessage(chat.id, creator, '/frobnicate');
    fake.sendUserMessage(chat.id, creator, '/status@other_bot');
    fake.sendUserMessage(chat.id, creator, '/frobnicate@fake_alert_bot');
    const reply = await fake.waitFor(() => fake.messages(chat.id)[0]);
    expect(reply.text).toMatch(/frobnicate/);
    fake.sendUserMessage(chat.id, creator, '/help');
    await fake.waitFor(() => fake.messages(chat.id)[1]);
    expect(fake.messages(chat.id)).toHaveLength(2);
  });

  it('mutes from the alert button and answers the press privately', async () => {
    const { fake, platform, subscriptions } = await world();
    const creator = fake.createUser({ first_name: 'Owner' });
    const chat = fake.createChat({ type: 'group', title: 'Ops', creator });
    const sent = await platform.sender.deliver(job(chat.id), signal());
    expect(sent.kind).toBe('sent');
    const alert = await fake.waitFor(() => fake.messages(chat.id)[0]);
    const queryId = fake.pressButton(chat.id, alert.messageId, creator, 'm:site');
    const answered = await fake.waitFor(() => fake.callbackQuery(queryId)?.answer);
    expect(answered.text).toMatch(/.+/);
    expect(subscriptions.getSettings(tg(chat.id)).mutedUntil).toBeGreaterThan(Date.now());
    expect(fake.messages(chat.id)).toHaveLength(1);
  });

  it('deactivates a chat the bot was removed from', async () => {
    const { fake, subscriptions } = await world();
    const creator = fake.createUser({ first_name: 'Owner' });
    const chat = fake.createChat({ type: 'group', title: 'Ops', creator });
    subscriptions.subscribe(tg(chat.id), 'site', 'minor', Date.now());
    fake.kickBot(chat.id, creator);
    await fake.waitFor(() => subscriptions.getChat(tg(chat.id))?.active === false || undefined);
    expect(subscriptions.getChat(tg(chat.id))?.deactivatedReason).toMatch(/kicked/);
  });
});

describe('TelegramSender', () => {
  it('edits the alert, counts an unchanged edit as sent and replaces a deleted one', async () => {
    const { fake, platform } = await world();
    const creator = fake.createUser({ first_name: 'Owner' });
    const chat = fake.createChat({ type: 'group', title: 'Ops <b>&', creator });
    const first = await platform.sender.deliver(job(chat.id), signal());
    if (first.kind !== 'sent') throw new Error(first.kind);
    const degraded = job(chat.id, {
      kind: 'edit',
      editMessageId: first.messageId,
      events: [
        incidentEvent({
          serviceId: 'site',
          serviceName: 'Our <b>& site',
          kind: 'updated',
          status: 'degraded',
          severity: 'minor',
        }),
      ],
    });
    expect(await platform.sender.deliver(degraded, signal())).toEqual(first);
    expect(await platform.sender.deliver(degraded, signal())).toEqual(first);
    const edited = fake.messages(chat.id)[0];
    expect(edited?.edits).toHaveLength(1);
    expect(edited?.text).toMatch(/Our <b>& site/);

    const gone = await platform.sender.deliver({ ...degraded, editMessageId: '9999' }, signal());
    expect(gone.kind).toBe('sent');
    expect(fake.messages(chat.id)).toHaveLength(2);

    const reply = await platform.sender.deliver(
      job(chat.id, {
        kind: 'reply',
        replyToMessageId: first.messageId,
        events: [
          incidentEvent({
            serviceId: 'site',
            serviceName: 'Our site',
            kind: 'resolved',
            status: 'up',
            durationMs: 90_000,
          }),
        ],
      }),
      signal(),
    );
    expect(reply.kind).toBe('sent');
    expect(fake.messages(chat.id)[2]?.replyToMessageId).toBe(Number(first.messageId));
  });

  it('sends a still-down reminder as a plain reply to the alert: escaped, no buttons, no mention', async () => {
    const { fake, platform } = await world();
    const creator = fake.createUser({ first_name: 'Owner' });
    const chat = fake.createChat({ type: 'group', title: 'Ops', creator });
    const first = await platform.sender.deliver(job(chat.id), signal());
    if (first.kind !== 'sent') throw new Error(first.kind);
    const reminder = job(chat.id, {
      kind: 'reply',
      replyToMessageId: first.messageId,
      events: [incidentEvent({ serviceName: 'Our <b>& @site' })],
      reminder: { downForMs: 125 * 60_000 },
      settings: { locale: 'en', timeZone: 'UTC', mentionRoleId: 'r' },
    });
    expect((await platform.sender.deliver(reminder, signal())).kind).toBe('sent');
    const sent = fake.messages(chat.id)[1];
    expect(sent?.replyToMessageId).toBe(Number(first.messageId));
    expect(sent?.text).toMatch(/^Reminder: Our <b>& @\u2060site is still down, for 2 /);
    expect(sent?.replyMarkup).toBeUndefined();
  });

  it('edits an alert into the grouped alert of all its services, or sends that anew when it is gone', async () => {
    const { fake, platform } = await world();
    const creator = fake.createUser({ first_name: 'Owner' });
    const chat = fake.createChat({ type: 'group', title: 'Ops', creator });
    const whatsapp = incidentEvent();
    const first = await platform.sender.deliver(job(chat.id, { events: [whatsapp] }), signal());
    if (first.kind !== 'sent') throw new Error(first.kind);
    const instagram = incidentEvent({ incidentId: 2, serviceId: 'instagram', serviceName: 'Instagram' });
    const joined = job(chat.id, {
      kind: 'edit',
      editMessageId: first.messageId,
      events: [whatsapp, instagram],
    });
    expect(await platform.sender.deliver(joined, signal())).toEqual(first);
    const [edited] = fake.messages(chat.id);
    expect(edited?.edits).toHaveLength(1);
    expect(edited?.text).toMatch(/^🔴 Meta services: /);
    expect(edited?.text).toMatch(/Instagram/);
    expect(edited?.text).toMatch(/WhatsApp/);

    const anew = await platform.sender.deliver({ ...joined, editMessageId: '9999' }, signal());
    expect(anew.kind).toBe('sent');
    expect(fake.messages(chat.id)).toHaveLength(2);
    expect(fake.messages(chat.id)[1]?.text).toMatch(/^🔴 Meta services: /);
  });

  it('classifies blocked, missing, migrated and rate-limited chats', async () => {
    const { fake, platform } = await world();
    const user = fake.createUser({ first_name: 'Rina' });
    const blocked = fake.createChat({ type: 'private', user });
    fake.blockBot(blocked.id);
    expect(await platform.sender.deliver(job(blocked.id), signal())).toEqual({
      kind: 'permanent',
      reason: 'Telegram 403: Forbidden: bot was blocked by the user',
    });
    expect(await platform.sender.deliver(job(-123456789), signal())).toEqual({
      kind: 'permanent',
      reason: 'Telegram 400: Bad Request: chat not found',
    });
    const creator = fake.createUser({ first_name: 'Owner' });
    const group = fake.createChat({ type: 'group', title: 'Ops', creator });
    const superId = fake.migrateGroup(group.id);
    expect(await platform.sender.deliver(job(group.id), signal())).toEqual({
      kind: 'chat-moved',
      newChatId: String(superId),
    });
    fake.startStorm({ methods: ['sendMessage'], retryAfterS: 3, calls: 1 });
    const limited = await platform.sender.deliver(job(superId), signal());
    expect(limited).toMatchObject({ kind: 'rate-limited', retryAfterMs: 3000 });
  });

  it('reports an unreachable Bot API as transient, without the token', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const token = '7000000001:SecretTokenThatMustNotLeak';
    const bot = new Telegraf(token, { telegram: { apiRoot: `http://127.0.0.1:${port}` } });
    const result = await new TelegramSender(bot.telegram, { token }).deliver(job(1), signal());
    expect(result.kind).toBe('transient');
    expect(JSON.stringify(result)).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(result)).not.toContain('SecretTokenThatMustNotLeak');
  });
});
