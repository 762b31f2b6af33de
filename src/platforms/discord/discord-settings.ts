/**
 * Discord's variables, settings, pacing, limits and capabilities: light values the module
 * (index.ts) and the adapter share, with no discord.js import.
 */
import { z } from 'zod';
import { isSet, optionalText, optionalUrl, type RawEnv } from '../../config/env.js';
import type { ChatCapabilities } from '../../core/commands/command-request.js';
import type { PacingPolicy } from '../../dispatch/pacer.js';
import type { PlatformLimits } from '../platform.js';
import { MAX_DISCORD_CONTENT_CHARS } from './discord-render.js';

const snowflake = optionalText.pipe(
  z
    .string()
    .regex(/^\d{5,25}$/, 'must be a snowflake id')
    .optional(),
);

export const DISCORD_ENV = z.object({
  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: snowflake,
  DISCORD_GUILD_ID: snowflake,
  DISCORD_API_ROOT: optionalUrl,
});

/** DISCORD_TOKEN and DISCORD_APPLICATION_ID enable Discord together. */
export function checkDiscordEnv(env: RawEnv): string[] {
  return isSet(env['DISCORD_TOKEN']) === isSet(env['DISCORD_APPLICATION_ID'])
    ? []
    : [
        'DISCORD_APPLICATION_ID: DISCORD_TOKEN and DISCORD_APPLICATION_ID enable Discord together: set both or neither',
      ];
}

/**
 * Set when DISCORD_TOKEN and DISCORD_APPLICATION_ID are. `guildId` registers the commands in one
 * guild only (instant, for testing); `apiRoot` replaces the REST root (docs/platforms.md, fact 1).
 */
export interface DiscordSettings {
  readonly token: string;
  readonly applicationId: string;
  readonly guildId?: string;
  readonly apiRoot?: string;
}

/**
 * Discord: @discordjs/rest already queues per route bucket from the response headers and waits out
 * 429s (docs/platforms.md §1.1), so only the documented global 50 requests/s is paced here, loosely.
 */
export const DISCORD_PACING: PacingPolicy = {
  global: { burst: 50, perMs: 1000 },
  privateChat: null,
  groupChat: null,
  isGroupChat: () => true,
};

/**
 * Alerts are spread evenly a little under Discord's global 50 requests/s (docs/platforms.md §1.1):
 * 47.5/s with a burst of 1.5. DISCORD_PACING's burst of 50 on top of its refill lets up to 100
 * requests into one second, which a sliding one-second window answers with 429s. The half token
 * of burst keeps timer overshoot from costing rate; the margin to 50 absorbs event-loop pauses
 * (which bunch requests) and command follow-ups, which share the limit but not this pacer.
 * bench/discord-fanout.ts measures it: ≥ 47/s sustained, 0 429s.
 */
export const DISCORD_ALERT_PACING: PacingPolicy = {
  ...DISCORD_PACING,
  global: { burst: 1.5, perMs: 1500 / 47.5 },
};

/** Replies are plain message content: 2,000 characters. */
export const DISCORD_LIMITS: PlatformLimits = { maxReplyChars: MAX_DISCORD_CONTENT_CHARS };

/** No `/start`; an alert may mention the chat's role; guilds and chats may add monitors. */
export const DISCORD_CAPABILITIES: ChatCapabilities = {
  startCommand: false,
  mentionRole: true,
  chatMonitors: true,
};
