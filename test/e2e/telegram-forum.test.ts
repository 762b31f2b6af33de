/**
 * Forum topics and anonymous admins with the real bot process (`npm start`'s code) on the local
 * Telegram: an anonymous admin subscribes from a topic (no getChatMember), the reply and the
 * outage alert go to that topic through the real outbox worker and sender; the topic is deleted,
 * so the recovery comes in General and the subscription follows there for the next outage.
 * A linked channel's automatic forward of "/subscribe" subscribes nothing. On SQLite and on PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { type TelegramWorld, startTelegramWorld, waitUntil } from './telegram-harness.js';

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe.each(BACKENDS)('Telegram forum topics end to end (%s)', (backend) => {
  it('alerts in the topic of /subscribe; a deleted topic falls back to General, once', async () => {
    world = await startTelegramWorld(backend);
    const { fake, target } = world;
    const admin = fake.createUser({ first_name: 'Admin' });
    const forum = fake.createChat({ type: 'supergroup', title: 'Forum', creator: admin, isForum: true }).id;
    const topic = fake.createTopic(forum, admin, 'Status');
    const channel = fake.createChat({ type: 'channel', title: 'News', creator: admin });
    fake.removeBotFromChat(channel.id, admin);
    fake.linkDiscussionGroup(channel.id, forum);
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);

    // The channel's post reaches the forum as an automatic forward: not a command.
    fake.sendUserMessage(channel.id, admin, '/subscribe all');
    const command = fake.sendUserMessage(forum, admin, '/subscribe site', { topic, asChat: forum });
    const reply = await fake.waitFor(() => fake.messages(forum)[0]);
    expect(reply).toMatchObject({ threadId: topic, replyToMessageId: command.message_id });
    expect(reply.text).toMatch(/^This chat now gets alerts for Our site/);
    expect(await world.subscriptions(forum)).toMatchObject([{ serviceId: 'site', threadId: String(topic) }]);
    expect(fake.callCount({ method: 'getChatMember' })).toBe(0);

    target.up = false;
    const alert = await fake.waitFor(() => fake.messages(forum)[1], 20_000);
    expect(alert.text).toMatch(/^🔴 Our site is down/);
    expect(alert.threadId).toBe(topic);

    fake.deleteTopic(forum, topic);
    target.up = true;
    const recovery = await fake.waitFor(() => fake.messages(forum)[2], 20_000);
    expect(recovery.text).toMatch(/Our site is back up after /);
    // The alert it would reply to went with the topic.
    expect(recovery).toMatchObject({ threadId: undefined, replyToMessageId: undefined });
    await waitUntil(async () => (await world?.subscriptions(forum))?.[0]?.threadId === null);
    await waitUntil(() => bot.stderr.includes('forum topic gone: delivered in General'));

    target.up = false;
    const next = await fake.waitFor(() => fake.messages(forum)[3], 20_000);
    expect(next.text).toMatch(/^🔴 Our site is down/);
    expect(next.threadId).toBeUndefined();
    // Telegram refused the deleted topic once (the recovery); the next alert went to General at once.
    const refused = fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 400);
    expect(refused.map((c) => c.description)).toEqual(['Bad Request: message thread not found']);
    expect(fake.messages(forum)).toHaveLength(4);
    expect(await world.subscriptions(forum)).toHaveLength(1);
  }, 90_000);
});
