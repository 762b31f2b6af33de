/**
 * The crash test of docs/design.md §4 (at-least-once), on either backend: the bot is killed with
 * SIGKILL while it delivers one incident to 1,000 Telegram chats, then restarted on the same
 * database. Every chat gets the alert; the only duplicates are sends that Telegram accepted before
 * the row was marked sent, so no more than the worker's deliveries in flight.
 *
 * Slow by nature (35-100 s): 1,000 alerts paced under Telegram's 30/s, and rows leased at the kill
 * return only when their lease (LEASE_MS, 60 s) runs out. It prints what the kill left behind and
 * the duplicates, for the README's performance section.
 */
import { expect } from 'vitest';
import { DEFAULT_WORKER_OPTIONS, LEASE_MS } from '../../src/dispatch/outbox-worker.js';
import { type Backend, type TelegramWorld, startTelegramWorld, waitUntil } from './telegram-harness.js';

const CHATS = 1_000;
const KILL_AFTER_SENT = 150;
/** What the crash test takes at most, for the test's timeout. */
export const CRASH_TEST_TIMEOUT_MS = 240_000;

async function outboxStatuses(world: TelegramWorld): Promise<Record<string, number>> {
  const rows = await world.rows<{ status: string; n: number }>(
    "SELECT status, count(*) AS n FROM outbox WHERE platform = 'telegram' GROUP BY status",
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Runs the crash test on `backend`; `keep` receives the world at once, for the test's clean-up. */
export async function crashMidFanOut(backend: Backend, keep: (world: TelegramWorld) => void): Promise<void> {
  const world = await startTelegramWorld(backend);
  keep(world);
  const { fake, target } = world;
  const chats = Array.from(
    { length: CHATS },
    (_, i) => fake.createChat({ type: 'private', user: fake.createUser({ first_name: `User ${i}` }) }).id,
  );
  await world.subscribeAll(chats, 'site');
  const total = () => chats.reduce((n, id) => n + fake.messages(id).length, 0);

  const first = world.startBot();
  await first.waitForLine(/status API on/, 60_000);
  target.up = false;
  await fake.waitFor(() => total() >= KILL_AFTER_SENT || undefined, 30_000);
  await first.stop('SIGKILL');
  const sentAtKill = total();
  expect(sentAtKill).toBeLessThan(CHATS);
  // Rows the dead process held stay leased until LEASE_MS; the rest wait as pending.
  expect((await outboxStatuses(world))['sent'] ?? 0).toBeLessThan(CHATS);

  const second = world.startBot();
  await second.waitForLine(/status API on/, 60_000);
  await fake.waitFor(() => chats.every((id) => fake.messages(id).length > 0) || undefined, 150_000);
  // Rows the dead process had leased come back only when the lease runs out (LEASE_MS); those it
  // had already handed to Telegram are the duplicates. The database is polled for the last ones.
  await waitUntil(async () => (await outboxStatuses(world))['sent'] === CHATS, LEASE_MS + 30_000).catch(
    async (err: unknown) => {
      throw new Error(
        `${String(err)}: outbox ${JSON.stringify(await outboxStatuses(world))}, ${total()} messages`,
      );
    },
  );

  const duplicates = total() - CHATS;
  console.info(
    `crash test (${backend}): ${sentAtKill} of ${CHATS} sent at the SIGKILL, ${duplicates} duplicates after the restart`,
  );
  expect(duplicates).toBeGreaterThanOrEqual(0);
  expect(duplicates).toBeLessThanOrEqual(DEFAULT_WORKER_OPTIONS.concurrency);
  expect(await outboxStatuses(world)).toEqual({ sent: CHATS });
  for (const id of chats) expect(fake.messages(id)[0]?.text).toMatch(/Our site is down/);
}
