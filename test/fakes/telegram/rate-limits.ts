/**
 * Flood limits of the fake: sliding windows per chat and globally, plus a forced "storm" of 429s.
 * Telegram publishes only approximate figures (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this,
 * docs/platforms.md §1.2) and adapts them at run time, so every window is configurable; the defaults
 * are the published ones. Time is passed in by the caller (the server uses real time), which keeps
 * this module pure.
 */
import type { ChatType } from './bot-api-types.js';

/** At most `max` sends in any `windowMs` milliseconds. */
export interface WindowLimit {
  max: number;
  windowMs: number;
}

/** The three windows a send must pass. */
export interface RateLimitConfig {
  /** All chats together. */
  global: WindowLimit;
  /** One private chat. */
  privateChat: WindowLimit;
  /** One group, supergroup or channel. */
  groupChat: WindowLimit;
}

/** Published figures: ~30 msg/s overall, 1 msg/s per private chat, 20 msg/min per group. */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  global: { max: 30, windowMs: 1_000 },
  privateChat: { max: 1, windowMs: 1_000 },
  groupChat: { max: 20, windowMs: 60_000 },
};

/** Methods that count as a sent message for the windows above. */
export const RATE_LIMITED_METHODS: ReadonlySet<string> = new Set(['sendmessage', 'sendphoto']);

const MS_PER_S = 1_000;

/** Sliding-window log: exact, and small enough for test traffic. */
export class SendThrottle {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly config: RateLimitConfig | false) {}

  /** Seconds to wait (integer ≥ 1, like `retry_after`) if one more send would break a window. */
  retryAfterS(chatId: number, chatType: ChatType, nowMs: number): number | undefined {
    if (this.config === false) return undefined;
    const waits = this.windowsFor(chatId, chatType).map(([key, limit]) => {
      const recent = this.recent(key, limit, nowMs);
      const oldest = recent[recent.length - limit.max];
      if (recent.length < limit.max || oldest === undefined) return 0;
      return oldest + limit.windowMs - nowMs;
    });
    const waitMs = Math.max(0, ...waits);
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / MS_PER_S)) : undefined;
  }

  /** Counts a send that went through. */
  record(chatId: number, chatType: ChatType, nowMs: number): void {
    if (this.config === false) return;
    for (const [key, limit] of this.windowsFor(chatId, chatType)) {
      const recent = this.recent(key, limit, nowMs);
      recent.push(nowMs);
      this.hits.set(key, recent);
    }
  }

  private windowsFor(chatId: number, chatType: ChatType): Array<[string, WindowLimit]> {
    if (this.config === false) return [];
    const perChat = chatType === 'private' ? this.config.privateChat : this.config.groupChat;
    return [
      ['global', this.config.global],
      [`chat:${chatId}`, perChat],
    ];
  }

  private recent(key: string, limit: WindowLimit, nowMs: number): number[] {
    const kept = (this.hits.get(key) ?? []).filter((at) => at > nowMs - limit.windowMs);
    this.hits.set(key, kept);
    return kept;
  }
}

/** A forced run of 429s, for testing back-off without sending hundreds of messages. */
export interface StormSpec {
  /** `retry_after` to answer, in whole seconds. */
  retryAfterS: number;
  /** Stop after this many 429s. */
  calls?: number;
  /** Stop this many milliseconds after the storm starts. */
  durationMs?: number;
  /** Case-insensitive method names hit by the storm; default every method but getUpdates. */
  methods?: readonly string[];
}

/** Tracks the current storm; without `calls` or `durationMs` it lasts until {@link Storm.stop}. */
export class Storm {
  private active: { spec: StormSpec; remaining: number; untilMs: number } | undefined;

  start(spec: StormSpec, nowMs: number): void {
    if (!Number.isInteger(spec.retryAfterS) || spec.retryAfterS < 1) {
      throw new Error('retryAfterS must be a positive integer, as Telegram sends it');
    }
    this.active = {
      spec,
      remaining: spec.calls ?? Number.POSITIVE_INFINITY,
      untilMs: spec.durationMs === undefined ? Number.POSITIVE_INFINITY : nowMs + spec.durationMs,
    };
  }

  stop(): void {
    this.active = undefined;
  }

  /** `retry_after` to answer this call with, or undefined when the call goes through. */
  take(method: string, nowMs: number): number | undefined {
    const storm = this.active;
    if (storm === undefined) return undefined;
    if (storm.remaining <= 0 || nowMs >= storm.untilMs) {
      this.active = undefined;
      return undefined;
    }
    const lower = method.toLowerCase();
    const hit =
      storm.spec.methods === undefined
        ? lower !== 'getupdates'
        : storm.spec.methods.some((m) => m.toLowerCase() === lower);
    if (!hit) return undefined;
    storm.remaining -= 1;
    return storm.spec.retryAfterS;
  }
}
