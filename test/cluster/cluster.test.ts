import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type LeaseGroup } from '../../src/cluster/cluster.js';
import { ClusterStore, type HeldLeases, fenceLeases } from '../../src/db/postgres/cluster-store.js';
import { type PgDb, openPostgres, withTransaction } from '../../src/db/postgres/pool.js';
import { createLogger } from '../../src/logging.js';
import { testDatabase } from '../helpers/postgres.js';

const KEYS = Array.from({ length: 60 }, (_, i) => `s${i}`);
const LEASE_MS = 900;

/** A lease group that records what it was told. */
class Recorder implements LeaseGroup {
  readonly kind = 'service';
  readonly owned = new Set<string>();
  readonly handedOver: string[] = [];
  readonly lostKeys: string[] = [];
  keys = () => KEYS;
  acquired(leases: HeldLeases): void {
    for (const key of leases.keys()) this.owned.add(key);
  }
  releasing(keys: readonly string[]): void {
    for (const key of keys) this.owned.delete(key);
    this.handedOver.push(...keys);
  }
  lost(keys: readonly string[]): void {
    for (const key of keys) this.owned.delete(key);
    this.lostKeys.push(...keys);
  }
}

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('cluster membership and leases on PostgreSQL', () => {
  let db: PgDb;
  let store: ClusterStore;
  const log = createLogger('silent', []);
  const running: Cluster[] = [];
  const member = (id: string) => {
    const group = new Recorder();
    const cluster = new Cluster(store, { instanceId: id, vantage: `v-${id}`, leaseMs: LEASE_MS }, { log });
    cluster.addGroup(group);
    running.push(cluster);
    return { cluster, group };
  };

  beforeAll(async () => {
    db = await openPostgres(await testDatabase(), { poolSize: 4 });
    store = new ClusterStore(db.pool);
  });
  afterAll(async () => {
    for (const c of running) await c.stop().catch(() => undefined);
    await db.close();
  });

  it('shares the keys out among live members, each key owned by exactly one', async () => {
    const a = member('a');
    await a.cluster.start();
    expect(a.group.owned.size).toBe(KEYS.length);
    const b = member('b');
    await b.cluster.start();
    const c = member('c');
    await c.cluster.start();
    const all = [a, b, c];
    // Joining members are told at once (NOTIFY-free here: the rounds poll), and the first one hands over.
    await until(
      'an even split',
      () => all.every((m) => m.group.owned.size > 5) && total(all) === KEYS.length,
    );
    const owners = await store.owners('service');
    expect(owners.size).toBe(KEYS.length);
    for (const m of all)
      for (const key of m.group.owned) expect(owners.get(key)).toBe(m.cluster.settings.instanceId);
    expect(a.group.handedOver.length).toBeGreaterThan(0);
    expect(a.group.lostKeys).toEqual([]);

    // A graceful stop hands over at once: the others take its keys on their next round.
    const gone = [...b.group.owned];
    await b.cluster.stop();
    await a.cluster.round();
    await c.cluster.round();
    expect(total([a, c])).toBe(KEYS.length);
    for (const key of gone) expect(a.group.owned.has(key) || c.group.owned.has(key)).toBe(true);

    // A member that dies (stops renewing, never leaves): its leases expire, the others take them.
    const dead = [...c.group.owned];
    const cTimers = c.cluster as unknown as { stopped: boolean };
    cTimers.stopped = true; // no more rounds, no hand-over, as after SIGKILL
    await until("the dead member's keys taken", async () => {
      await a.cluster.round();
      return dead.every((key) => a.group.owned.has(key));
    });
    expect(a.group.owned.size).toBe(KEYS.length);
  });

  it('keeps the leases it holds while a slow take-over of other keys is under way', async () => {
    // A second group (another kind) whose take-over takes three lease periods: its slow
    // `acquired` must not hold back the renewal of the first group's leases.
    const fresh = await openPostgres(await testDatabase(), { poolSize: 4 });
    const quick = new Recorder();
    const slowKeys = ['p1'];
    const slow: LeaseGroup & { lostKeys: string[]; owned: Set<string> } = {
      kind: 'platform',
      owned: new Set(),
      lostKeys: [],
      keys: () => slowKeys,
      async acquired(leases) {
        if (leases.has('p2')) await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
        for (const key of leases.keys()) this.owned.add(key);
      },
      releasing(keys) {
        for (const key of keys) this.owned.delete(key);
      },
      lost(keys) {
        for (const key of keys) this.owned.delete(key);
        this.lostKeys.push(...keys);
      },
    };
    const cluster = new Cluster(
      new ClusterStore(fresh.pool),
      { instanceId: 'solo', vantage: 'v', leaseMs: LEASE_MS },
      { log },
    );
    cluster.addGroup(quick);
    cluster.addGroup(slow);
    try {
      await cluster.start();
      expect(quick.owned.size).toBe(KEYS.length);
      slowKeys.push('p2');
      await cluster.round();
      expect(slow.owned).toEqual(new Set(['p1', 'p2']));
      expect(quick.lostKeys).toEqual([]);
      expect(slow.lostKeys).toEqual([]);
      expect(quick.owned.size).toBe(KEYS.length);
    } finally {
      await cluster.stop();
      await fresh.close();
    }
  });

  it('a lease whose release failed runs out by itself and goes to the member it belongs to', async () => {
    // The release of a hand-over fails once (as a deadlock did): the giver no longer holds the
    // keys but the database still names it; it must not keep renewing them for ever.
    class FailingRelease extends ClusterStore {
      failNext = true;
      override async release(kind: string, keys: readonly string[], owner: string): Promise<void> {
        if (this.failNext) {
          this.failNext = false;
          throw new Error('deadlock detected');
        }
        return super.release(kind, keys, owner);
      }
    }
    const fresh = await openPostgres(await testDatabase(), { poolSize: 4 });
    const started: Cluster[] = [];
    try {
      const join = async (id: string, clusterStore: ClusterStore) => {
        const group = new Recorder();
        const cluster = new Cluster(
          clusterStore,
          { instanceId: id, vantage: `v-${id}`, leaseMs: LEASE_MS },
          { log },
        );
        cluster.addGroup(group);
        started.push(cluster);
        await cluster.start();
        return { cluster, group };
      };
      const a = await join('a', new FailingRelease(fresh.pool));
      expect(a.group.owned.size).toBe(KEYS.length);
      const b = await join('b', new ClusterStore(fresh.pool));
      await a.cluster.round();
      expect(a.group.handedOver.length).toBeGreaterThan(0);
      await until('the keys handed over owned by b', async () => {
        await b.cluster.round();
        return a.group.handedOver.every((key) => b.group.owned.has(key));
      });
      const owners = await new ClusterStore(fresh.pool).owners('service');
      for (const key of b.group.owned) expect(owners.get(key)).toBe('b');
      expect(total([a, b])).toBe(KEYS.length);
    } finally {
      for (const c of started) await c.stop().catch(() => undefined);
      await fresh.close();
    }
  });

  it("fences a write: a lease taken over since fails the check in the writer's transaction", async () => {
    const fresh = await openPostgres(await testDatabase(), { poolSize: 3 });
    try {
      const s = new ClusterStore(fresh.pool);
      const first = await s.claim('service', ['x'], 'one', 60_000);
      expect(first.get('x')).toBe(1);
      // Still ours: the fence answers the key and its epoch.
      const ok = await withTransaction(fresh.pool, (client) => fenceLeases(client, 'service', ['x'], 'one'));
      expect(ok.get('x')).toBe(1);
      // Not free: another instance cannot claim it before it expires or is released.
      expect((await s.claim('service', ['x'], 'two', 60_000)).size).toBe(0);
      await s.release('service', ['x'], 'one');
      const second = await s.claim('service', ['x'], 'two', 60_000);
      expect(second.get('x')).toBe(2);
      const fenced = await withTransaction(fresh.pool, (client) =>
        fenceLeases(client, 'service', ['x'], 'one'),
      );
      expect(fenced.size).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});

function total(members: readonly { group: Recorder }[]): number {
  return members.reduce((n, m) => n + m.group.owned.size, 0);
}
