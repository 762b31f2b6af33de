/**
 * The local Discord's thread endpoints, driven by discord.js's REST client: a thread started from a
 * message is a channel of type 11 with the message's id, takes posts until archived (50083), and
 * refuses a second start (160004) or a bot without Create Public Threads (50013); a deleted thread
 * answers 10003 Unknown Channel, and its message may start a new one unless deleted too (10008).
 */
import { DiscordAPIError, type REST, Routes } from 'discord.js';
import { afterAll, describe, expect, it } from 'vitest';
import { PermissionBits } from '../fakes/discord/index.js';
import {
  THREAD_BOT as BOT,
  closeThreadWorlds,
  threadWorld as world,
} from '../helpers/discord-thread-world.js';

afterAll(closeThreadWorlds);

async function codeOf(promise: Promise<unknown>): Promise<number | string | undefined> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return err instanceof DiscordAPIError ? err.code : undefined;
}

const post = (rest: REST, channelId: string, content: string) =>
  rest.post(Routes.channelMessages(channelId), { body: { content } }) as Promise<{ id: string }>;

describe('local Discord threads', () => {
  it('starts a thread from a message, takes posts in it, refuses them archived and again unarchived', async () => {
    const { fake, rest, channelId } = await world(BOT | PermissionBits.CreatePublicThreads);
    const alert = await post(rest, channelId, 'WhatsApp is down');
    const thread = (await rest.post(Routes.threads(channelId, alert.id), {
      body: { name: 'WhatsApp outage', auto_archive_duration: 1440 },
    })) as { id: string; type: number; parent_id: string; thread_metadata: { archived: boolean } };
    expect(thread).toMatchObject({ id: alert.id, type: 11, parent_id: channelId });
    expect(thread.thread_metadata.archived).toBe(false);
    expect(fake.threadOf(alert.id)?.name).toBe('WhatsApp outage');

    await post(rest, thread.id, 'still down');
    await rest.patch(Routes.channel(thread.id), { body: { archived: true } });
    expect(await codeOf(post(rest, thread.id, 'refused'))).toBe(50083);
    await rest.patch(Routes.channel(thread.id), { body: { archived: false } });
    await post(rest, thread.id, 'back');
    expect(fake.messagesIn(thread.id).map((m) => m.content)).toEqual(['still down', 'back']);
    // The parent keeps only its own message.
    expect(fake.messagesIn(channelId).map((m) => m.content)).toEqual(['WhatsApp is down']);
  });

  it('refuses a second thread (160004), a bad name (50035) and a bot without the permission (50013)', async () => {
    const allowed = await world(BOT | PermissionBits.CreatePublicThreads);
    const alert = await post(allowed.rest, allowed.channelId, 'alert');
    const start = (name: string) =>
      allowed.rest.post(Routes.threads(allowed.channelId, alert.id), { body: { name } });
    expect(await codeOf(start(''))).toBe(50035);
    expect(await codeOf(start('x'.repeat(101)))).toBe(50035);
    await start('first');
    expect(await codeOf(start('second'))).toBe(160004);

    const refused = await world(BOT);
    const other = await post(refused.rest, refused.channelId, 'alert');
    expect(
      await codeOf(refused.rest.post(Routes.threads(refused.channelId, other.id), { body: { name: 'x' } })),
    ).toBe(50013);
    expect(refused.fake.threadOf(other.id)).toBeUndefined();
  });

  it('answers 10003 for a deleted thread, starts a new one from its message, and 10008 once that is gone', async () => {
    const { fake, rest, channelId } = await world(BOT | PermissionBits.CreatePublicThreads);
    const alert = await post(rest, channelId, 'WhatsApp is down');
    const start = (name: string) => rest.post(Routes.threads(channelId, alert.id), { body: { name } });
    await start('first');
    await post(rest, alert.id, 'still down');
    fake.deleteThread(alert.id);
    expect(await codeOf(post(rest, alert.id, 'refused'))).toBe(10003);
    expect(await codeOf(rest.patch(Routes.channel(alert.id), { body: { archived: true } }))).toBe(10003);
    expect(fake.messagesIn(alert.id).every((m) => m.deleted)).toBe(true);

    expect(await start('second')).toMatchObject({ id: alert.id, name: 'second', type: 11 });
    await post(rest, alert.id, 'in the new thread');
    expect(
      fake
        .messagesIn(alert.id)
        .filter((m) => !m.deleted)
        .map((m) => m.content),
    ).toEqual(['in the new thread']);
    expect(await codeOf(start('third'))).toBe(160004);

    fake.deleteThread(alert.id);
    await rest.delete(Routes.channelMessage(channelId, alert.id));
    expect(await codeOf(start('fourth'))).toBe(10008);
  });
});
