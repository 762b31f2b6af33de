import { Telegraf, TelegramError } from 'telegraf';
import type { ChatPlatform, PlatformContext } from '../platform.js';
import { PlatformStartError } from '../platform.js';
import { registerTelegramCommands } from './telegram-commands.js';
import { redactToken } from './telegram-errors.js';
import { TelegramSender } from './telegram-sender.js';
import { TELEGRAM_ALERT_PACING, type TelegramSettings } from './telegram-settings.js';
import { type TelegramCommandPort, TelegramUpdates } from './telegram-updates.js';

export type TelegramConfig = TelegramSettings;

/** The updates the bot asks for: commands, channel posts, button presses, and being removed. */
export const TELEGRAM_ALLOWED_UPDATES = [
  'message',
  'channel_post',
  'callback_query',
  'my_chat_member',
] as const;

/**
 * The Telegram adapter (telegraf 4.16, long polling). `start` checks the token with getMe,
 * registers the command menu in English and Bengali and starts polling; updates go to
 * {@link TelegramUpdates}, alerts out through {@link TelegramSender} on the same client.
 * `TELEGRAM_API_ROOT` replaces the Bot API root (docs/platforms.md §3.1).
 */
export class TelegramPlatform implements ChatPlatform {
  readonly name = 'telegram' as const;
  readonly pacing = TELEGRAM_ALERT_PACING;
  readonly sender: TelegramSender;
  private readonly bot: Telegraf;
  private polling: Promise<void> | null = null;
  private running = false;

  constructor(
    private readonly config: TelegramConfig,
    private readonly ctx: PlatformContext,
    updates: TelegramUpdates,
  ) {
    this.bot = new Telegraf(config.token, {
      ...(config.apiRoot === undefined ? {} : { telegram: { apiRoot: config.apiRoot } }),
    });
    this.sender = new TelegramSender(this.bot.telegram, { token: config.token });
    this.bot.use((tctx) => updates.handle(tctx));
    this.bot.catch((err) => this.ctx.log.error({ err: this.redacted(err) }, 'telegram update failed'));
  }

  get connected(): boolean {
    return this.running;
  }

  /**
   * getMe, setMyCommands (en + bn), then long polling in the background. Throws
   * {@link PlatformStartError} when the token is rejected or the API root cannot be reached.
   */
  async start(): Promise<void> {
    try {
      this.bot.botInfo = await this.bot.telegram.getMe();
    } catch (err) {
      throw this.startError(describeLoginFailure(err, this.config));
    }
    try {
      await registerTelegramCommands(this.bot.telegram);
    } catch (err) {
      throw this.startError(`Telegram refused the command menu (setMyCommands): ${this.message(err)}.`);
    }
    this.running = true;
    this.polling = this.bot
      .launch({ allowedUpdates: [...TELEGRAM_ALLOWED_UPDATES] })
      .catch((err: unknown) => this.ctx.log.error({ err: this.redacted(err) }, 'telegram polling stopped'))
      .finally(() => (this.running = false));
    this.ctx.log.info({ username: this.bot.botInfo.username }, 'telegram bot polling');
  }

  /** Stops polling and waits for the last getUpdates to confirm its offset. */
  async stop(): Promise<void> {
    if (this.polling === null) return;
    try {
      this.bot.stop('shutdown');
    } catch {
      // Not running any more (polling already failed): nothing to stop.
    }
    await this.polling;
    this.polling = null;
  }

  private message(err: unknown): string {
    return redactToken(err instanceof Error ? err.message : String(err), this.config.token);
  }

  /** An error safe to log: its message and stack without the token (which telegraf puts in URLs). */
  private redacted(err: unknown): { name: string; message: string; code?: number } {
    const name = err instanceof Error ? err.name : 'Error';
    return {
      name,
      message: this.message(err),
      ...(err instanceof TelegramError ? { code: err.code } : {}),
    };
  }

  /** The start-up error; the original is not kept as `cause`, since its URL holds the token. */
  private startError(message: string): PlatformStartError {
    return new PlatformStartError('telegram', redactToken(message, this.config.token));
  }
}

function describeLoginFailure(err: unknown, config: TelegramConfig): string {
  if (err instanceof TelegramError && (err.code === 401 || err.code === 404))
    return `Telegram rejected TELEGRAM_BOT_TOKEN (${err.code} ${err.description}): copy the token again from @BotFather.`;
  const where = config.apiRoot ?? 'https://api.telegram.org';
  const detail = err instanceof Error ? err.message : String(err);
  return `Could not reach the Telegram Bot API at ${where}: ${detail}. Check TELEGRAM_API_ROOT and the network.`;
}

/** The Telegram platform as the app runs it: updates are answered by the command layer. */
export function createTelegramPlatform(
  config: TelegramConfig,
  ctx: PlatformContext,
  commands: TelegramCommandPort | null,
): TelegramPlatform {
  const updates = new TelegramUpdates({
    commands,
    subscriptions: ctx.subscriptions,
    clock: ctx.clock,
    log: ctx.log,
    renderChartPng: ctx.renderChartPng,
  });
  return new TelegramPlatform(config, ctx, updates);
}
