import { join } from 'node:path';
import type pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCrowdDetector, REPORT_DEDUP_MS } from '../../src/core/crowd/index.js';
import type { CrowdReport } from '../../src/core/crowd/report-port.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { PostgresReportStore } from '../../src/db/postgres/postgres-report-store.js';
import {
  FLUSH_AFTER_MS,
  FLUSH_AT_REPORTS,
  SqliteReportStore,
  chatKeyOf,
} from '../../src/db/sqlite-report-store.js';
import { summariseWindow } from '../../src/core/crowd/crowd-window.js';
import { numbered, poolOn, schemaDatabase } from '../helpers/postgres-schema.js';
import { tempDir } from '../helpers/temp-dir.js';

const T0 = Date.parse('2021-03-19T17:15:00Z');
const MINUTE = 60_000;
const open: Db[] = [];

function tempDbPath(): string {
  return join(tempDir('reports-'), 'bot.db');
}

afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
});

/** One report store on a database, and plain SQL on the same database (`?` placeholders). */
interface Opened {
  readonly store: SqliteReportStore | PostgresReportStore;
  rows(sql: string, ...params: unknown[]): Promise<Record<string, unknown>[]>;
  /** Rows in crowd_reports. */
  count(): Promise<number>;
  /** Another store on the same database, over its own connection: a second process, or a restart. */
  again(): Promise<Opened>;
  /** Closes the connection (a process stopping). */
  close(): Promise<void>;
}

