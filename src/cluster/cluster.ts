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
 * Membership, heartbeats and leases (docs/cluster.md). Every third of a lease period, and at once
 * when another instance joins or gives leases up (`nudge`, from LISTEN): heartbeat, read the live
 * members, and per lease group renew what is held, hand over what rendezvous hashing now gives to
 * another member, and claim what it gives to us. When renewals fail for a whole lease period (the
 * database away, a network partition), every lease is given up locally: another instance has
 * taken them, or will, and this one must stop acting on them.
 */
export class Cluster {
  private readonly groups: LeaseGroup[] = [];
  private readonly held = new Map<string, HeldLeases>();
  private members: readonly MemberRow[] = [];
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private fenceTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Local monotonic time until which the leases held are surely ours. */
  private validUntil = Number.NEGATIVE_INFINITY;
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

  private async roundOnce(): Promise<void> {
    const { settings, store, deps } = this;
    const sentAt = this.now();
    try {
      await store.heartbeat({
        instanceId: settings.instanceId,
        vantage: settings.vantage,
        startedAt: this.startedAt,
        info: this.info(),
      });
      this.members = await store.liveMembers(settings.leaseMs);
      this.watchSilentMembers();
      const ids = this.members.map((m) => m.instanceId);
      if (!ids.includes(settings.instanceId)) ids.push(settings.instanceId);
      let released = false;
      for (const group of this.groups) {
        if (this.stopped) return;
        const held = this.held.get(group.kind) ?? new Map<string, number>();
        const renewed = await store.renew(group.kind, settings.instanceId, settings.leaseMs);
        const lost = [...held].filter(([key, epoch]) => renewed.get(key) !== epoch).map(([key]) => key);
        if (lost.length > 0) {
          for (const key of lost) held.delete(key);
          deps.log.warn({ kind: group.kind, count: lost.length }, 'cluster: leases lost to another instance');
          group.lost(lost);
        }
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
        const granted = await store.claim(group.kind, wanted, settings.instanceId, settings.leaseMs);
        if (granted.size > 0) {
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
        this.held.set(group.kind, held);
      }
      this.validUntil = sentAt + settings.leaseMs;
      this.lastOk = this.now();
      if (!this.ok) deps.log.info({ members: ids.length }, 'cluster: in contact with PostgreSQL');
      this.ok = true;
      this.lastError = null;
      if (released || !this.joined) await store.notify(released ? 'released' : 'joined');
      this.joined = true;
    } catch (err) {
      this.lastError = errorText(err);
      if (this.ok) deps.log.error({ err: this.lastError }, 'cluster: heartbeat or lease round failed');
      this.ok = false;
    }
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
      if (now <= this.validUntil - (group.fenceEarlyMs ?? 0)) continue;
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
    if (this.fenceTimer) clearInterval(this.fenceTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    await this.running?.catch(() => undefined);
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
