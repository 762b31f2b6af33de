/**
 * Self-tests of the fake Telegram Bot API server, driven by the real telegraf client (and raw HTTP
 * where telegraf hides the wire), so the fake is known to behave like Telegram before adapters rely
 * on it. One file over 300 lines because the fake's contract is checked in one place, one describe
 * block per area.
 */
import { Telegraf, TelegramError } from 'telegraf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { BotApiUpdate, BotApiUser, FakeTelegram, FakeTelegramOptions } from '../fakes/telegram/index.js';
import {
  CHANNEL_BOT,
  GROUP_ANONYMOUS_BOT,
  MAX_TEXT_CHARS,
  TELEGRAM_SERVICE_USER,
  parseTelegramHtml,
  startFakeTelegram,
} from '../fakes/telegram/index.js';

/** A 1×1 PNG. */
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

let fakes: FakeTelegram[] = [];
let stops: Array<() => Promise<void>> = [];

async function startFake(options: FakeTelegramOptions = { rateLimits: false }): Promise<FakeTelegram> {
  const fake = await startFakeTelegram(options);
  fakes.push(fake);
  return fake;
}

function newBot(fake: FakeTelegram, token = fake.token): Telegraf {
  return new Telegraf(token, { telegram: { apiRoot: fake.apiRoot } });
}

/** Launches long polling; the bot is stopped (and its poll awaited) after the test. */
function launch(bot: Telegraf, errors: unknown[] = []): void {
  bot.catch((error) => void errors.push(error));
  const running = bot.launch();
  stops.push(async () => {
    bot.stop('test finished');
    await running;
  });
}

/** Awaits a rejection and checks it is Telegram's error, as telegraf surfaces it. */
async function telegramError(
  promise: Promise<unknown>,
  code: number,
  description: string,
): Promise<TelegramError> {
  const error: unknown = await promise.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TelegramError);
  const telegram = error as TelegramError;
  expect({ code: telegram.code, description: telegram.description }).toEqual({ code, description });
  return telegram;
}

/** A raw answer; `result` typed by the caller. */
interface RawAnswer<T> {
  status: number;
  body: { ok: boolean; result: T; error_code?: number; description?: string };
}

/** A raw call, for what telegraf does not expose (long polls, forms, statuses). */
async function rawCall<T = unknown>(
  fake: FakeTelegram,
  method: string,
  init?: RequestInit,
): Promise<RawAnswer<T>> {
  const res = await fetch(`${fake.apiRoot}/bot${fake.token}/${method}`, init);
  return { status: res.status, body: (await res.json()) as RawAnswer<T>['body'] };
}

function messageTexts(updates: readonly BotApiUpdate[]): Array<string | undefined> {
  return updates.map((u) => ('message' in u ? u.message.text : undefined));
}

beforeEach(() => {
  fakes = [];
  stops = [];
});

afterEach(async () => {
  for (const stop of stops) await stop();
  for (const fake of fakes) await fake.close();
});

function privateChat(fake: FakeTelegram): { user: BotApiUser; chatId: number } {
  const user = fake.createUser({ first_name: 'Rina', language_code: 'bn' });
  return { user, chatId: fake.createChat({ type: 'private', user }).id };
}

function group(fake: FakeTelegram, type: 'group' | 'supergroup' = 'group') {
  const creator = fake.createUser({ first_name: 'Owner' });
  const admin = fake.createUser({ first_name: 'Admin' });
  const member = fake.createUser({ first_name: 'Member' });
  const chat = fake.createChat({ type, title: 'Ops', creator, admins: [admin], members: [member] });
  return { chatId: chat.id, creator, admin, member };
}

