/**
 * Who sent a Telegram message, through real telegraf against the local Bot API and the real
 * command layer on SQLite: anonymous group admins and people posting as a channel (`sender_chat`),
 * automatic forwards from a linked channel and forwarded messages (never commands), and commands
 * in forum topics (the reply in the topic, `/subscribe` bound to it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { senderId, topicOf } from '../../src/platforms/telegram/telegram-updates.js';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import { incidentEvent } from '../dispatch/delivery-fixtures.js';
import type { BotApiUser, FakeTelegram } from '../fakes/telegram/index.js';
import { CHANNEL_BOT, GROUP_ANONYMOUS_BOT, TELEGRAM_SERVICE_USER } from '../fakes/telegram/index.js';
import { type Cleanups, world as startWorld } from './telegram-world.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const world = (options: Parameters<typeof startWorld>[1] = {}) => startWorld(cleanups, options);

const tg = (chatId: number) => ({ platform: 'telegram' as const, chatId: String(chatId) });
const SLOW_DOWN = /^Slow down: try again in/;

/** A supergroup whose creator is `admin`, with one plain member. */
function group(fake: FakeTelegram, title: string, admin: BotApiUser, isForum = false) {
  const member = fake.createUser({ first_name: `${title} member` });
  const chat = fake.createChat({ type: 'supergroup', title, creator: admin, members: [member], isForum });
  return { id: chat.id, member };
}

/** How many "slow down" replies the chat got (telegraf handles a batch of updates concurrently). */
const slowDowns = (fake: FakeTelegram, chatId: number) =>
  fake.messages(chatId).filter((m) => SLOW_DOWN.test(m.text)).length;

/** Waits for the `n`th message (0-based) the bot sent to the chat. */
const nth = (fake: FakeTelegram, chatId: number, n: number) => fake.waitFor(() => fake.messages(chatId)[n]);

