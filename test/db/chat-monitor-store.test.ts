import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMonitorStore, NewChatMonitor } from '../../src/chat-monitors/chat-monitor-store.js';
import type { AsyncPort } from '../../src/core/awaitable.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { PostgresChatMonitorStore } from '../../src/db/postgres/postgres-chat-monitor-store.js';
import { SqliteChatMonitorStore } from '../../src/db/sqlite-chat-monitor-store.js';
import { testPool, usePostgres } from '../helpers/postgres-stores.js';

const NOW = 1_780_000_000_000;
const GUILD = 'discord:guild:100';
const GROUP = 'telegram:-1001';

function monitor(name: string, overrides: Partial<NewChatMonitor> = {}): NewChatMonitor {
  return {
    ownerKey: GUILD,
    platform: 'discord',
    chatId: '200',
    name,
    kind: 'http',
    target: `https://${name.toLowerCase()}.example.org/`,
    intervalMs: 60_000,
    createdBy: 'u1',
    createdAt: NOW,
    ...overrides,
  };
}

interface IncidentView {
  service_id: string;
  status: string;
  resolved_at: number | null;
}

/** A chat monitor store under test and the seeding and raw reads its tests need, in its own SQL. */
interface Backend {
  readonly store: ChatMonitorStore | AsyncPort<ChatMonitorStore>;
  /** An open incident of the service, as the detection store writes it (not this store's table). */
  openIncident(serviceId: string, at: number): Promise<void>;
  incidents(): Promise<IncidentView[]>;
}

const OPEN_INCIDENT = (p: (n: number) => string): string =>
  `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, resolved_at, evidence_key, evidence_json)
   VALUES (${p(1)}, 'major', 'down', ${p(2)}, ${p(2)}, NULL, '', '[]')`;
const INCIDENTS = 'SELECT service_id, status, resolved_at FROM incidents ORDER BY service_id';

function sqliteBackend(): () => Backend {
  let db: Db;
  let backend: Backend;
  beforeEach(() => {
    db = openDatabase(':memory:');
    backend = {
      store: new SqliteChatMonitorStore(db),
      openIncident: async (serviceId, at) =>
        void db.prepare(OPEN_INCIDENT((n) => (n === 1 ? '@serviceId' : '@at'))).run({ serviceId, at }),
      incidents: async () => db.prepare(INCIDENTS).all() as IncidentView[],
    };
  });
  afterEach(() => db.close());
  return () => backend;
}

function postgresBackend(): () => Backend {
  const pg = usePostgres();
  return () => {
    const pool = pg.pool();
    return {
      store: new PostgresChatMonitorStore(pool),
      openIncident: async (serviceId, at) =>
        void (await pool.query(
          OPEN_INCIDENT((n) => `$${n}`),
          [serviceId, at],
        )),
      incidents: async () => (await pool.query<IncidentView>(INCIDENTS)).rows,
    };
  };
}

