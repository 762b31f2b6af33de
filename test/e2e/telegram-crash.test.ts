/**
 * The crash test (test/e2e/telegram-crash-scenario.ts) on SQLite: SIGKILL mid fan-out to 1,000
 * chats, nothing lost, duplicates no more than the sends in flight. The same test on PostgreSQL is
 * in test/e2e/postgres-faults.test.ts (each takes up to four minutes: one per file lets vitest run
 * them side by side).
 */
import { afterEach, describe, it } from 'vitest';
import { CRASH_TEST_TIMEOUT_MS, crashMidFanOut } from './telegram-crash-scenario.js';
import type { TelegramWorld } from './telegram-harness.js';

let world: TelegramWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
}, 60_000);

describe('Telegram crash test (sqlite)', () => {
  it(
    'delivers to every one of 1,000 chats across a SIGKILL mid fan-out',
    async () => {
      await crashMidFanOut('sqlite', (w) => {
        world = w;
      });
    },
    CRASH_TEST_TIMEOUT_MS,
  );
});