function openSqlite(path = tempDbPath(), flushAfterMs?: number): Opened {
  const db = openDatabase(path);
  open.push(db);
  const rows = (sql: string, ...params: unknown[]): Promise<Record<string, unknown>[]> => {
    const stmt = db.prepare(sql);
    return Promise.resolve(
      stmt.reader ? (stmt.all(...params) as Record<string, unknown>[]) : (stmt.run(...params), []),
    );
  };
  return {
    store: new SqliteReportStore(db, flushAfterMs === undefined ? {} : { flushAfterMs }),
    rows,
    count: async () => Number((await rows('SELECT COUNT(*) AS n FROM crowd_reports'))[0]?.['n']),
    again: () => Promise.resolve(openSqlite(path)),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

function openPostgresOn(
  url: string,
  wrap: (pool: pg.Pool) => pg.Pool = (p) => p,
  flushAfterMs?: number,
): Opened {
  const pool = poolOn(url);
  const rows = async (sql: string, ...params: unknown[]): Promise<Record<string, unknown>[]> =>
    (await pool.query<Record<string, unknown>>(numbered(sql), params)).rows;
  return {
    store: new PostgresReportStore(wrap(pool), flushAfterMs),
    rows,
    count: async () => Number((await rows('SELECT COUNT(*) AS n FROM crowd_reports'))[0]?.['n']),
    again: () => Promise.resolve(openPostgresOn(url)),
    close: () => pool.end(),
  };
}

/** Each backend's store; `flushAfterMs` keeps queued reports queued that long (default: the store's). */
const backends: [string, (flushAfterMs?: number) => Promise<Opened>][] = [
  ['sqlite', (flushAfterMs) => Promise.resolve(openSqlite(tempDbPath(), flushAfterMs))],
  ['postgres', async (flushAfterMs) => openPostgresOn(await schemaDatabase(), undefined, flushAfterMs)],
];

const report = (overrides: Partial<CrowdReport> = {}): CrowdReport => ({
  serviceId: 'whatsapp',
  platform: 'telegram',
  userId: '424242',
  chatId: '-100777',
  guildId: null,
  problem: 'sending',
  at: T0,
  ...overrides,
});

describe.each(backends)('report store on %s', (_name, openStore) => {
  it('counts every private chat of a platform as one community: members reporting privately are not six chats', async () => {
    const { store } = await openStore();
    // Six members of one group each /report in a private chat with the bot (its id is theirs).
    for (let i = 0; i < 6; i++)
      await store.record(report({ userId: `${1000 + i}`, chatId: `${1000 + i}`, at: T0 + i }));
    // Discord direct messages (no guild): the adapter says the chat is private.
    for (let i = 0; i < 3; i++)
      await store.record(
        report({
          platform: 'discord',
          userId: `d${i}`,
          chatId: `dm${i}`,
          guildId: null,
          privateChat: true,
          at: T0 + 10 + i,
        }),
      );
    const summary = summariseWindow(await store.reportsBetween('whatsapp', T0, T0 + 5 * MINUTE));
    expect(summary.distinctReporters).toBe(9);
    expect(summary.distinctChats).toBe(2);
    expect(
      new Set((await store.reportsBetween('whatsapp', T0, T0 + 5 * MINUTE)).map((r) => r.chatKey)),
    ).toEqual(new Set(['telegram:private', 'discord:private']));
    // The Telegram members alone, one community: they count for nothing at the global level.
    const telegram = (await store.reportsBetween('whatsapp', T0, T0 + 5 * MINUTE)).filter((r) =>
      r.chatKey.startsWith('telegram'),
    );
    expect(summariseWindow(telegram)).toMatchObject({ distinctChats: 1, effectiveCount: 0 });
  });
  it('counts one report per user per service per 30 minutes, in either direction', async () => {
    const { store } = await openStore();
    expect(await store.record(report())).toEqual({ kind: 'counted' });
    expect(await store.record(report({ at: T0 + 29 * MINUTE }))).toEqual({
      kind: 'duplicate',
      previousAt: T0,
    });
    expect(await store.record(report({ at: T0 - 10 * MINUTE }))).toEqual({
      kind: 'duplicate',
      previousAt: T0,
    });
    expect(await store.record(report({ serviceId: 'instagram', at: T0 + MINUTE }))).toEqual({
      kind: 'counted',
    });
    expect(await store.record(report({ at: T0 + REPORT_DEDUP_MS }))).toEqual({ kind: 'counted' });
  });

  it('applies the 30 minutes to written reports as to queued ones', async () => {
    const { store } = await openStore();
    expect(await store.record(report())).toEqual({ kind: 'counted' });
    expect(await store.flush()).toBe(1);
    expect(await store.record(report({ at: T0 + 29 * MINUTE }))).toEqual({
      kind: 'duplicate',
      previousAt: T0,
    });
    expect(await store.record(report({ at: T0 - 29 * MINUTE }))).toEqual({
      kind: 'duplicate',
      previousAt: T0,
    });
    expect(await store.record(report({ at: T0 + REPORT_DEDUP_MS }))).toEqual({ kind: 'counted' });
    expect(await store.record(report({ at: T0 - REPORT_DEDUP_MS }))).toEqual({ kind: 'counted' });
  });

  it('counts two reports of one person arriving together once', async () => {
    const { store, count } = await openStore();
    const outcomes = await Promise.all([store.record(report()), store.record(report({ at: T0 + 1 }))]);
    expect(outcomes).toEqual([{ kind: 'counted' }, { kind: 'duplicate', previousAt: T0 }]);
    await store.flush();
    expect(await count()).toBe(1);
  });

  it('counts a user pressing "I\'m affected" 1,000 times once and stores one row', async () => {
    const { store, count } = await openStore();
    const outcomes: string[] = [];
    for (let i = 0; i < 1000; i++) outcomes.push((await store.record(report({ at: T0 + i * 1000 }))).kind);
    expect(outcomes.filter((k) => k === 'counted')).toHaveLength(1);
    expect(outcomes.filter((k) => k === 'duplicate')).toHaveLength(999);
    await store.flush();
    expect(await count()).toBe(1);
  });

  it('stores users as salted SHA-256 hashes, never their platform ids', async () => {
    const { store, rows: query } = await openStore();
    await store.record(report({ userId: '987654321', chatId: '-1009876' }));
    await store.flush();
    const rows = await query('SELECT * FROM crowd_reports');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('987654321');
    expect(rows[0]?.['reporter_hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.['reporter_hash']).toBe(await store.hashReporter('telegram', '987654321'));
    // The same id on another platform is another person.
    expect(await store.hashReporter('discord', '987654321')).not.toBe(
      await store.hashReporter('telegram', '987654321'),
    );
  });

  it('makes the salt once per database: the same person hashes the same after a restart, differently elsewhere', async () => {
    const first = await openStore();
    const hash = await first.store.hashReporter('telegram', '1');
    await first.close();
    const reopened = await first.again();
    expect(await reopened.store.hashReporter('telegram', '1')).toBe(hash);
    expect(await reopened.rows('SELECT COUNT(*) AS n FROM report_salt')).toEqual([{ n: 1 }]);
    expect(await (await openStore()).store.hashReporter('telegram', '1')).not.toBe(hash);
  });

  it('makes one salt when two processes start on a new database together', async () => {
    const a = await openStore();
    const b = await a.again();
    const [ha, hb] = await Promise.all([
      a.store.hashReporter('telegram', '1'),
      b.store.hashReporter('telegram', '1'),
    ]);
    expect(ha).toBe(hb);
    expect(await a.rows('SELECT COUNT(*) AS n FROM report_salt')).toEqual([{ n: 1 }]);
  });

  it('counts queued reports in the dedup check, and another connection sees them once written', async () => {
    // Queued for a minute: on a loaded machine the 50 ms timer could write them before the count.
    const a = await openStore(60_000);
    const b = await a.again();
    const rows = (): Promise<number> => b.count();
    expect(await a.store.record(report())).toEqual({ kind: 'counted' });
    expect(await a.store.record(report({ at: T0 + 1 }))).toEqual({ kind: 'duplicate', previousAt: T0 });
    expect(await rows()).toBe(0);
    expect(await a.store.flush()).toBe(1);
    expect(await rows()).toBe(1);
    expect(await b.store.record(report({ at: T0 + MINUTE }))).toEqual({ kind: 'duplicate', previousAt: T0 });
  });

  it('writes queued reports in one go once enough are queued', async () => {
    const { store, count } = await openStore();
    // Time stands still: only the number of reports queued can make the write.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      for (let i = 0; i < FLUSH_AT_REPORTS - 1; i++) await store.record(report({ userId: `u${i}` }));
      expect(await count()).toBe(0);
      await store.record(report({ userId: 'last' }));
      expect(await count()).toBe(FLUSH_AT_REPORTS);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes queued reports shortly after they arrive', async () => {
    const { store, count } = await openStore();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await store.record(report());
      vi.advanceTimersByTime(FLUSH_AFTER_MS - 1);
      expect(await count()).toBe(0);
      vi.advanceTimersByTime(1);
      // The timer's write is under way (PostgreSQL) or done (SQLite): a flush waits for it and
      // finds nothing left to write.
      expect(await store.flush()).toBe(0);
      expect(await count()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads a window back with the community of each report: a Discord guild is one community', async () => {
    const { store } = await openStore();
    await store.record(report({ userId: 'a', at: T0 }));
    await store.record(
      report({ userId: 'b', platform: 'discord', chatId: 'c1', guildId: 'g1', problem: 'login', at: T0 + 1 }),
    );
    await store.record(
      report({ userId: 'c', platform: 'discord', chatId: 'c2', guildId: 'g1', at: T0 + 5 * MINUTE }),
    );
    const window = await store.reportsBetween('whatsapp', T0, T0 + 5 * MINUTE);
    expect(window.map((r) => [r.chatKey, r.kind])).toEqual([
      ['telegram:-100777', 'sending'],
      ['discord:guild:g1', 'login'],
    ]);
    expect(chatKeyOf({ platform: 'discord', chatId: 'c2', guildId: 'g1', userId: 'c' })).toBe(
      'discord:guild:g1',
    );
    expect(await store.reportedServices(T0, T0 + 5 * MINUTE)).toEqual(new Set(['whatsapp']));
    expect(await store.reportedServices(T0 + 5 * MINUTE + 1, T0 + 6 * MINUTE)).toEqual(new Set());
  });

  it('round-trips detector state and refuses a corrupt one', async () => {
    const { store, rows } = await openStore();
    expect(await store.loadDetector('whatsapp')).toBeNull();
    const state = { ...createCrowdDetector(), level: 'possible' as const, episodeStart: T0 };
    await store.saveDetector('whatsapp', state, T0);
    expect(await store.loadDetector('whatsapp')).toEqual(state);
    await rows('UPDATE crowd_detectors SET state_json = \'{"version":2}\'');
    expect(await store.loadDetector('whatsapp')).toBeNull();
    await rows("UPDATE crowd_detectors SET state_json = 'not json'");
    expect(await store.loadDetector('whatsapp')).toBeNull();
  });

  it('saves the states of several services at once, replacing what was stored', async () => {
    const { store, rows } = await openStore();
    const calm = createCrowdDetector();
    const possible = { ...calm, level: 'possible' as const, episodeStart: T0 };
    await store.saveDetectors(
      new Map([
        ['a', calm],
        ['b', calm],
      ]),
      T0,
    );
    await store.saveDetectors(
      new Map([
        ['b', possible],
        ['c', calm],
      ]),
      T0 + MINUTE,
    );
    expect(await store.loadDetector('a')).toEqual(calm);
    expect(await store.loadDetector('b')).toEqual(possible);
    expect(await store.loadDetector('c')).toEqual(calm);
    expect(await rows('SELECT service_id, updated_at FROM crowd_detectors ORDER BY service_id')).toEqual([
      { service_id: 'a', updated_at: T0 },
      { service_id: 'b', updated_at: T0 + MINUTE },
      { service_id: 'c', updated_at: T0 + MINUTE },
    ]);
  });

  it('reads stored states page by page in id order and deletes the ones asked', async () => {
    const { store, rows } = await openStore();
    const calm = createCrowdDetector();
    const possible = { ...calm, level: 'possible' as const, episodeStart: T0 };
    await store.saveDetectors(
      new Map([
        ['c', calm],
        ['a', possible],
        ['b', calm],
      ]),
      T0,
    );
    await rows("UPDATE crowd_detectors SET state_json = 'not json' WHERE service_id = 'b'");
    expect(await store.detectorPage('', 2)).toEqual([
      { serviceId: 'a', state: possible },
      { serviceId: 'b', state: null },
    ]);
    expect(await store.detectorPage('b', 2)).toEqual([{ serviceId: 'c', state: calm }]);
    await store.dropDetectors(['a', 'c', 'unknown']);
    expect(await store.detectorPage('', 10)).toEqual([{ serviceId: 'b', state: null }]);
    await store.dropDetectors([]);
    expect(await rows('SELECT service_id FROM crowd_detectors')).toEqual([{ service_id: 'b' }]);
  });

  it('prunes old reports', async () => {
    const { store } = await openStore();
    await store.record(report({ userId: 'old', at: T0 - 3 * 86_400_000 }));
    await store.record(report({ userId: 'new' }));
    expect(await store.prune(T0 - 86_400_000)).toBe(1);
    expect(await store.reportsBetween('whatsapp', 0, T0 + 1)).toHaveLength(1);
  });
  it("counts one community's distinct reporters in a span, queued or written: a guild is one community", async () => {
    const { store } = await openStore();
    const guild = { platform: 'discord' as const, guildId: '42' };
    await store.record(report({ ...guild, chatId: '1', userId: 'a', at: T0 }));
    await store.record(report({ ...guild, chatId: '2', userId: 'b', at: T0 + MINUTE }));
    await store.record(report({ ...guild, chatId: '2', userId: 'c', at: T0 + 10 * MINUTE })); // later
    await store.record(report({ ...guild, chatId: '3', userId: 'd', serviceId: 'instagram', at: T0 }));
    await store.record(report({ userId: 'e', at: T0 })); // a Telegram chat
    const key = chatKeyOf({ ...guild, chatId: '1', userId: 'a' });
    const count = (): Promise<number> =>
      Promise.resolve(store.communityReporters('whatsapp', key, T0, T0 + 5 * MINUTE));
    expect(await count()).toBe(2); // queued
    await store.flush();
    expect(await count()).toBe(2); // written
    await store.record(report({ ...guild, chatId: '9', userId: 'f', at: T0 + 2 * MINUTE }));
    expect(await count()).toBe(3); // written and queued together
    expect(await store.communityReporters('whatsapp', 'telegram:-100777', T0, T0 + 5 * MINUTE)).toBe(1);
    expect(await store.communityCounts('whatsapp', T0, T0 + 5 * MINUTE)).toEqual(
      new Map([
        [key, 3],
        ['telegram:-100777', 1],
      ]),
    );
  });

  it('remembers when a community was given its notice about a service, across a restart', async () => {
    const opened = await openStore();
    const { store } = opened;
    expect(await store.lastCommunityNotice('instagram', 'telegram:-1')).toBeNull();
    await store.markCommunityNotice('instagram', 'telegram:-1', T0);
    await store.markCommunityNotice('instagram', 'telegram:-1', T0 + MINUTE);
    expect(await store.lastCommunityNotice('instagram', 'telegram:-1')).toBe(T0 + MINUTE);
    expect(await store.lastCommunityNotice('instagram', 'telegram:-2')).toBeNull();
    expect(await store.lastCommunityNotice('whatsapp', 'telegram:-1')).toBeNull();
    const again = (await opened.again()).store;
    expect(await again.lastCommunityNotice('instagram', 'telegram:-1')).toBe(T0 + MINUTE);
    await again.prune(T0 + 2 * MINUTE);
    expect(await again.lastCommunityNotice('instagram', 'telegram:-1')).toBeNull();
  });
});

describe('PostgresReportStore', () => {
  it('counts a report once when the earlier one is written while its dedup read is under way', async () => {
    const url = await schemaDatabase();
    // Holds the answer of the next dedup read until the test lets it go.
    let hold: Promise<void> | null = null;
    let answered = (): void => undefined;
    const readAnswered = new Promise<void>((resolve) => (answered = resolve));
    const wrap = (pool: pg.Pool): pg.Pool =>
      Object.assign(Object.create(pool) as pg.Pool, {
        query: async (text: string, values?: unknown[]) => {
          const result = await pool.query(text, values);
          if (hold !== null && text.startsWith('SELECT at FROM crowd_reports')) {
            answered();
            await hold;
          }
          return result;
        },
      });
    const { store, count } = openPostgresOn(url, wrap);
    expect(await store.record(report())).toEqual({ kind: 'counted' });
    let release = (): void => undefined;
    hold = new Promise((resolve) => (release = resolve));
    const second = store.record(report({ at: T0 + MINUTE }));
    await readAnswered;
    // The first report is written (and leaves the queue) after the second's read was answered:
    // that read did not see it.
    expect(await store.flush()).toBe(1);
    expect(await count()).toBe(1);
    release();
    expect(await second).toEqual({ kind: 'duplicate', previousAt: T0 });
    await store.flush();
    expect(await count()).toBe(1);
    // With no dedup read in flight, nothing written is kept in memory for one.
    expect((store as unknown as { written: unknown[] }).written).toEqual([]);
  });

  it('keeps reports queued when their write fails and writes them on the next try', async () => {
    const url = await schemaDatabase();
    let failWrites = false;
    const wrap = (pool: pg.Pool): pg.Pool =>
      Object.assign(Object.create(pool) as pg.Pool, {
        query: (text: string, values?: unknown[]) =>
          failWrites && text.startsWith('INSERT INTO crowd_reports')
            ? Promise.reject(new Error('connection terminated'))
            : pool.query(text, values),
      });
    const { store, count } = openPostgresOn(url, wrap);
    await store.record(report({ userId: 'a' }));
    failWrites = true;
    await expect(store.flush()).rejects.toThrow('connection terminated');
    // Still in memory: the dedup check and the community counts see it.
    expect(await store.record(report({ userId: 'a', at: T0 + 1 }))).toEqual({
      kind: 'duplicate',
      previousAt: T0,
    });
    await store.record(report({ userId: 'b', at: T0 + 2 }));
    expect(await store.communityReporters('whatsapp', 'telegram:-100777', T0, T0 + MINUTE)).toBe(2);
    failWrites = false;
    expect(await store.flush()).toBe(2);
    expect(await count()).toBe(2);
    expect((await store.reportsBetween('whatsapp', T0, T0 + MINUTE)).length).toBe(2);
  });
});
