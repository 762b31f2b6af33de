import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HourBucket, decodeDay } from '../../src/db/check-encoding.js';
import {
  BUSY_TIMEOUT_MS,
  type Db,
  PAGE_CACHE_KIB,
  listMigrations,
  migrate,
  openDatabase,
} from '../../src/db/database.js';

let dir: string;
const open: Db[] = [];
const openAt = (path: string): Db => {
  const db = openDatabase(path);
  open.push(db);
  return db;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'database-'));
});
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const tables = (db: Db): string[] =>
  (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  ).map((r) => r.name);

/** An in-memory database with the shipped migrations before `version` applied, to test that one. */
const migratedBefore = (version: number): Db => {
  const db = new Database(':memory:');
  open.push(db);
  migrate(
    db,
    listMigrations().filter((m) => m.version < version),
  );
  return db;
};

describe('openDatabase', () => {
  it('creates the file, its directory and every table on first open', () => {
    const db = openAt(join(dir, 'nested', 'data', 'bot.sqlite'));
    expect(tables(db)).toEqual(
      expect.arrayContaining([
        'monitors',
        'monitor_state',
        'service_state',
        'incidents',
        'incident_events',
        'check_chunks',
        'check_failures',
        'check_rollups',
        'meta',
        'schema_migrations',
      ]),
    );
  });

  it('records each shipped migration once, in order', () => {
    const db = openAt(join(dir, 'bot.sqlite'));
    const shipped = listMigrations();
    expect(shipped.length).toBeGreaterThan(0);
    expect(db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(
      shipped.map((m) => ({ version: m.version, name: m.name })),
    );
  });

  it('applies nothing again on reopen', () => {
    const path = join(dir, 'bot.sqlite');
    const first = openAt(path);
    const before = first.prepare('SELECT * FROM schema_migrations').all();
    first.close();

    const second = openAt(path);
    expect(second.prepare('SELECT * FROM schema_migrations').all()).toEqual(before);
    expect(migrate(second)).toEqual([]);
  });

  it('sets WAL, foreign keys, the busy timeout and the page cache size', () => {
    const db = openAt(join(dir, 'bot.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
    expect(db.pragma('cache_size', { simple: true })).toBe(-PAGE_CACHE_KIB);
  });

  it('enforces foreign keys', () => {
    const db = openAt(join(dir, 'bot.sqlite'));
    expect(() =>
      db
        .prepare(
          "INSERT INTO incident_events (incident_id, kind, at, payload_json) VALUES (42, 'opened', 0, '{}')",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
  });

  it('allows at most one open incident per service', () => {
    const db = openAt(join(dir, 'bot.sqlite'));
    const insert = db.prepare(
      `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, resolved_at, evidence_key, evidence_json)
       VALUES ('github', 'major', 'down', ?, ?, ?, '', '[]')`,
    );
    insert.run(1, 1, 2);
    insert.run(3, 3, null);
    expect(() => insert.run(4, 4, null)).toThrow(/UNIQUE/);
  });
});

describe('migrate', () => {
  it('applies only migrations newer than the database, and returns their versions', () => {
    const db = openAt(join(dir, 'bot.sqlite'));
    const next = { version: 999, name: '999_extra.sql', sql: 'CREATE TABLE extra (x INTEGER);' };
    expect(migrate(db, [...listMigrations(), next])).toEqual([999]);
    expect(tables(db)).toContain('extra');
    expect(migrate(db, [...listMigrations(), next])).toEqual([]);
  });

  it('rolls back a failing migration entirely and does not record it', () => {
    const db = openAt(join(dir, 'bot.sqlite'));
    const broken = {
      version: 998,
      name: '998_broken.sql',
      sql: 'CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);',
    };
    expect(() => migrate(db, [...listMigrations(), broken])).toThrow(/no_such_table/);
    expect(tables(db)).not.toContain('half_done');
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({
      v: Math.max(...listMigrations().map((m) => m.version)),
    });
  });

  it('re-encodes v1 roll-up days to v2 (005) without changing what they say', () => {
    const db = migratedBefore(5);
    const slots: (HourBucket | null)[] = [
      null,
      { count: 60, failures: 0, degraded: 0, p50: 120, p95: 480 },
      { count: 3600, failures: 7, degraded: 2, p50: 95, p95: null },
      { count: 1, failures: 1, degraded: 0, p50: null, p95: null },
    ];
    db.prepare("INSERT INTO monitors (id, service_id, type, target) VALUES ('m', 's', 'http', 'x')").run();
    const ref = (db.prepare("SELECT ref FROM monitors WHERE id = 'm'").get() as { ref: number }).ref;
    const v1 = encodeDayV1(slots);
    db.prepare('INSERT INTO check_rollups (monitor_ref, day, data) VALUES (?, 1, ?)').run(ref, v1);
    expect(migrate(db)).toContain(5);
    const row = db.prepare('SELECT data FROM check_rollups').get() as { data: Buffer };
    expect(decodeDay(row.data)).toEqual(slots);
    expect(row.data.length).toBeLessThan(v1.length);
  });

  it('closes incidents left open by chat monitors removed before 008, at their removal time', () => {
    const db = migratedBefore(8);
    const incident = db.prepare(
      `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, resolved_at, evidence_key, evidence_json)
       VALUES (?, 'major', 'down', 100, 200, ?, '', '[]')`,
    );
    incident.run('chat-1', null); // removed at 500 (audit)
    incident.run('chat-2', null); // still monitored
    incident.run('chat-3', null); // removed, no audit row: ends at its last update
    incident.run('github', null); // a catalogue service
    incident.run('chat-4', 300); // already resolved
    db.prepare(
      `INSERT INTO chat_monitors (id, owner_key, platform, chat_id, name, name_key, kind, target, interval_ms, created_by, created_at)
       VALUES (2, 'telegram:1', 'telegram', '1', 'Shop', 'shop', 'http', 'https://shop.example/', 60000, 'u', 0)`,
    ).run();
    db.prepare(
      `INSERT INTO chat_monitor_audit (owner_key, monitor_id, name, target, action, actor, at)
       VALUES ('telegram:1', 1, 'Old', 'https://old.example/', 'add', 'u', 50),
              ('telegram:1', 1, 'Old', 'https://old.example/', 'remove', 'u', 500)`,
    ).run();
    expect(migrate(db)).toContain(8);
    expect(
      db.prepare('SELECT service_id, status, updated_at, resolved_at FROM incidents ORDER BY id').all(),
    ).toEqual([
      { service_id: 'chat-1', status: 'unknown', updated_at: 500, resolved_at: 500 },
      { service_id: 'chat-2', status: 'down', updated_at: 200, resolved_at: null },
      { service_id: 'chat-3', status: 'unknown', updated_at: 200, resolved_at: 200 },
      { service_id: 'github', status: 'down', updated_at: 200, resolved_at: null },
      { service_id: 'chat-4', status: 'down', updated_at: 200, resolved_at: 300 },
    ]);
  });

  it('moves the platform and language rules into the code (012), keeping every row, index and cascade', () => {
    const db = migratedBefore(12);
    db.pragma('foreign_keys = ON');
    db.prepare(
      "INSERT INTO chats (ref, platform, chat_id, locale, time_zone, created_at) VALUES (7, 'telegram', '-100', 'bn', 'Asia/Dhaka', 5)",
    ).run();
    db.prepare("INSERT INTO subscriptions VALUES (7, '*', 'minor', 0, '42')").run();
    db.prepare(
      "INSERT INTO outbox_events (id, incident_id, kind, payload_json, created_at) VALUES (1, 1, 'opened', '{}', 0)",
    ).run();
    db.prepare(
      `INSERT INTO outbox (id, platform, chat_ref, event_id, incident_id, event_kind, status, next_attempt_at, created_at, thread_id)
       VALUES (3, 'telegram', 7, 1, 1, 'opened', 'pending', 0, 0, '42')`,
    ).run();
    db.prepare(
      "INSERT INTO message_refs (chat_ref, incident_id, message_id, created_at, thread_id) VALUES (7, 1, '99', 0, '42')",
    ).run();
    db.prepare(
      `INSERT INTO chat_monitors (id, owner_key, platform, chat_id, name, name_key, kind, target, interval_ms, created_by, created_at)
       VALUES (2, 'telegram:-100', 'telegram', '-100', 'Shop', 'shop', 'http', 'https://shop.example/', 60000, 'u', 0)`,
    ).run();
    expect(migrate(db)).toContain(12);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(
      db.prepare('SELECT ref, platform, chat_id, locale, time_zone, created_at FROM chats').all(),
    ).toEqual([
      { ref: 7, platform: 'telegram', chat_id: '-100', locale: 'bn', time_zone: 'Asia/Dhaka', created_at: 5 },
    ]);
    expect(db.prepare('SELECT id, chat_ref, status, thread_id FROM outbox').all()).toEqual([
      { id: 3, chat_ref: 7, status: 'pending', thread_id: '42' },
    ]);
    expect(db.prepare('SELECT name FROM chat_monitors').all()).toEqual([{ name: 'Shop' }]);
    const indexes = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' AND sql IS NOT NULL",
        )
        .all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    expect(indexes.sort()).toEqual(
      [
        'outbox_by_chat',
        'outbox_by_chat_incident',
        'outbox_by_event',
        'outbox_chat_open',
        'outbox_due',
      ].sort(),
    );
    // A platform or language the code adds later is stored; the other rules still hold.
    db.prepare(
      "INSERT INTO chats (platform, chat_id, locale, time_zone, created_at) VALUES ('webhook', 'ops', 'hi', 'UTC', 0)",
    ).run();
    expect(() => db.prepare("UPDATE outbox SET status = 'lost' WHERE id = 3").run()).toThrow(
      /CHECK constraint/,
    );
    // The children still point at the rebuilt chats table: deleting a chat cascades.
    db.prepare('DELETE FROM chats WHERE ref = 7').run();
    expect(db.prepare('SELECT count(*) AS n FROM subscriptions').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM message_refs').get()).toEqual({ n: 0 });
  });

  it('adds forum topics (009): existing subscriptions, queued alerts and references go to the chat itself', () => {
    const db = migratedBefore(9);
    db.prepare(
      "INSERT INTO chats (ref, platform, chat_id, locale, time_zone, created_at) VALUES (1, 'telegram', '-100', 'en', 'UTC', 0)",
    ).run();
    db.prepare("INSERT INTO subscriptions VALUES (1, '*', 'minor', 0)").run();
    db.prepare(
      "INSERT INTO outbox_events (id, incident_id, kind, payload_json, created_at) VALUES (1, 1, 'opened', '{}', 0)",
    ).run();
    db.prepare(
      `INSERT INTO outbox (platform, chat_ref, event_id, incident_id, event_kind, status, next_attempt_at, created_at)
       VALUES ('telegram', 1, 1, 1, 'opened', 'pending', 0, 0)`,
    ).run();
    db.prepare(
      'INSERT INTO message_refs (chat_ref, incident_id, message_id, editable, created_at) VALUES (1, 1, NULL, 0, 0)',
    ).run();
    expect(migrate(db)).toContain(9);
    for (const table of ['subscriptions', 'outbox', 'message_refs'])
      expect(db.prepare(`SELECT thread_id FROM ${table}`).all()).toEqual([{ thread_id: null }]);
  });

  it('migrates a bare database opened without openDatabase', () => {
    const db = new Database(':memory:');
    open.push(db);
    expect(migrate(db)).toEqual(listMigrations().map((m) => m.version));
  });
});

/** The v1 layout of a roll-up day (before migration 005): every slot stores all five numbers. */
function encodeDayV1(slots: readonly (HourBucket | null)[]): Buffer {
  const out: number[] = [];
  const varint = (value: number) => {
    let v = value;
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
  };
  for (const b of slots) {
    varint(b?.count ?? 0);
    if (!b) continue;
    varint(b.failures);
    varint(b.degraded);
    varint(b.p50 === null ? 0 : b.p50 + 1);
    varint(b.p95 === null ? 0 : b.p95 + 1);
  }
  return Buffer.from(out);
}
