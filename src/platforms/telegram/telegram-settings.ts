/**
 * Telegram's variables, settings, pacing, limits and capabilities: light values the module
 * (index.ts) and the adapter share, with no telegraf import.
 */
import { z } from 'zod';
import { optionalText, optionalUrl } from '../../config/env.js';
import type { ChatCapabilities } from '../../core/commands/command-request.js';
import { MAX_REPLY_CHARS } from '../../core/commands/command-service.js';
import type { PacingPolicy } from '../../dispatch/pacer.js';
import type { PlatformLimits } from '../platform.js';

export const TELEGRAM_ENV = z.object({
  TELEGRAM_BOT_TOKEN: optionalText,
  TELEGRAM_API_ROOT: optionalUrl,
});

/** Set when TELEGRAM_BOT_TOKEN is; `TELEGRAM_API_ROOT` replaces the Bot API root (docs/platforms.md §3.1). */
export interface TelegramSettings {
  readonly token: string;
  readonly apiRoot?: string;
}

/**
 * Telegram's broadcast limits (docs/platforms.md §1.2, https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 * about 30 messages/s overall, 1/s per chat, 20/min per group. Group and channel ids are negative.
 */
export const TELEGRAM_PACING: PacingPolicy = {
  global: { burst: 30, perMs: 1000 },
  privateChat: { burst: 1, perMs: 1000 },
  groupChat: { burst: 20, perMs: 60_000 },
  isGroupChat: (chatId) => chatId.startsWith('-'),
};

/**
 * Alerts spread evenly a little under Telegram's ~30 messages/s (docs/platforms.md §1.2): 28.8/s with a
 * burst of 1, so no sliding second ever holds more than 29.8 grants, one message of slack for
 * requests that reach Telegram closer together than they left (29/s with a burst of 1.5 let 30.5
 * through and drew a few 429s in the benchmark). TELEGRAM_PACING's burst of 30 on top of its refill lets up to 60 messages into one
 * second, which a sliding one-second window answers with 429s; the per-chat and per-group rates
 * stay as they are. bench/telegram-fanout.ts measures it (≥ 28/s sustained, 0 429s).
 */
export const TELEGRAM_ALERT_PACING: PacingPolicy = {
  ...TELEGRAM_PACING,
  global: { burst: 1, perMs: 1000 / 28.8 },
};

/** Replies are message text: 4,096 characters (core.telegram.org/bots/api#sendmessage), with room to spare. */
export const TELEGRAM_LIMITS: PlatformLimits = { maxReplyChars: MAX_REPLY_CHARS };

/** `/start` is how a Telegram chat meets a bot; no role mentions; chats may add monitors. */
export const TELEGRAM_CAPABILITIES: ChatCapabilities = {
  startCommand: true,
  mentionRole: false,
  chatMonitors: true,
};
