import {
  BOARD_EDIT_GAP_MS,
  type BoardClaim,
  type BoardStore,
  boardEntries,
  renderBoard,
  retiredBoard,
} from '../core/board.js';
import type { ServiceDirectory } from '../core/commands/ports.js';
import { holdUntil } from '../core/delivery/chat-rules.js';
import { planDelivery, sentSettlement } from '../core/delivery/delivery-plan.js';
import type {
  BoardResult,
  BoardSender,
  ChatSender,
  ClaimedChat,
  DeliveryJob,
  DeliveryResult,
  OutboxStore,
  SubscriptionStore,
} from '../core/delivery/ports.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, decideRetry } from '../core/delivery/retry-policy.js';
import { messagesFor } from '../core/i18n/index.js';
import { type NoteStore, withLatestNotes } from '../core/incident-notes.js';
import type { Clock } from '../core/model.js';
import type { Logger } from '../logging.js';
import { type Pacer, type Sleep, realSleep } from './pacer.js';

/** How long a claim is ours; past it another worker may take the rows (we are presumed dead). */
export const LEASE_MS = 60_000;
/** A delivery that takes longer is aborted and retried; well under LEASE_MS so a lease outlives it. */
export const DELIVERY_TIMEOUT_MS = 20_000;

export interface OutboxWorkerOptions {
  /** Most chats claimed per pass. */
  readonly batchSize: number;
  /** Deliveries in flight at once (the pacer still spaces them). */
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly deliveryTimeoutMs: number;
  /** Wait between passes when there was nothing to do (`wake()` cuts it short). */
  readonly idlePollMs: number;
  /** Pacing waits up to this long in place; longer, the rows go back to the queue until then. */
  readonly maxPacingWaitMs: number;
  readonly retry: RetryPolicy;
}

export const DEFAULT_WORKER_OPTIONS: OutboxWorkerOptions = {
  batchSize: 50,
  concurrency: 8,
  leaseMs: LEASE_MS,
  deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
  idlePollMs: 1000,
  maxPacingWaitMs: 2000,
  retry: DEFAULT_RETRY_POLICY,
};

export interface OutboxWorkerDeps {
  readonly store: OutboxStore;
  readonly subscriptions: Pick<SubscriptionStore, 'deactivateChat' | 'rewriteChatId' | 'forgetThread'>;
  readonly sender: ChatSender;
  readonly pacer: Pacer;
  readonly clock: Clock;
  readonly log: Logger;
  readonly sleep?: Sleep;
  /** Jitter source for retry delays; [0, 1). */
  readonly random?: () => number;
  /** Told how every delivery attempt ended (the `/metrics` counters). */
  readonly onResult?: (result: DeliveryResult) => void;
  /** Incident notes (`/note`): an alert shows its incidents' latest note in every later edit. */
  readonly notes?: Pick<NoteStore, 'notesOf'>;
  /** Live boards (`/board`): posted and edited when no alert is due (the sender's `boards`). */
  readonly boards?: BoardWorkerDeps;
}

/** What the worker needs to post and edit live boards. */
export interface BoardWorkerDeps {
  readonly store: BoardStore;
  /** The catalogue: the services an "all" subscription lists, and their names. */
  readonly services: ServiceDirectory;
  readonly chats: Pick<SubscriptionStore, 'getSettings' | 'listSubscriptions'>;
  /** Boards per pass (default 10). */
  readonly batchSize?: number;
  /** At most one post or edit per board in this long (default BOARD_EDIT_GAP_MS). */
  readonly editGapMs?: number;
}

/** A board whose post or edit keeps failing is dropped after this many attempts. */
export const BOARD_MAX_ATTEMPTS = 10;
/** A failed board post or edit is tried again after this, doubling per attempt, at most 10 minutes. */
const BOARD_RETRY_BASE_MS = 5_000;
const BOARD_RETRY_MAX_MS = 600_000;

