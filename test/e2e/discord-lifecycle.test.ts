/**
 * Chats deactivated in the real bot process when their channel or guild goes away, or when
 * Discord refuses an alert for lack of access.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { type DiscordWorld, must, startDiscordWorld, waitUntil, STARTUP_WAIT_MS } from './discord-harness.js';

let world: DiscordWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe.each(BACKENDS)('Discord chats that go away on %s', (backend) => {
  // On PostgreSQL too: a deactivation stored while the bot runs, then an alert through the outbox to
  // the chat still active and none to the deactivated one (the most storage of this file's cases).
  it('deactivates a chat whose channel is deleted, and sends nothing there', async () => {
    world = await startDiscordWorld(backend);
    const { fake, guild, target } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    const generalId = must(guild.channels.general, 'general');
    await world.subscribe(alertsId, 'site');
    await world.subscribe(generalId, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/, STARTUP_WAIT_MS);

    fake.deleteChannel(alertsId);
    await waitUntil(async () => (await world?.chat(alertsId))?.active === false);
    expect((await world.chat(alertsId))?.deactivatedReason).toMatch(/channel was deleted/);
    target.up = false;
    await fake.waitFor(() => fake.messagesIn(generalId)[0], 20_000);
    expect(fake.messagesIn(alertsId)).toEqual([]);
    expect(fake.calls.filter((c) => c.path === `/channels/${alertsId}/messages`)).toEqual([]);
  }, 180_000);
});

// Storage as in the case above, on SQLite only (to keep the suite's time down).
describe('Discord chats that go away on sqlite', () => {
  const backend = 'sqlite' as const;
  it('deactivates every chat of a guild the bot was removed from', async () => {
    world = await startDiscordWorld(backend);
    const { fake, guild } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    const generalId = must(guild.channels.general, 'general');
    await world.subscribe(alertsId, 'site');
    await world.subscribe(generalId, '*', 'major');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/, STARTUP_WAIT_MS);

    fake.deleteGuild(guild.id);
    await waitUntil(
      async () =>
        (await world?.chat(alertsId))?.active === false && (await world?.chat(generalId))?.active === false,
    );
    expect((await world.chat(generalId))?.deactivatedReason).toMatch(/removed from the server/);
  }, 180_000);

  it('deactivates a chat with the reason when Discord answers Missing Access to an alert', async () => {
    world = await startDiscordWorld(backend);
    const { fake, guild, target } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    await world.subscribe(alertsId, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/, STARTUP_WAIT_MS);

    fake.revokeAccess(alertsId);
    target.up = false;
    await waitUntil(async () => (await world?.chat(alertsId))?.active === false, 20_000);
    expect((await world.chat(alertsId))?.deactivatedReason).toMatch(/^Missing Access \(50001\)/);
    expect(fake.messagesIn(alertsId)).toEqual([]);
    expect(await world.subscriptions(alertsId)).toHaveLength(1); // kept, so a re-subscribe restores it
  }, 180_000);
});
