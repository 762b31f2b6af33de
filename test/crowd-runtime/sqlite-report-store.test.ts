import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCrowdDetector, REPORT_DEDUP_MS } from '../../src/core/crowd/index.js';
import type { CrowdReport } from '../../src/core/crowd/report-port.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import {
  FLUSH_AFTER_MS,
  FLUSH_AT_REPORTS,
  SqliteReportStore,
  chatKeyOf,
} from '../../src/db/sqlite-report-store.js';
import { summariseWindow } from '../../src/core/crowd/crowd-window.js';
import { tempDir } from '../helpers/temp-dir.js';

const T0 = Date.parse('2021-03-19T17:15:00Z');
const MINUTE = 60_000;
const open: Db[] = [];

function tempDbPath(): string {
  return join(tempDir('reports-'), 'bot.db');
}

function openStore(path = tempDbPath()): { store: SqliteReportStore; db: Db; path: string } {
  const db = openDatabase(path);
  open.push(db);
  return { store: new SqliteReportStore(db), db, path };
}

afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

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

describe('SqliteReportStore', () => {
  it('counts every private chat of a platform as one community: members reporting privately are not six chats', () => {
    const { store } = openStore();
    // Six members of one group each /report in a private chat with the bot (its id is theirs).
    for (let i = 0; i < 6; i++)
      store.record(report({ userId: `${1000 + i}`, chatId: `${1000 + i}`, at: T0 + i }));
    // Discord direct messages (no guild): the adapter says the chat is private.
    for (let i = 0; i < 3; i++)
      store.record(
        report({
          platform: 'discord',
          userId: `d${i}`,
          chatId: `dm${i}`,
          guildId: null,
          privateChat: true,
          at: T0 + 10 + i,
        }),
      );
    const summary = summariseWindow(store.reportsBetween('whatsapp', T0, T0 + 5 * MINUTE));
    expect(summary.distinctReporters).toBe(9);
    expect(summary.distinctChats).toBe(2);
    expect(new Set(store.reportsBetween('whatsapp', T0, T0 + 5 * MINUTE).map((r) => r.chatKey))).toEqual(
      new Set(['telegram:private', 'discord:private']),
    );
    // The Telegram members alone, one community: they count for nothing at the global level.
    const telegram = store
      .reportsBetween('whatsapp', T0, T0 + 5 * MINUTE)
      .filter((r) => r.chatKey.startsWith('telegram'));
    expect(summariseWindow(telegram)).toMatchObject({ distinctChats: 1, effectiveCount: 0 });
  });
  it('counts one report per user per service per 30 minutes, in either direction', () => {
    const { store } = openStore();
    expect(store.record(report())).toEqual({ kind: 'counted' });
    expect(store.record(report({ at: T0 + 29 * MINUTE }))).toEqual({ kind: 'duplicate', previousAt: T0 });
    expect(store.record(report({ at: T0 - 10 * MINUTE }))).toEqual({ kind: 'duplicate', previousAt: T0 });
    expect(store.record(report({ serviceId: 'instagram', at: T0 + MINUTE }))).toEqual({ kind: 'counted' });
    expect(store.record(report({ at: T0 + REPORT_DEDUP_MS }))).toEqual({ kind: 'counted' });
  });

  it('counts a user pressing "I\'m affected" 1,000 times once and stores one row', () => {
    const { store, db } = openStore();
    const outcomes = Array.from({ length: 1000 }, (_, i) => store.record(report({ at: T0 + i * 1000 })).kind);
    expect(outcomes.filter((k) => k === 'counted')).toHaveLength(1);
    expect(outcomes.filter((k) => k === 'duplicate')).toHaveLength(999);
    store.flush();
    expect(db.prepare('SELECT COUNT(*) AS n FROM crowd_reports').get()).toEqual({ n: 1 });
  });

  it('stores users as salted SHA-256 hashes, never their platform ids', () => {
    const { store, db } = openStore();
    store.record(report({ userId: '987654321', chatId: '-1009876' }));
    store.flush();
    const rows = db.prepare('SELECT * FROM crowd_reports').all() as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('987654321');
    expect(rows[0]?.['reporter_hash']).toMatch(/^[0-9a-f]{64}$/);
    // The same id on another platform is another person.
    expect(store.hashReporter('discord', '987654321')).not.toBe(store.hashReporter('telegram', '987654321'));
  });

  it('makes the salt once per database: the same person hashes the same after a restart, differently elsewhere', () => {
    const first = openStore();
    const hash = first.store.hashReporter('telegram', '1');
    first.db.close();
    open.splice(open.indexOf(first.db), 1);
    const reopened = openStore(first.path);
    expect(reopened.store.hashReporter('telegram', '1')).toBe(hash);
    expect(reopened.db.prepare('SELECT COUNT(*) AS n FROM report_salt').get()).toEqual({ n: 1 });
    expect(openStore().store.hashReporter('telegram', '1')).not.toBe(hash);
  });

  it('counts queued reports in the dedup check, and another connection sees them once written', () => {
    const a = openStore();
    const b = openStore(a.path);
    const rows = (): unknown => b.db.prepare('SELECT COUNT(*) AS n FROM crowd_reports').get();
    expect(a.store.record(report())).toEqual({ kind: 'counted' });
    expect(a.store.record(report({ at: T0 + 1 }))).toEqual({ kind: 'duplicate', previousAt: T0 });
    expect(rows()).toEqual({ n: 0 });
    expect(a.store.flush()).toBe(1);
    expect(rows()).toEqual({ n: 1 });
    expect(b.store.record(report({ at: T0 + MINUTE }))).toEqual({ kind: 'duplicate', previousAt: T0 });
  });

  it('writes queued reports in one go once enough are queued', () => {
    const { store, db } = openStore();
    for (let i = 0; i < FLUSH_AT_REPORTS - 1; i++) store.record(report({ userId: `u${i}` }));
    expect(db.prepare('SELECT COUNT(*) AS n FROM crowd_reports').get()).toEqual({ n: 0 });
    store.record(report({ userId: 'last' }));
    expect(db.prepare('SELECT COUNT(*) AS n FROM crowd_reports').get()).toEqual({ n: FLUSH_AT_REPORTS });
  });

  it('writes queued reports shortly after they arrive', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { store, db } = openStore();
      store.record(report());
      vi.advanceTimersByTime(FLUSH_AFTER_MS - 1);
      expect(db.prepare('SELECT COUNT(*) AS n FROM crowd_reports').get()).toEqual({ n: 0 });
      vi.advanceTimersByTime(1);
      expect(db.prepare('SELECT COUNT(*) AS n FROM crowd_reports').get()).toEqual({ n: 1 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads a window back with the community of each report: a Discord guild is one community', () => {
    const { store } = openStore();
    store.record(report({ userId: 'a', at: T0 }));
    store.record(
      report({ userId: 'b', platform: 'discord', chatId: 'c1', guildId: 'g1', problem: 'login', at: T0 + 1 }),
    );
    store.record(
      report({ userId: 'c', platform: 'discord', chatId: 'c2', guildId: 'g1', at: T0 + 5 * MINUTE }),
    );
    const window = store.reportsBetween('whatsapp', T0, T0 + 5 * MINUTE);
    expect(window.map((r) => [r.chatKey, r.kind])).toEqual([
      ['telegram:-100777', 'sending'],
      ['discord:guild:g1', 'login'],
    ]);
    expect(chatKeyOf({ platform: 'discord', chatId: 'c2', guildId: 'g1', userId: 'c' })).toBe(
      'discord:guild:g1',
    );
  });

  it('round-trips detector state and refuses a corrupt one', () => {
    const { store, db } = openStore();
    expect(store.loadDetector('whatsapp')).toBeNull();
    const state = { ...createCrowdDetector(), level: 'possible' as const, episodeStart: T0 };
    store.saveDetector('whatsapp', state, T0);
    expect(store.loadDetector('whatsapp')).toEqual(state);
    db.prepare('UPDATE crowd_detectors SET state_json = \'{"version":2}\'').run();
    expect(store.loadDetector('whatsapp')).toBeNull();
    db.prepare("UPDATE crowd_detectors SET state_json = 'not json'").run();
    expect(store.loadDetector('whatsapp')).toBeNull();
  });

  it('prunes old reports', () => {
    const { store } = openStore();
    store.record(report({ userId: 'old', at: T0 - 3 * 86_400_000 }));
    store.record(report({ userId: 'new' }));
    expect(store.prune(T0 - 86_400_000)).toBe(1);
    expect(store.reportsBetween('whatsapp', 0, T0 + 1)).toHaveLength(1);
  });
  it("counts one community's distinct reporters in a span, queued or written: a guild is one community", () => {
    const { store } = openStore();
    const guild = { platform: 'discord' as const, guildId: '42' };
    store.record(report({ ...guild, chatId: '1', userId: 'a', at: T0 }));
    store.record(report({ ...guild, chatId: '2', userId: 'b', at: T0 + MINUTE }));
    store.record(report({ ...guild, chatId: '2', userId: 'c', at: T0 + 10 * MINUTE })); // later
    store.record(report({ ...guild, chatId: '3', userId: 'd', serviceId: 'instagram', at: T0 }));
    store.record(report({ userId: 'e', at: T0 })); // a Telegram chat
    const key = chatKeyOf({ ...guild, chatId: '1', userId: 'a' });
    const count = (): number => store.communityReporters('whatsapp', key, T0, T0 + 5 * MINUTE);
    expect(count()).toBe(2); // queued
    store.flush();
    expect(count()).toBe(2); // written
    store.record(report({ ...guild, chatId: '9', userId: 'f', at: T0 + 2 * MINUTE }));
    expect(count()).toBe(3); // written and queued together
    expect(store.communityReporters('whatsapp', 'telegram:-100777', T0, T0 + 5 * MINUTE)).toBe(1);
    expect(store.communityCounts('whatsapp', T0, T0 + 5 * MINUTE)).toEqual(
      new Map([
        [key, 3],
        ['telegram:-100777', 1],
      ]),
    );
  });

  it('remembers when a community was given its notice about a service, across a restart', () => {
    const { store, path } = openStore();
    expect(store.lastCommunityNotice('instagram', 'telegram:-1')).toBeNull();
    store.markCommunityNotice('instagram', 'telegram:-1', T0);
    store.markCommunityNotice('instagram', 'telegram:-1', T0 + MINUTE);
    expect(store.lastCommunityNotice('instagram', 'telegram:-1')).toBe(T0 + MINUTE);
    expect(store.lastCommunityNotice('instagram', 'telegram:-2')).toBeNull();
    expect(store.lastCommunityNotice('whatsapp', 'telegram:-1')).toBeNull();
    const again = openStore(path).store;
    expect(again.lastCommunityNotice('instagram', 'telegram:-1')).toBe(T0 + MINUTE);
    again.prune(T0 + 2 * MINUTE);
    expect(again.lastCommunityNotice('instagram', 'telegram:-1')).toBeNull();
  });
});
