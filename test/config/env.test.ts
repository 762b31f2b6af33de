import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/app-config.js';
import { ConfigError } from '../../src/config/problems.js';
import { tempDir } from '../helpers/temp-dir.js';

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadAppConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('environment', () => {
  it('runs with no tokens: chat platforms disabled, documented defaults', () => {
    const config = loadAppConfig({});
    expect(config).toMatchObject({
      discord: null,
      telegram: null,
      databasePath: './data/incident-bot.db',
      servicesFile: './config/services.yaml',
      http: { host: '127.0.0.1', port: 8080 },
      defaultLocale: 'en',
      defaultTimeZone: 'UTC',
      logLevel: 'info',
      secrets: [],
    });
  });

  it('enables each platform by its token', () => {
    const config = loadAppConfig({
      TELEGRAM_BOT_TOKEN: '123:abc-token',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9000',
      DISCORD_TOKEN: 'discord-token-value',
      DISCORD_APPLICATION_ID: '123456789012345678',
    });
    expect(config.telegram).toEqual({ token: '123:abc-token', apiRoot: 'http://127.0.0.1:9000' });
    expect(config.discord).toEqual({ token: 'discord-token-value', applicationId: '123456789012345678' });
    expect(config.secrets).toEqual(['discord-token-value', '123:abc-token']);
  });

  it('lists every bad variable at once', () => {
    const problems = problemsOf({
      HTTP_PORT: '99999',
      DEFAULT_TIMEZONE: 'Mars/Olympus',
      DEFAULT_LOCALE: 'fr',
      LOG_LEVEL: 'loud',
      DISCORD_TOKEN: 'x',
      TELEGRAM_API_ROOT: 'ftp://example',
    }).join('\n');
    expect(problems).toMatch(/HTTP_PORT: /);
    expect(problems).toMatch(/DEFAULT_TIMEZONE: unknown IANA time zone/);
    expect(problems).toMatch(/DEFAULT_LOCALE: /);
    expect(problems).toMatch(/LOG_LEVEL: /);
    expect(problems).toMatch(
      /DISCORD_APPLICATION_ID: DISCORD_TOKEN and DISCORD_APPLICATION_ID enable Discord together/,
    );
    expect(problems).toMatch(/TELEGRAM_API_ROOT: must be an http\(s\) URL/);
  });

  it('reads secrets from *_FILE and refuses both forms at once', () => {
    const dir = tempDir('env-');
    const file = join(dir, 'token');
    writeFileSync(file, '999:file-token\n');
    expect(loadAppConfig({ TELEGRAM_BOT_TOKEN_FILE: file }).telegram?.token).toBe('999:file-token');
    expect(problemsOf({ TELEGRAM_BOT_TOKEN_FILE: file, TELEGRAM_BOT_TOKEN: '1:x' }).join('\n')).toMatch(
      /set either TELEGRAM_BOT_TOKEN or TELEGRAM_BOT_TOKEN_FILE/,
    );
    expect(problemsOf({ DISCORD_TOKEN_FILE: join(dir, 'missing') }).join('\n')).toMatch(
      /cannot read .* \(ENOENT\)/,
    );
  });
});
