/**
 * The platform list is loaded on every start; a platform's client library only by its module's
 * `create`, when the platform is enabled (discord.js and telegraf hold about 40 MB between them).
 */
import { expect, it, vi } from 'vitest';
import type { PlatformContext } from '../../src/platforms/platform.js';

const loaded = vi.hoisted(() => [] as string[]);
vi.mock('discord.js', () => {
  loaded.push('discord.js');
  return {};
});
vi.mock('telegraf', () => {
  loaded.push('telegraf');
  return {};
});

it('loads neither client library for the list, the config and a bot with no platform enabled', async () => {
  const { loadAppConfig } = await import('../../src/app-config.js');
  const { createPlatforms, PLATFORM_MODULES } = await import('../../src/platforms/registry.js');
  expect(PLATFORM_MODULES.length).toBeGreaterThan(0);
  expect(await createPlatforms(loadAppConfig({}), {} as PlatformContext)).toEqual([]);
  expect(loaded).toEqual([]);
  // The detector itself works: importing a library is seen.
  await import('telegraf');
  expect(loaded).toEqual(['telegraf']);
});
