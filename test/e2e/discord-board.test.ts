/**
 * A live board (`/board`) in the whole app (startApp) with the Discord platform against the local
 * Discord: an admin asks for it, the outbox worker posts it in the channel as a plain message
 * without mentions, the watched site goes down and the same message is edited to say so, and
 * `/board off` leaves it saying it is no longer updated. The bot lacks Pin Messages here: the
 * refusal changes nothing. SQLite only (the store's rules run on both backends in
 * test/db/board-store.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { type DiscordWorld, must, startDiscordApp, startDiscordWorld } from './discord-harness.js';
import { waitUntil } from './telegram-harness.js';

let world: DiscordWorld | undefined;
let app: RunningApp | undefined;
afterEach(async () => {
  await app?.stop();
  await world?.close();
  app = world = undefined;
});

describe('a Discord live board on sqlite', () => {
  it('posts the board, edits it when the site goes down, and stops on /board off', async () => {
    world = await startDiscordWorld('sqlite');
    const { fake, guild, target } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    await world.subscribe(alertsId, 'site');
    app = await startDiscordApp(world);
    const board = (action: 'on' | 'off') =>
      fake
        .interaction({
          kind: 'command',
          channelId: alertsId,
          userId: must(guild.members.ana, 'ana'),
          name: 'board',
          options: [{ name: action, options: [] }],
        })
        .response();

    expect((await board('on')).data.content).toMatch(/^A live board is being posted here/);
    const posted = await fake.waitFor(
      () =>
        fake.messagesIn(alertsId).find((m) => m.source === 'channel' && m.content.startsWith('Live status')),
      20_000,
    );
    expect(posted.content).toMatch(/\nUpdated as states change/);

    target.up = false;
    const current = () => fake.messagesIn(alertsId).find((m) => m.id === posted.id);
    // The local Discord's waitFor wakes on new messages, not on edits: the edits are polled.
    await waitUntil(() => current()?.content.includes('🔴 Our site: down since') === true, 30_000);

    expect((await board('off')).data.content).toBe('The board stays, but it is no longer updated.');
    // Escaped markdown: Discord shows `(/board off).`
    await waitUntil(
      () => current()?.content.endsWith('This board is no longer updated \\(/board off\\).') === true,
    );
    expect(fake.messagesIn(alertsId).filter((m) => m.content.startsWith('Live status'))).toHaveLength(1);
  }, 90_000);
});