describe('fake Telegram: authentication and polling', () => {
  it('rejects an unknown token with 401 Unauthorized', async () => {
    const fake = await startFake();
    await telegramError(newBot(fake, '42:wrong').telegram.getMe(), 401, 'Unauthorized');
    expect((await newBot(fake).telegram.getMe()).username).toBe('fake_alert_bot');
  });

  it('delivers a command to bot.command and records ctx.reply', async () => {
    const fake = await startFake();
    const { user, chatId } = privateChat(fake);
    const bot = newBot(fake);
    bot.command('status', (ctx) => ctx.reply(`status for ${ctx.from.first_name}`));
    launch(bot);
    fake.sendUserMessage(chatId, user, '/status');
    const reply = await fake.waitFor(() => fake.messages(chatId)[0]);
    expect(reply.text).toBe('status for Rina');
    fake.sendUserMessage(chatId, user, '/status');
    await fake.waitFor(() => fake.messages(chatId).length === 2);
    await fake.waitFor(() => fake.pendingUpdateCount === 0); // telegraf confirmed both by offset
  });

  it('matches /cmd@botname in groups', async () => {
    const fake = await startFake();
    const { chatId, member } = group(fake);
    const bot = newBot(fake);
    bot.command('subscribe', (ctx) => ctx.reply('subscribed'));
    launch(bot);
    fake.sendUserMessage(chatId, member, '/subscribe@fake_alert_bot github');
    expect((await fake.waitFor(() => fake.messages(chatId)[0])).text).toBe('subscribed');
  });

  it('wakes a held getUpdates as soon as an update is injected', async () => {
    const fake = await startFake();
    const { user, chatId } = privateChat(fake);
    // timeout 50 s is longer than the test timeout: only a wake-up can make this pass
    const poll = rawCall<BotApiUpdate[]>(fake, 'getUpdates?timeout=50');
    await fake.waitFor(() => fake.isPolling);
    fake.sendUserMessage(chatId, user, 'hello');
    const { body } = await poll;
    expect(messageTexts(body.result)).toEqual(['hello']);
    const next = await rawCall(fake, `getUpdates?offset=${(body.result[0]?.update_id ?? 0) + 1}`);
    expect(next.body).toEqual({ ok: true, result: [] });
    expect(fake.pendingUpdateCount).toBe(0);
  });

  it('terminates the older of two overlapping polls with 409', async () => {
    const fake = await startFake();
    const { user, chatId } = privateChat(fake);
    const first = rawCall(fake, 'getUpdates?timeout=50');
    await fake.waitFor(() => fake.isPolling);
    const second = rawCall<BotApiUpdate[]>(fake, 'getUpdates?timeout=50');
    expect((await first).body).toMatchObject({ ok: false, error_code: 409 });
    await fake.waitFor(() => fake.isPolling);
    fake.sendUserMessage(chatId, user, 'hi');
    expect((await second).body.result).toHaveLength(1);
  });

  it('honours limit and allowed_updates', async () => {
    const fake = await startFake();
    const { user, chatId } = privateChat(fake);
    await rawCall(fake, 'getUpdates?allowed_updates=["callback_query"]');
    fake.sendUserMessage(chatId, user, 'filtered out');
    expect(fake.pendingUpdateCount).toBe(0);
    await rawCall(fake, 'getUpdates?allowed_updates=[]');
    for (const text of ['a', 'b', 'c']) fake.sendUserMessage(chatId, user, text);
    const { body } = await rawCall<BotApiUpdate[]>(fake, 'getUpdates?limit=2');
    expect(messageTexts(body.result)).toEqual(['a', 'b']);
  });

  it('answers an idle poll with no updates when its timeout ends', async () => {
    const fake = await startFake();
    expect((await rawCall(fake, 'getUpdates?timeout=1')).body).toEqual({ ok: true, result: [] });
  });

  it('stops telegraf cleanly and answers held polls on close', async () => {
    const fake = await startFake();
    const bot = newBot(fake);
    const running = bot.launch();
    await fake.waitFor(() => fake.isPolling);
    bot.stop('test');
    await running;
    await fake.waitFor(() => !fake.isPolling);
    const held = rawCall(fake, 'getUpdates?timeout=50');
    await fake.waitFor(() => fake.isPolling);
    await fake.close();
    expect((await held).body).toEqual({ ok: true, result: [] });
  });
});

