/**
 * A live board (`/board`) in the whole app (startApp) with the Discord platform against the local
 * Discord: an admin asks for it, the outbox worker posts it in the channel as a plain message
 * without mentions and pins it (the bot may pin messages), the watched site goes down and the
 * same message is edited to say so, a new subscription is listed at the next edit, a second
 * `/board` leaves the first saying it was replaced and unpinned, and `/board off` leaves the
 * second saying it is no longer updated, unpinned. SQLite only (the store's rules run on both
 * backends in test/db/board-store.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { BOARD_EDIT_GAP_MS } from '../../src/core/board.js';
import { type DiscordWorld, must, startDiscordApp, startDiscordWorld } from './discord-harness.js';
import { DEFAULT_BOT_PERMISSIONS } from '../fakes/discord/guild-store.js';
import { PermissionBits } from '../fakes/discord/permissions.js';
import { waitUntil } from './telegram-harness.js';

let world: DiscordWorld | undefined;
let app: RunningApp | undefined;
afterEach(async () => {
  await app?.stop();
  await world?.close();
  app = world = undefined;
});

/** Added to the app's clock: a test moves it past the gap between a board's edits instead of waiting. */
let skewMs = 0;

describe('a Discord live board on sqlite', () => {
  it('posts and pins the board, edits it on an outage and a new subscription, unpins a replaced one, stops on /board off', async () => {
    skewMs = 0;
    world = await startDiscordWorld('sqlite', {
      botPermissions: DEFAULT_BOT_PERMISSIONS | PermissionBits.PinMessages,
    });
    const { fake, guild, target } = world;
    const alertsId = must(guild.channels.alerts, 'alerts');
    const ana = must(guild.members.ana, 'ana');
    await world.subscribe(alertsId, 'site');
    app = await startDiscordApp(world, { deps: { clock: { now: () => Date.now() + skewMs } } });
    const command = (name: string, options: { name: string; options?: []; value?: string }[]) =>
      fake.interaction({ kind: 'command', channelId: alertsId, userId: ana, name, options }).response();
    const board = (action: 'on' | 'off') => command('board', [{ name: action, options: [] }]);
    const boards = () =>
      fake.messagesIn(alertsId).filter((m) => m.source === 'channel' && m.content.startsWith('Live status'));

    expect((await board('on')).data.content).toMatch(/^A live board is being posted here/);
    const posted = await fake.waitFor(() => boards()[0], 20_000);
    expect(posted.content).toMatch(/\nUpdated as states change/);
    const current = () => fake.messagesIn(alertsId).find((m) => m.id === posted.id);
    // The local Discord's waitFor wakes on new messages, not on edits or pins: those are polled.
    await waitUntil(() => current()?.pinned === true);

    target.up = false;
    await waitUntil(() => current()?.content.includes('🔴 Our site: down since') === true, 30_000);

    // A new subscription, no state change: the board lists it at its next edit (the clock is moved
    // past the gap between edits).
    await command('subscribe', [{ name: 'service', value: 'github' }]);
    skewMs += BOARD_EDIT_GAP_MS;
    await waitUntil(() => current()?.content.includes('GitHub') === true);

    // A new /board: the old one says it was replaced and is unpinned; the new one is pinned.
    await board('on');
    const second = await fake.waitFor(() => boards().find((m) => m.id !== posted.id), 20_000);
    await waitUntil(() => current()?.pinned !== true);
    expect(current()?.content).toMatch(/a newer one was posted in this chat\.$/);
    const latest = () => fake.messagesIn(alertsId).find((m) => m.id === second.id);
    await waitUntil(() => latest()?.pinned === true);

    expect((await board('off')).data.content).toBe('The board stays, but it is no longer updated.');
    // Escaped markdown: Discord shows `(/board off).`
    await waitUntil(
      () => latest()?.content.endsWith('This board is no longer updated \\(/board off\\).') === true,
    );
    await waitUntil(() => latest()?.pinned !== true);
    expect(boards()).toHaveLength(2);
  }, 90_000);
});
