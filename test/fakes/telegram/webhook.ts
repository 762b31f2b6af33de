/**
 * Webhooks (https://core.telegram.org/bots/api#setwebhook), following the Bot API server
 * (tdlib/telegram-bot-api, Client.cpp and WebhookActor.cpp): while a webhook is set, every pending
 * update is POSTed to its URL as JSON, oldest first, with the secret in
 * `X-Telegram-Bot-Api-Secret-Token`; an answer other than 2xx, a timeout or a refused connection
 * keeps the update pending and it is sent again; getUpdates answers 409.
 *
 * Real Telegram requires an https URL (on port 443, 80, 88 or 8443). The fake also accepts an
 * http URL on a loopback address, so tests can point it at a server on 127.0.0.1 without TLS; any
 * other http URL is refused as Telegram refuses it.
 */
import { badRequest, terminatedBySetWebhook, tooManyRequests } from './api-error.js';
import type { BotApiUpdate } from './bot-api-types.js';
import { UPDATE_KINDS } from './bot-api-types.js';
import type { UpdateQueue } from './update-queue.js';

/** The header Telegram sends the secret in. */
export const SECRET_TOKEN_HEADER = 'X-Telegram-Bot-Api-Secret-Token';
/** `secret_token`: 1-256 characters of A-Z, a-z, 0-9, `_` and `-` (empty: no header is sent). */
const MAX_SECRET_CHARS = 256;
const SECRET_CHARS = /^[A-Za-z0-9_-]*$/;
const WEBHOOK_PORTS = new Set(['', '443', '80', '88', '8443']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** How the fake's webhook sender waits. Telegram's own waits are longer; tests want quick retries. */
export interface WebhookTiming {
  /** Wait before sending an update again after a failure. */
  retryMs: number;
  /** An answer not complete by then counts as a failure (the update stays pending). */
  timeoutMs: number;
  /**
   * Telegram takes one setWebhook with a URL per second per bot, checked before anything else (so
   * a refused or unchanged one counts too); a quicker one gets 429 retry after 1. 0 switches it off.
   */
  setIntervalMs: number;
}

export const DEFAULT_WEBHOOK_TIMING: WebhookTiming = { retryMs: 50, timeoutMs: 5_000, setIntervalMs: 1_000 };

/** One POST of an update to the webhook and how it ended. */
export interface WebhookAttempt {
  updateId: number;
  url: string;
  /** The HTTP status the webhook answered; undefined when there was no answer. */
  status: number | undefined;
  /** Why the attempt failed (`Wrong response from the webhook: 401 Unauthorized`…); undefined on 2xx. */
  error: string | undefined;
}

/** What getWebhookInfo returns: https://core.telegram.org/bots/api#webhookinfo */
export interface WebhookInfo {
  url: string;
  has_custom_certificate: boolean;
  pending_update_count: number;
  ip_address?: string;
  last_error_date?: number;
  last_error_message?: string;
  max_connections?: number;
  allowed_updates?: string[];
}

interface WebhookConfig {
  url: string;
  secret: string;
  maxConnections: number;
  allowedUpdates: string[] | undefined;
}

/** The bot's webhook and the loop that sends pending updates to it. */
export class Webhook {
  readonly attempts: WebhookAttempt[] = [];
  private config: WebhookConfig | undefined;
  private generation = 0;
  private nextSetAllowedMs = 0;
  private lastError: { date: number; message: string } | undefined;
  private abort = new AbortController();
  private wakeUp: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly queue: UpdateQueue,
    private readonly timing: WebhookTiming,
    private readonly nowMs: () => number,
    private readonly changed: () => void,
  ) {}

  /** True while a webhook URL is set. */
  get active(): boolean {
    return this.config !== undefined;
  }

  /** The secret of the webhook set, '' when none. */
  get secret(): string {
    return this.config?.secret ?? '';
  }

  info(): WebhookInfo {
    const config = this.config;
    return {
      url: config?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.queue.size,
      ...(config === undefined ? {} : { ip_address: '127.0.0.1', max_connections: config.maxConnections }),
      ...(this.lastError === undefined
        ? {}
        : { last_error_date: this.lastError.date, last_error_message: this.lastError.message }),
      ...(config?.allowedUpdates === undefined || config.allowedUpdates.length === 0
        ? {}
        : { allowed_updates: config.allowedUpdates }),
    };
  }

  /** setWebhook with a URL: the same webhook again is a no-op (allowed_updates aside). */
  set(next: WebhookConfig, dropPending: boolean): void {
    const now = this.nowMs();
    if (now < this.nextSetAllowedMs) throw tooManyRequests(1);
    this.nextSetAllowedMs = now + this.timing.setIntervalMs;
    checkUrl(next.url);
    if (next.secret.length > MAX_SECRET_CHARS) throw badRequest('secret token is too long');
    if (!SECRET_CHARS.test(next.secret)) throw badRequest('secret token contains unallowed characters');
    if (next.allowedUpdates !== undefined) this.queue.setAllowed(next.allowedUpdates);
    const current = this.config;
    if (
      current !== undefined &&
      !dropPending &&
      current.url === next.url &&
      current.secret === next.secret &&
      current.maxConnections === next.maxConnections
    ) {
      if (next.allowedUpdates !== undefined)
        this.config = { ...current, allowedUpdates: next.allowedUpdates };
      return;
    }
    this.stopSending();
    if (dropPending) this.queue.dropPending();
    this.queue.abortPoll(terminatedBySetWebhook());
    this.config = { ...next, allowedUpdates: next.allowedUpdates ?? current?.allowedUpdates };
    this.lastError = undefined;
    this.startSending();
    this.changed();
  }

  /** deleteWebhook (or setWebhook with an empty URL). Pending updates stay unless dropped. */
  delete(dropPending: boolean): void {
    if (dropPending) this.queue.dropPending();
    if (this.config === undefined) return;
    this.stopSending();
    this.config = undefined;
    this.changed();
  }

  /** A state change: an update may be waiting to be sent. */
  wake(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  /** Server shutdown: stops sending and waits for the attempt in flight to end. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopSending();
    await this.running;
  }

  private startSending(): void {
    if (this.closed) return;
    this.abort = new AbortController();
    const generation = ++this.generation;
    const previous = this.running ?? Promise.resolve();
    this.running = previous.then(() => this.send(generation));
  }

  private stopSending(): void {
    this.generation++;
    this.abort.abort();
    this.wake();
  }

  /** Sends pending updates one at a time, oldest first, until the webhook changes or goes. */
  private async send(generation: number): Promise<void> {
    const signal = this.abort.signal;
    while (this.generation === generation && this.config !== undefined) {
      const update = this.queue.head();
      if (update === undefined) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        continue;
      }
      const attempt = await this.post(this.config, update, signal);
      if (this.generation !== generation) return; // deleted or replaced meanwhile: the update stays pending
      this.attempts.push(attempt);
      if (attempt.error === undefined) {
        this.queue.confirmDelivered(update.update_id);
        continue;
      }
      this.lastError = { date: Math.floor(this.nowMs() / 1_000), message: attempt.error };
      this.changed();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.timing.retryMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  private async post(
    config: WebhookConfig,
    update: BotApiUpdate,
    signal: AbortSignal,
  ): Promise<WebhookAttempt> {
    const base = { updateId: update.update_id, url: config.url };
    try {
      const response = await fetch(config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(config.secret === '' ? {} : { [SECRET_TOKEN_HEADER]: config.secret }),
        },
        body: JSON.stringify(update),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timing.timeoutMs)]),
      });
      await response.arrayBuffer(); // the answer is read whole before the next update goes
      const ok = response.status >= 200 && response.status <= 299;
      return {
        ...base,
        status: response.status,
        error: ok ? undefined : `Wrong response from the webhook: ${response.status} ${response.statusText}`,
      };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      return { ...base, status: undefined, error: timedOut ? 'Timeout expired' : 'Connection refused' };
    }
  }
}

/** An https URL on a port Telegram allows, or (fake only) an http URL on loopback. */
function checkUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest('invalid webhook URL specified');
  }
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (loopbackHttp) return;
  if (url.protocol !== 'https:') throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
  if (!WEBHOOK_PORTS.has(url.port))
    throw badRequest('bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443');
}

/** The kinds the fake knows, from a JSON array; undefined when the parameter is absent. */
export function readAllowedUpdates(allowed: unknown): string[] | undefined {
  if (allowed === undefined) return undefined;
  if (!Array.isArray(allowed)) throw badRequest("can't parse allowed_updates JSON array");
  return allowed.filter((k): k is string => (UPDATE_KINDS as readonly unknown[]).includes(k));
}
