import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Telegraf, TelegramError } from 'telegraf';
import type { Update } from 'telegraf/types';
import type {
  ChatPlatform,
  InboundHttpAnswer,
  InboundHttpRequest,
  InboundHttpRoute,
  PlatformContext,
  PlatformStartOptions,
} from '../platform.js';
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

/** The header Telegram sends the webhook secret in (Bot API setWebhook `secret_token`). */
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';
/**
 * The largest webhook body taken. An update is one message (4,096 characters of text, its entities,
 * the message it replies to) and stays far below this; a bigger body is refused unread.
 */
export const MAX_TELEGRAM_UPDATE_BYTES = 1024 * 1024;
/** setWebhook answers 429 to a second call within a second (per bot); lead() waits and tries again. */
const SET_WEBHOOK_ATTEMPTS = 3;

/**
 * Polling that stopped on an error telegraf does not retry (409: another getUpdates consumer or a
 * webhook set elsewhere; 401: the token revoked) starts again after this long while this instance
 * still leads, doubling up to {@link POLL_RESTART_MAX_MS}: a fault that ends heals by itself, one
 * that lasts costs a getUpdates call a minute.
 */
export const POLL_RESTART_MS = 5_000;
const POLL_RESTART_MAX_MS = 60_000;

/** telegraf's polling loop without `launch` (see `startReceiving`); private in telegraf's typings. */
interface PollingTelegraf {
  startPolling(allowedUpdates: readonly string[]): Promise<void>;
}

/**
 * The Telegram adapter (telegraf 4.16). `start` checks the token with getMe, registers the command
 * menu in every language and, unless told `{ lead: false }`, starts receiving: long polling, or
 * setWebhook in webhook mode (`TELEGRAM_WEBHOOK_URL`). Updates go to {@link TelegramUpdates},
 * alerts out through {@link TelegramSender} on the same client. `TELEGRAM_API_ROOT` replaces the
 * Bot API root (docs/platforms.md §3.1).
 *
 * Telegram lets one getUpdates consumer per token poll at a time; in a cluster only the instance
 * holding Telegram's leadership calls `lead()`, and `unlead()` hands over without losing or
 * repeating an update (docs/cluster.md, "Telegram: one receiver"). In webhook mode every
 * instance takes updates on its HTTP server (`httpRoutes`), and `lead()` only sets the webhook.
 */
export class TelegramPlatform implements ChatPlatform {
  readonly name = 'telegram' as const;
  readonly pacing = TELEGRAM_ALERT_PACING;
  readonly sender: TelegramSender;
  readonly httpRoutes: readonly InboundHttpRoute[];
  private readonly bot: Telegraf;
  private polling: Promise<void> | null = null;
  private loggedIn = false;
  private receiving = false;
  private pollingFailed = false;
  /** lead() called and not unlead(): a failed polling loop is started again. */
  private wantsToLead = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelayMs: number;
  private lastFailureAt = Number.NEGATIVE_INFINITY;
  /** lead/unlead run one at a time, in call order. */
  private transitions: Promise<void> = Promise.resolve();
  /** Webhook updates being handled, awaited by `stop`. */
  private readonly handling = new Set<Promise<void>>();
  private readonly secretDigest: Buffer | null;

  constructor(
    private readonly config: TelegramConfig,
    private readonly ctx: PlatformContext,
    updates: TelegramUpdates,
    /** `pollRestartMs`: the first wait before failed polling starts again ({@link POLL_RESTART_MS}). */
    private readonly options: { readonly pollRestartMs?: number } = {},
  ) {
    this.restartDelayMs = options.pollRestartMs ?? POLL_RESTART_MS;
    this.bot = new Telegraf(config.token, {
      ...(config.apiRoot === undefined ? {} : { telegram: { apiRoot: config.apiRoot } }),
    });
    this.sender = new TelegramSender(this.bot.telegram, { token: config.token });
    this.bot.use((tctx) => updates.handle(tctx));
    this.bot.catch((err) => this.ctx.log.error({ err: this.redacted(err) }, 'telegram update failed'));
    const webhook = config.webhook;
    this.secretDigest = webhook === undefined ? null : digest(webhook.secret);
    this.httpRoutes =
      webhook === undefined
        ? []
        : [
            {
              method: 'POST',
              path: webhook.path,
              bodyLimit: MAX_TELEGRAM_UPDATE_BYTES,
              handle: (request) => this.receiveWebhook(request),
            },
          ];
  }

