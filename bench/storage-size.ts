/**
 * Database size after a year at 1,000 monitors every 60 s (target: under 100 MB). Writes 48 hours
 * of raw checks through the real commit path, rolls them up with the real roll-up, and fills the
 * other 398 days of roll-ups through the history store (writing a year of raw checks would take
 * hours and end in the same roll-ups).
 *
 * With PostgreSQL (BENCH_BACKEND, see bench/postgres.ts) the same workload (same seed, same calls)
 * goes through PostgresDetectionStore and PostgresHistoryStore on a throw-away server, after
 * SQLite's. Its size is pg_total_relation_size of every table (indexes and TOAST included), read
 * three times: as written (autovacuum on, as on a server), after VACUUM (ANALYZE) (dead row
 * versions made free space the tables keep), and after VACUUM FULL (tables rewritten to their live
 * rows: the headline figure, set against SQLite's file). Rows updated in place (monitor_state every
 * check, check_chunks every check, a day's roll-up row every hour) leave dead versions; on a live
 * server autovacuum reclaims them about once a minute, while this bench writes 48 hours in minutes,
 * so the first two figures overstate a running database's size and VACUUM FULL understates it a
 * little (no free space at all). The server is not durable (no
 * fsync): durability changes the WAL and the disk flushes, not the tables' bytes, and a year of
 * roll-ups written one autocommit each would otherwise wait for ~400,000 flushes.
 */
import { statSync } from 'node:fs';
import { parseServices } from '../src/config/services-file.js';
import { DAY_MS, HOUR_MS, type HourBucket } from '../src/db/check-encoding.js';
import { openDatabase } from '../src/db/database.js';
import { initialMonitorRecord } from '../src/core/detection/monitor-state.js';
import { SqliteDetectionStore } from '../src/db/sqlite-detection-store.js';
import { PostgresDetectionStore } from '../src/db/postgres/postgres-detection-store.js';
import { PostgresHistoryStore } from '../src/db/postgres/postgres-history-store.js';
import type { Catalog } from '../src/core/catalog.js';
import type { DetectionStore } from '../src/core/detection/engine.js';
import { ROLLUP_RETENTION_MS, SqliteHistoryStore } from '../src/db/sqlite-history-store.js';
import { benchBackends, relationSizes, startBenchPostgres } from './postgres.js';
import { fmt, tempDir } from './support.js';

const MONITORS = 1000;
const INTERVAL_MS = 60_000;
const RAW_HOURS = Number(process.env.BENCH_STORAGE_RAW_HOURS ?? 48);

/** A small deterministic PRNG, so every run writes the same data. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One minute of checks, every monitor once, 1 % of them failing: the same calls on both backends. */
function commitMinute(
  store: Pick<DetectionStore, 'commit'>,
  services: ReturnType<typeof benchServices>,
  record: ReturnType<typeof initialMonitorRecord>,
  at: number,
  random: () => number,
): void {
  for (const m of services.monitors) {
    const down = random() < 0.01;
    store.commit({
      result: {
        monitorId: m.id,
        at: Math.floor(at + random() * 1000),
        status: down ? 'down' : 'up',
        reason: down ? 'timeout' : 'ok',
        message: down ? 'timed out after 10000 ms' : 'HTTP 200',
        latencyMs: down ? null : 40 + Math.round(random() * 400),
      },
      monitor: { id: m.id, record },
      service: null,
      incident: null,
    });
  }
}

export async function runStorageBench(): Promise<Record<string, number>> {
  const backends = benchBackends();
  const sqlite = backends.sqlite ? await runSqliteStorageBench() : {};
  const postgres = backends.postgres ? await runPostgresStorageBench() : {};
  return { ...sqlite, ...postgres };
}

async function runSqliteStorageBench(): Promise<Record<string, number>> {
  const dir = tempDir('bench-storage-');
  const path = `${dir.path}/year.db`;
  const random = mulberry32(42);
  const started = performance.now();
  try {
    const services = benchServices();
    const db = openDatabase(path);
    const store = new SqliteDetectionStore(db, services);
    const history = new SqliteHistoryStore(db);
    const end = Date.UTC(2026, 10, 28);
    const rawStart = end - RAW_HOURS * HOUR_MS;
    const record = initialMonitorRecord(rawStart);
    const batch = db.transaction((at: number) => {
      commitMinute(store, services, record, at, random);
    });
    for (let at = rawStart; at < end; at += INTERVAL_MS) batch(at);
    const rawWritten = performance.now();
    history.rollUpCompleteHours(end);
    const rolledUp = performance.now();

    const firstDay = Math.floor((end - ROLLUP_RETENTION_MS) / DAY_MS) + 1;
    const lastRawDay = Math.floor(rawStart / DAY_MS);
    const fillDays = db.transaction((day: number) => {
      for (const m of services.monitors) {
        const ref = store.monitorRef(m.id);
        if (ref === undefined) continue;
        const slots: HourBucket[] = Array.from({ length: 24 }, () => {
          const p50 = 40 + Math.round(random() * 400);
          const failures = random() < 0.02 ? 1 + Math.round(random() * 5) : 0;
          return { count: 60, failures, degraded: 0, p50, p95: p50 + Math.round(random() * 600) };
        });
        history.storeDay(ref, day, slots);
      }
    });
    for (let day = firstDay; day < lastRawDay; day++) fillDays(day);
    const filled = performance.now();
    history.prune(end);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const tables = db
      .prepare(`SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 6`)
      .all() as { name: string; bytes: number }[];
    const rollupRows = (db.prepare('SELECT COUNT(*) AS n FROM check_rollups').get() as { n: number }).n;
    db.close();
    const bytes = statSync(path).size;
    console.log('\n## Storage: one year at %d monitors every 60 s', MONITORS);
    console.log(
      `database file: ${fmt(bytes / 1e6)} MB (target < 100 MB); ${rollupRows} day rows of roll-ups`,
    );
    for (const t of tables) console.log(`  ${t.name.padEnd(28)} ${fmt(t.bytes / 1e6)} MB`);
    const s = (from: number, to: number) => fmt((to - from) / 1000);
    console.log(
      `(written in ${s(started, performance.now())} s: raw ${s(started, rawWritten)} s, ` +
        `roll-up ${s(rawWritten, rolledUp)} s, other days ${s(rolledUp, filled)} s)`,
    );
    return { megabytes: bytes / 1e6 };
  } finally {
    dir.remove();
  }
}

