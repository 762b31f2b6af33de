import { configDefaults, defineConfig } from 'vitest/config';
import LongFirstSequencer from './test/setup/sequencer.js';

/**
 * The fleet chaos test runs three bots and PostgreSQL under faults: it loads a 2-core machine
 * enough to make timing-sensitive tests beside it flaky, so it runs alone, after the rest.
 */
const RUNS_ALONE = ['test/e2e/fleet-chaos.test.ts'];

/** What both projects share (the global setup runs once, for the whole run, at the root). */
const shared = {
  // A guard against a hung test, not a speed target: end-to-end tests that start the bot, its
  // platforms' fakes and real timers take 10-20 s on a loaded 2-core machine.
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  setupFiles: ['test/setup/loopback-only.ts'],
};

export default defineConfig({
  test: {
    ...shared,
    // Vitest's default on a 2-core machine is one worker. Most of the suite's time is end-to-end
    // tests waiting on real timers (checks every second, bots polling): a whole run used about 0.9
    // of a core on average at three workers, so four overlap more of the waiting.
    maxWorkers: 4,
    // The long files start first (test/setup/sequencer.ts), so the workers end together.
    sequence: { sequencer: LongFirstSequencer },
    globalSetup: ['test/setup/temp-root.ts', 'test/setup/build.ts', 'test/setup/postgres.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...RUNS_ALONE],
          sequence: { groupOrder: 0 },
        },
      },
      { test: { ...shared, name: 'alone', include: RUNS_ALONE, sequence: { groupOrder: 1 } } },
    ],
  },
});
