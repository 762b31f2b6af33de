import { performance } from 'node:perf_hooks';
import { keysOwnedBy } from '../core/cluster/rendezvous.js';
import type { ClusterStore, HeldLeases, MemberRow } from '../db/postgres/cluster-store.js';
import type { Logger } from '../logging.js';
import type { ClusterSettings } from './cluster-env.js';

/**
 * Something shared out among the live instances by leases: the services' detection, each
 * platform's leadership, the Discord shards. The cluster calls it when this instance takes keys,
 * is about to give some up (a graceful hand-over: write what is pending first), or has lost some
 * (taken over, or its leases ran out while the database was away: stop at once).
 */
export interface LeaseGroup {
  readonly kind: string;
  /** The keys to share out now. */
  keys(): readonly string[];
  acquired(leases: HeldLeases): Promise<void> | void;
  releasing(keys: readonly string[]): Promise<void> | void;
  lost(keys: readonly string[]): void;
  /**
   * Given up this much before the lease can run out in the database when renewals fail (default
   * 0): a platform's sending stops a round early, so a send still in flight ends before another
   * instance can take over and send to the same chat.
   */
  readonly fenceEarlyMs?: number;
}

/** What `/healthz` and `/metrics` show of the cluster. */
export interface ClusterStatus {
  readonly instanceId: string;
  readonly vantage: string;
  /** Whether the last heartbeat and renewal round worked. */
  readonly ok: boolean;
  readonly members: readonly {
    readonly instanceId: string;
    readonly vantage: string;
    readonly ageMs: number;
  }[];
  /** Keys held per kind. */
  readonly held: Readonly<Record<string, readonly string[]>>;
  /** Since the last successful round, ms. */
  readonly lagMs: number;
  readonly lastError: string | null;
}

/** A silent member's leases are claimed this long after they should have run out. */
const EXPIRY_MARGIN_MS = 100;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Membership, heartbeats and leases (docs/cluster.md). Two loops, each every third of a lease
 * period:
 * - renewals: heartbeat and, per lease group, extend what is held (one statement each). They never
 *   wait behind the other loop, so a slow take-over (writing what is queued, reading the services'
 *   state again) cannot let the leases already held run out;
 * - rounds, also at once when another instance joins or gives leases up (`nudge`, from LISTEN):
 *   read the live members, hand over what rendezvous hashing now gives to another member, and
 *   claim what it gives to us.
 * When renewals fail for a whole lease period (the database away, a network partition), every
 * lease of that group is given up locally: another instance has taken them, or will, and this one
 * must stop acting on them.
 */
export class Cluster {
  private readonly groups: LeaseGroup[] = [];
  private readonly held = new Map<string, HeldLeases>();
  private members: readonly MemberRow[] = [];
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;
  private fenceTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Per lease group, the local monotonic time until which the leases held are surely ours. */
  private readonly validUntil = new Map<string, number>();
  private lastOk = performance.now();
  private lastError: string | null = null;
  private ok = false;
  private joined = false;

