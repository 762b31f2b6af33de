/**
 * Per-route buckets, the global limit and forced 429 "storms", answering with the headers
 * @discordjs/rest reads (https://discord.com/developers/docs/topics/rate-limits, docs/platforms.md §1.1).
 * Time comes from the caller, so this module has no timers.
 *
 * One deviation: Discord sends `Retry-After` in whole seconds; the fake sends decimals (as it does
 * in `X-RateLimit-Reset-After`) so that tests can use windows of a few hundred milliseconds.
 */
import { createHash } from 'node:crypto';

/** At most `limit` requests per fixed window of `windowMs`, opened by the first request. */
export interface BucketLimit {
  limit: number;
  windowMs: number;
}

/** Limits the fake enforces; `false` turns one off. */
export interface RateLimitOptions {
  /** `POST /channels/{id}/messages` per channel. Undocumented; commonly 5 per 5 s. */
  channelMessages?: BucketLimit | false;
  /** Every other authenticated route, per route and top-level resource. */
  otherRoutes?: BucketLimit | false;
  /** Requests per second per bot token, interaction endpoints exempt. Discord: 50. */
  globalPerSecond?: number | false;
}

export const DEFAULT_RATE_LIMITS: Required<RateLimitOptions> = {
  channelMessages: { limit: 5, windowMs: 5_000 },
  otherRoutes: { limit: 50, windowMs: 1_000 },
  globalPerSecond: 50,
};

/** Forces the next `requests` matching requests to fail with 429. */
export interface StormOptions {
  requests: number;
  /** `retry_after` of each 429; default 100 ms. */
  retryAfterMs?: number;
  /** Answer as the global limit (`X-RateLimit-Global: true`, scope `global`). */
  global?: boolean;
  /** Which requests it hits; default every request that is not an interaction callback. */
  match?: (request: { method: string; path: string }) => boolean;
}

/** How the router classifies a request for limiting. */
export interface LimitedRequest {
  method: string;
  path: string;
  /** Route pattern, e.g. `POST /channels/:channelId/messages`. */
  route: string;
  /** The top-level resource id (channel, guild, webhook) the bucket is kept per. */
  majorParameter: string;
  kind: 'channel-messages' | 'other' | 'interaction';
}

export type RateDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; headers: Record<string, string>; body: Record<string, unknown> };

const MS_PER_S = 1_000;
const GLOBAL_WINDOW_MS = 1_000;
const DEFAULT_STORM_RETRY_MS = 100;

const seconds = (ms: number): string => (ms / MS_PER_S).toFixed(3);

function tooMany(retryMs: number, global: boolean, headers: Record<string, string>): RateDecision {
  return {
    allowed: false,
    headers: {
      ...headers,
      'retry-after': seconds(retryMs),
      'x-ratelimit-scope': global ? 'global' : 'user',
      ...(global ? { 'x-ratelimit-global': 'true' } : {}),
    },
    body: { message: 'You are being rate limited.', retry_after: Number(seconds(retryMs)), global },
  };
}

/** All rate-limit state of one fake. */
export class RateLimiter {
  /** 429 answers returned so far. */
  tooManyRequests = 0;
  private readonly buckets = new Map<string, { resetAtMs: number; remaining: number }>();
  private globalLog: number[] = [];
  private readonly storms: (Required<Omit<StormOptions, 'match'>> & {
    match: StormOptions['match'] | undefined;
  })[] = [];
  private readonly limits: Required<RateLimitOptions>;

  constructor(options: RateLimitOptions = {}) {
    this.limits = { ...DEFAULT_RATE_LIMITS, ...options };
  }

  /** Queues a storm; storms are used up in the order they were added. */
  addStorm(storm: StormOptions): void {
    this.storms.push({
      requests: storm.requests,
      retryAfterMs: storm.retryAfterMs ?? DEFAULT_STORM_RETRY_MS,
      global: storm.global ?? false,
      match: storm.match,
    });
  }

  /** Decides one request and counts it; returns the headers to send either way. */
  check(req: LimitedRequest, nowMs: number): RateDecision {
    const decision = this.decide(req, nowMs);
    if (!decision.allowed) this.tooManyRequests += 1;
    return decision;
  }

  private decide(req: LimitedRequest, nowMs: number): RateDecision {
    const stormed = this.takeStorm(req);
    const bucketLimit =
      req.kind === 'channel-messages'
        ? this.limits.channelMessages
        : req.kind === 'other'
          ? this.limits.otherRoutes
          : false;
    const hash = createHash('sha1').update(req.route).digest('hex').slice(0, 32);
    if (stormed !== undefined) {
      const headers = stormed.global
        ? {}
        : this.bucketHeaders(
            hash,
            bucketLimit === false ? 1 : bucketLimit.limit,
            0,
            nowMs + stormed.retryAfterMs,
            nowMs,
          );
      return tooMany(stormed.retryAfterMs, stormed.global, headers);
    }
    if (req.kind !== 'interaction') {
      const globalWait = this.globalWaitMs(nowMs);
      if (globalWait > 0) return tooMany(globalWait, true, {});
      this.globalLog.push(nowMs);
    }
    if (bucketLimit === false) return { allowed: true, headers: {} };
    const key = `${hash}:${req.majorParameter}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined || bucket.resetAtMs <= nowMs) {
      bucket = { resetAtMs: nowMs + bucketLimit.windowMs, remaining: bucketLimit.limit };
      this.buckets.set(key, bucket);
    }
    if (bucket.remaining <= 0) {
      return tooMany(
        bucket.resetAtMs - nowMs,
        false,
        this.bucketHeaders(hash, bucketLimit.limit, 0, bucket.resetAtMs, nowMs),
      );
    }
    bucket.remaining -= 1;
    return {
      allowed: true,
      headers: this.bucketHeaders(hash, bucketLimit.limit, bucket.remaining, bucket.resetAtMs, nowMs),
    };
  }

  private takeStorm(req: LimitedRequest): { retryAfterMs: number; global: boolean } | undefined {
    const index = this.storms.findIndex((s) =>
      s.match === undefined ? req.kind !== 'interaction' : s.match(req),
    );
    const storm = this.storms[index];
    if (storm === undefined) return undefined;
    storm.requests -= 1;
    if (storm.requests <= 0) this.storms.splice(index, 1);
    return storm;
  }

  /** Sliding one-second window per token; 0 when the request may go. */
  private globalWaitMs(nowMs: number): number {
    const limit = this.limits.globalPerSecond;
    if (limit === false) return 0;
    this.globalLog = this.globalLog.filter((t) => t > nowMs - GLOBAL_WINDOW_MS);
    const oldest = this.globalLog[this.globalLog.length - limit];
    return this.globalLog.length >= limit && oldest !== undefined ? oldest + GLOBAL_WINDOW_MS - nowMs : 0;
  }

  private bucketHeaders(
    hash: string,
    limit: number,
    remaining: number,
    resetAtMs: number,
    nowMs: number,
  ): Record<string, string> {
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': seconds(resetAtMs),
      'x-ratelimit-reset-after': seconds(resetAtMs - nowMs),
      'x-ratelimit-bucket': hash,
    };
  }
}