/**
 * Delivers one platform's outbox rows through its ChatSender. Each pass claims due chats
 * (leases), and for each: holds it during quiet hours or a mute, paces it, delivers one job (a single
 * alert, an edit, a reply, a grouped alert or a summary) and settles the rows by the classified result.
 *
 * At-least-once: the row is marked sent only after the platform accepted the message, so a process
 * that dies in between sends that message again after the lease expires. That is the only duplicate.
 */
/** One claim's chats and when they were claimed (their leases run from then). */
interface Claim {
  readonly claims: readonly ClaimedChat[];
  readonly claimedAt: number;
}

export class OutboxWorker {
  private readonly options: OutboxWorkerOptions;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private wakeIdle: (() => void) | null = null;
  /** `wake()` came while no idle wait was running (a claim in flight may have missed the rows). */
  private woken = false;

  constructor(
    private readonly deps: OutboxWorkerDeps,
    options: Partial<OutboxWorkerOptions> = {},
  ) {
    this.options = { ...DEFAULT_WORKER_OPTIONS, ...options };
    this.sleep = deps.sleep ?? realSleep;
    this.random = deps.random ?? Math.random;
  }

  get platform(): ChatSender['platform'] {
    return this.deps.sender.platform;
  }

  /** Runs passes until `signal` aborts. Errors of a pass are logged; its leases expire and are retried. */
  async run(signal: AbortSignal): Promise<void> {
    let ahead: Promise<Claim> | null = null;
    while (!signal.aborted) {
      let claimed = 0;
      try {
        const claim = await (ahead ?? this.claim());
        ahead = null;
        claimed = claim.claims.length;
        // A full batch means a backlog (a fan-out to many chats): the next batch is claimed while
        // this one goes out, so sending never stops for a claim (a claim is a few round trips per
        // chat on PostgreSQL). Chats being delivered stay leased, so the next claim cannot take them.
        const full = claimed === this.options.batchSize;
        await this.deliverAll(claim, signal, () => {
          if (full && !signal.aborted) {
            ahead = this.claim();
            // Awaited on the next turn; this only keeps an early failure from counting as unhandled.
            ahead.catch(() => undefined);
          }
        });
      } catch (err) {
        ahead = null;
        this.deps.log.error({ err, platform: this.platform }, 'outbox pass failed');
      }
      // Boards have the lowest priority: they are posted and edited only in a pass that found no
      // alert due, so a backlog of alerts is never delayed or reordered by them.
      if (claimed === 0 && !signal.aborted) {
        await this.runBoardsOnce(signal).catch((err: unknown) => {
          this.deps.log.error({ err, platform: this.platform }, 'board pass failed');
        });
        await this.idle(signal);
      }
    }
  }

  /** New rows were queued: end the idle wait now, or skip the next one if none is running. */
  wake(): void {
    if (this.wakeIdle) this.wakeIdle();
    else this.woken = true;
  }

  /** One pass: claims due chats and delivers to them. Returns how many chats were claimed. */
  async runOnce(signal: AbortSignal = new AbortController().signal): Promise<number> {
    const claim = await this.claim();
    await this.deliverAll(claim, signal);
    return claim.claims.length;
  }

  /**
   * One pass over the platform's due live boards: each is posted (and pinned) or edited once,
   * through the same pacer as alerts but never waiting for it (a board that would wait is put back
   * until its turn). A board whose rendering did not change is settled without a call. Returns how
   * many boards were claimed.
   */
  async runBoardsOnce(signal: AbortSignal = new AbortController().signal): Promise<number> {
    const boards = this.deps.boards;
    const sender = this.deps.sender.boards;
    if (boards === undefined || sender === undefined) return 0;
    const claims = await boards.store.claimDueBoards(this.platform, this.deps.clock.now(), {
      limit: boards.batchSize ?? 10,
      leaseMs: this.options.leaseMs,
      minGapMs: boards.editGapMs ?? BOARD_EDIT_GAP_MS,
    });
    for (const claim of claims) {
      try {
        await this.board(boards, sender, claim, signal);
      } catch (err) {
        // A database error: the lease expires and the board is tried again.
        this.deps.log.error({ err, platform: this.platform, chatId: claim.chatId }, 'board failed');
      }
    }
    return claims.length;
  }

