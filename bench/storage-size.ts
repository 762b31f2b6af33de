/**
 * Database size after a year at 1,000 monitors every 60 s (target: under 100 MB). Writes 48 hours
 * of raw checks through the real commit path, rolls them up with the real roll-up, and fills the
 * other 398 days of roll-ups through the history store (writing a year of raw checks would take
 * hours and end in the same roll-ups).
 */
import { statSync } from 'node:fs';
import { parseServices } from '../src/config/services-file.js';
import { DAY_MS, HOUR_MS, type HourBucket } from '../src/db/check-encoding.js';
import { openDatabase } from '../src/db/database.js';
import { initialMonitorRecord } from '../src/core/detection/monitor-state.js';
import { SqliteDetectionStore } from '../src/db/sqlite-detection-store.js';
import { ROLLUP_RETENTION_MS, SqliteHistoryStore } from '../src/db/sqlite-history-store.js';
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

export async function runStorageBench(): Promise<Record<string, number>> {
  const dir = tempDir('bench-storage-');
  const path = `${dir.path}/year.db`;
  const random = mulberry32(42);
  const started = performance.now();
  try {
    const yaml = `services:\n${Array.from(
      { length: MONITORS },
      (_, i) => `  - { id: s${i}, name: S${i}, monitors: [ { type: http, url: "https://s${i}.example/" } ] }`,
    ).join('\n')}\n`;
    const services = parseServices(yaml);
    const db = openDatabase(path);
    const store = new SqliteDetectionStore(db, services);
    const history = new SqliteHistoryStore(db);
    const end = Date.UTC(2026, 10, 28);
    const rawStart = end - RAW_HOURS * HOUR_MS;
    const record = initialMonitorRecord(rawStart);
    const batch = db.transaction((at: number) => {
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
