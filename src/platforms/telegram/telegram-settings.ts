/**
 * Telegram's variables, settings, pacing, limits and capabilities: light values the module
 * (index.ts) and the adapter share, with no telegraf import.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { type RawEnv, isSet, optionalText, optionalUrl } from '../../config/env.js';
import type { ChatCapabilities } from '../../core/commands/command-request.js';
import { MAX_REPLY_CHARS } from '../../core/commands/command-service.js';
import type { PacingPolicy } from '../../dispatch/pacer.js';
import type { PlatformLimits } from '../platform.js';

export const TELEGRAM_ENV = z.object({
  TELEGRAM_BOT_TOKEN: optionalText,
  TELEGRAM_API_ROOT: optionalUrl,
  // Checked by telegramWebhookProblems, which lists every problem of the two at once.
  TELEGRAM_WEBHOOK_URL: optionalText,
  TELEGRAM_WEBHOOK_SECRET: optionalText,
});

/** The variables that are secrets (each may come from `<NAME>_FILE`, and is redacted from logs). */
export const TELEGRAM_SECRET_NAMES = ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET'];

/**
 * Webhook mode (docs/cluster.md, "Telegram: one receiver"): Telegram POSTs updates to `url`, and
 * every instance's HTTP server accepts them at `path` with `secret` in the
 * `X-Telegram-Bot-Api-Secret-Token` header.
 */
export interface TelegramWebhookSettings {
  /** The public https URL Telegram POSTs to (setWebhook's `url`). */
  readonly url: string;
  /** The URL's path: where the HTTP server takes the POSTs (behind whatever terminates TLS). */
  readonly path: string;
  /** setWebhook's `secret_token`: TELEGRAM_WEBHOOK_SECRET, or derived from the bot token. */
  readonly secret: string;
}

/**
 * Set when TELEGRAM_BOT_TOKEN is; `TELEGRAM_API_ROOT` replaces the Bot API root (docs/platforms.md §3.1);
 * `webhook` when TELEGRAM_WEBHOOK_URL is set (long polling otherwise).
 */
export interface TelegramSettings {
  readonly token: string;
  readonly apiRoot?: string;
  readonly webhook?: TelegramWebhookSettings;
}

/** setWebhook's `secret_token`: 1-256 characters of A-Z, a-z, 0-9, `_` and `-` (Bot API setWebhook). */
const WEBHOOK_SECRET = /^[A-Za-z0-9_-]{1,256}$/;
/** The ports Telegram sends webhooks to (Bot API setWebhook); '' is the https default, 443. */
const WEBHOOK_PORTS = new Set(['', '443', '80', '88', '8443']);
/** Paths of the bot's own HTTP routes, which a webhook path must stay out of. */
const RESERVED_PATHS = ['/api', '/push', '/metrics', '/healthz', '/services'];

/**
 * The webhook secret every instance agrees on without more configuration: HMAC-SHA256 keyed with the
 * bot token over a fixed label, in base64url (43 characters Telegram accepts). Knowing it means
 * knowing the token, which already gives full control of the bot.
 */
export function deriveWebhookSecret(token: string): string {
  return createHmac('sha256', token).update('incident-bot telegram webhook secret').digest('base64url');
}

/** Every problem of TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET, as `NAME: message` lines. */
export function telegramWebhookProblems(env: RawEnv): string[] {
  const problems: string[] = [];
  const raw = env.TELEGRAM_WEBHOOK_URL?.trim() ?? '';
  const secret = env.TELEGRAM_WEBHOOK_SECRET?.trim() ?? '';
  if (secret !== '' && !WEBHOOK_SECRET.test(secret))
    problems.push('TELEGRAM_WEBHOOK_SECRET: must be 1-256 characters of A-Z, a-z, 0-9, _ and -');
  if (raw === '') {
    if (secret !== '') problems.push('TELEGRAM_WEBHOOK_SECRET: is used only with TELEGRAM_WEBHOOK_URL');
    return problems;
  }
  if (!isSet(env.TELEGRAM_BOT_TOKEN)) problems.push('TELEGRAM_WEBHOOK_URL: set TELEGRAM_BOT_TOKEN too');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(
      'TELEGRAM_WEBHOOK_URL: must be an https URL with a path, e.g. https://bot.example.org/telegram/hook',
    );
    return problems;
  }
  if (url.protocol !== 'https:')
    problems.push('TELEGRAM_WEBHOOK_URL: must be https (Telegram sends webhooks only over TLS)');
  if (!WEBHOOK_PORTS.has(url.port))
    problems.push('TELEGRAM_WEBHOOK_URL: Telegram sends webhooks only to ports 443, 80, 88 and 8443');
  if (url.pathname === '/' || url.pathname === '')
    problems.push(
      'TELEGRAM_WEBHOOK_URL: needs a path (e.g. /telegram/hook): the HTTP server takes the updates there',
    );
  else if (RESERVED_PATHS.some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`)))
    problems.push(
      `TELEGRAM_WEBHOOK_URL: the path must not be under ${RESERVED_PATHS.join(', ')} (the bot's own routes)`,
    );
  if (url.search !== '' || url.hash !== '')
    problems.push('TELEGRAM_WEBHOOK_URL: must have no query string or fragment');
  if (url.username !== '' || url.password !== '')
    problems.push('TELEGRAM_WEBHOOK_URL: must have no user name or password (use TELEGRAM_WEBHOOK_SECRET)');
  return problems;
}

/** The webhook settings of a valid environment (see {@link telegramWebhookProblems}); none for polling. */
export function telegramWebhookSettings(
  token: string,
  url: string | undefined,
  secret: string | undefined,
): TelegramWebhookSettings | undefined {
  if (url === undefined) return undefined;
  return { url, path: new URL(url).pathname, secret: secret ?? deriveWebhookSecret(token) };
}

/**
 * Telegram's broadcast limits (docs/platforms.md §1.2, https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 * about 30 messages/s overall, 1/s per chat, 20/min per group. Group and channel ids are negative.
 * A group's minute is counted over 61 s: the pacer times a send when it leaves, Telegram when it
 * arrives, and the first of 21 sends reaching Telegram a little late must not put them all into
 * one minute there.
 */
export const TELEGRAM_PACING: PacingPolicy = {
  global: { burst: 30, perMs: 1000 },
  privateChat: { burst: 1, perMs: 1000 },
  groupChat: { burst: 20, perMs: 61_000 },
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
