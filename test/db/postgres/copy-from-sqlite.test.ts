import { execFile } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCrowdDetector } from '../../../src/core/crowd/crowd-detector.js';
import { sentSettlement, planDelivery } from '../../../src/core/delivery/delivery-plan.js';
import type { DetectionCommit } from '../../../src/core/detection/engine.js';
import { initialMonitorRecord } from '../../../src/core/detection/monitor-state.js';
import type { IncidentEvent } from '../../../src/core/events.js';
import { HOUR_MS } from '../../../src/db/check-encoding.js';
import { type Db, openDatabase } from '../../../src/db/database.js';
import {
  CopyRefusedError,
  CopySchemaError,
  copySqliteToPostgres,
  foreignKeyOrder,
  migratePostgresSchema,
  redactDatabaseUrl,
} from '../../../src/db/postgres/copy-from-sqlite.js';
import { SqliteChatMonitorStore } from '../../../src/db/sqlite-chat-monitor-store.js';
import { SqliteDetectionStore } from '../../../src/db/sqlite-detection-store.js';
import { SqliteBoardStore } from '../../../src/db/sqlite-board-store.js';
import { SqliteNoteStore } from '../../../src/db/sqlite-note-store.js';
import { SqliteHistoryStore } from '../../../src/db/sqlite-history-store.js';
import { SqliteOutboxStore } from '../../../src/db/sqlite-outbox-store.js';
import { SqliteReportStore } from '../../../src/db/sqlite-report-store.js';
import { SqliteSubscriptionStore } from '../../../src/db/sqlite-subscription-store.js';
import { buildCatalog } from '../../helpers/catalog.js';
import { testDatabase } from '../../helpers/postgres.js';
import { startPostgresCluster } from '../../helpers/postgres-cluster.js';
import { tempDbPath } from '../../helpers/temp-dir.js';

const T0 = Date.UTC(2024, 2, 19, 10, 0, 0);
const LEASE = { limit: 10, leaseMs: 60_000 };
const catalog = buildCatalog({ services: [{ id: 'whatsapp' }, { id: 'github' }] });
const clock = { now: () => T0 + 5 * HOUR_MS };

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

const pools: pg.Pool[] = [];
const sqlites: Db[] = [];
afterEach(() => {
  for (const db of sqlites.splice(0)) if (db.open) db.close();
});
afterAll(async () => {
  for (const pool of pools.splice(0)) await pool.end();
});

async function emptyTarget(): Promise<{ url: string; pool: pg.Pool }> {
  const url = await testDatabase();
  const pool = new pg.Pool({ connectionString: url, types, max: 2 });
  pools.push(pool);
  await migratePostgresSchema(pool);
  return { url, pool };
}

function incidentEvent(over: Partial<IncidentEvent>): Omit<IncidentEvent, 'incidentId'> {
  return {
    kind: 'opened',
    serviceId: 'whatsapp',
    serviceName: 'WhatsApp',
    group: 'meta',
    severity: 'major',
    status: 'down',
    startedAt: T0,
    at: T0,
    evidence: [],
    ...over,
  };
}

function check(monitorId: string, at: number, status: 'up' | 'down'): DetectionCommit {
  return {
    result: {
      monitorId,
      at,
      status,
      reason: status === 'down' ? 'timeout' : 'ok',
      message: status === 'down' ? 'timed out after 10 s' : 'ok',
      latencyMs: status === 'down' ? null : 120,
    },
    monitor: { id: monitorId, record: initialMonitorRecord(at) },
    service: {
      id: 'whatsapp',
      state: { status: status === 'down' ? 'down' : 'up', since: at, evidence: [] },
    },
    incident: null,
  };
}

/**
 * A SQLite database written by the real stores, with a row in every table: chats with settings,
 * a deactivated one, subscriptions in a forum topic; checks over several hours, rolled up; an
 * incident opened and resolved with its outbox rows, one delivered (message reference) and the
 * rest pending; reports with their salt, a community notice and a detector state; chat monitors
 * added and one removed, with their audit trail.
 */