  /** Logged in, and (when leading with long polling) polling has not failed. */
  get connected(): boolean {
    return this.loggedIn && !this.pollingFailed;
  }

  get leading(): boolean {
    return this.receiving;
  }

  /**
   * getMe, setMyCommands (every language), then, unless `{ lead: false }`, {@link lead}. Throws
   * {@link PlatformStartError} when the token is rejected, the API root cannot be reached, or
   * Telegram refuses the webhook.
   */
  async start(options: PlatformStartOptions = {}): Promise<void> {
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
    this.loggedIn = true;
    this.ctx.log.info({ username: this.bot.botInfo.username }, 'telegram bot logged in');
    if (options.lead === false) return;
    try {
      await this.lead();
    } catch (err) {
      this.loggedIn = false;
      throw this.startError(
        this.config.webhook === undefined
          ? `Could not start receiving Telegram updates: ${this.message(err)}.`
          : `Telegram refused the webhook (setWebhook ${this.config.webhook.url}): ${this.message(err)}. Check TELEGRAM_WEBHOOK_URL.`,
      );
    }
  }

  /**
   * Starts receiving updates. Long polling: deleteWebhook (a webhook left from webhook mode would
   * make getUpdates answer 409), then getUpdates from the offset Telegram has confirmed, which the
   * last leader's `unlead` moved past every update it handled. Webhook mode: setWebhook with the
   * URL and secret (Telegram treats the same webhook again as a no-op; pending updates are kept).
   */
  lead(): Promise<void> {
    this.wantsToLead = true;
    return this.serially(() => this.startReceiving());
  }

  /**
   * Stops receiving. Long polling: stops the loop and waits for the updates in hand to be handled and
   * the last getUpdates to confirm the offset past them. Webhook mode: nothing; the webhook stays
   * set (never deleteWebhook: another instance may already lead, and every instance takes POSTs).
   */
  unlead(): Promise<void> {
    this.wantsToLead = false;
    clearTimeout(this.restartTimer);
    return this.serially(() => this.stopReceiving());
  }

  /** Stops receiving, then waits for webhook updates being handled; the webhook stays set. */
  async stop(): Promise<void> {
    await this.unlead();
    this.loggedIn = false;
    await Promise.all(this.handling);
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.transitions.then(step);
    this.transitions = next.catch(() => undefined);
    return next;
  }

  private async startReceiving(): Promise<void> {
    if (!this.loggedIn) throw new Error('telegram: lead() before start()');
    if (this.receiving) return;
    const webhook = this.config.webhook;
    if (webhook !== undefined) {
      await this.setWebhook(webhook.url, webhook.secret);
      this.receiving = true;
      this.ctx.log.info({ url: webhook.url }, 'telegram webhook set: updates come over HTTP');
      return;
    }
    await this.bot.telegram.deleteWebhook();
    // telegraf's `launch` would do the same after an await, leaving a moment when `bot.stop()`
    // throws "Bot is not running" and polling starts anyway; startPolling starts at once.
    const polling = (this.bot as unknown as PollingTelegraf).startPolling([...TELEGRAM_ALLOWED_UPDATES]);
    this.receiving = true;
    this.pollingFailed = false;
    this.polling = polling
      .catch((err: unknown) => {
        this.pollingFailed = true;
        this.ctx.log.error({ err: this.redacted(err) }, 'telegram polling stopped');
        this.restartLater();
      })
      .finally(() => (this.receiving = false));
    this.ctx.log.info({ username: this.bot.botInfo?.username }, 'telegram bot polling');
  }

