import { TokenBucket, type Rate } from '../delivery/token-bucket.js';
import type { CommandRequest } from './command-request.js';

/** Idle buckets are forgotten this often, so one-off users do not pile up in memory. */
const SWEEP_EVERY_CHECKS = 1000;

/**
 * Per-user and per-chat command budgets (token buckets on the caller's clock). A command is
 * allowed when both have a token; then both spend one. A refused command spends nothing, so
 * someone hammering a command is let through again as soon as the budget refills.
 */
export class CommandRateLimiter {
  private readonly users = new Map<string, TokenBucket>();
  private readonly chats = new Map<string, TokenBucket>();
  private checks = 0;

  constructor(
    private readonly userRate: Rate,
    private readonly chatRate: Rate,
  ) {}

  /** 0 when the command may run (and its tokens are spent), else milliseconds to wait. */
  check(request: CommandRequest, now: number): number {
    if (++this.checks % SWEEP_EVERY_CHECKS === 0) this.sweep(now);
    const platform = request.chat.platform;
    const user = bucket(this.users, `${platform}:${request.user.id}`, this.userRate, now);
    const chat = bucket(this.chats, `${platform}:${request.chat.chatId}`, this.chatRate, now);
    const wait = Math.max(user.delay(now), chat.delay(now));
    if (wait > 0) return wait;
    user.take(now);
    chat.take(now);
    return 0;
  }

  private sweep(now: number): void {
    for (const map of [this.users, this.chats])
      for (const [key, b] of map) if (b.isIdle(now)) map.delete(key);
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