describe('Telegram senders', () => {
  it('tells a user, a chat and a placeholder apart: sender_chat wins, and no user id equals it', () => {
    const chat = { id: -1001, type: 'supergroup', title: 'Ops' } as const;
    const user = { id: 42, is_bot: false, first_name: 'Rina' };
    expect(senderId({ chat, from: user })).toBe('42');
    expect(senderId({ chat, from: GROUP_ANONYMOUS_BOT, sender_chat: chat })).toBe('chat:-1001');
    const channel = { id: -1002, type: 'channel', title: 'News' } as const;
    expect(senderId({ chat, from: CHANNEL_BOT, sender_chat: channel })).toBe('chat:-1002');
    expect(senderId({ chat: channel, sender_chat: channel })).toBe('chat:-1002');
    expect(senderId({ chat: channel })).toBe('chat:-1002');
    expect(topicOf({ message_thread_id: 7, is_topic_message: true })).toBe(7);
    // A reply thread of a supergroup without topics is no topic.
    expect(topicOf({ message_thread_id: 7 })).toBeUndefined();
  });

  it('keeps anonymous admins of two groups apart (rate limits) and counts no report from a chat identity', async () => {
    const { fake, reports } = await world();
    const adminA = fake.createUser({ first_name: 'Admin A' });
    const adminB = fake.createUser({ first_name: 'Admin B' });
    const a = group(fake, 'Group A', adminA);
    const b = group(fake, 'Group B', adminB);

    const first = fake.sendUserMessage(a.id, adminA, '/report site', { asChat: a.id });
    expect(first.from).toEqual(GROUP_ANONYMOUS_BOT);
    expect(first.sender_chat?.id).toBe(a.id);
    // Crowd reports count people; a group identity is not one (one account can make many groups).
    expect((await nth(fake, a.id, 0)).text).toMatch(/^Reports are counted per person.*report Our site/);
    fake.sendUserMessage(b.id, adminB, '/report site', { asChat: b.id });
    expect((await nth(fake, b.id, 0)).text).toMatch(/^Reports are counted per person/);
    // The same people, as themselves, are counted: one each.
    fake.sendUserMessage(a.id, adminA, '/report site');
    expect((await nth(fake, a.id, 1)).text).toMatch(/^Thanks, your report about Our site/);
    reports.flush();
    const now = Date.now();
    expect(reports.reportsBetween('site', now - 60_000, now + 1)).toHaveLength(1);

    // Group A's anonymous admins use up their 5 commands in 10 s (1 report, 4 more, 1 refused)…
    for (let i = 0; i < 5; i++) fake.sendUserMessage(a.id, adminA, '/services', { asChat: a.id });
    await nth(fake, a.id, 6);
    expect(slowDowns(fake, a.id)).toBe(1);
    // …which leaves group B's, and group A's own members, their own.
    fake.sendUserMessage(b.id, adminB, '/services', { asChat: b.id });
    expect((await nth(fake, b.id, 1)).text).not.toMatch(SLOW_DOWN);
    fake.sendUserMessage(a.id, a.member, '/services');
    expect((await nth(fake, a.id, 7)).text).not.toMatch(SLOW_DOWN);
    expect(slowDowns(fake, a.id)).toBe(1);
  });

  it('lets an anonymous admin subscribe without asking Telegram who they are', async () => {
    const { fake, subscriptions } = await world();
    const admin = fake.createUser({ first_name: 'Admin' });
    const g = group(fake, 'Ops', admin);
    fake.sendUserMessage(g.id, admin, '/subscribe site', { asChat: g.id });
    expect((await nth(fake, g.id, 0)).text).toMatch(/^This chat now gets alerts for Our site/);
    expect(subscriptions.listSubscriptions(tg(g.id))).toMatchObject([{ serviceId: 'site' }]);
    expect(fake.callCount({ method: 'getChatMember' })).toBe(0);
  });

  it('takes a channel poster for the channel: not an admin of the group, rate limited apart from other channels', async () => {
    const { fake, subscriptions } = await world();
    const owner = fake.createUser({ first_name: 'Owner' });
    const g = group(fake, 'Chat', owner);
    const writerOne = fake.createUser({ first_name: 'Writer one' });
    const writerTwo = fake.createUser({ first_name: 'Writer two' });
    const one = fake.createChat({ type: 'channel', title: 'One', creator: writerOne });
    const two = fake.createChat({ type: 'channel', title: 'Two', creator: writerTwo });
    // Both writers are also members of the group; as a channel they are nobody in it.
    fake.setMemberStatus(g.id, writerOne, 'member');
    fake.setMemberStatus(g.id, writerTwo, 'administrator');

    const post = fake.sendUserMessage(g.id, writerTwo, '/subscribe site', { asChat: two.id });
    expect(post.from).toEqual(CHANNEL_BOT);
    expect((await nth(fake, g.id, 0)).text).toBe('Only admins of this chat can do that.');
    expect(subscriptions.listSubscriptions(tg(g.id))).toEqual([]);
    expect(fake.callCount({ method: 'getChatMember' })).toBe(0);

    // Channel one's 5 commands (its 6th is refused) are not channel two's.
    for (let i = 0; i < 6; i++) fake.sendUserMessage(g.id, writerOne, '/services', { asChat: one.id });
    await nth(fake, g.id, 6);
    expect(slowDowns(fake, g.id)).toBe(1);
    fake.sendUserMessage(g.id, writerTwo, '/services', { asChat: two.id });
    expect((await nth(fake, g.id, 7)).text).not.toMatch(SLOW_DOWN);
    expect(slowDowns(fake, g.id)).toBe(1);
  });

  it('keeps the real presser of a button: two anonymous admins of one group are two reports', async () => {
    const { fake, platform, reports } = await world();
    const adminOne = fake.createUser({ first_name: 'Admin one' });
    const adminTwo = fake.createUser({ first_name: 'Admin two' });
    const chat = fake.createChat({ type: 'supergroup', title: 'Ops', creator: adminOne, admins: [adminTwo] });
    const sent = await platform.sender.deliver(
      {
        chatId: String(chat.id),
        kind: 'send',
        events: [incidentEvent({ serviceId: 'site', serviceName: 'Our site' })],
        settings: { locale: 'en', timeZone: 'UTC', mentionRoleId: null },
      },
      AbortSignal.timeout(5_000),
    );
    if (sent.kind !== 'sent') throw new Error(`not sent: ${sent.kind}`);
    // Telegram puts the real user in callback_query.from, also for anonymous admins.
    const queries = [adminOne, adminTwo].map((admin) =>
      fake.pressButton(chat.id, Number(sent.messageId), admin, 'r:site'),
    );
    for (const id of queries) await fake.waitFor(() => fake.callbackQuery(id)?.answer);
    expect(queries.map((id) => fake.callbackQuery(id)?.answer?.text)).toEqual([
      expect.stringMatching(/^Thanks, your report/),
      expect.stringMatching(/^Thanks, your report/),
    ]);
    reports.flush();
    const now = Date.now();
    expect(reports.reportsBetween('site', now - 60_000, now + 1)).toHaveLength(2);
  });
});

