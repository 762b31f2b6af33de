/**
 * `/silence <service> <duration>` in the running bot on the local Bot API: an outage of the silenced
 * service that comes and goes inside the silence never reaches the chat, and once the silence is
 * ended the next outage is alerted as usual. The rules on both backends are in
 * test/db/outbox-silences.test.ts; this is the whole path once, on SQLite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type TelegramWorld, startTelegramWorld, waitUntil } from './telegram-harness.js';

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('Telegram /silence of one service end to end (sqlite)', () => {
  it('keeps an outage that came and went out of the chat, then alerts the next one', async () => {
    world = await startTelegramWorld('sqlite');
    const w = world;
    const { fake, target } = w;
    const owner = fake.createUser({ first_name: 'Owner' });
    const groupId = fake.createChat({ type: 'group', title: 'Ops', creator: owner }).id;
    await w.subscribe(groupId, 'site');
    const bot = w.startBot();
    await bot.waitForLine(/status API on/);
    const silenced = (kind: string) => async () =>
      (
        await w.rows<{ n: number }>(
          `SELECT COUNT(*) AS n FROM outbox WHERE status = 'silenced' AND event_kind = '${kind}'`,
        )
      )[0]?.n === 1;

    fake.sendUserMessage(groupId, owner, '/silence site 10m');
    await fake.waitFor(
      () => fake.messages(groupId).find((m) => /Nothing about Our site/.test(m.text)),
      20_000,
    );
    target.up = false;
    await waitUntil(silenced('opened'), 20_000);
    target.up = true;
    await waitUntil(silenced('resolved'), 20_000);

    fake.sendUserMessage(groupId, owner, '/silence off site');
    await fake.waitFor(
      () => fake.messages(groupId).find((m) => /The silence of Our site has ended/.test(m.text)),
      20_000,
    );
    // Released at the worker's next claim: the outage that came and went is dropped.
    await waitUntil(
      async () => (await w.rows<{ n: number }>('SELECT COUNT(*) AS n FROM outbox'))[0]?.n === 0,
      20_000,
    );

    target.up = false;
    const alert = await fake.waitFor(
      () => fake.messages(groupId).find((m) => /Our site is down/.test(m.text)),
      20_000,
    );
    expect(fake.messages(groupId).filter((m) => /Our site is (down|back up)/.test(m.text))).toEqual([alert]);
  });
});