describe('fake Telegram: message validation', () => {
  it('parses HTML into text and entities', () => {
    expect(parseTelegramHtml('<b>down</b> &amp; <a href="https://x.io/?a=1&amp;b=2">status</a>')).toEqual({
      ok: true,
      text: 'down & status',
      entities: [
        { type: 'bold', offset: 0, length: 4 },
        { type: 'text_link', offset: 7, length: 6, url: 'https://x.io/?a=1&b=2' },
      ],
    });
    expect(parseTelegramHtml('<a href="tg://user?id=42">Rina</a>')).toMatchObject({
      entities: [{ type: 'text_mention', offset: 0, length: 4, user: { id: 42 } }],
    });
    expect(parseTelegramHtml('<pre><code class="language-ts">x</code></pre>')).toMatchObject({
      entities: [{ type: 'pre', offset: 0, length: 1, language: 'ts' }],
    });
  });

  it.each([
    ['<b>open', 'Can\'t find end tag corresponding to start tag "b"'],
    ['<div>x</div>', 'Unsupported start tag "div" at byte offset 0'],
    ['<b><i>x</b></i>', 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'],
    ['a < b', 'Unsupported start tag "" at byte offset 2'],
    ['৳ &nbsp;', 'Unescaped "&" or unsupported HTML entity at byte offset 4'],
    ['<span>x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'],
  ])("rejects %j with 400 can't parse entities", async (html, detail) => {
    const fake = await startFake();
    const { chatId } = privateChat(fake);
    const call = newBot(fake).telegram.sendMessage(chatId, html, { parse_mode: 'HTML' });
    await telegramError(call, 400, `Bad Request: can't parse entities: ${detail}`);
  });

  it('limits text to 4096 characters after entity parsing', async () => {
    const fake = await startFake();
    const { chatId } = privateChat(fake);
    const { telegram } = newBot(fake);
    await telegram.sendMessage(chatId, `<b>${'x'.repeat(MAX_TEXT_CHARS)}</b>`, { parse_mode: 'HTML' });
    const tooLong = telegram.sendMessage(chatId, 'x'.repeat(MAX_TEXT_CHARS + 1));
    await telegramError(tooLong, 400, 'Bad Request: message is too long');
  });

  it('records reply, keyboard, preview and notification options', async () => {
    const fake = await startFake();
    const { user, chatId } = privateChat(fake);
    const asked = fake.sendUserMessage(chatId, user, 'status?');
    const keyboard = { inline_keyboard: [[{ text: 'Mute', callback_data: 'mute:github' }]] };
    await newBot(fake).telegram.sendMessage(chatId, 'GitHub is down', {
      reply_parameters: { message_id: asked.message_id },
      reply_markup: keyboard,
      link_preview_options: { is_disabled: true },
      disable_notification: true,
    });
    expect(fake.messages(chatId)[0]).toMatchObject({
      replyToMessageId: asked.message_id,
      replyMarkup: keyboard,
      linkPreviewOptions: { is_disabled: true },
      disableNotification: true,
    });
  });

  it('rejects callback_data over 64 bytes', async () => {
    const fake = await startFake();
    const { chatId } = privateChat(fake);
    const markup = { inline_keyboard: [[{ text: 'x', callback_data: 'দ'.repeat(22) }]] }; // 66 bytes
    const call = newBot(fake).telegram.sendMessage(chatId, 'x', { reply_markup: markup });
    await telegramError(call, 400, 'Bad Request: BUTTON_DATA_INVALID');
  });

  it('edits text, keeps the history and refuses a no-op edit', async () => {
    const fake = await startFake();
    const { chatId } = privateChat(fake);
    const { telegram } = newBot(fake);
    const sent = await telegram.sendMessage(chatId, '<b>down</b>', { parse_mode: 'HTML' });
    const edit = () =>
      telegram.editMessageText(chatId, sent.message_id, undefined, '<b>up</b>', { parse_mode: 'HTML' });
    await edit();
    await telegramError(edit(), 400, NOT_MODIFIED);
    const [record] = fake.messages(chatId);
    expect(record?.text).toBe('up');
    expect(record?.edits.map((e) => e.sourceText)).toEqual(['<b>down</b>']);
    await telegramError(
      telegram.editMessageText(chatId, 999, undefined, 'x'),
      400,
      'Bad Request: message to edit not found',
    );
  });

  it('accepts form-encoded bodies', async () => {
    const fake = await startFake();
    const { chatId } = privateChat(fake);
    const form = new URLSearchParams({
      chat_id: String(chatId),
      text: 'via form',
      disable_notification: 'true',
    });
    const { status, body } = await rawCall<{ text: string }>(fake, 'sendMessage', {
      method: 'POST',
      body: form,
    });
    expect({ status, text: body.result.text }).toEqual({ status: 200, text: 'via form' });
    expect(fake.messages(chatId)[0]?.disableNotification).toBe(true);
  });

  it('receives sendPhoto as multipart with the bytes', async () => {
    const fake = await startFake();
    const { chatId } = privateChat(fake);
    const source = { source: PNG_1X1, filename: 'chart.png' };
    const sent = await newBot(fake).telegram.sendPhoto(chatId, source, {
      caption: '<b>p95</b>',
      parse_mode: 'HTML',
    });
    expect(sent.photo[0]).toMatchObject({ width: 1, height: 1, file_size: PNG_1X1.length });
    const [record] = fake.messages(chatId);
    expect(record?.photo?.bytes.equals(PNG_1X1)).toBe(true);
    expect({ filename: record?.photo?.filename, text: record?.text }).toEqual({
      filename: 'chart.png',
      text: 'p95',
    });
  });
});

describe('fake Telegram: delivery errors and limits', () => {
  it('answers 429 with retry_after once a chat window is full', async () => {
    const fake = await startFake({ rateLimits: { groupChat: { max: 2, windowMs: 60_000 } } });
    const { chatId } = group(fake);
    const { telegram } = newBot(fake);
    await telegram.sendMessage(chatId, 'one');
    await telegram.sendMessage(chatId, 'two');
    const error: unknown = await telegram.sendMessage(chatId, 'three').catch((e: unknown) => e);
    const retryAfter = (error as TelegramError).parameters?.retry_after ?? 0;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((error as TelegramError).description).toBe(`Too Many Requests: retry after ${retryAfter}`);
    expect(fake.callCount({ status: 429 })).toBe(1);
  });

  it('applies the global window across chats', async () => {
    const fake = await startFake({ rateLimits: { global: { max: 2, windowMs: 60_000 } } });
    const chats = [privateChat(fake), privateChat(fake), privateChat(fake)];
    const { telegram } = newBot(fake);
    await telegram.sendMessage(chats[0]?.chatId ?? 0, 'one');
    await telegram.sendMessage(chats[1]?.chatId ?? 0, 'two');
    const error: unknown = await telegram.sendMessage(chats[2]?.chatId ?? 0, 'x').catch((e: unknown) => e);
    expect((error as TelegramError).code).toBe(429);
  });

  it('forces a storm of 429s for the next N calls', async () => {
    const fake = await startFake();
    const { chatId } = privateChat(fake);
    const { telegram } = newBot(fake);
    fake.startStorm({ retryAfterS: 7, calls: 2 });
    for (let i = 0; i < 2; i += 1) {
      const error = await telegramError(
        telegram.sendMessage(chatId, 'x'),
        429,
        'Too Many Requests: retry after 7',
      );
      expect(error.parameters).toEqual({ retry_after: 7 });
    }
    await telegram.sendMessage(chatId, 'through');
    expect(fake.callCount({ method: 'sendMessage', status: 429 })).toBe(2);
  });

  it('answers 403 when blocked or kicked and 400 for unknown chats', async () => {
    const fake = await startFake();
    const { chatId } = privateChat(fake);
    const ops = group(fake);
    const { telegram } = newBot(fake);
    fake.blockBot(chatId);
    await telegramError(telegram.sendMessage(chatId, 'x'), 403, 'Forbidden: bot was blocked by the user');
    fake.kickBot(ops.chatId);
    await telegramError(
      telegram.sendMessage(ops.chatId, 'x'),
      403,
      'Forbidden: bot was kicked from the group chat',
    );
    await telegramError(telegram.sendMessage(-5, 'x'), 400, 'Bad Request: chat not found');
  });

  it('answers 400 with migrate_to_chat_id after a group upgrade', async () => {
    const fake = await startFake();
    const { chatId } = group(fake);
    const { telegram } = newBot(fake);
    const newId = fake.migrateGroup(chatId);
    const error = await telegramError(
      telegram.sendMessage(chatId, 'x'),
      400,
      'Bad Request: group chat was upgraded to a supergroup chat',
    );
    expect(error.parameters).toEqual({ migrate_to_chat_id: newId });
    await telegram.sendMessage(newId, 'moved');
    expect((await telegram.getChat(newId)).type).toBe('supergroup');
  });
});

describe('fake Telegram: updates and chat state', () => {
  it('routes a button press to bot.action and records the answer', async () => {
    const fake = await startFake();
    const { user, chatId } = privateChat(fake);
    const bot = newBot(fake);
    bot.action(/^mute:(.+)$/, (ctx) => ctx.answerCbQuery(`muted ${ctx.match[1] ?? ''}`));
    launch(bot);
    const markup = { inline_keyboard: [[{ text: 'Mute', callback_data: 'mute:github' }]] };
    const sent = await bot.telegram.sendMessage(chatId, 'GitHub is down', { reply_markup: markup });
    const queryId = fake.pressButton(chatId, sent.message_id, user, 'mute:github');
    const answer = await fake.waitFor(() => fake.callbackQuery(queryId)?.answer);
    expect(answer.text).toBe('muted github');
  });

  it('delivers my_chat_member when the bot is kicked', async () => {
    const fake = await startFake();
    const { chatId, admin } = group(fake, 'supergroup');
    const bot = newBot(fake);
    const statuses: string[] = [];
    bot.on('my_chat_member', (ctx) => void statuses.push(ctx.myChatMember.new_chat_member.status));
    launch(bot);
    fake.kickBot(chatId, admin);
    await fake.waitFor(() => statuses.length > 0);
    expect(statuses).toEqual(['kicked']);
    const call = bot.telegram.sendMessage(chatId, 'x');
    await telegramError(call, 403, 'Forbidden: bot was kicked from the supergroup chat');
  });

  it('posts in channels only as an administrator, signed by the channel', async () => {
    const fake = await startFake();
    const creator = fake.createUser();
    const news = fake.createChat({ type: 'channel', title: 'News', username: 'news', creator });
    const { telegram } = newBot(fake);
    const call = telegram.sendMessage('@news', 'x');
    await telegramError(call, 400, 'Bad Request: need administrator rights in the channel chat');
    fake.addBotToChat(news.id, creator, 'administrator');
    const post = await telegram.sendMessage('@news', 'outage');
    expect(post.sender_chat?.id).toBe(news.id);
    expect(fake.messages(news.id).map((m) => m.text)).toEqual(['outage']);
  });

  it('reports members, admins and leaving', async () => {
    const fake = await startFake();
    const ops = group(fake);
    const { telegram } = newBot(fake);
    expect((await telegram.getChatMember(ops.chatId, ops.member.id)).status).toBe('member');
    const admins = await telegram.getChatAdministrators(ops.chatId);
    expect(admins.map((a) => [a.user.first_name, a.status])).toEqual([
      ['Owner', 'creator'],
      ['Admin', 'administrator'],
    ]);
    await telegram.leaveChat(ops.chatId);
    expect((await telegram.getChatMember(ops.chatId, fake.bot.id)).status).toBe('left');
    await telegramError(
      telegram.sendMessage(ops.chatId, 'x'),
      403,
      'Forbidden: bot is not a member of the group chat',
    );
  });

  it('stores commands per scope and language', async () => {
    const fake = await startFake();
    const { telegram } = newBot(fake);
    const bn = [{ command: 'status', description: 'অবস্থা' }];
    await telegram.setMyCommands(bn, { language_code: 'bn', scope: { type: 'all_group_chats' } });
    await telegram.setMyCommands([{ command: 'status', description: 'Status' }]);
    expect(fake.commands({ type: 'all_group_chats' }, 'bn')).toEqual(bn);
    expect(await telegram.getMyCommands({ language_code: 'bn', scope: { type: 'all_group_chats' } })).toEqual(
      bn,
    );
    expect(await telegram.getMyCommands({ language_code: 'en' })).toEqual([]);
    const bad = telegram.setMyCommands([{ command: 'Status', description: 'x' }]);
    await telegramError(bad, 400, 'Bad Request: BOT_COMMAND_INVALID');
  });
});

describe('fake Telegram: forum topics, senders on behalf of chats, forwards', () => {
  it('posts in a topic with message_thread_id; a closed or deleted topic answers 400 as Telegram does', async () => {
    const fake = await startFake();
    const creator = fake.createUser({ first_name: 'Owner' });
    const forum = fake.createChat({ type: 'supergroup', title: 'Forum', creator, isForum: true });
    expect(forum.is_forum).toBe(true);
    const topic = fake.createTopic(forum.id, creator, 'Alerts');
    const { telegram } = newBot(fake);
    const sent = await telegram.sendMessage(forum.id, 'in the topic', { message_thread_id: topic });
    expect(sent).toMatchObject({ message_thread_id: topic, is_topic_message: true });
    expect(sent.reply_to_message).toMatchObject({ forum_topic_created: { name: 'Alerts' } });
    expect(fake.messages(forum.id).map((m) => m.threadId)).toEqual([topic]);
    expect((await telegram.sendMessage(forum.id, 'in General')).message_thread_id).toBeUndefined();

    fake.closeTopic(forum.id, topic);
    await telegramError(
      telegram.sendMessage(forum.id, 'x', { message_thread_id: topic }),
      400,
      'Bad Request: TOPIC_CLOSED',
    );
    const other = fake.createTopic(forum.id, creator, 'Other');
    const inOther = await telegram.sendMessage(forum.id, 'there', { message_thread_id: other });
    fake.deleteTopic(forum.id, other);
    await telegramError(
      telegram.sendMessage(forum.id, 'x', { message_thread_id: other }),
      400,
      'Bad Request: message thread not found',
    );
    await telegramError(
      telegram.editMessageText(forum.id, inOther.message_id, undefined, 'edited'),
      400,
      'Bad Request: message to edit not found',
    );
    const plain = group(fake, 'supergroup');
    await telegramError(
      telegram.sendMessage(plain.chatId, 'x', { message_thread_id: 2 }),
      400,
      'Bad Request: message thread not found',
    );
  });

  it('sends anonymous admins, channel posters and automatic forwards with Telegram placeholder users', async () => {
    const fake = await startFake();
    const ops = group(fake, 'supergroup');
    const channel = fake.createChat({ type: 'channel', title: 'News', creator: ops.member });
    const bot = newBot(fake);
    const seen: BotApiUpdate[] = [];
    bot.use((ctx, next) => {
      seen.push(ctx.update as unknown as BotApiUpdate);
      return next();
    });
    launch(bot);
    fake.sendUserMessage(ops.chatId, ops.admin, '/status', { asChat: ops.chatId });
    fake.sendUserMessage(ops.chatId, ops.member, '/status', { asChat: channel.id });
    expect(() => fake.sendUserMessage(ops.chatId, ops.member, '/status', { asChat: ops.chatId })).toThrow(
      /no admin/,
    );
    fake.linkDiscussionGroup(channel.id, ops.chatId);
    const post = fake.sendUserMessage(channel.id, ops.member, 'news');
    const original = fake.sendUserMessage(ops.chatId, ops.member, 'hello');
    fake.forwardMessage(ops.chatId, original.message_id, ops.chatId, ops.admin);
    await fake.waitFor(() => seen.length >= 6);
    const messages = seen.flatMap((u) => ('message' in u ? [u.message] : []));
    expect(messages.map((m) => [m.from, m.sender_chat?.id])).toEqual([
      [GROUP_ANONYMOUS_BOT, ops.chatId],
      [CHANNEL_BOT, channel.id],
      [TELEGRAM_SERVICE_USER, channel.id],
      [ops.member, undefined],
      [ops.admin, undefined],
    ]);
    expect(messages[2]).toMatchObject({
      is_automatic_forward: true,
      forward_origin: { type: 'channel', chat: { id: channel.id }, message_id: post.message_id },
      text: 'news',
    });
    expect(messages[4]?.forward_origin).toMatchObject({ type: 'user', sender_user: { id: ops.member.id } });
    expect(seen.filter((u) => 'channel_post' in u)).toHaveLength(1);
  });
});