describe.each([
  ['SQLite', sqliteBackend],
  ['PostgreSQL', postgresBackend],
])('the chat monitor store on %s', (_name, setup) => {
  const backend = setup();
  let store: Backend['store'];
  beforeEach(() => {
    store = backend().store;
  });

  it('keeps a watched status page with its components (migration 014 / 004), none for the other kinds', async () => {
    const page = monitor('githubstatus.com', {
      kind: 'status-page',
      target: 'https://www.githubstatus.com/api/v2/summary.json',
      components: ['Git Operations', 'API Requests'],
    });
    expect(await store.add(page)).toEqual({ id: 1, ...page });
    await store.add(monitor('Site'));
    expect(await store.listAll()).toEqual([
      { id: 1, ...page },
      { id: 2, ...monitor('Site') },
    ]);
  });

  it('adds a monitor with its audit row, and refuses a name its owner has in any case', async () => {
    expect(await store.add(monitor('Site'))).toEqual({ id: 1, ...monitor('Site') });
    expect(await store.add(monitor('SITE', { target: 'https://other.example.org/' }))).toBeNull();
    // Another community may use the name.
    expect(
      await store.add(monitor('site', { ownerKey: GROUP, platform: 'telegram', chatId: '-1001' })),
    ).toMatchObject({ id: 2, ownerKey: GROUP, name: 'site' });
    expect(await store.recentAudit(GUILD, 10)).toEqual([
      {
        monitorId: 1,
        name: 'Site',
        target: 'https://site.example.org/',
        action: 'add',
        actor: 'u1',
        at: NOW,
      },
    ]);
  });

  it('counts and lists an owner’s monitors, and all of them, by id', async () => {
    await store.add(monitor('b'));
    await store.add(monitor('x', { ownerKey: GROUP }));
    await store.add(monitor('a'));
    expect(await store.countOwned(GUILD)).toBe(2);
    expect(await store.countOwned('discord:guild:404')).toBe(0);
    expect((await store.listOwned(GUILD)).map((m) => [m.id, m.name])).toEqual([
      [1, 'b'],
      [3, 'a'],
    ]);
    expect((await store.listAll()).map((m) => m.id)).toEqual([1, 2, 3]);
    expect(await store.listOwned('discord:guild:404')).toEqual([]);
  });

  it('removes by name in any case, audits who and when, and finds nothing the second time', async () => {
    await store.add(monitor('game', { ownerKey: GROUP, createdBy: 'u3' }));
    expect(await store.remove(GUILD, 'game', 'u2', NOW + 1000)).toBeNull();
    expect(await store.remove(GROUP, 'GAME', 'u9', NOW + 5000)).toMatchObject({ id: 1, name: 'game' });
    expect(await store.remove(GROUP, 'game', 'u9', NOW + 6000)).toBeNull();
    expect(await store.listOwned(GROUP)).toEqual([]);
    expect(await store.recentAudit(GROUP, 10)).toEqual([
      {
        monitorId: 1,
        name: 'game',
        target: 'https://game.example.org/',
        action: 'remove',
        actor: 'u9',
        at: NOW + 5000,
      },
      {
        monitorId: 1,
        name: 'game',
        target: 'https://game.example.org/',
        action: 'add',
        actor: 'u3',
        at: NOW,
      },
    ]);
  });

  it('gives the audit trail newest first, the later entry first at the same time, up to the limit', async () => {
    await store.add(monitor('a'));
    await store.add(monitor('b'));
    await store.remove(GUILD, 'a', 'u2', NOW);
    const audit = await store.recentAudit(GUILD, 2);
    expect(audit.map((e) => [e.name, e.action])).toEqual([
      ['a', 'remove'],
      ['b', 'add'],
    ]);
  });

  it('never reuses the id of a removed monitor (its service kept its history and incidents)', async () => {
    await store.add(monitor('a'));
    await store.add(monitor('b'));
    await store.remove(GUILD, 'b', 'u1', NOW);
    expect(await store.add(monitor('b'))).toMatchObject({ id: 3 });
    await store.remove(GUILD, 'a', 'u1', NOW);
    await store.remove(GUILD, 'b', 'u1', NOW);
    expect(await store.add(monitor('c'))).toMatchObject({ id: 4 });
  });

  it('closes the removed service’s open incident in the same transaction as the removal', async () => {
    await store.add(monitor('site'));
    await store.add(monitor('shop'));
    await backend().openIncident('chat-1', NOW - 60_000);
    await backend().openIncident('chat-2', NOW - 60_000);
    expect(await store.remove(GUILD, 'site', 'u1', NOW)).toMatchObject({ id: 1 });
    expect(await backend().incidents()).toEqual([
      { service_id: 'chat-1', status: 'unknown', resolved_at: NOW },
      { service_id: 'chat-2', status: 'down', resolved_at: null },
    ]);
  });

  it('keeps one maintenance window per monitor (migration 018 / 008): replaced, listed until it ends, cancelled', async () => {
    await store.add(monitor('Site'));
    await store.add(monitor('Shop'));
    const window = {
      monitorId: 1,
      ownerKey: GUILD,
      startsAt: NOW + 60_000,
      endsAt: NOW + 3_600_000,
      createdBy: 'u1',
      createdAt: NOW,
    };
    await store.setMaintenance(window);
    await store.setMaintenance({ ...window, monitorId: 2, startsAt: NOW, endsAt: NOW + 600_000 });
    expect(await store.listMaintenance(NOW)).toEqual([
      { ...window, monitorId: 2, startsAt: NOW, endsAt: NOW + 600_000 },
      window,
    ]);
    // Setting another replaces it.
    const later = { ...window, startsAt: NOW + 7_200_000, endsAt: NOW + 9_000_000, createdBy: 'u2' };
    await store.setMaintenance(later);
    // Over at its end (exclusive).
    expect(await store.listMaintenance(NOW + 600_000)).toEqual([later]);
    expect(await store.endMaintenance(1, NOW)).toBe(true);
    expect(await store.endMaintenance(1, NOW)).toBe(false);
    // One already over is deleted, but there was nothing to cancel.
    expect(await store.endMaintenance(2, NOW + 600_000)).toBe(false);
    expect(await store.listMaintenance(0)).toEqual([]);
  });

  it("deletes a monitor's maintenance window with the monitor", async () => {
    await store.add(monitor('Site'));
    await store.setMaintenance({
      monitorId: 1,
      ownerKey: GUILD,
      startsAt: NOW,
      endsAt: NOW + 600_000,
      createdBy: 'u1',
      createdAt: NOW,
    });
    await store.remove(GUILD, 'site', 'u1', NOW);
    expect(await store.listMaintenance(NOW)).toEqual([]);
  });
});

describe('the chat monitor store on PostgreSQL, from two instances at once', () => {
  const pg = usePostgres();

  it('gives monitors added at once different ids, each audited, and one name to one of them', async () => {
    const second = testPool(pg.url());
    try {
      const a = new PostgresChatMonitorStore(pg.pool());
      const b = new PostgresChatMonitorStore(second);
      const names = Array.from({ length: 8 }, (_, i) => `m${i}`);
      const added = await Promise.all(names.map((name, i) => (i % 2 === 0 ? a : b).add(monitor(name))));
      expect(added.map((m) => m?.id).sort((x, y) => x! - y!)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await a.recentAudit(GUILD, 100)).toHaveLength(8);

      const same = await Promise.all([a.add(monitor('Twin')), b.add(monitor('twin'))]);
      expect(same.filter((m) => m !== null)).toHaveLength(1);
      expect(await b.countOwned(GUILD)).toBe(9);
    } finally {
      await second.end();
    }
  });
});