  constructor(
    private readonly store: ClusterStore,
    readonly settings: ClusterSettings,
    private readonly deps: {
      readonly log: Logger;
      /** Local monotonic ms (tests inject). */
      readonly now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? performance.now();
  }

  get tickMs(): number {
    return Math.max(200, Math.floor(this.settings.leaseMs / 3));
  }

  addGroup(group: LeaseGroup): void {
    this.groups.push(group);
    this.held.set(group.kind, new Map());
  }

  /** Whether this instance holds the lease now. */
  holds(kind: string, key: string): boolean {
    return this.held.get(kind)?.has(key) ?? false;
  }

  /** The epoch of a lease held (for fenced writes), or undefined. */
  epochOf(kind: string, key: string): number | undefined {
    return this.held.get(kind)?.get(key);
  }

  /** Joins (the first round runs now) and keeps the rounds going. */
  async start(): Promise<void> {
    await this.round();
    this.timer = setInterval(() => this.nudge(), this.tickMs);
    this.timer.unref();
    this.renewTimer = setInterval(() => void this.renew(), this.tickMs);
    this.renewTimer.unref();
    this.fenceTimer = setInterval(() => this.fence(), Math.max(100, Math.floor(this.settings.leaseMs / 10)));
    this.fenceTimer.unref();
  }

  /** Runs a round now (or right after the one under way). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.round();
  }

  /** One round; rounds never overlap. */
  round(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.roundOnce();
        } while (this.again && !this.stopped);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private heartbeat(): Promise<number> {
    const { settings } = this;
    return this.store.heartbeat({
      instanceId: settings.instanceId,
      vantage: settings.vantage,
      startedAt: this.startedAt,
      info: this.info(),
    });
  }

  /**
   * Heartbeat and extend every lease held; a lease the database no longer gives this instance
   * (under the epoch it holds) was taken over: given up at once. Never overlaps itself; runs
   * beside a round (which only adds keys to `held` after claiming them, and removes keys before
   * releasing them, so a key it adds meanwhile is not mistaken for a lost one).
   */
  renew(): Promise<void> {
    if (this.renewing) return this.renewing;
    this.renewing = (async () => {
      try {
        await this.renewOnce();
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    const { settings, store, deps } = this;
    if (this.stopped) return;
    try {
      await this.heartbeat();
      for (const group of this.groups) {
        if (this.stopped) return;
        const held = this.held.get(group.kind);
        if (!held) continue;
        const before = new Map(held);
        const sentAt = this.now();
        const renewed = await store.renew(group.kind, settings.instanceId, settings.leaseMs, [
          ...before.keys(),
        ]);
        this.validUntil.set(group.kind, sentAt + settings.leaseMs);
        const lost = [...before]
          .filter(([key, epoch]) => held.get(key) === epoch && renewed.get(key) !== epoch)
          .map(([key]) => key);
        if (lost.length > 0) {
          for (const key of lost) held.delete(key);
          deps.log.warn({ kind: group.kind, count: lost.length }, 'cluster: leases lost to another instance');
          group.lost(lost);
        }
      }
      this.succeeded();
    } catch (err) {
      this.failed(err);
    }
  }

  private async roundOnce(): Promise<void> {
    const { settings, store } = this;
    try {
      // The first round joins: this instance counts among the live members it reads.
      if (!this.joined) await this.heartbeat();
      this.members = await store.liveMembers(settings.leaseMs);
      this.watchSilentMembers();
      const ids = this.members.map((m) => m.instanceId);
      if (!ids.includes(settings.instanceId)) ids.push(settings.instanceId);
      let released = false;
      for (const group of this.groups) {
        if (this.stopped) return;
        const held = this.held.get(group.kind) ?? new Map<string, number>();
        this.held.set(group.kind, held);
        const desired = new Set(keysOwnedBy(settings.instanceId, group.keys(), ids));
        const handOver = [...held.keys()].filter((key) => !desired.has(key));
        if (handOver.length > 0) {
          await group.releasing(handOver);
          for (const key of handOver) held.delete(key);
          await store.release(group.kind, handOver, settings.instanceId);
          released = true;
        }
        // Leases the database says are ours that this process does not know (a restart under the
        // same INSTANCE_ID) are claimed like any other: the claim answers them with their epoch.
        const wanted = [...desired].filter((key) => !held.has(key));
        const claimedAt = this.now();
        const granted = await store.claim(group.kind, wanted, settings.instanceId, settings.leaseMs);
        if (granted.size > 0) {
          // Nothing held yet: the claim is this group's renewal.
          if (held.size === 0) this.validUntil.set(group.kind, claimedAt + settings.leaseMs);
          for (const [key, epoch] of granted) held.set(key, epoch);
          try {
            await group.acquired(granted);
          } catch (err) {
            // Not taken up (its state could not be read): given back, claimed again next round.
            for (const key of granted.keys()) held.delete(key);
            await store.release(group.kind, [...granted.keys()], settings.instanceId).catch(() => undefined);
            throw err;
          }
        }
      }
      this.succeeded();
      if (released || !this.joined) await store.notify(released ? 'released' : 'joined');
      this.joined = true;
    } catch (err) {
      this.failed(err);
    }
  }

  private succeeded(): void {
    this.lastOk = this.now();
    if (!this.ok) this.deps.log.info({ members: this.members.length }, 'cluster: in contact with PostgreSQL');
    this.ok = true;
    this.lastError = null;
  }

  private failed(err: unknown): void {
    this.lastError = errorText(err);
    if (this.ok) this.deps.log.error({ err: this.lastError }, 'cluster: heartbeat or lease round failed');
    this.ok = false;
  }

  /**
   * A member that missed its heartbeats may be dead: its leases run out a lease period after its
   * last one (it renewed them in the same round). A round is due right then, not up to a third of
   * a period later, so its services are taken over within the lease period.
   */
  private watchSilentMembers(): void {
    const silent = this.members.filter(
      (m) => m.instanceId !== this.settings.instanceId && m.ageMs > this.tickMs / 2,
    );
    if (silent.length === 0) return;
    const wait = Math.min(...silent.map((m) => this.settings.leaseMs - m.ageMs)) + EXPIRY_MARGIN_MS;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = null;
        this.nudge();
      },
      Math.max(0, wait),
    );
    this.expiryTimer.unref();
  }

  /** Leases not renewed for a whole period are not ours any more: stop acting on them. */
  private fence(): void {
    const now = this.now();
    let count = 0;
    for (const group of this.groups) {
      const validUntil = this.validUntil.get(group.kind) ?? Number.NEGATIVE_INFINITY;
      if (now <= validUntil - (group.fenceEarlyMs ?? 0)) continue;
      const held = this.held.get(group.kind);
      if (!held || held.size === 0) continue;
      const keys = [...held.keys()];
      held.clear();
      count += keys.length;
      group.lost(keys);
    }
    if (count > 0)
      this.deps.log.error(
        { leases: count },
        'cluster: leases not renewed for a whole lease period (database away?): gave them up',
      );
  }

  /** Hands everything over (each group writes what is pending first), then leaves the membership. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.fenceTimer) clearInterval(this.fenceTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    await this.running?.catch(() => undefined);
    await this.renewing?.catch(() => undefined);
    for (const group of this.groups) {
      const held = this.held.get(group.kind);
      if (!held || held.size === 0) continue;
      const keys = [...held.keys()];
      try {
        await group.releasing(keys);
      } catch (err) {
        this.deps.log.error({ err: errorText(err), kind: group.kind }, 'cluster: hand-over failed');
      }
      held.clear();
    }
    try {
      await this.store.leave(this.settings.instanceId);
    } catch (err) {
      this.deps.log.error({ err: errorText(err) }, 'cluster: could not leave (leases expire by themselves)');
    }
  }

  status(): ClusterStatus {
    const held: Record<string, string[]> = {};
    for (const [kind, leases] of this.held) held[kind] = [...leases.keys()].sort();
    return {
      instanceId: this.settings.instanceId,
      vantage: this.settings.vantage,
      ok: this.ok,
      members: this.members.map((m) => ({ instanceId: m.instanceId, vantage: m.vantage, ageMs: m.ageMs })),
      held,
      lagMs: Math.max(0, Math.round(this.now() - this.lastOk)),
      lastError: this.lastError,
    };
  }

  private info(): Record<string, number> {
    const info: Record<string, number> = {};
    for (const [kind, leases] of this.held) info[kind] = leases.size;
    return info;
  }
}
