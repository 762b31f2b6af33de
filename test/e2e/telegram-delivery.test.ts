/**
 * Delivery under Telegram's flood control, with the real bot process: a 429 storm delays the
 * alerts (every `retry_after` obeyed) but loses and duplicates none, on SQLite and on PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { type TelegramWorld, startTelegramWorld } from './telegram-harness.js';

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const CHATS = 12;
const STORM_429S = 20;

describe.each(BACKENDS)('Telegram delivery under flood control (%s)', (backend) => {
  it('delays alerts through a 429 storm and loses nothing', async () => {
    world = await startTelegramWorld(backend);
    const { fake, target } = world;
    const creator = fake.createUser({ first_name: 'Owner' });
    const chats = Array.from(
      { length: CHATS },
      (_, i) => fake.createChat({ type: 'supergroup', title: `Ops ${i}`, creator }).id,
    );
    for (const id of chats) await world.subscribe(id, 'site');
    const bot = world.startBot();
    await bot.waitForLine(/status API on/);

    fake.startStorm({ retryAfterS: 1, calls: STORM_429S, methods: ['sendMessage'] });
    target.up = false;
    await fake.waitFor(() => chats.every((id) => fake.messages(id).length > 0), 30_000);
    expect(fake.callCount({ method: 'sendMessage', status: 429 })).toBe(STORM_429S);
    for (const id of chats) {
      expect(fake.messages(id)).toHaveLength(1);
      expect(fake.messages(id)[0]?.text).toMatch(/Our site is down/);
    }
  });
});
