/**
 * Scale (issue 2): 10,000 HTTP monitors every 60 s through the real scheduler, probes, detection
 * engine and SQLite store, against a loopback target in another process. Reports the share of
 * checks started within 1 s of their slot, event-loop delay p99, peak RSS and database growth per
 * hour. One warm-up minute, then BENCH_SCALE_MINUTES (default 2) measured minutes.
 */
import { statSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseServices } from '../src/config/services-file.js';
import { DetectionEngine } from '../src/core/detection-engine.js';
import { openDatabase } from '../src/db/database.js';
import { SqliteDetectionStore } from '../src/db/sqlite-detection-store.js';
import { Scheduler } from '../src/monitors/scheduler.js';
import { fmt, startTargetProcess, tempDir } from './support.js';

const MONITORS = 10_000;
const INTERVAL = '60s';
const WARM_UP_MS = 60_000;
const ON_TIME_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function dbBytes(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(path + suffix).size;
    } catch {
      // no WAL file yet
    }
  }
  return total;
}

export async function runScaleBench(): Promise<Record<string, number>> {
  const measuredMinutes = Number(process.env['BENCH_SCALE_MINUTES'] ?? 2);
  const target = await startTargetProcess();
  const dir = tempDir('bench-scale-');
  try {
    const yaml = `services:\n${Array.from(
      { length: MONITORS },
      (_, i) =>
        `  - { id: s${i}, name: S${i}, monitors: [ { type: http, url: "${target.url}", every: ${INTERVAL} } ] }`,
    ).join('\n')}\n`;
    const services = parseServices(yaml);
    const dbPath = `${dir.path}/bench.db`;
    const db = openDatabase(dbPath);
    const store = new SqliteDetectionStore(db, services);
    const clock = { now: () => Date.now() };
    const engine = new DetectionEngine(services, store, clock, { roundMs: 60_000 });

    let measuring = false;
    const tally = { started: 0, onTime: 0, results: 0, down: 0, skipped: 0 };
    const scheduler = new Scheduler(
      services.monitors,
      {
        onStart: (_monitor, slot, startedAt) => {
          if (!measuring) return;
          tally.started++;
          if (startedAt - slot <= ON_TIME_MS) tally.onTime++;
        },
        onResult: (monitor, outcome) => {
          engine.handleResult(monitor.id, outcome);
          if (!measuring) return;
          tally.results++;
          if (outcome.status === 'down') tally.down++;
        },
        onSkip: () => {
          if (measuring) tally.skipped++;
        },
      },
      { clock },
    );
    scheduler.start();
    await sleep(WARM_UP_MS);

    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytesBefore = dbBytes(dbPath);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let peakRss = 0;
    let peakHeap = 0;
    let peakExternal = 0;
    const rssTimer = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakExternal = Math.max(peakExternal, m.external);
    }, 1000);
    measuring = true;
    const measuredMs = measuredMinutes * 60_000;
    await sleep(measuredMs);
    measuring = false;
    clearInterval(rssTimer);
    delay.disable();
    await scheduler.stop();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const growth = dbBytes(dbPath) - bytesBefore;
    db.close();

    const result = {
      checksStarted: tally.started,
      onTimeShare: tally.onTime / Math.max(1, tally.started),
      down: tally.down,
      skipped: tally.skipped,
      loopDelayP99Ms: delay.percentile(99) / 1e6,
      loopDelayMaxMs: delay.max / 1e6,
      peakRssMb: peakRss / 2 ** 20,
      peakHeapMb: peakHeap / 2 ** 20,
      peakExternalMb: peakExternal / 2 ** 20,
      dbGrowthMbPerHour: (growth / 2 ** 20) * (3_600_000 / measuredMs),
    };
    console.log(
      '\n## Scale (%d HTTP monitors every %s, %d measured minutes)',
      MONITORS,
      INTERVAL,
      measuredMinutes,
    );
    console.log(
      `checks started:                           ${result.checksStarted} (${result.down} down, ${result.skipped} skipped)`,
    );
    console.log(
      `started within 1 s of slot:               ${fmt(result.onTimeShare * 100, 2)} % (target ≥ 99 %)`,
    );
    console.log(
      `event-loop delay p99 / max:               ${fmt(result.loopDelayP99Ms)} / ${fmt(result.loopDelayMaxMs)} ms (target p99 < 50 ms)`,
    );
    console.log(
      `peak RSS:                                 ${fmt(result.peakRssMb)} MB (target < 150 MB); ` +
        `JS heap ${fmt(result.peakHeapMb)} MB, external ${fmt(result.peakExternalMb)} MB`,
    );
    console.log(
      `database growth:                          ${fmt(result.dbGrowthMbPerHour)} MB/hour (raw checks, before roll-up)`,
    );
    return result;
  } finally {
    await target.stop();
    dir.remove();
  }
}
