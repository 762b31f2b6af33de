/**
 * Kept-alive connections for HTTP monitors with `reuse: true`: one undici Agent per key (origin,
 * certificate options, timeout), shared by every such monitor on that origin. The probe's default
 * stays a fresh connection per check; this pool is only for operators who trade the per-check
 * DNS + TCP + TLS measurement for cheap frequent checks.
 *
 * Bounded: a few connections per origin, idle sockets closed after `keepAliveMs` (or sooner when
 * the server says so), at most `maxOrigins` agents (least recently used closed first), and an
 * agent no check has used for `idleEntryMs` is closed: a monitor removed or changed (its options
 * are a new object with a new key, or gone) stops using its entry, which then ages out.
 *
 * Re-established on any connection fault: a check that got no answer (timeout, reset, refused, TLS
 * error, protocol error) detaches its agent, so the next check on that origin starts a new one.
 * An answer that fails the monitor (a 5xx, a missing keyword) is not a fault: the connection
 * carried it fine.
 */
import type { LookupFunction } from 'node:net';
import { Agent, errors } from 'undici';
import type { HttpOptions } from './http-options.js';

export interface ReusePoolLimits {
  /** Connections per origin: checks of several monitors on one origin may overlap. */
  readonly connectionsPerOrigin: number;
  /** Idle time after which undici closes a kept-alive socket (the server's own hint wins when shorter). */
  readonly keepAliveMs: number;
  /** Agents kept at most; past it the least recently used one is closed. */
  readonly maxOrigins: number;
  /** An agent no check has used for this long is closed. */
  readonly idleEntryMs: number;
}

export const DEFAULT_REUSE_LIMITS: ReusePoolLimits = {
  connectionsPerOrigin: 4,
  keepAliveMs: 60_000,
  maxOrigins: 256,
  idleEntryMs: 10 * 60_000,
};

/** Sweeps for idle agents at most this often (a sweep walks the whole map). */
const SWEEP_EVERY_MS = 30_000;

/** One pooled agent and how many checks are using it right now. */
export interface PoolEntry {
  readonly key: string;
  /** The origin its agent is for: a redirect elsewhere uses a fresh connection of its own. */
  readonly origin: string;
  readonly agent: Agent;
  inFlight: number;
  lastUsedAt: number;
  /** Detached from the pool (fault, eviction, idle): closed once its last check is over. */
  detached: boolean;
}

/** Agents are destroyed with a prepared error (see RUN_OVER in http-probe.ts: a fresh one costs a stack). */
const POOL_FAULT = new errors.ClientDestroyedError();

/** The pool key of a monitor's options, cached per options object (options are parsed once, never mutated). */
interface PoolKey {
  readonly timeoutMs: number;
  readonly origin: string;
  readonly key: string;
}
const keyCache = new WeakMap<HttpOptions, PoolKey>();

function poolKey(options: HttpOptions, timeoutMs: number): PoolKey {
  const cached = keyCache.get(options);
  if (cached !== undefined && cached.timeoutMs === timeoutMs) return cached;
  const origin = new URL(options.url).origin;
  // The CA's PEM text is part of the key: two monitors trusting different CAs never share a socket.
  const key = `${origin}\n${options.insecure ? 'insecure' : 'verify'}\n${timeoutMs}\n${options.ca ?? ''}`;
  const made = { timeoutMs, origin, key };
  keyCache.set(options, made);
  return made;
}

export class ReusePool {
  private readonly entries = new Map<string, PoolEntry>();
  private lastSweepAt = 0;

  /** `lookup`: the probe's resolver (tests inject one); every agent of this pool connects through it. */
  constructor(
    private readonly lookup: LookupFunction | undefined,
    private readonly limits: ReusePoolLimits = DEFAULT_REUSE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Number of pooled agents (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** The shared agent for the first hop of a check of `options` (its URL's origin), made when missing. */
  acquire(options: HttpOptions, timeoutMs: number): PoolEntry {
    const now = this.now();
    if (now - this.lastSweepAt >= SWEEP_EVERY_MS) this.sweep(now);
    const { key, origin } = poolKey(options, timeoutMs);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const agent = this.createAgent(options, timeoutMs);
      entry = { key, origin, agent, inFlight: 0, lastUsedAt: now, detached: false };
      this.entries.set(key, entry);
      if (this.entries.size > this.limits.maxOrigins) this.evictOldest();
    } else {
      // Most recently used last: the Map's first entry is the one to evict.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    entry.inFlight += 1;
    entry.lastUsedAt = now;
    return entry;
  }

  /**
   * The check on `entry` is over. `fault`: it got no answer (timeout, reset, TLS or protocol
   * error): the agent leaves the pool so the next check connects anew, and is destroyed at once
   * when no other check is on it (a stalled socket must not wait for undici's own timers), else
   * closed gracefully so the other monitors' checks on it still finish (a stalled request is
   * then ended by its headers/body timeout, which is the check's timeout).
   */
  release(entry: PoolEntry, fault: boolean): Promise<void> | undefined {
    entry.inFlight -= 1;
    if (fault) this.detach(entry);
    if (!entry.detached || entry.inFlight > 0) return undefined;
    // Never rejects: a probe's run must not (an agent already being torn down just says so again).
    return (fault ? entry.agent.destroy(POOL_FAULT) : entry.agent.close()).catch(() => undefined);
  }

  /** Closes every agent (shutdown, tests). */
  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((entry) => entry.agent.destroy(POOL_FAULT).catch(() => undefined)));
  }

  private createAgent(options: HttpOptions, timeoutMs: number): Agent {
    return new Agent({
      connections: this.limits.connectionsPerOrigin,
      keepAliveTimeout: this.limits.keepAliveMs,
      keepAliveMaxTimeout: this.limits.keepAliveMs,
      connect: {
        timeout: timeoutMs,
        rejectUnauthorized: !options.insecure,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        ...(this.lookup ? { lookup: this.lookup } : {}),
      },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  private detach(entry: PoolEntry): void {
    if (entry.detached) return;
    entry.detached = true;
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }

  /** Detaches an entry; closes it now when no check is on it (else its last check's release does). */
  private retire(entry: PoolEntry): void {
    this.detach(entry);
    if (entry.inFlight === 0) void entry.agent.close().catch(() => undefined);
  }

  private evictOldest(): void {
    const oldest = this.entries.values().next();
    if (!oldest.done) this.retire(oldest.value);
  }

  private sweep(now: number): void {
    this.lastSweepAt = now;
    for (const entry of [...this.entries.values()]) {
      if (entry.inFlight === 0 && now - entry.lastUsedAt >= this.limits.idleEntryMs) this.retire(entry);
    }
  }
}