describe('Telegram forwards', () => {
  it('ignores a command a linked channel forwarded into its discussion group by itself', async () => {
    const { fake, subscriptions } = await world();
    const owner = fake.createUser({ first_name: 'Owner' });
    const g = group(fake, 'Discussion', owner);
    const channel = fake.createChat({
      type: 'channel',
      title: 'News',
      creator: owner,
      botStatus: 'administrator',
    });
    fake.linkDiscussionGroup(channel.id, g.id);

    // The owner posts in the channel: the channel itself subscribes (a channel post is its admins')…
    const post = fake.sendUserMessage(channel.id, owner, '/subscribe all');
    expect(fake.history(g.id).find((m) => m.is_automatic_forward === true)).toMatchObject({
      from: TELEGRAM_SERVICE_USER,
      sender_chat: { id: channel.id, type: 'channel' },
      forward_origin: { type: 'channel', chat: { id: channel.id }, message_id: post.message_id },
      text: '/subscribe all',
      entities: [{ type: 'bot_command', offset: 0, length: 10 }],
    });
    await nth(fake, channel.id, 0);
    expect(subscriptions.listSubscriptions(tg(channel.id))).toMatchObject([{ serviceId: '*' }]);
    // …and Telegram's copy in the group, sent before the member's /help below, did nothing.
    fake.sendUserMessage(g.id, g.member, '/help');
    const help = await nth(fake, g.id, 0);
    expect(help.text).toMatch(/subscribe/);
    expect(fake.messages(g.id)).toHaveLength(1);
    expect(subscriptions.listSubscriptions(tg(g.id))).toEqual([]);
    expect(fake.callCount({ method: 'getChatMember' })).toBe(0);
  });

  it('ignores a forwarded command, even one an admin forwards', async () => {
    const { fake, subscriptions } = await world();
    const owner = fake.createUser({ first_name: 'Owner' });
    const g = group(fake, 'Ops', owner);
    const elsewhere = group(fake, 'Elsewhere', owner);
    const original = fake.sendUserMessage(elsewhere.id, elsewhere.member, 'a note, not for the bot');
    await fake.waitFor(() => fake.pendingUpdateCount === 0);
    const command = fake.sendUserMessage(elsewhere.id, owner, '/subscribe site');
    await nth(fake, elsewhere.id, 0);

    const forwarded = fake.forwardMessage(elsewhere.id, command.message_id, g.id, owner);
    expect(forwarded.forward_origin).toMatchObject({ type: 'user', sender_user: { id: owner.id } });
    fake.forwardMessage(elsewhere.id, original.message_id, g.id, owner);
    fake.sendUserMessage(g.id, g.member, '/help');
    await nth(fake, g.id, 0);
    expect(fake.messages(g.id)).toHaveLength(1);
    expect(subscriptions.listSubscriptions(tg(g.id))).toEqual([]);
  });
});

