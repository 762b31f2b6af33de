/**
 * A live board (`/board`) with the real bot process on the local Telegram: an admin asks for it,
 * the outbox worker posts it (and pins it: the bot is an administrator), the watched site goes
 * down and the same message is edited to say so, a second `/board` leaves the first saying it was
 * replaced and unpins it, the group's upgrade to a supergroup moves the board there (posted and
 * pinned anew), and `/board off` leaves the message saying it is no longer updated, unpinned. On SQLite (the store's rules are tested on both backends in
 * test/db/board-store.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SentMessageRecord } from '../fakes/telegram/fake-state.js';
import { type TelegramWorld, startTelegramWorld, waitUntil } from './telegram-harness.js';

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('Telegram live board end to end', () => {
  it('posts and pins the board, edits it on an outage, unpins a replaced one, follows a supergroup, stops on /board off', async () => {
    world = await startTelegramWorld('sqlite');
    const { fake, target } = world;
    const admin = fake.createUser({ first_name: 'Admin' });
    const group = fake.createChat({
      type: 'group',
      title: 'Ops',
      creator: admin,
      botStatus: 'administrator',
    }).id;
    await world.subscribe(group, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);
    const rows = world.rows.bind(world);
    await waitUntil(
      async () =>
        (await rows<{ status: string }>("SELECT status FROM service_state WHERE service_id = 'site'"))[0]
          ?.status === 'up',
    );

    fake.sendUserMessage(group, admin, '/board');
    const board = await fake.waitFor(() =>
      fake.messages(group).find((m) => m.text.startsWith('Live status')),
    );
    expect(board.text).toMatch(/^Live status\n✅ Our site: operational since .+\nUpdated as states change/);
    expect(board.replyMarkup).toBeUndefined();
    await fake.waitFor(() => (fake.pinned(group).includes(board.messageId) ? true : undefined));
    const reply = fake.messages(group).find((m) => m.text.startsWith('A live board is being posted'));
    expect(reply).toBeDefined();

    target.up = false;
    const message = (chat: number, id: number): SentMessageRecord | undefined =>
      fake.messages(chat).find((m) => m.messageId === id);
    await fake.waitFor(
      () => (message(group, board.messageId)?.text.includes('🔴 Our site: down since') ? true : undefined),
      30_000,
    );
    expect(message(group, board.messageId)?.edits.length).toBeGreaterThanOrEqual(1);

    // A new /board: the old message says it was replaced and is unpinned, the new one is pinned.
    fake.sendUserMessage(group, admin, '/board');
    const second = await fake.waitFor(() =>
      fake.messages(group).find((m) => m.text.startsWith('Live status') && m.messageId !== board.messageId),
    );
    await fake.waitFor(() => (fake.pinned(group).join() === String(second.messageId) ? true : undefined));
    expect(message(group, board.messageId)?.text).toMatch(
      /🔴 Our site: down since .+\nThis board is no longer updated: a newer one was posted in this chat\.$/,
    );

    // The group becomes a supergroup: the board follows it, posted (and pinned) there at once.
    const superId = fake.migrateGroup(group);
    const moved = await fake.waitFor(
      () => fake.messages(superId).find((m) => m.text.startsWith('Live status')),
      20_000,
    );
    expect(moved.text).toContain('🔴 Our site: down since');
    await fake.waitFor(() => (fake.pinned(superId).join() === String(moved.messageId) ? true : undefined));

    fake.sendUserMessage(superId, admin, '/board off');
    await fake.waitFor(
      () =>
        message(superId, moved.messageId)?.text.endsWith('This board is no longer updated (/board off).')
          ? true
          : undefined,
      20_000,
    );
    await fake.waitFor(() => (fake.pinned(superId).length === 0 ? true : undefined));
    await waitUntil(async () => (await rows<{ n: number }>('SELECT count(*) AS n FROM boards'))[0]?.n === 0);
    // One board message per /board: the outage and /board off edited them.
    expect(fake.messages(group).filter((m) => m.text.startsWith('Live status'))).toHaveLength(2);
    expect(fake.messages(superId).filter((m) => m.text.startsWith('Live status'))).toHaveLength(1);
  }, 90_000);
});