function sourceDatabase(): { path: string; db: Db } {
  const path = tempDbPath('pgcopy-');
  const db = openDatabase(path);
  sqlites.push(db);
  const subs = new SqliteSubscriptionStore(db, { locale: 'en', timeZone: 'UTC' });
  subs.subscribe({ platform: 'telegram', chatId: '-1001', threadId: '42' }, 'whatsapp', 'minor', T0);
  subs.subscribe({ platform: 'telegram', chatId: '-1001' }, 'github', 'major', T0);
  subs.subscribe({ platform: 'discord', chatId: '900', guildId: 'g-7' }, '*', 'minor', T0);
  subs.subscribe({ platform: 'telegram', chatId: '55' }, 'whatsapp', 'minor', T0);
  subs.updateSettings(
    { platform: 'telegram', chatId: '-1001' },
    {
      locale: 'bn',
      timeZone: 'Asia/Dhaka',
      quietHours: { startMinute: 23 * 60, endMinute: 7 * 60 },
      mutedUntil: T0 + HOUR_MS,
    },
    T0,
  );
  subs.updateSettings({ platform: 'discord', chatId: '900' }, { mentionRoleId: 'role-1' }, T0);
  subs.subscribe({ platform: 'telegram', chatId: '77' }, 'github', 'minor', T0);
  subs.deactivateChat({ platform: 'telegram', chatId: '77' }, 'bot was kicked', T0 + 1000);

  const outbox = new SqliteOutboxStore(db);
  const detection = new SqliteDetectionStore(db, catalog);
  detection.addIncidentHook((e) => outbox.enqueueIncidentEvent(e));
  for (let i = 0; i < 3 * 60; i++) detection.commit(check('whatsapp-http', T0 + i * 60_000, 'up'));
  detection.commit(check('whatsapp-http', T0 + 3 * HOUR_MS, 'down'));
  const opened = detection.commit({
    ...check('whatsapp-http', T0 + 3 * HOUR_MS + 60_000, 'down'),
    incident: {
      decision: { kind: 'open', severity: 'major', startedAt: T0 + 3 * HOUR_MS },
      evidenceKey: 'timeout',
      event: incidentEvent({ startedAt: T0 + 3 * HOUR_MS, at: T0 + 3 * HOUR_MS + 60_000 }),
    },
  });
  const incidentId = opened.incidentId!;
  // An operator's note on the open incident (its alert update goes to the outbox too).
  new SqliteNoteStore(db, outbox).addNote({
    serviceId: 'whatsapp',
    at: T0 + 3 * HOUR_MS + 90_000,
    author: { platform: 'telegram', id: '1', name: 'Ops' },
    mark: 'identified',
    text: 'bad deploy',
  });
  // The opening alert is delivered to the topic chat: a sent row and a message reference.
  const due = T0 + 4 * HOUR_MS;
  for (const claim of outbox.claimDue('telegram', due, LEASE)) {
    outbox.settle(claim, sentSettlement(planDelivery(claim), `m-${claim.chat.chatId}`, due));
  }
  detection.commit({
    ...check('whatsapp-http', due + 60_000, 'up'),
    incident: {
      decision: { kind: 'resolve', incidentId, durationMs: due + 60_000 - (T0 + 3 * HOUR_MS) },
      evidenceKey: '',
      event: incidentEvent({ kind: 'resolved', status: 'up', startedAt: T0 + 3 * HOUR_MS, at: due + 60_000 }),
    },
  });
  new SqliteHistoryStore(db).rollUpCompleteHours(T0 + 5 * HOUR_MS);

  const reports = new SqliteReportStore(db);
  for (const [userId, chatId] of [
    ['u1', '-1001'],
    ['u2', '-1001'],
    ['u3', '55'],
  ] as const)
    reports.record({
      serviceId: 'whatsapp',
      platform: 'telegram',
      userId,
      chatId,
      guildId: null,
      privateChat: false,
      problem: 'sending',
      at: T0 + 3 * HOUR_MS + 30_000,
    });
  reports.flush();
  reports.markCommunityNotice('whatsapp', 'telegram:-1001', T0 + 3 * HOUR_MS + 40_000);
  reports.saveDetector('whatsapp', createCrowdDetector(), T0 + 3 * HOUR_MS + 40_000);

  const monitors = new SqliteChatMonitorStore(db);
  for (const name of ['Home', 'Shop'])
    monitors.add({
      ownerKey: 'telegram:-1001',
      platform: 'telegram',
      chatId: '-1001',
      name,
      kind: 'http',
      target: `https://${name.toLowerCase()}.example.org/`,
      intervalMs: 60_000,
      createdBy: 'admin-1',
      createdAt: T0,
    });
  monitors.remove('telegram:-1001', 'home', 'admin-1', T0 + HOUR_MS);
  monitors.setMaintenance({
    monitorId: 2,
    ownerKey: 'telegram:-1001',
    startsAt: T0 + 2 * HOUR_MS,
    endsAt: T0 + 3 * HOUR_MS,
    createdBy: 'admin-1',
    createdAt: T0 + HOUR_MS,
  });
  subs.setSilence({ platform: 'telegram', chatId: '-1001' }, 'github', T0 + 10 * HOUR_MS, T0 + 4 * HOUR_MS);
  // A live board (`/board`), posted in the topic chat.
  const boards = new SqliteBoardStore(db);
  boards.startBoard({ platform: 'telegram', chatId: '-1001', threadId: '42' }, T0);
  for (const board of boards.claimDueBoards('telegram', T0, { limit: 1, leaseMs: 60_000, minGapMs: 0 }))
    boards.settleBoard(board, { kind: 'shown', messageId: 'b-1', shown: 'Live status', at: T0 });
  return { path, db };
}

