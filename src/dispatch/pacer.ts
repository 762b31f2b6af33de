import { setTimeout as delay } from 'node:timers/promises';
import { SlidingWindow } from '../core/delivery/sliding-window.js';
import { type Rate, TokenBucket } from '../core/delivery/token-bucket.js';
import type { Clock } from '../core/model.js';

/** Waits `ms` (or until `signal` aborts, which resolves rather than throws). Injected so tests run on a fake clock. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);

/** A platform's send rates: one for the whole bot, one per chat (groups and private chats differ). */
export interface PacingPolicy {
  readonly global: Rate | null;
  readonly privateChat: Rate | null;
  readonly groupChat: Rate | null;
  readonly isGroupChat: (chatId: string) => boolean;
}

/** No pacing at all (each platform's own policy is in its folder, e.g. src/platforms/telegram/). */
export const UNPACED: PacingPolicy = {
  global: null,
  privateChat: null,
  groupChat: null,
  isGroupChat: () => false,
};

/** Idle per-chat buckets are forgotten once this many are tracked (100,000 chats must not mean 100,000 buckets). */
const PRUNE_AT_CHATS = 10_000;

/**
 * Paces one platform's sends: a global token bucket (which spreads sends evenly), a sliding window
 * per chat (a chat's limit is "N in any minute", and a bucket would let 2N into one after a burst),
 * and pauses from `retry_after` (a chat's, or the platform's when the limit was global). Time comes
 * from the Clock, waiting from the injected Sleep.
 */
export class Pacer {
  private readonly global: TokenBucket | null;
  private readonly chats = new Map<string, SlidingWindow>();
  private readonly chatPauses = new Map<string, number>();
  private platformPausedUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly policy: PacingPolicy,
    private readonly clock: Clock,
    private readonly sleep: Sleep = realSleep,
    /**
     * `since`: the global bucket starts full at that time rather than now, so that `recordSent` can replay
     * the sends made since (a new leader of the platform among several instances replays the
     * previous leader's, read from the outbox, before it sends).
     */
    private readonly options: { readonly since?: number } = {},
  ) {
    this.global = policy.global
      ? new TokenBucket(policy.global, Math.min(clock.now(), options.since ?? clock.now()))
      : null;
  }

  /** Counts a send made at `at` (oldest first): its tokens are spent as if this pacer had made it. */
  recordSent(chatId: string, at: number): void {
    this.global?.take(at);
    this.chatBucket(chatId, at)?.take(at);
  }

  /** Milliseconds until a message to the chat may go; 0 = now. */
  delay(chatId: string, now = this.clock.now()): number {
    return Math.max(
      0,
      this.platformPausedUntil - now,
      (this.chatPauses.get(chatId) ?? now) - now,
      this.global?.delay(now) ?? 0,
      this.chatBucket(chatId, now)?.delay(now) ?? 0,
    );
  }

  /**
   * Waits until the chat may be sent to and spends the tokens: resolves null. When the wait would
   * exceed `maxWaitMs` it spends nothing and resolves the time to come back instead (the caller puts
   * the row back rather than sitting on its lease).
   */
  async acquire(chatId: string, maxWaitMs: number, signal?: AbortSignal): Promise<number | null> {
    for (;;) {
      const now = this.clock.now();
      const wait = this.delay(chatId, now);
      if (wait === 0) {
        this.global?.take(now);
        this.chatBucket(chatId, now)?.take(now);
        return null;
      }
      if (wait > maxWaitMs || signal?.aborted) return now + wait;
      await this.sleep(wait, signal);
    }
  }

  pauseChat(chatId: string, until: number): void {
    if (this.chatPauses.size >= PRUNE_AT_CHATS) this.prune(this.clock.now());
    this.chatPauses.set(chatId, Math.max(until, this.chatPauses.get(chatId) ?? until));
  }

  pausePlatform(until: number): void {
    this.platformPausedUntil = Math.max(this.platformPausedUntil, until);
  }

  private chatBucket(chatId: string, now: number): SlidingWindow | null {
    const rate = this.policy.isGroupChat(chatId) ? this.policy.groupChat : this.policy.privateChat;
    if (!rate) return null;
    let bucket = this.chats.get(chatId);
    if (!bucket) {
      if (this.chats.size >= PRUNE_AT_CHATS) this.prune(now);
      bucket = new SlidingWindow(rate);
      this.chats.set(chatId, bucket);
    }
    return bucket;
  }

  private prune(now: number): void {
    for (const [id, bucket] of this.chats) if (bucket.isIdle(now)) this.chats.delete(id);
    for (const [id, until] of this.chatPauses) if (until <= now) this.chatPauses.delete(id);
  }
}
