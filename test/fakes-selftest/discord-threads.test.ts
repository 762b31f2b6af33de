/**
 * The local Discord's thread endpoints, driven by discord.js's REST client: a thread started from a
 * message is a channel of type 11 with the message's id, takes posts until archived (50083), and
 * refuses a second start (160004) or a bot without Create Public Threads (50013).
 */
import { DiscordAPIError, REST, Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeDiscord, PermissionBits, startFakeDiscord } from '../fakes/discord/index.js';

const fakes: FakeDiscord[] = [];
const rests: REST[] = [];

afterEach(async () => {
  for (const rest of rests.splice(0)) {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const BOT =
  PermissionBits.ViewChannel |
  PermissionBits.SendMessages |
  PermissionBits.SendMessagesInThreads |
  PermissionBits.EmbedLinks |
  PermissionBits.ReadMessageHistory;

async function world(botPermissions: bigint): Promise<{ fake: FakeDiscord; rest: REST; channelId: string }> {
  const fake = await startFakeDiscord({ onUnknownRoute: () => undefined });
  fakes.push(fake);
  const guild = fake.addGuild({
    name: 'Ops',
    channels: [{ name: 'alerts' }],
    everyonePermissions: '0',
    botPermissions: botPermissions.toString(),
  });
  const rest = new REST({ api: fake.restUrl, retries: 0 }).setToken(fake.token);
  rests.push(rest);
  const channelId = guild.channels.alerts;
  if (channelId === undefined) throw new Error('no alerts channel');
  return { fake, rest, channelId };
}

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
});