  private async board(
    boards: BoardWorkerDeps,
    sender: BoardSender,
    claim: BoardClaim,
    signal: AbortSignal,
  ): Promise<void> {
    const { store } = boards;
    const { clock, pacer, log } = this.deps;
    const chat = { platform: this.platform, chatId: claim.chatId };
    const fields = { platform: this.platform, chatId: claim.chatId, board: claim.id };
    const settings = await boards.chats.getSettings(chat);
    const m = messagesFor(settings.locale);
    let text: string;
    if (claim.status !== 'active') {
      // Replaced or stopped: its last edit says so; one never posted just goes.
      if (claim.messageId === null || claim.shown === null) {
        await store.settleBoard(claim, { kind: 'dropped' });
        return;
      }
      text = retiredBoard(claim.shown, claim.status, m);
    } else {
      const subscriptions = await boards.chats.listSubscriptions(chat);
      const entries = boardEntries(
        subscriptions.map((s) => s.serviceId),
        boards.services.services,
        await store.serviceStates(),
      );
      text = renderBoard(entries, m, settings.timeZone, sender.maxChars);
      if (claim.messageId !== null && text === claim.shown) {
        await store.settleBoard(claim, {
          kind: 'shown',
          messageId: claim.messageId,
          shown: text,
          at: clock.now(),
        });
        return;
      }
    }
    const comeBackAt = await pacer.acquire(claim.chatId, 0, signal);
    if (comeBackAt !== null || signal.aborted) {
      await store.settleBoard(claim, { kind: 'retry', at: comeBackAt ?? clock.now(), countAttempt: false });
      return;
    }
    const posting = claim.messageId === null;
    const result = await this.boardCall(
      posting
        ? (s) => sender.post(claim.chatId, claim.threadId, text, s)
        : (s) => sender.edit(claim.chatId, claim.messageId ?? '', text, s),
      signal,
    );
    const now = clock.now();
    switch (result.kind) {
      case 'sent':
        if (claim.status !== 'active') {
          await store.settleBoard(claim, { kind: 'dropped' });
          // Its last edit says it is no longer updated: it no longer stays pinned either (the new
          // board is pinned on its post). A refusal (no right to pin) changes nothing.
          const refused = await sender.unpin(claim.chatId, result.messageId, signal).catch(String);
          if (refused !== null) log.debug({ ...fields, reason: refused }, 'retired board not unpinned');
          return;
        }
        await store.settleBoard(claim, { kind: 'shown', messageId: result.messageId, shown: text, at: now });
        if (posting) {
          const refused = await sender.pin(claim.chatId, result.messageId, signal).catch(String);
          if (refused !== null) log.debug({ ...fields, reason: refused }, 'board not pinned');
        }
        return;
      case 'gone':
        log.info(fields, 'board message deleted: the board is dropped');
        await store.settleBoard(claim, { kind: 'dropped' });
        return;
      case 'rate-limited': {
        const until = now + result.retryAfterMs;
        if (result.global) pacer.pausePlatform(until);
        else pacer.pauseChat(claim.chatId, until);
        await store.settleBoard(claim, { kind: 'retry', at: until, countAttempt: false });
        return;
      }
      case 'transient': {
        if (claim.attempts + 1 >= BOARD_MAX_ATTEMPTS) {
          log.warn({ ...fields, error: result.error }, 'board failed too often: dropped');
          await store.settleBoard(claim, { kind: 'dropped' });
          return;
        }
        log.warn({ ...fields, error: result.error }, 'board not updated; retried later');
        const wait = Math.min(BOARD_RETRY_MAX_MS, BOARD_RETRY_BASE_MS * 2 ** claim.attempts);
        await store.settleBoard(claim, { kind: 'retry', at: now + wait, countAttempt: true });
        return;
      }
      case 'chat-moved':
        // A Telegram group upgraded to a supergroup: the chat's rows follow its new id, and so does
        // the board (the rewrite moves it, without a message: it is posted again there).
        log.info({ ...fields, newChatId: result.newChatId }, 'board chat moved: posted in the new chat');
        await this.deps.subscriptions.rewriteChatId(this.platform, claim.chatId, result.newChatId);
        await store.settleBoard(claim, { kind: 'retry', at: now, countAttempt: false });
        return;
      default:
        // The chat is unreachable or refused the message: the alerts' own delivery handles the
        // chat; the board is dropped (a new `/board` posts another).
        log.warn({ ...fields, result: result.kind }, 'board cannot be delivered: dropped');
        await store.settleBoard(claim, { kind: 'dropped' });
        return;
    }
  }

