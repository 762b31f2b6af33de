import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Vitest's default on a 2-core machine is one worker. Most of the suite's time is end-to-end
    // tests waiting on real timers (checks every second, bots polling), so three overlap them.
    maxWorkers: 3,
    globalSetup: ['test/setup/temp-root.ts'],
    setupFiles: ['test/setup/loopback-only.ts'],
  },
});
