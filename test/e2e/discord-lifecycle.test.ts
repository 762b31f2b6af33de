/**
 * Chats deactivated in the real bot process when their channel or guild goes away, or when
 * Discord refuses an alert for lack of access.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type DiscordWorld, must, startDiscordWorld, waitUntil } from './discord-harness.js';

let world: DiscordWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('Discord chats that go away', () => {
  it('deactivates a chat whose channel is deleted, and sends nothing there', async () => {
    world = await startDiscordWorld();
    const { fake, guild, target } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    const generalId = must(guild.channels.general, 'general');
    world.subscribe(alertsId, 'site');
    world.subscribe(generalId, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);

    fake.deleteChannel(alertsId);
    await waitUntil(() => world?.chat(alertsId)?.active === false);
    expect(world.chat(alertsId)?.deactivatedReason).toMatch(/channel was deleted/);
    target.up = false;
    await fake.waitFor(() => fake.messagesIn(generalId)[0], 20_000);
    expect(fake.messagesIn(alertsId)).toEqual([]);
    expect(fake.calls.filter((c) => c.path === `/channels/${alertsId}/messages`)).toEqual([]);
  });

  it('deactivates every chat of a guild the bot was removed from', async () => {
    world = await startDiscordWorld();
    const { fake, guild } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    const generalId = must(guild.channels.general, 'general');
    world.subscribe(alertsId, 'site');
    world.subscribe(generalId, '*', 'major');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);

    fake.deleteGuild(guild.id);
    await waitUntil(() => world?.chat(alertsId)?.active === false && world.chat(generalId)?.active === false);
    expect(world.chat(generalId)?.deactivatedReason).toMatch(/removed from the server/);
  });

  it('deactivates a chat with the reason when Discord answers Missing Access to an alert', async () => {
    world = await startDiscordWorld();
    const { fake, guild, target } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    world.subscribe(alertsId, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);

    fake.revokeAccess(alertsId);
    target.up = false;
    await waitUntil(() => world?.chat(alertsId)?.active === false, 20_000);
    expect(world.chat(alertsId)?.deactivatedReason).toMatch(/^Missing Access \(50001\)/);
    expect(fake.messagesIn(alertsId)).toEqual([]);
    expect(world.subscriptions(alertsId)).toHaveLength(1); // kept, so a re-subscribe restores it
  });
});
