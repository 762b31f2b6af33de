import { TokenBucket, type Rate } from '../delivery/token-bucket.js';
import type { CommandRequest } from './command-request.js';

/** Idle buckets are forgotten this often, so one-off users do not pile up in memory. */
const SWEEP_EVERY_CHECKS = 1000;

/** A command may run, or must wait; `repeated` when this user was already told to wait in this chat. */
export type RateDecision =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'refused'; readonly retryAfterMs: number; readonly repeated: boolean };

/**
 * Per-user and per-chat command budgets (token buckets on the caller's clock). A command is
 * allowed when both have a token; then both spend one. A refused command spends nothing, so
 * someone hammering a command is let through again as soon as the budget refills.
 */
export class CommandRateLimiter {
  private readonly users = new Map<string, TokenBucket>();
  private readonly chats = new Map<string, TokenBucket>();
  /** Until when a user in a chat has been told to wait, so the refusal is not repeated in the chat. */
  private readonly told = new Map<string, number>();
  private checks = 0;

  constructor(
    private readonly userRate: Rate,
    private readonly chatRate: Rate,
  ) {}

  /** Spends the tokens of an allowed command. */
  check(request: CommandRequest, now: number): RateDecision {
    if (++this.checks % SWEEP_EVERY_CHECKS === 0) this.sweep(now);
    const platform = request.chat.platform;
    const userKey = `${platform}:${request.user.id}`;
    const chatKey = `${platform}:${request.chat.chatId}`;
    const user = bucket(this.users, userKey, this.userRate, now);
    const chat = bucket(this.chats, chatKey, this.chatRate, now);
    const wait = Math.max(user.delay(now), chat.delay(now));
    if (wait === 0) {
      user.take(now);
      chat.take(now);
      return { kind: 'allowed' };
    }
    const toldKey = `${userKey}|${request.chat.chatId}`;
    const repeated = (this.told.get(toldKey) ?? Number.NEGATIVE_INFINITY) > now;
    if (!repeated) this.told.set(toldKey, now + wait);
    return { kind: 'refused', retryAfterMs: wait, repeated };
  }

  private sweep(now: number): void {
    for (const map of [this.users, this.chats])
      for (const [key, b] of map) if (b.isIdle(now)) map.delete(key);
    for (const [key, until] of this.told) if (until <= now) this.told.delete(key);
  }
}

function bucket(map: Map<string, TokenBucket>, key: string, rate: Rate, now: number): TokenBucket {
  let b = map.get(key);
  if (b === undefined) {
    b = new TokenBucket(rate, now);
    map.set(key, b);
  }
  return b;
}