function sqliteTables(db: Db): string[] {
  return (
    db
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name",
      )
      .pluck()
      .all() as string[]
  ).filter((t) => t !== 'schema_migrations');
}

/** A row as comparable text: flags as 0/1, blobs as hex, keys sorted. */
function normalise(row: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row).sort()) {
    const v = row[key];
    out[key] = typeof v === 'boolean' ? (v ? 1 : 0) : Buffer.isBuffer(v) ? `blob:${v.toString('hex')}` : v;
  }
  return JSON.stringify(out);
}

const sqliteRows = (db: Db, table: string): string[] =>
  (db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]).map(normalise).sort();

async function pgRows(pool: pg.Pool, table: string): Promise<string[]> {
  const r = await pool.query<Record<string, unknown>>(`SELECT * FROM "${table}"`);
  return r.rows.map(normalise).sort();
}

async function pgCounts(pool: pg.Pool, tables: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const r = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t}"`);
    counts[t] = r.rows[0]!.n;
  }
  return counts;
}

describe('copySqliteToPostgres', () => {
  it('copies every table row for row, flags as booleans and blobs as bytea, ids kept', async () => {
    const { path, db } = sourceDatabase();
    const tables = sqliteTables(db);
    // The fixture reaches every table, so a table copied wrongly (or not at all) shows below.
    for (const t of tables)
      expect(db.prepare(`SELECT count(*) AS n FROM "${t}"`).get(), t).not.toEqual({ n: 0 });
    const { pool } = await emptyTarget();

    const summary = await copySqliteToPostgres({ from: path, pool, clock });

    expect(summary.tables.map((t) => t.table).sort()).toEqual(tables);
    for (const t of summary.tables)
      expect(t.rows, t.table).toBe(db.prepare(`SELECT count(*) AS n FROM "${t.table}"`).pluck().get());
    expect(summary.rows).toBe(summary.tables.reduce((n, t) => n + t.rows, 0));
    expect(summary.leasedAsPending).toBe(0);
    for (const t of tables) expect(await pgRows(pool, t), t).toEqual(sqliteRows(db, t));
    // The flags and blobs really are BOOLEAN and BYTEA values, not numbers or text.
    const chat = await pool.query('SELECT active FROM chats WHERE chat_id = $1', ['77']);
    expect(chat.rows).toEqual([{ active: false }]);
    const ref = await pool.query('SELECT editable, joinable, message_id FROM message_refs');
    expect(ref.rows).toContainEqual({ editable: true, joinable: true, message_id: 'm--1001' });
    const salt = await pool.query<{ salt: Buffer }>('SELECT salt FROM report_salt');
    expect(salt.rows[0]!.salt).toEqual(db.prepare('SELECT salt FROM report_salt').pluck().get());
  });

  it('reads one snapshot: rows the bot writes during the copy are not half copied', async () => {
    const { path, db } = sourceDatabase();
    const before = sqliteRows(db, 'crowd_reports');
    const { pool } = await emptyTarget();
    let written = 0;

    const summary = await copySqliteToPostgres({
      from: path,
      pool,
      clock,
      // After the first table, another connection adds a report and a chat (copied later and earlier).
      onTable: () => {
        if (written++ > 0) return;
        db.prepare(
          `INSERT INTO crowd_reports (service_id, reporter_hash, chat_key, problem, at)
           VALUES ('github', 'late', 'telegram:9', 'app', ?)`,
        ).run(T0);
        db.prepare(
          `INSERT INTO chats (platform, chat_id, locale, time_zone, created_at) VALUES ('telegram', 'late', 'en', 'UTC', ?)`,
        ).run(T0);
      },
    });

    expect(written).toBeGreaterThan(1);
    expect(await pgRows(pool, 'crowd_reports')).toEqual(before);
    expect((await pool.query("SELECT count(*)::int AS n FROM chats WHERE chat_id = 'late'")).rows).toEqual([
      { n: 0 },
    ]);
    expect(summary.tables.find((t) => t.table === 'crowd_reports')?.rows).toBe(before.length);
  });

  it('copies parents before the tables pointing at them', async () => {
    const { path } = sourceDatabase();
    const { pool } = await emptyTarget();
    const order = (await copySqliteToPostgres({ from: path, pool, clock })).tables.map((t) => t.table);
    const keys = await pool.query<{ child: string; parent: string }>(
      `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid WHERE k.contype = 'f'`,
    );
    expect(keys.rows.length).toBeGreaterThan(0);
    for (const k of keys.rows)
      expect(order.indexOf(k.parent), `${k.parent} before ${k.child}`).toBeLessThan(order.indexOf(k.child));
  });

  it('continues every identity after the copied ids', async () => {
    const { path, db } = sourceDatabase();
    const { pool } = await emptyTarget();
    await copySqliteToPostgres({ from: path, pool, clock });

    const maxRef = db.prepare('SELECT max(ref) FROM chats').pluck().get() as number;
    const chat = await pool.query<{ ref: number }>(
      `INSERT INTO chats (platform, chat_id, locale, time_zone, created_at)
       VALUES ('telegram', 'new', 'en', 'UTC', $1) RETURNING ref`,
      [T0],
    );
    expect(chat.rows[0]!.ref).toBe(maxRef + 1);
    const maxIncident = db.prepare('SELECT max(id) FROM incidents').pluck().get() as number;
    const incident = await pool.query<{ id: number }>(
      `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, evidence_key, evidence_json)
       VALUES ('github', 'minor', 'degraded', $1, $1, '', '[]') RETURNING id`,
      [T0],
    );
    expect(incident.rows[0]!.id).toBe(maxIncident + 1);
    // And every other identity column: its next value is one past the highest copied id.
    const identities = await pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name NOT IN ('chats', 'incidents')`,
    );
    expect(identities.rows.length).toBeGreaterThan(5);
    for (const { table_name: t, column_name: c } of identities.rows) {
      const max = db.prepare(`SELECT max("${c}") FROM "${t}"`).pluck().get() as number;
      const next = await pool.query<{ n: number }>('SELECT nextval(pg_get_serial_sequence($1, $2)) AS n', [
        `"${t}"`,
        c,
      ]);
      expect(next.rows[0]!.n, `${t}.${c}`).toBe(max + 1);
    }
  });

  it('refuses a target that holds data, and writes nothing', async () => {
    const { path, db } = sourceDatabase();
    const { pool } = await emptyTarget();
    await pool.query(
      `INSERT INTO crowd_reports (service_id, reporter_hash, chat_key, problem, at)
       VALUES ('github', 'h', 'telegram:1', 'app', $1)`,
      [T0],
    );

    const err = await copySqliteToPostgres({ from: path, pool, clock }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(CopyRefusedError);
    expect((err as CopyRefusedError).nonEmpty).toEqual(['crowd_reports']);
    expect((err as Error).message).toMatch(/already holds data \(in crowd_reports\).*--replace/);
    const counts = await pgCounts(pool, sqliteTables(db));
    expect(Object.entries(counts).filter(([, n]) => n > 0)).toEqual([['crowd_reports', 1]]);
  });

  it('with replace, empties the target first and copies', async () => {
    const { path, db } = sourceDatabase();
    const { pool } = await emptyTarget();
    await copySqliteToPostgres({ from: path, pool, clock });
    await pool.query(
      `INSERT INTO chats (platform, chat_id, locale, time_zone, created_at) VALUES ('discord', 'only-in-pg', 'en', 'UTC', $1)`,
      [T0],
    );

    await copySqliteToPostgres({ from: path, pool, clock, replace: true });

    for (const t of sqliteTables(db)) expect(await pgRows(pool, t), t).toEqual(sqliteRows(db, t));
  });

  it('leaves the target as it was when a row fails mid-copy', async () => {
    const { path, db } = sourceDatabase();
    // A subscription of a chat that does not exist: SQLite takes it with foreign keys off,
    // PostgreSQL refuses it, after the tables before it in the order were copied.
    db.pragma('foreign_keys = OFF');
    db.prepare(
      "INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at) VALUES (999, 'x', 'minor', 1)",
    ).run();
    db.pragma('foreign_keys = ON');
    const tables = sqliteTables(db);
    const empty = await emptyTarget();

    await expect(copySqliteToPostgres({ from: path, pool: empty.pool, clock })).rejects.toThrow(
      /copying subscriptions failed: .*foreign key/,
    );
    expect(Object.values(await pgCounts(empty.pool, tables)).every((n) => n === 0)).toBe(true);

    // With replace, the target's earlier rows are still there after the failure (the TRUNCATE too is undone).
    const filled = await emptyTarget();
    await filled.pool.query(
      `INSERT INTO chats (platform, chat_id, locale, time_zone, created_at) VALUES ('discord', 'kept', 'en', 'UTC', $1)`,
      [T0],
    );
    await expect(
      copySqliteToPostgres({ from: path, pool: filled.pool, clock, replace: true }),
    ).rejects.toThrow(/subscriptions/);
    const kept = await filled.pool.query('SELECT chat_id FROM chats');
    expect(kept.rows).toEqual([{ chat_id: 'kept' }]);
  });

  it('leaves the target as it was when the server goes away mid-copy', async () => {
    const { path, db } = sourceDatabase();
    const cluster = await startPostgresCluster();
    const pool = new pg.Pool({ connectionString: cluster.url, types, max: 2 });
    // The server's fast shutdown ends the connections: the pool reports it on idle clients.
    pool.on('error', () => undefined);
    try {
      await migratePostgresSchema(pool);
      let tablesCopied = 0;

      await expect(
        copySqliteToPostgres({
          from: path,
          pool,
          clock,
          onTable: async () => {
            if (++tablesCopied === 3) await cluster.pause();
          },
        }),
      ).rejects.toThrow();

      expect(tablesCopied).toBe(3);
      await cluster.start();
      expect(Object.values(await pgCounts(pool, sqliteTables(db))).every((n) => n === 0)).toBe(true);
    } finally {
      await pool.end();
      await cluster.stop();
    }
  });

  it('names the table when PostgreSQL refuses a value SQLite held (a NUL in a text)', async () => {
    const { path, db } = sourceDatabase();
    db.prepare("INSERT INTO meta (key, value) VALUES ('odd', 'a' || char(0) || 'b')").run();
    const { pool } = await emptyTarget();

    await expect(copySqliteToPostgres({ from: path, pool, clock })).rejects.toThrow(/^copying meta failed: /);
    expect(Object.values(await pgCounts(pool, sqliteTables(db))).every((n) => n === 0)).toBe(true);
  });

  it('copies outbox rows leased at copy time as pending, due at once, the attempt counted', async () => {
    const { path, db } = sourceDatabase();
    const outbox = new SqliteOutboxStore(db);
    outbox.enqueueIncidentEvent({
      ...incidentEvent({ serviceId: 'github', serviceName: 'GitHub' }),
      incidentId: 50,
    });
    const claims = outbox.claimDue('telegram', T0 + 5 * HOUR_MS, LEASE);
    expect(claims.length).toBeGreaterThan(0);
    const leased = db
      .prepare("SELECT id, attempts FROM outbox WHERE status = 'leased' ORDER BY id")
      .all() as { id: number; attempts: number }[];
    const { pool } = await emptyTarget();

    const summary = await copySqliteToPostgres({ from: path, pool, clock });

    expect(summary.leasedAsPending).toBe(leased.length);
    const copied = await pool.query(
      `SELECT id, status, attempts, next_attempt_at, lease_until, lease_token FROM outbox
       WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [leased.map((r) => r.id)],
    );
    expect(copied.rows).toEqual(
      leased.map((r) => ({
        id: r.id,
        status: 'pending',
        attempts: r.attempts + 1,
        next_attempt_at: clock.now(),
        lease_until: null,
        lease_token: null,
      })),
    );
    expect((await pool.query("SELECT count(*)::int AS n FROM outbox WHERE status = 'leased'")).rows).toEqual([
      { n: 0 },
    ]);
  });

  it('refuses a SQLite table the PostgreSQL schema does not have, instead of skipping it', async () => {
    const { path, db } = sourceDatabase();
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    db.exec('ALTER TABLE chats ADD COLUMN nickname TEXT');
    const { pool } = await emptyTarget();

    const err = await copySqliteToPostgres({ from: path, pool, clock }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(CopySchemaError);
    expect((err as CopySchemaError).problems).toEqual([
      'chats: column(s) nickname not in PostgreSQL',
      'table notes is in SQLite but not in PostgreSQL',
    ]);
    const known = sqliteTables(db).filter((t) => t !== 'notes');
    expect(Object.values(await pgCounts(pool, known)).every((n) => n === 0)).toBe(true);
  });

  it('refuses a missing SQLite file rather than creating an empty one', async () => {
    const { pool } = await emptyTarget();
    const missing = tempDbPath('pgcopy-missing-');
    await expect(copySqliteToPostgres({ from: missing, pool, clock })).rejects.toThrow(
      /no SQLite database at/,
    );
  });
});

