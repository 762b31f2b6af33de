/**
 * Pending updates and long polling, following https://core.telegram.org/bots/api#getupdates:
 * updates stay until a later call's `offset` confirms them, `timeout` holds an empty answer open
 * until an update arrives, and a newer call terminates an older pending one with 409.
 */
import { BotApiError, pollConflict } from './api-error.js';
import type { BotApiUpdate, UpdateKind } from './bot-api-types.js';
import { UPDATE_KINDS } from './bot-api-types.js';

/** `limit` range of getUpdates. */
export const MAX_UPDATES_PER_CALL = 100;

/** Without `allowed_updates`, Telegram withholds these kinds (chat_member must be asked for). */
const OPT_IN_KINDS: ReadonlySet<UpdateKind> = new Set(['chat_member']);

const MS_PER_S = 1_000;

/** Parameters of one getUpdates call, already coerced. */
export interface PollRequest {
  offset?: number;
  limit?: number;
  timeoutS?: number;
  allowedUpdates?: readonly string[];
}

interface Waiter {
  limit: number;
  settle: (result: BotApiUpdate[] | BotApiError) => void;
}

/** Update payload without its id; the queue numbers updates. */
export type UpdatePayload = BotApiUpdate extends infer U
  ? U extends BotApiUpdate
    ? Omit<U, 'update_id'>
    : never
  : never;

/** The bot's update queue. */
export class UpdateQueue {
  private pending: BotApiUpdate[] = [];
  private nextUpdateId = 1;
  private allowed: ReadonlySet<string> = defaultAllowed();
  private waiter: Waiter | undefined;
  private closed = false;

  constructor(private readonly onChange: () => void) {}

  /** True while a getUpdates call is being held open. */
  get isPolling(): boolean {
    return this.waiter !== undefined;
  }

  /** Number of updates not yet confirmed by an offset. */
  get size(): number {
    return this.pending.length;
  }

  /**
   * Queues an update unless `allowed_updates` excludes its kind (Telegram filters when updates are
   * created, not when they are fetched). Wakes a held getUpdates at once.
   */
  push(payload: UpdatePayload): BotApiUpdate | undefined {
    const kind = Object.keys(payload)[0] ?? '';
    if (!this.allowed.has(kind)) return undefined;
    const update = { update_id: this.nextUpdateId++, ...payload } as BotApiUpdate;
    this.pending.push(update);
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.settle(this.pending.slice(0, waiter.limit));
    }
    this.onChange();
    return update;
  }

  /** Answers getUpdates, holding the call open for `timeoutS` when nothing is pending. */
  poll(request: PollRequest, signal: AbortSignal): Promise<BotApiUpdate[]> {
    if (request.allowedUpdates !== undefined) this.setAllowed(request.allowedUpdates);
    this.confirm(request.offset ?? 0);
    // Telegram answers the held (older) call with 409 and serves the newer one
    // (telegram-bot-api Client::abort_long_poll, called from do_get_updates).
    this.abortPoll(pollConflict());
    const limit = Math.min(Math.max(request.limit ?? MAX_UPDATES_PER_CALL, 1), MAX_UPDATES_PER_CALL);
    const timeoutS = Math.max(request.timeoutS ?? 0, 0);
    if (this.pending.length > 0 || timeoutS === 0 || this.closed) {
      return Promise.resolve(this.pending.slice(0, limit));
    }
    return this.hold(limit, timeoutS, signal);
  }

  /** `allowed_updates` of getUpdates or setWebhook; an empty list means the default kinds. */
  setAllowed(kinds: readonly string[]): void {
    this.allowed = kinds.length === 0 ? defaultAllowed() : new Set(kinds);
  }

  /** Answers a held getUpdates with `error` (a newer getUpdates, or setWebhook). */
  abortPoll(error: BotApiError): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.settle(error);
  }

  /** The oldest pending update: what a webhook is sent next. */
  head(): BotApiUpdate | undefined {
    return this.pending[0];
  }

  /** A webhook answered 2xx for this update: it is confirmed, as an `offset` past it would. */
  confirmDelivered(updateId: number): void {
    this.pending = this.pending.filter((u) => u.update_id !== updateId);
    this.onChange();
  }

  /** Server shutdown: answers a held poll with no updates, and holds no poll from now on. */
  close(): void {
    this.closed = true;
    this.waiter?.settle([]);
    this.waiter = undefined;
  }

  /** deleteWebhook/setWebhook with `drop_pending_updates`. */
  dropPending(): void {
    this.pending = [];
    this.onChange();
  }

  private confirm(offset: number): void {
    if (offset < 0)
      this.pending = this.pending.slice(offset); // keep the last -offset updates
    else this.pending = this.pending.filter((u) => u.update_id >= offset);
  }

  private hold(limit: number, timeoutS: number, signal: AbortSignal): Promise<BotApiUpdate[]> {
    return new Promise((resolve, reject) => {
      const finish = (result: BotApiUpdate[] | BotApiError): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.waiter === waiter) this.waiter = undefined;
        if (result instanceof BotApiError) reject(result);
        else resolve(result);
        this.onChange();
      };
      const waiter: Waiter = { limit, settle: finish };
      // the client went away (telegraf's bot.stop() aborts the fetch): forget the poll
      const onAbort = (): void => finish([]);
      const timer = setTimeout(() => finish([]), timeoutS * MS_PER_S);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = waiter;
      this.onChange();
    });
  }
}

function defaultAllowed(): ReadonlySet<string> {
  return new Set(UPDATE_KINDS.filter((kind) => !OPT_IN_KINDS.has(kind)));
}
