/**
 * The platform list drives everything: a module that exists only in this test is validated with
 * the app's environment, shows up in the config under its name, is created by `createPlatforms`,
 * and its capabilities decide what the commands do, with no other file knowing about it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadAppConfig } from '../../src/app-config.js';
import { optionalText, optionalUrl } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/problems.js';
import { UNPACED } from '../../src/dispatch/pacer.js';
import type { ChatPlatform, PlatformContext, PlatformModule } from '../../src/platforms/platform.js';
import {
  createPlatforms,
  findPlatformModule,
  PLATFORM_MODULES,
  PLATFORM_NAMES,
} from '../../src/platforms/registry.js';
import { makeHarness, request } from '../core/commands/harness.js';
import { tempDir } from '../helpers/temp-dir.js';

const PAGER_ENV = z.object({ PAGER_TOKEN: optionalText, PAGER_URL: optionalUrl });

interface PagerSettings {
  readonly token: string;
  readonly url?: string;
}

/** A made-up platform: enabled by PAGER_TOKEN; PAGER_URL without a token is a mistake. */
function pagerModule(
  created: PagerSettings[],
): PlatformModule<'pager', typeof PAGER_ENV.shape, PagerSettings> {
  return {
    name: 'pager',
    env: PAGER_ENV,
    secrets: ['PAGER_TOKEN'],
    check: (env) =>
      env['PAGER_URL'] !== undefined && env['PAGER_TOKEN'] === undefined
        ? ['PAGER_URL: needs PAGER_TOKEN']
        : [],
    settings: (e) =>
      e.PAGER_TOKEN === undefined
        ? null
        : { token: e.PAGER_TOKEN, ...(e.PAGER_URL === undefined ? {} : { url: e.PAGER_URL }) },
    pacing: UNPACED,
    limits: { maxReplyChars: 500 },
    capabilities: { startCommand: true, mentionRole: false, chatMonitors: false },
    create(settings) {
      created.push(settings);
      const platform: ChatPlatform = {
        name: 'pager',
        pacing: UNPACED,
        sender: {
          platform: 'pager',
          send: () => Promise.resolve({ kind: 'sent', messageId: '1' }),
        } as unknown as ChatPlatform['sender'],
        connected: true,
        start: () => Promise.resolve(),
        stop: () => Promise.resolve(),
      };
      return Promise.resolve(platform);
    },
  };
}

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** createPlatforms hands the context to the modules it creates; the pager module ignores it. */
const NO_CONTEXT = {} as PlatformContext;

describe('the platform list', () => {
  it('names each platform once, and the names are what the config and the scenarios use', () => {
    expect(new Set(PLATFORM_NAMES).size).toBe(PLATFORM_MODULES.length);
    expect(PLATFORM_NAMES).toEqual(['discord', 'telegram', 'webhook']);
    for (const name of PLATFORM_NAMES) expect(findPlatformModule(name)?.name).toBe(name);
    expect(findPlatformModule('pager')).toBeUndefined();
    expect(loadAppConfig({})).toMatchObject({ discord: null, telegram: null, webhook: null });
  });

  it('validates a new module’s variables with the app’s, and puts its settings under its name', () => {
    const modules = [...PLATFORM_MODULES, pagerModule([])] as const;
    const config = loadAppConfig({ PAGER_TOKEN: ' page-secret ', PAGER_URL: 'https://pager.test' }, modules);
    expect(config.pager).toEqual({ token: 'page-secret', url: 'https://pager.test' });
    expect(config.telegram).toBeNull();
    expect(config.secrets).toEqual(['page-secret']);
    expect(loadAppConfig({}, modules).pager).toBeNull();
  });

  it('refuses a list naming a platform twice or like another config field', () => {
    const pager = pagerModule([]);
    expect(() => loadAppConfig({}, [pager, pager])).toThrow(/"pager" is taken/);
    expect(() => loadAppConfig({}, [{ ...pager, name: 'secrets' }])).toThrow(/"secrets" is taken/);
    expect(() => loadAppConfig({}, [{ ...pager, name: 'http' }])).toThrow(/"http" is taken/);
  });

  it('reads the new module’s secrets from *_FILE', () => {
    const file = join(tempDir('pager-'), 'token');
    writeFileSync(file, 'from-file\n');
    const config = loadAppConfig({ PAGER_TOKEN_FILE: file }, [pagerModule([])]);
    expect(config.pager).toEqual({ token: 'from-file' });
    expect(config.secrets).toEqual(['from-file']);
  });

  it('lists the new module’s problems together with every other module’s', () => {
    const problems = problemsOf(() =>
      loadAppConfig({ PAGER_URL: 'ftp://pager.test', DISCORD_TOKEN: 'x', HTTP_PORT: '-1' }, [
        ...PLATFORM_MODULES,
        pagerModule([]),
      ]),
    ).join('\n');
    expect(problems).toMatch(/PAGER_URL: must be an http\(s\) URL/);
    expect(problems).toMatch(/PAGER_URL: needs PAGER_TOKEN/);
    expect(problems).toMatch(/DISCORD_APPLICATION_ID: DISCORD_TOKEN and DISCORD_APPLICATION_ID/);
    expect(problems).toMatch(/HTTP_PORT: /);
  });

  it('creates only the platforms the config enables, in the list’s order', async () => {
    const created: PagerSettings[] = [];
    const modules = [...PLATFORM_MODULES, pagerModule(created)] as const;
    const platforms = await createPlatforms(
      loadAppConfig({ PAGER_TOKEN: 't' }, modules),
      NO_CONTEXT,
      modules,
    );
    expect(platforms.map((p) => p.name)).toEqual(['pager']);
    expect(created).toEqual([{ token: 't' }]);
    expect(await createPlatforms(loadAppConfig({}, modules), NO_CONTEXT, modules)).toEqual([]);
  });

  it('lets the module’s capabilities, not its name, decide what the commands offer', async () => {
    const capabilities = pagerModule([]).capabilities;
    const h = makeHarness();
    const help = await h.service.handle(request('help', {}, { platform: 'pager', capabilities }));
    expect(help.text).toContain('/start');
    const withoutStart = await h.service.handle(
      request('help', {}, { platform: 'pager', capabilities: { ...capabilities, startCommand: false } }),
    );
    expect(withoutStart.text).not.toContain('/start');
    // A role only where the platform can mention one.
    const role = { role: '<@&123456789012345678>' };
    const chat = { platform: 'pager', chatId: '-100777' };
    await h.service.handle(request('settings', role, { platform: 'pager', capabilities }));
    expect(h.store.getSettings(chat).mentionRoleId).toBeNull();
    const mentions = { ...capabilities, mentionRole: true };
    await h.service.handle(request('settings', role, { platform: 'pager', capabilities: mentions }));
    expect(h.store.getSettings(chat).mentionRoleId).toBe('123456789012345678');
  });
});