describe('foreignKeyOrder', () => {
  it('puts parents first and otherwise sorts by name', () => {
    expect(
      foreignKeyOrder(
        ['c', 'b', 'a', 'd'],
        [
          { child: 'a', parent: 'c' },
          { child: 'c', parent: 'd' },
          { child: 'b', parent: 'b' },
        ],
      ),
    ).toEqual(['b', 'd', 'c', 'a']);
  });

  it('refuses a cycle', () => {
    expect(() =>
      foreignKeyOrder(
        ['a', 'b'],
        [
          { child: 'a', parent: 'b' },
          { child: 'b', parent: 'a' },
        ],
      ),
    ).toThrow(/cycle among a, b/);
  });
});

describe('redactDatabaseUrl', () => {
  it('hides the password wherever the URL carries it', () => {
    expect(redactDatabaseUrl('postgres://bot:s3cret@db.internal:5432/bot')).toBe(
      'postgres://bot:***@db.internal:5432/bot',
    );
    expect(redactDatabaseUrl('postgres://bot@db/bot?password=s3cret&sslmode=require')).toBe(
      'postgres://bot@db/bot?password=***&sslmode=require',
    );
    expect(redactDatabaseUrl('postgres://bot@db/bot')).toBe('postgres://bot@db/bot');
    expect(redactDatabaseUrl('host=db password=s3cret')).not.toContain('s3cret');
  });
});