describe('Telegram forum topics', () => {
  it('answers in the topic of the command and binds /subscribe there; General stays General', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const { fake, subscriptions } = await world({ renderChartPng: () => png });
    const admin = fake.createUser({ first_name: 'Admin' });
    const forum = group(fake, 'Forum', admin, true);
    const topic = fake.createTopic(forum.id, admin, 'Alerts');

    const command = fake.sendUserMessage(forum.id, admin, '/subscribe site', { topic });
    expect(command).toMatchObject({ message_thread_id: topic, is_topic_message: true });
    const reply = await nth(fake, forum.id, 0);
    expect(reply).toMatchObject({ threadId: topic, replyToMessageId: command.message_id });
    expect(reply.text).toMatch(/^This chat now gets alerts for Our site/);
    expect(subscriptions.listSubscriptions(tg(forum.id))).toMatchObject([
      { serviceId: 'site', threadId: String(topic) },
    ]);

    // The chart of /status goes to the topic too.
    fake.sendUserMessage(forum.id, forum.member, '/status site', { topic });
    await nth(fake, forum.id, 2);
    expect(
      fake
        .messages(forum.id)
        .slice(1)
        .map((m) => [m.kind, m.threadId]),
    ).toEqual([
      ['text', topic],
      ['photo', topic],
    ]);

    // The anonymous admin subscribes all from General: no topic.
    fake.sendUserMessage(forum.id, admin, '/subscribe all', { asChat: forum.id });
    expect((await nth(fake, forum.id, 3)).threadId).toBeUndefined();
    expect(subscriptions.listSubscriptions(tg(forum.id))).toMatchObject([
      { serviceId: '*', threadId: null },
      { serviceId: 'site', threadId: String(topic) },
    ]);
    // Subscribing again from another topic moves the subscription there.
    const other = fake.createTopic(forum.id, admin, 'Ops');
    fake.sendUserMessage(forum.id, admin, '/subscribe site major', { topic: other });
    expect((await nth(fake, forum.id, 4)).threadId).toBe(other);
    expect(subscriptions.listSubscriptions(tg(forum.id))).toMatchObject([
      { serviceId: '*', threadId: null },
      { serviceId: 'site', minSeverity: 'major', threadId: String(other) },
    ]);
    // /subscriptions says where each one's alerts go; in a chat without topics it says nothing of it.
    fake.sendUserMessage(forum.id, forum.member, '/subscriptions', { topic });
    const listed = (await nth(fake, forum.id, 5)).text.split('\n');
    expect(listed.slice(1)).toEqual([
      expect.stringMatching(/ — in General$/),
      expect.stringMatching(/^• Our site .* — in another topic$/),
    ]);
    fake.sendUserMessage(forum.id, forum.member, '/subscriptions', { topic: other });
    expect((await nth(fake, forum.id, 6)).text).toMatch(/^• Our site .* — in this topic$/m);
    const plain = group(fake, 'Plain', admin);
    fake.sendUserMessage(plain.id, admin, '/subscribe site');
    await nth(fake, plain.id, 0);
    fake.sendUserMessage(plain.id, plain.member, '/subscriptions');
    const plainList = (await nth(fake, plain.id, 1)).text;
    expect(plainList).toMatch(/^• Our site/m);
    expect(plainList).not.toMatch(/topic|General/);
  });

  it('sends alerts to their topic; a closed or deleted topic gets them in General, said once', async () => {
    const { fake, platform } = await world();
    const admin = fake.createUser({ first_name: 'Admin' });
    const forum = group(fake, 'Forum', admin, true);
    const open = fake.createTopic(forum.id, admin, 'Open');
    const closed = fake.createTopic(forum.id, admin, 'Closed');
    const deleted = fake.createTopic(forum.id, admin, 'Deleted');
    const deliver = (job: Partial<DeliveryJob>) =>
      platform.sender.deliver(
        {
          chatId: String(forum.id),
          kind: 'send',
          events: [incidentEvent({ serviceId: 'site', serviceName: 'Our site' })],
          settings: { locale: 'en', timeZone: 'UTC', mentionRoleId: null },
          ...job,
        },
        AbortSignal.timeout(5_000),
      );

    const first = await deliver({ threadId: String(open) });
    expect(first).toEqual({ kind: 'sent', messageId: expect.any(String) });
    expect(fake.messages(forum.id).at(-1)).toMatchObject({
      threadId: open,
      text: expect.stringMatching(/Our site/),
    });
    // The recovery replies in the topic.
    const recovery = await deliver({
      threadId: String(open),
      kind: 'reply',
      replyToMessageId: (first as { messageId: string }).messageId,
      events: [incidentEvent({ serviceId: 'site', serviceName: 'Our site', kind: 'resolved' })],
    });
    expect(recovery.kind).toBe('sent');
    expect(fake.messages(forum.id).at(-1)).toMatchObject({
      threadId: open,
      replyToMessageId: Number((first as { messageId: string }).messageId),
    });

    fake.closeTopic(forum.id, closed);
    expect(await deliver({ threadId: String(closed) })).toEqual({
      kind: 'sent',
      messageId: expect.any(String),
      threadGone: true,
    });
    expect(fake.messages(forum.id).at(-1)?.threadId).toBeUndefined();
    fake.deleteTopic(forum.id, deleted);
    expect(await deliver({ threadId: String(deleted) })).toMatchObject({ kind: 'sent', threadGone: true });
    expect(fake.messages(forum.id).at(-1)?.threadId).toBeUndefined();
    const refused = fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 400);
    expect(refused.map((c) => [c.params.message_thread_id, c.description])).toEqual([
      [closed, 'Bad Request: TOPIC_CLOSED'],
      [deleted, 'Bad Request: message thread not found'],
    ]);
    // A topic that never existed is the same answer; a chat that is gone is still permanent.
    expect(await deliver({ threadId: '999999' })).toMatchObject({ kind: 'sent', threadGone: true });
    expect(await deliver({ chatId: '-100404', threadId: String(open) })).toMatchObject({ kind: 'permanent' });
  });
});
