import { CommandService } from '../../core/commands/command-service.js';
import type { PlatformModule } from '../platform.js';
import {
  TELEGRAM_ALERT_PACING,
  TELEGRAM_CAPABILITIES,
  TELEGRAM_ENV,
  TELEGRAM_LIMITS,
  TELEGRAM_SECRET_NAMES,
  type TelegramSettings,
  telegramWebhookProblems,
  telegramWebhookSettings,
} from './telegram-settings.js';

/** Telegram (telegraf, long polling or a webhook): enabled by TELEGRAM_BOT_TOKEN. */
export const telegramModule: PlatformModule<'telegram', typeof TELEGRAM_ENV.shape, TelegramSettings> = {
  name: 'telegram',
  env: TELEGRAM_ENV,
  secrets: TELEGRAM_SECRET_NAMES,
  check: telegramWebhookProblems,
  settings(e) {
    if (e.TELEGRAM_BOT_TOKEN === undefined) return null;
    const webhook = telegramWebhookSettings(
      e.TELEGRAM_BOT_TOKEN,
      e.TELEGRAM_WEBHOOK_URL,
      e.TELEGRAM_WEBHOOK_SECRET,
    );
    return {
      token: e.TELEGRAM_BOT_TOKEN,
      ...(e.TELEGRAM_API_ROOT !== undefined ? { apiRoot: e.TELEGRAM_API_ROOT } : {}),
      ...(webhook === undefined ? {} : { webhook }),
    };
  },
  // The webhook secret derived from the token is named by no variable.
  secretValues: (settings) => (settings.webhook === undefined ? [] : [settings.webhook.secret]),
  pacing: TELEGRAM_ALERT_PACING,
  limits: TELEGRAM_LIMITS,
  capabilities: TELEGRAM_CAPABILITIES,
  async create(settings, ctx) {
    // telegraf is loaded only when Telegram is enabled.
    const { createTelegramPlatform } = await import('./telegram-platform.js');
    const commands = new CommandService(ctx.commands, {
      maxReplyChars: TELEGRAM_LIMITS.maxReplyChars,
      ...ctx.commandRates,
    });
    return createTelegramPlatform(settings, ctx, commands);
  },
};