describe('npm run db:migrate-to-postgres', () => {
  const run = (
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      // tsx from node_modules, as `npm run` finds it (npx would add an npm start-up to each run).
      execFile(
        'node_modules/.bin/tsx',
        ['scripts/migrate-to-postgres.ts', ...args],
        { env: { ...process.env, DATABASE_URL: '', DATABASE_URL_FILE: '', ...env } },
        (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr }),
      );
    });

  it('copies, prints the rows per table without the password, and refuses a second run', async () => {
    const { path, db } = sourceDatabase();
    const tables = sqliteTables(db);
    const counts = Object.fromEntries(
      tables.map((t) => [t, db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]),
    );
    db.close();
    const url = new URL(await testDatabase());
    // The test server trusts loopback: the password is ignored, but it is in the URL to be hidden.
    url.username = 'postgres';
    url.password = 'pw-never-printed';

    const first = await run(['--from', path, '--to', url.toString()]);

    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Copying ${path} to postgres://postgres:***@`);
    for (const t of tables) expect(first.stdout).toMatch(new RegExp(`^  ${t} +${counts[t]}$`, 'm'));
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(first.stdout).toMatch(new RegExp(`^  total +${total} rows$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^  ${tables.length} tables in \\d+\\.\\d s$`, 'm'));

    // The same again, the target given by DATABASE_URL: refused, exit code 1.
    const second = await run(['--from', path], { DATABASE_URL: url.toString() });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already holds data .*--replace/);
    expect(first.stdout + second.stdout + second.stderr).not.toContain('pw-never-printed');

    const pool = new pg.Pool({ connectionString: url.toString(), types, max: 1 });
    pools.push(pool);
    expect(await pgCounts(pool, tables)).toEqual(counts);
  });

  it('exits 1 with the usage when no target is given', async () => {
    const result = await run(['--from', join('nowhere', 'bot.db')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no PostgreSQL database given.*\nusage:/s);
  });
});
