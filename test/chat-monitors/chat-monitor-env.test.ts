import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../src/app-config.js';
import { ConfigError } from '../../src/config/problems.js';

describe('chat monitor limits from the environment', () => {
  it('defaults to 20 per chat, 60 s, 10 s, 5 redirects and no allowed ranges', () => {
    expect(loadAppConfig({}).chatMonitors).toEqual({
      maxPerOwner: 20,
      minIntervalMs: 60_000,
      timeoutMs: 10_000,
      maxBodyBytes: 65_536,
      maxRedirects: 5,
      allowedRanges: [],
      public: false,
    });
  });

  it('reads operator limits and allowed ranges', () => {
    const config = loadAppConfig({
      CHAT_MONITORS_MAX_PER_CHAT: '5',
      CHAT_MONITORS_MIN_INTERVAL_S: '300',
      CHAT_MONITORS_ALLOWED_RANGES: '192.168.1.0/24, 127.0.0.1/32',
    });
    expect(config.chatMonitors).toMatchObject({
      maxPerOwner: 5,
      minIntervalMs: 300_000,
      allowedRanges: ['192.168.1.0/24', '127.0.0.1/32'],
    });
  });

  it('lists a bad range as a problem', () => {
    expect(() => loadAppConfig({ CHAT_MONITORS_ALLOWED_RANGES: '10.0.0.0/33' })).toThrow(ConfigError);
  });
});
