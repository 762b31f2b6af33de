/**
 * Gateway shards as the Discord adapter runs them (docs/cluster.md, "Discord: shards"): one
 * discord.js Client per shard, all on one shared REST client, so a shard can be added or dropped
 * without touching the others.
 */
import { once } from 'node:events';
import {
  Client,
  type CloseEvent,
  DiscordjsErrorCodes,
  Events,
  GatewayCloseCodes,
  GatewayIntentBits,
  type IIdentifyThrottler,
  type REST,
  SimpleIdentifyThrottler,
} from 'discord.js';
import type { ShardAssignment } from '../platform.js';

/** What one shard's connection failed on, in words for the operator. */
export class ShardConnectError extends Error {
  constructor(
    readonly shardId: number,
    message: string,
    options?: { cause?: unknown; closeCode?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.closeCode = options?.closeCode;
    this.name = 'ShardConnectError';
  }

  /** The gateway close code Discord ended the session with, when it did. */
  readonly closeCode: number | undefined;
}

/**
 * Why an assignment cannot be run, or null when it can: `shardCount` an integer ≥ 1, every shard an
 * integer in `0 … shardCount - 1`, none twice. Discord would close such a session with 4010.
 */
export function shardAssignmentProblem({ shards, shardCount }: ShardAssignment): string | null {
  if (!Number.isSafeInteger(shardCount) || shardCount < 1)
    return `shard count must be an integer of at least 1, got ${String(shardCount)}`;
  const bad = shards.filter((id) => !Number.isSafeInteger(id) || id < 0 || id >= shardCount);
  if (bad.length > 0)
    return `shard ids must be integers from 0 to ${shardCount - 1} (shard count ${shardCount}), got ${bad.join(', ')}`;
  if (new Set(shards).size !== shards.length) return `shard ids must not repeat, got ${shards.join(', ')}`;
  return null;
}

/**
 * The shared REST client as a shard's Client sees it. Client.login sets the token and
 * Client.destroy clears it and stops the REST sweepers; the shared client outlives every shard
 * (alerts and command registration use it with no shard at all), so those three calls do nothing
 * here. Everything else reaches the shared client itself, bound to it (it keeps its state in
 * private fields, which a proxy as `this` could not read).
 */
function shardView(rest: REST): REST {
  const ignored = new Set<PropertyKey>(['setToken', 'clearHashSweeper', 'clearHandlerSweeper']);
  return new Proxy(rest, {
    get(target, property) {
      if (ignored.has(property)) return () => target;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * One identify throttle for every shard Client of the process: Discord lets a bot identify
 * `max_concurrency` shards (those with different `id % max_concurrency`) per 5 s. discord.js's own
 * throttle is per Client, so separate Clients would identify at once without it.
 */
export class SharedIdentifyThrottle {
  private throttler: Promise<IIdentifyThrottler> | undefined;

  constructor(private readonly maxConcurrency: () => Promise<number>) {}

  get(): Promise<IIdentifyThrottler> {
    if (this.throttler === undefined) {
      const throttler = this.maxConcurrency().then((n) => new SimpleIdentifyThrottler(n));
      this.throttler = throttler;
      // A failed look-up is not kept: the next shard asks again.
      throttler.catch(() => {
        if (this.throttler === throttler) this.throttler = undefined;
      });
    }
    return this.throttler;
  }
}

/** A discord.js Client that runs exactly shard `shardId` of `shardCount` over the shared REST client. */
export function createShardClient(
  rest: REST,
  throttle: SharedIdentifyThrottle,
  shardId: number,
  shardCount: number,
): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    shards: [shardId],
    shardCount,
    ws: { buildIdentifyThrottler: () => throttle.get() },
  });
  // The Client's own REST client is never used: stop its sweeper timers, then swap in the shared one.
  client.rest.clearHashSweeper();
  client.rest.clearHandlerSweeper();
  client.rest = shardView(rest);
  return client;
}

/**
 * Logs the shard's Client in and waits for its READY and guilds. Rejects with a
 * {@link ShardConnectError} saying what to fix when Discord closes the session for good (bad token,
 * invalid shard, sharding required, intents) or `signal` aborts first.
 */
export async function connectShard(
  client: Client,
  token: string,
  shardId: number,
  shardCount: number,
  signal: AbortSignal,
): Promise<void> {
  const stop = new AbortController();
  const abort = () => stop.abort();
  signal.addEventListener('abort', abort, { once: true });
  try {
    const ready = once(client, Events.ClientReady, { signal: stop.signal });
    const closed = once(client, Events.ShardDisconnect, { signal: stop.signal }).then(
      ([event]: unknown[]) => {
        const { code } = event as CloseEvent;
        throw new ShardConnectError(shardId, closeMessage(code, shardId, shardCount), { closeCode: code });
      },
    );
    ready.catch(() => undefined);
    closed.catch(() => undefined);
    // login resolves once the gateway connection is started; a session closed for good may come first.
    const login = client.login(token).then(() => ready);
    login.catch(() => undefined);
    await Promise.race([login, closed]);
  } catch (err) {
    if (err instanceof ShardConnectError) throw err;
    if (signal.aborted)
      throw new ShardConnectError(shardId, `shard ${shardId} of ${shardCount} did not get ready in time`, {
        cause: err,
      });
    if ((err as { code?: unknown }).code === DiscordjsErrorCodes.TokenInvalid)
      throw new ShardConnectError(
        shardId,
        closeMessage(GatewayCloseCodes.AuthenticationFailed, shardId, shardCount),
        { cause: err, closeCode: GatewayCloseCodes.AuthenticationFailed },
      );
    throw new ShardConnectError(
      shardId,
      `shard ${shardId} of ${shardCount} could not connect: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    signal.removeEventListener('abort', abort);
    stop.abort();
  }
}

/** The operator's words for a close code after which discord.js does not reconnect. */
function closeMessage(code: number, shardId: number, shardCount: number): string {
  const shard = `shard ${shardId} of ${shardCount}`;
  switch (code) {
    case GatewayCloseCodes.AuthenticationFailed:
      return `Discord rejected DISCORD_TOKEN on the gateway (${shard}, close 4004)`;
    case GatewayCloseCodes.InvalidShard:
      return `Discord refused ${shard} (close 4010 Invalid shard): the shard id must be below the shard count`;
    case GatewayCloseCodes.ShardingRequired:
      return (
        `Discord requires more shards: ${shard} would hold too many servers (close 4011 Sharding required); ` +
        'run the shard count GET /gateway/bot recommends'
      );
    case GatewayCloseCodes.DisallowedIntents:
    case GatewayCloseCodes.InvalidIntents:
      return `Discord refused the gateway intents for ${shard} (close ${code})`;
    default:
      return `Discord closed ${shard} for good (close ${code})`;
  }
}