  /** Starts polling again after a wait, unless this instance stopped leading meanwhile. */
  private restartLater(): void {
    if (!this.wantsToLead) return;
    const now = Date.now();
    // A loop that ran a good while since the last failure starts the back-off afresh.
    if (now - this.lastFailureAt > 2 * POLL_RESTART_MAX_MS)
      this.restartDelayMs = this.options.pollRestartMs ?? POLL_RESTART_MS;
    this.lastFailureAt = now;
    const delayMs = this.restartDelayMs;
    this.restartDelayMs = Math.min(2 * delayMs, POLL_RESTART_MAX_MS);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      void this.serially(async () => {
        if (!this.wantsToLead || this.receiving) return;
        this.polling = null;
        try {
          await this.startReceiving();
        } catch (err) {
          this.ctx.log.error({ err: this.redacted(err) }, 'telegram polling not restarted');
          this.restartLater();
        }
      });
    }, delayMs);
    this.restartTimer.unref();
    this.ctx.log.warn({ inMs: delayMs }, 'telegram polling starts again later');
  }

  private async stopReceiving(): Promise<void> {
    if (this.polling === null) {
      this.receiving = false;
      return;
    }
    try {
      this.bot.stop('unlead');
    } catch {
      // Not running any more (polling already failed): nothing to stop.
    }
    await this.polling;
    this.polling = null;
  }

  private async setWebhook(url: string, secret: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bot.telegram.setWebhook(url, {
          secret_token: secret,
          allowed_updates: [...TELEGRAM_ALLOWED_UPDATES],
        });
        return;
      } catch (err) {
        if (!(err instanceof TelegramError && err.code === 429) || attempt === SET_WEBHOOK_ATTEMPTS)
          throw err;
        await sleep((err.parameters?.retry_after ?? 1) * 1000);
      }
    }
  }

  /**
   * A POST of Telegram's to the webhook path. The secret header is compared in constant time; a
   * wrong or missing one gets 401 and nothing is handled. A stopped (or not yet started) platform
   * answers 503, so Telegram sends the update again (to another instance behind the same URL).
   * The update is answered 200 once handled, with an empty body (Telegram would run a method
   * named in it); a failure inside the handler is logged and still answered 200, as with polling.
   */
  private async receiveWebhook(request: InboundHttpRequest): Promise<InboundHttpAnswer> {
    const given = request.headers[TELEGRAM_SECRET_HEADER];
    if (
      this.secretDigest === null ||
      typeof given !== 'string' ||
      !timingSafeEqual(digest(given), this.secretDigest)
    ) {
      this.ctx.log.warn('telegram webhook: wrong or missing secret token; refused (401)');
      return { status: 401, body: { error: 'unauthorized' } };
    }
    if (!this.loggedIn) return { status: 503, body: { error: 'not ready' } };
    const update = parseUpdate(request.body);
    if (update === null) {
      this.ctx.log.warn(
        { bytes: request.body.length },
        'telegram webhook: the body is not a Telegram update (JSON with an integer update_id); refused (400)',
      );
      return { status: 400, body: { error: 'not a Telegram update' } };
    }
    const handled = this.bot.handleUpdate(update).catch((err: unknown) => {
      this.ctx.log.error({ err: this.redacted(err), updateId: update.update_id }, 'telegram update failed');
    });
    this.handling.add(handled);
    try {
      await handled;
    } finally {
      this.handling.delete(handled);
    }
    return { status: 200 };
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

/** SHA-256 of a secret: equal lengths for timingSafeEqual, whatever was sent. */
function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** The update in a webhook body, or null when it is not JSON with an integer `update_id`. */
function parseUpdate(body: Buffer): Update | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const id = (parsed as { update_id?: unknown }).update_id;
  return Number.isSafeInteger(id) ? (parsed as Update) : null;
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
