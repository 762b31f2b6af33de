/**
 * A live board (`/board`) with the real bot process on the local Telegram: an admin asks for it,
 * the outbox worker posts it (and pins it: the bot is an administrator), the watched site goes
 * down and the same message is edited to say so, and `/board off` leaves the message saying it is
 * no longer updated. On SQLite (the store's rules are tested on both backends in
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
  it('posts the board, edits it when the site goes down, and stops on /board off', async () => {
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
    await fake.waitFor(() => fake.calls.find((c) => c.method === 'pinChatMessage' && c.status === 200));
    const reply = fake.messages(group).find((m) => m.text.startsWith('A live board is being posted'));
    expect(reply).toBeDefined();

    target.up = false;
    const current = (): SentMessageRecord | undefined =>
      fake.messages(group).find((m) => m.messageId === board.messageId);
    await fake.waitFor(
      () => (current()?.text.includes('🔴 Our site: down since') ? true : undefined),
      30_000,
    );
    expect(current()?.edits.length).toBeGreaterThanOrEqual(1);

    fake.sendUserMessage(group, admin, '/board off');
    await fake.waitFor(
      () => (current()?.text.endsWith('This board is no longer updated (/board off).') ? true : undefined),
      20_000,
    );
    expect(current()?.text).toContain('🔴 Our site: down since');
    await waitUntil(async () => (await rows<{ n: number }>('SELECT count(*) AS n FROM boards'))[0]?.n === 0);
    // One board message all along: the outage and /board off edited it.
    const boards = fake.messages(group).filter((m) => m.text.startsWith('Live status'));
    expect(boards).toHaveLength(1);
  }, 90_000);
});