/** 1,000 services of one HTTP monitor each (never probed: the checks are made up). */
function benchServices(): Catalog {
  const yaml = `services:\n${Array.from(
    { length: MONITORS },
    (_, i) => `  - { id: s${i}, name: S${i}, monitors: [ { type: http, url: "https://s${i}.example/" } ] }`,
  ).join('\n')}\n`;
  return parseServices(yaml);
}

/** The same workload as SQLite's, call for call and random number for random number. */
async function runPostgresStorageBench(): Promise<Record<string, number>> {
  const server = await startBenchPostgres({ durable: false });
  const random = mulberry32(42);
  const started = performance.now();
  try {
    const services = benchServices();
    const pgDb = await server.open();
    const { pool } = pgDb;
    // The raw checks are committed minute by minute (each minute one batch: 1,000 commits, the
    // queue's most per transaction), as SQLite's bench writes one transaction a minute.
    const store = await PostgresDetectionStore.open(pool, services);
    const history = new PostgresHistoryStore(pool, { pendingWrites: () => store.flush() });
    const end = Date.UTC(2026, 10, 28);
    const rawStart = end - RAW_HOURS * HOUR_MS;
    const record = initialMonitorRecord(rawStart);
    for (let at = rawStart; at < end; at += INTERVAL_MS) {
      commitMinute(store, services, record, at, random);
      await store.flush();
    }
    const rawWritten = performance.now();
    await history.rollUpCompleteHours(end);
    const rolledUp = performance.now();

    const firstDay = Math.floor((end - ROLLUP_RETENTION_MS) / DAY_MS) + 1;
    const lastRawDay = Math.floor(rawStart / DAY_MS);
    for (let day = firstDay; day < lastRawDay; day++) {
      const writes: Promise<void>[] = [];
      for (const m of services.monitors) {
        const ref = store.monitorRef(m.id);
        if (ref === undefined) continue;
        const slots: HourBucket[] = Array.from({ length: 24 }, () => {
          const p50 = 40 + Math.round(random() * 400);
          const failures = random() < 0.02 ? 1 + Math.round(random() * 5) : 0;
          return { count: 60, failures, degraded: 0, p50, p95: p50 + Math.round(random() * 600) };
        });
        writes.push(history.storeDay(ref, day, slots));
      }
      await Promise.all(writes);
    }
    const filled = performance.now();
    await history.prune(end);
    store.close();

    const asWritten = await relationSizes(pool);
    await pool.query('VACUUM (ANALYZE)');
    const vacuumed = await relationSizes(pool);
    await pool.query('VACUUM FULL');
    const full = await relationSizes(pool);
    const database = await pool.query<{ bytes: number }>(
      'SELECT pg_database_size(current_database()) AS bytes',
    );
    const rollupRows = await pool.query<{ n: number }>('SELECT COUNT(*)::bigint AS n FROM check_rollups');
    await pgDb.close();

    const mb = (bytes: number): string => fmt(bytes / 1e6);
    console.log('\n## Storage on PostgreSQL: one year at %d monitors every 60 s (same workload)', MONITORS);
    console.log(
      `tables, indexes and TOAST (pg_total_relation_size): ${mb(full.total)} MB after VACUUM FULL ` +
        `(target < 100 MB); ${mb(vacuumed.total)} MB after VACUUM (ANALYZE), ${mb(asWritten.total)} MB as written ` +
        `(dead versions of rows updated in place: 48 hours written in minutes); ` +
        `${rollupRows.rows[0]?.n ?? 0} day rows of roll-ups`,
    );
    console.log(
      `whole database (pg_database_size, after VACUUM FULL, system catalogs included): ${mb(database.rows[0]?.bytes ?? 0)} MB`,
    );
    console.log('  after VACUUM (ANALYZE) / VACUUM FULL, tables (heap + TOAST) and indexes:');
    const fullBytes = new Map(full.relations.map((r) => [r.name, r.bytes]));
    for (const r of vacuumed.relations.slice(0, 8))
      console.log(`  ${r.name.padEnd(28)} ${mb(r.bytes)} / ${mb(fullBytes.get(r.name) ?? 0)} MB`);
    const s = (from: number, to: number) => fmt((to - from) / 1000);
    console.log(
      `(written in ${s(started, performance.now())} s: raw ${s(started, rawWritten)} s, ` +
        `roll-up ${s(rawWritten, rolledUp)} s, other days ${s(rolledUp, filled)} s)`,
    );
    return {
      postgresMegabytes: full.total / 1e6,
      postgresVacuumedMegabytes: vacuumed.total / 1e6,
      postgresAsWrittenMegabytes: asWritten.total / 1e6,
    };
  } finally {
    await server.stop();
  }
}
