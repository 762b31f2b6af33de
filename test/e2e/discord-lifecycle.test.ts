/**
 * The Discord adapter's life cycle in the real bot process: start-up errors, registering commands
 * only when they changed, and chats deactivated when their channel or guild goes away.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type DiscordWorld, must, startDiscordWorld, waitUntil } from './discord-harness.js';

let world: DiscordWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('Discord start-up', () => {
  it('stops with a clear message and exit code 1 when the token is rejected', async () => {
    world = await startDiscordWorld();
    const bot = world.startBot({ DISCORD_TOKEN: 'not-the-token' });
    expect(await bot.exited()).toBe(1);
    expect(bot.stderr).toMatch(/Discord rejected DISCORD_TOKEN \(401 Unauthorized\)/);
    expect(bot.stderr).not.toMatch(/\n\s+at /);
    expect(bot.stderr).not.toContain('not-the-token');
  });

  it('registers the commands once, and not again on a restart with the same definitions', async () => {
    world = await startDiscordWorld();
    const { fake, guild } = world;
    const route = `/applications/${fake.applicationId}/guilds/${guild.id}/commands`;
    const calls = (method: string) => fake.calls.filter((c) => c.method === method && c.path === route);
    const first = world.startBot();
    await first.waitForLine(/status API on/);
    expect(await first.stop('SIGTERM')).toBe(0);
    const second = world.startBot();
    await second.waitForLine(/status API on/);
    expect(calls('GET')).toHaveLength(2);
    expect(calls('PUT')).toHaveLength(1);
    expect(fake.commandCreates(guild.id)).toBe(9);
  });
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