  private async boardCall(
    call: (signal: AbortSignal) => Promise<BoardResult>,
    signal: AbortSignal,
  ): Promise<BoardResult> {
    try {
      return await call(AbortSignal.any([signal, AbortSignal.timeout(this.options.deliveryTimeoutMs)]));
    } catch (err) {
      this.deps.log.error({ err, platform: this.platform }, 'board sender threw');
      return { kind: 'transient', error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async claim(): Promise<Claim> {
    // Rows queued from here on are this claim's to find: an earlier wake-up is used up.
    this.woken = false;
    const claimedAt = this.deps.clock.now();
    const claims = await this.deps.store.claimDue(this.platform, claimedAt, {
      limit: this.options.batchSize,
      leaseMs: this.options.leaseMs,
    });
    return { claims, claimedAt };
  }

  /** Delivers the claimed chats, `concurrency` at a time; `started` runs as the first one is taken up. */
  private async deliverAll(
    { claims, claimedAt }: Claim,
    signal: AbortSignal,
    started?: () => void,
  ): Promise<void> {
    let next = 0;
    const runner = async (): Promise<void> => {
      for (let claim = claims[next++]; claim; claim = claims[next++]) {
        if (next === 1) started?.();
        try {
          await this.process(claim, claimedAt, signal);
        } catch (err) {
          // A bug or a database error: the lease expires and the rows are tried again.
          this.deps.log.error({ err, platform: this.platform, chatId: claim.chat.chatId }, 'delivery failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, claims.length) }, runner));
  }

  private async process(claim: ClaimedChat, claimedAt: number, signal: AbortSignal): Promise<void> {
    const { store, pacer, clock } = this.deps;
    const hold = holdUntil(claim.chat.settings, clock.now());
    if (hold !== null) {
      await store.settle(claim, { kind: 'hold', until: hold });
      return;
    }
    const job =
      claim.reminder === undefined
        ? await this.withNotes(planDelivery(claim))
        : planDelivery(claim, clock.now());
    const comeBackAt = await pacer.acquire(job.chatId, this.options.maxPacingWaitMs, signal);
    const now = clock.now();
    // Too little lease left to finish safely (a long queue in this pass): give the rows back.
    const leaseLeft = claimedAt + this.options.leaseMs - now;
    if (comeBackAt !== null || signal.aborted || leaseLeft < this.options.deliveryTimeoutMs) {
      await store.settle(claim, { kind: 'retry', at: comeBackAt ?? now, error: null, countAttempt: false });
      return;
    }
    const result = await this.deliver(job, signal);
    await this.settle(claim, job, result);
  }

  /** The job with its incidents' latest notes; without them when the notes cannot be read. */
  private async withNotes(job: DeliveryJob): Promise<DeliveryJob> {
    const notes = this.deps.notes;
    if (notes === undefined || job.events.every((e) => e.kind === 'resolved')) return job;
    try {
      const found = await notes.notesOf([...new Set(job.events.map((e) => e.incidentId))]);
      return found.length === 0 ? job : { ...job, events: withLatestNotes(job.events, found) };
    } catch (err) {
      this.deps.log.warn(
        { err, platform: this.platform },
        'incident notes not read; the alert goes out without them',
      );
      return job;
    }
  }

  private async deliver(job: DeliveryJob, signal: AbortSignal): Promise<DeliveryResult> {
    try {
      const timeout = AbortSignal.timeout(this.options.deliveryTimeoutMs);
      return await this.deps.sender.deliver(job, AbortSignal.any([signal, timeout]));
    } catch (err) {
      // Senders classify their failures; a throw is a bug there, retried like a transient failure.
      this.deps.log.error({ err, platform: this.platform, chatId: job.chatId }, 'sender threw');
      return { kind: 'transient', error: err instanceof Error ? err.message : String(err) };
    }
  }

  private async settle(claim: ClaimedChat, job: DeliveryJob, result: DeliveryResult): Promise<void> {
    const { store, subscriptions, pacer, clock, log } = this.deps;
    const now = clock.now();
    const chat = { platform: this.platform, chatId: claim.chat.chatId };
    const fields = { platform: this.platform, chatId: chat.chatId, rows: claim.items.map((i) => i.id) };
    this.deps.onResult?.(result);
    switch (result.kind) {
      case 'sent':
        if (
          !(await store.settle(
            claim,
            sentSettlement(job, result.messageId, now, result.alertThreadId, result.alertThread),
          ))
        )
          log.warn(fields, 'delivered, but the lease was lost: another worker may deliver it again');
        if (result.threadGone === true && job.threadId !== undefined) {
          const moved = await subscriptions.forgetThread(chat, job.threadId);
          log.warn(
            { ...fields, threadId: job.threadId, subscriptionsMoved: moved },
            'forum topic gone: delivered in General, and its alerts go there from now on',
          );
        }
        return;
      case 'transient': {
        const attempts = Math.max(...claim.items.map((i) => i.attempts)) + 1;
        const createdAt = Math.min(...claim.items.map((i) => i.createdAt));
        const decision = decideRetry({ attempts, createdAt, now, random: this.random }, this.options.retry);
        log.warn({ ...fields, attempts, error: result.error }, 'delivery failed');
        await store.settle(
          claim,
          decision.kind === 'retry'
            ? { kind: 'retry', at: decision.at, error: result.error, countAttempt: true }
            : { kind: 'dead', at: now, error: `${result.error} (gave up: ${decision.why})` },
        );
        return;
      }
      case 'rate-limited': {
        const until = now + result.retryAfterMs;
        if (result.global) pacer.pausePlatform(until);
        else pacer.pauseChat(chat.chatId, until);
        log.warn(
          { ...fields, retryAfterMs: result.retryAfterMs, global: result.global ?? false },
          'rate limited',
        );
        await store.settle(claim, { kind: 'retry', at: until, error: null, countAttempt: false });
        return;
      }
      case 'chat-moved':
        log.info({ ...fields, newChatId: result.newChatId }, 'chat moved');
        await subscriptions.rewriteChatId(this.platform, chat.chatId, result.newChatId);
        await store.settle(claim, { kind: 'retry', at: now, error: null, countAttempt: false });
        return;
      case 'permanent':
        log.warn({ ...fields, reason: result.reason }, 'chat unreachable: deactivating it');
        await store.settle(claim, { kind: 'dead', at: now, error: result.reason });
        await subscriptions.deactivateChat(chat, result.reason, now);
        return;
      case 'rejected':
        log.warn({ ...fields, reason: result.reason }, 'delivery refused: the rows are dead, the chat stays');
        await store.settle(claim, { kind: 'dead', at: now, error: result.reason });
        return;
    }
  }

  private async idle(signal: AbortSignal): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const wake = new AbortController();
    this.wakeIdle = () => wake.abort();
    await this.sleep(this.options.idlePollMs, AbortSignal.any([signal, wake.signal]));
    this.wakeIdle = null;
  }
}
