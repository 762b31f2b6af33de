/**
 * Scale (docs/design.md §8): the bot as users run it (`npm start`, no chat tokens) with 10,000 HTTP monitors
 * every 60 s against a loopback target in another process (BENCH_SCALE_MONITORS and
 * BENCH_SCALE_INTERVAL change both: e.g. 100000 and 600s for start-up and memory at 100,000 without
 * flooding the host). Start-up: when every monitor is scheduled (the start-up line), when /healthz
 * first answered and its slowest answer from then through the warm-up. Reports the share of checks started
 * within 1 s of their slot and the event-loop delay p99 (both from the bot's own /metrics), the
 * bot process's peak RSS (/proc VmHWM, start-up included) and the database growth per hour. One
 * warm-up minute, then BENCH_SCALE_MINUTES (default 5, so the crowd runtime's 5-minute step, which
 * touches every service, is always inside) measured minutes, scraped every 15 s as a
 * Prometheus would. BENCH_SCALE_COMMAND replaces `npm start` (e.g. to compare start commands);
 * BENCH_SCALE_CROWD=false turns crowd reports off in the services (on by default, as for users).
 * BENCH_SCALE_CHAT=discord, telegram or discord,telegram connects the bot to the local fake
 * platforms of test/fakes (the chat libraries loaded and connected, as with real tokens); the
 * figures then include the fakes' process tree only in "whole process tree" (they run in this one).
 *
 * BENCH_SCALE_BACKEND=postgres starts the bot with DATABASE_URL set to a database on a durable
 * throw-away PostgreSQL server (bench/postgres.ts); `both` runs SQLite, then PostgreSQL, the same
 * workload, and sets the bot's CPU per check side by side. On PostgreSQL the server's CPU (its
 * process tree, from /proc) is given apart and the growth is that of pg_total_relation_size (dead
 * row versions included: autovacuum runs as on any server). The warm-up must leave checks in
 * PostgreSQL, else the run stops: a bot that does not read DATABASE_URL would measure SQLite.
 */
import { once } from 'node:events';
import { statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import Database from 'better-sqlite3';
import type { PgDb } from '../src/db/postgres/pool.js';
import { startFakeDiscord } from '../test/fakes/discord/index.js';
import { startFakeTelegram } from '../test/fakes/telegram/fake-telegram.js';
import { type AppProcess, appEnv, httpServicesYaml, startApp } from './app-process.js';
import { type BenchPostgres, relationSizes, startBenchPostgres } from './postgres.js';
import {
  descendants,
  fmt,
  procCpuMs,
  procMemory,
  samples,
  startTargetProcess,
  sum,
  tempDir,
} from './support.js';

/** How many monitors and how often (BENCH_SCALE_MONITORS, BENCH_SCALE_INTERVAL; default 10,000 every 60 s). */
const MONITORS = Number(process.env['BENCH_SCALE_MONITORS'] ?? 10_000);
const INTERVAL = process.env['BENCH_SCALE_INTERVAL'] ?? '60s';
const HEALTH_POLL_MS = 100;
const WARM_UP_MS = 60_000;
const SCRAPE_MS = 15_000;
/** Start-up reads and validates every service: allow more time for more of them. */
const START_TIMEOUT_MS = 120_000 + MONITORS * 3;
const MB = 2 ** 20;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port free right now, for the bot to listen on (so /healthz can be asked while it starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

/**
 * Asks /healthz every HEALTH_POLL_MS while the bot starts: when it first answered, and the slowest
 * answer until `stop` (the event loop held by start-up work shows as a slow answer).
 */
function pollHealth(url: string, startedAt: number): { stop(): { readyMs: number; worstMs: number } } {
  let readyMs = NaN;
  let worstMs = 0;
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const sent = Date.now();
      try {
        const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(60_000) });
        await response.arrayBuffer();
        const took = Date.now() - sent;
        if (Number.isNaN(readyMs)) readyMs = Date.now() - startedAt;
        else worstMs = Math.max(worstMs, took);
      } catch {
        // not listening yet
      }
      await sleep(HEALTH_POLL_MS);
    }
  };
  void loop();
  return {
    stop: () => {
      running = false;
      return { readyMs, worstMs };
    },
  };
}

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

/** Folds the WAL into the database file (retrying while the bot holds a write) and returns its size. */
async function checkpointedBytes(db: Database.Database, path: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    if (row?.busy === 0) break;
    await sleep(100);
  }
  return dbBytes(path);
}

/** Bytes of each table and index (SQLite's dbstat), to say which part of the growth is what. */
function tableBytes(db: Database.Database): Map<string, number> {
  const rows = db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all() as {
    name: string;
    bytes: number;
  }[];
  return new Map(rows.map((row) => [row.name, row.bytes]));
}

const CHAT_PLATFORMS = ['discord', 'telegram'] as const;
type ChatPlatformName = (typeof CHAT_PLATFORMS)[number];

function chatPlatformsFromEnv(): ChatPlatformName[] {
  const names = (process.env['BENCH_SCALE_CHAT'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !(CHAT_PLATFORMS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`BENCH_SCALE_CHAT: unknown platform ${unknown.join(', ')} (discord, telegram)`);
  return [...new Set(names)] as ChatPlatformName[];
}

/** Local fake platforms for the bot to connect to, and the environment that points it at them. */
async function startChatFakes(
  platforms: readonly ChatPlatformName[],
): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  const env: Record<string, string> = {};
  const closers: (() => Promise<void>)[] = [];
  if (platforms.includes('discord')) {
    const fake = await startFakeDiscord();
    closers.push(() => fake.close());
    const guild = fake.addGuild({ name: 'Bench', channels: [{ name: 'alerts' }] });
    Object.assign(env, {
      DISCORD_TOKEN: fake.token,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_GUILD_ID: guild.id,
      DISCORD_API_ROOT: fake.restUrl,
    });
  }
  if (platforms.includes('telegram')) {
    const fake = await startFakeTelegram();
    closers.push(() => fake.close());
    Object.assign(env, { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot });
  }
  return { env, close: async () => void (await Promise.allSettled(closers.map((close) => close()))) };
}

/** Reads the database's size while the bot runs. */
interface SizeReader {
  /** All of the database's bytes (SQLite: the file with its WAL folded in; PostgreSQL: every table). */
  bytes(): Promise<number>;
  /** Bytes of each table and index. */
  tables(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** The database the bot runs on in one scale run. */
interface ScaleBackend {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** What the bot's environment gets to use it. */
  readonly env: Record<string, string>;
  /** Opened after the warm-up (the bot has made the database by then). */
  openReader(): Promise<SizeReader>;
  /** The database server's CPU time so far, in ms (PostgreSQL only). */
  readonly serverCpuMs?: () => number;
  close(): Promise<void>;
}

function sqliteScaleBackend(dbPath: string): ScaleBackend {
  return {
    name: 'SQLite',
    // Empty: a DATABASE_URL in the developer's environment or .env would otherwise win.
    env: { DATABASE_URL: '', DATABASE_PATH: dbPath },
    openReader: async () => {
      const reader = new Database(dbPath);
      return {
        bytes: () => checkpointedBytes(reader, dbPath),
        tables: async () => tableBytes(reader),
        close: async () => void reader.close(),
      };
    },
    close: async () => undefined,
  };
}

async function postgresScaleBackend(dbPath: string): Promise<ScaleBackend> {
  const server: BenchPostgres = await startBenchPostgres({ durable: true });
  let reader: PgDb | undefined;
  return {
    name: 'PostgreSQL',
    // DATABASE_PATH too, in the temporary folder: a bot that does not read DATABASE_URL writes there.
    env: { DATABASE_URL: server.url, DATABASE_PATH: dbPath },
    openReader: async () => {
      reader = await server.open(2);
      const { pool } = reader;
      const wrote = await pool.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM check_chunks) AS any');
      if (wrote.rows[0]?.any !== true)
        throw new Error('no check reached PostgreSQL in the warm-up: does the bot read DATABASE_URL?');
      return {
        bytes: async () => (await relationSizes(pool)).total,
        tables: async () => new Map((await relationSizes(pool)).relations.map((r) => [r.name, r.bytes])),
        close: async () => undefined,
      };
    },
    serverCpuMs: () => server.serverCpuMs(),
    close: async () => {
      await reader?.close();
      await server.stop();
    },
  };
}

function scaleBackendsFromEnv(): ScaleBackend['name'][] {
  const wanted = process.env['BENCH_SCALE_BACKEND'] ?? 'sqlite';
  if (wanted === 'sqlite') return ['SQLite'];
  if (wanted === 'postgres') return ['PostgreSQL'];
  if (wanted === 'both') return ['SQLite', 'PostgreSQL'];
  throw new Error(`BENCH_SCALE_BACKEND: ${wanted} is not sqlite, postgres or both`);
}

export async function runScaleBench(): Promise<Record<string, number>> {
  const results: Partial<Record<ScaleBackend['name'], Record<string, number>>> = {};
  for (const name of scaleBackendsFromEnv()) results[name] = await runScale(name);
  const sqlite = results.SQLite;
  const postgres = results.PostgreSQL;
  if (sqlite && postgres) {
    const ratio = (postgres['cpuMicrosPerCheck'] ?? NaN) / (sqlite['cpuMicrosPerCheck'] ?? NaN);
    const withServer =
      ((postgres['cpuMicrosPerCheck'] ?? NaN) + (postgres['serverCpuMicrosPerCheck'] ?? NaN)) /
      (sqlite['cpuMicrosPerCheck'] ?? NaN);
    console.log('\n## Scale, PostgreSQL against SQLite (the two runs above, one after the other)');
    console.log(
      `bot CPU per check, PostgreSQL / SQLite:    ${fmt(ratio, 2)} (bot + server: ${fmt(withServer, 2)})`,
    );
    return { ...sqlite, ...prefixed('postgres_', postgres), postgresCpuRatio: ratio };
  }
  return sqlite ?? prefixed('postgres_', postgres ?? {});
}

const prefixed = (prefix: string, figures: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(figures).map(([key, value]) => [`${prefix}${key}`, value]));

async function runScale(backendName: ScaleBackend['name']): Promise<Record<string, number>> {
  const measuredMinutes = Number(process.env['BENCH_SCALE_MINUTES'] ?? 5);
  const command = process.env['BENCH_SCALE_COMMAND'] ?? 'npm start --silent';
  const crowd = process.env['BENCH_SCALE_CROWD'] !== 'false';
  const chat = chatPlatformsFromEnv();
  const target = await startTargetProcess();
  const fakes = await startChatFakes(chat);
  const dir = tempDir('bench-scale-');
  let app: AppProcess | undefined;
  let backend: ScaleBackend | undefined;
  let health: ReturnType<typeof pollHealth> | undefined;
  try {
    const port = await freePort();
    const servicesFile = `${dir.path}/services.yaml`;
    writeFileSync(
      servicesFile,
      httpServicesYaml(MONITORS, target.url, INTERVAL, crowd ? {} : { service: 'crowd: false' }),
    );
    const dbPath = `${dir.path}/bench.db`;
    backend = backendName === 'SQLite' ? sqliteScaleBackend(dbPath) : await postgresScaleBackend(dbPath);
    // The port is chosen ahead so /healthz can be asked from the spawn on (start-up included).
    health = pollHealth(`http://127.0.0.1:${port}`, Date.now());
    let measuring = false;
    let skipped = 0;
    app = await startApp({
      command,
      env: appEnv(servicesFile, { ...fakes.env, ...backend.env, HTTP_PORT: String(port) }),
      startTimeoutMs: START_TIMEOUT_MS,
      onStderrLine: (line) => {
        if (measuring && line.includes('check skipped')) skipped++;
      },
    });
    const { pid, child, baseUrl, startMs, commandLine: botCommand, scrape } = app;
    const startRssMb = procMemory(pid, 'VmHWM') / MB;

    await sleep(WARM_UP_MS);
    const startHealth = health.stop();
    const healthz = (await (await fetch(`${baseUrl}/healthz`)).json()) as {
      platforms: Record<string, { connected: boolean }>;
    };
    const notConnected = chat.filter((name) => healthz.platforms[name]?.connected !== true);
    if (notConnected.length > 0)
      throw new Error(
        `not connected after the warm-up: ${notConnected.join(', ')} (${JSON.stringify(healthz)})`,
      );
    const reader = await backend.openReader();
    const first = await scrape(); // also restarts the event-loop delay histogram
    const bytesBefore = await reader.bytes();
    const tablesBefore = await reader.tables();
    const cpuBefore = procCpuMs(pid);
    const serverCpuBefore = backend.serverCpuMs?.() ?? 0;
    let peakRssSampled = 0;
    let peakTreeRss = 0;
    const rssTimer = setInterval(() => {
      peakRssSampled = Math.max(peakRssSampled, procMemory(pid, 'VmRSS'));
      const tree = [child.pid ?? 0, ...descendants(child.pid ?? 0)];
      peakTreeRss = Math.max(
        peakTreeRss,
        tree.reduce((total, p) => total + procMemory(p, 'VmRSS'), 0),
      );
    }, 1000);
    measuring = true;
    const measuredMs = measuredMinutes * 60_000;
    // Event-loop figures are per scrape window (prom-client restarts its histogram at each scrape);
    // the heap is what the scrape saw. The worst window is kept.
    const worst = { p99: 0, max: 0, heap: 0, external: 0 };
    const keepWorst = (key: keyof typeof worst, text: string, name: string): void => {
      for (const sample of samples(text, name)) worst[key] = Math.max(worst[key], sample.value);
    };
    let last = first;
    for (let elapsed = 0; elapsed < measuredMs; elapsed += SCRAPE_MS) {
      await sleep(Math.min(SCRAPE_MS, measuredMs - elapsed));
      last = await scrape();
      keepWorst('p99', last, 'nodejs_eventloop_lag_p99_seconds');
      keepWorst('max', last, 'nodejs_eventloop_lag_max_seconds');
      keepWorst('heap', last, 'nodejs_heap_size_used_bytes');
      keepWorst('external', last, 'nodejs_external_memory_bytes');
    }
    measuring = false;
    const cpuMs = procCpuMs(pid) - cpuBefore;
    const serverCpuMs = backend.serverCpuMs ? backend.serverCpuMs() - serverCpuBefore : NaN;
    clearInterval(rssTimer);
    const growth = (await reader.bytes()) - bytesBefore;
    const tablesAfter = await reader.tables();
    await reader.close();
    const perHour = (bytes: number): number => (bytes / MB) * (3_600_000 / measuredMs);
    const growthByTable = [...tablesAfter]
      .map(([name, bytes]) => ({ name, mbPerHour: perHour(bytes - (tablesBefore.get(name) ?? 0)) }))
      .filter((table) => Math.abs(table.mbPerHour) >= 0.05)
      .sort((a, b) => b.mbPerHour - a.mbPerHour);
    const crowdStateMb = (tablesAfter.get('crowd_detectors') ?? 0) / MB;
    const peakRss = procMemory(pid, 'VmHWM');

    const delta = (name: string, labelPart = ''): number =>
      sum(last, name, labelPart) - sum(first, name, labelPart);
    const lateness = 'incident_bot_check_start_lateness_seconds';
    const started = delta(`${lateness}_count`);
    const result = {
      checksStarted: started,
      onTimeShare: delta(`${lateness}_bucket`, 'le="1"') / Math.max(1, started),
      down: delta('incident_bot_checks_total', 'outcome="down"'),
      skipped,
      loopDelayP99Ms: worst.p99 * 1000,
      loopDelayMaxMs: worst.max * 1000,
      peakRssMb: peakRss / MB,
      peakRssMeasuredMb: peakRssSampled / MB,
      peakTreeRssMb: peakTreeRss / MB,
      peakHeapMb: worst.heap / MB,
      peakExternalMb: worst.external / MB,
      startSeconds: startMs / 1000,
      healthReadySeconds: startHealth.readyMs / 1000,
      startHealthWorstMs: startHealth.worstMs,
      startPeakRssMb: startRssMb,
      cpuShare: cpuMs / measuredMs,
      cpuMicrosPerCheck: (cpuMs * 1000) / Math.max(1, started),
      serverCpuShare: serverCpuMs / measuredMs,
      serverCpuMicrosPerCheck: (serverCpuMs * 1000) / Math.max(1, started),
      dbGrowthMbPerHour: perHour(growth),
      crowdStateMb,
    };
    console.log(
      '\n## Scale (%d HTTP monitors every %s, %d measured minutes%s)',
      MONITORS,
      INTERVAL,
      measuredMinutes,
      `${crowd ? '' : ', crowd reports off'}${chat.length > 0 ? `, connected to fake ${chat.join(' and ')}` : ', no chat tokens'}` +
        (backend.name === 'SQLite' ? '' : `; ${backend.name}, durable throw-away server`),
    );
    console.log(
      `bot process:                              ${botCommand} (via \`${command}\`, up in ${fmt(result.startSeconds)} s)`,
    );
    console.log(
      `start-up:                                 every monitor scheduled at ${fmt(result.startSeconds)} s, ` +
        `/healthz first answered at ${fmt(result.healthReadySeconds)} s; slowest /healthz after that and in the ` +
        `warm-up ${fmt(result.startHealthWorstMs)} ms (asked every ${HEALTH_POLL_MS} ms); peak RSS at start-up ${fmt(result.startPeakRssMb)} MB`,
    );
    console.log(
      `checks started:                           ${result.checksStarted} (${result.down} down, ${result.skipped} skipped)`,
    );
    console.log(
      `started within 1 s of slot:               ${fmt(result.onTimeShare * 100, 2)} % (target ≥ 99 %)`,
    );
    console.log(
      `event-loop delay p99 / max:               ${fmt(result.loopDelayP99Ms)} / ${fmt(result.loopDelayMaxMs)} ms (target p99 < 50 ms; worst 15 s window)`,
    );
    console.log(
      `peak RSS:                                 ${fmt(result.peakRssMb)} MB (target < 150 MB; VmHWM, start-up included); ` +
        `measured minutes ${fmt(result.peakRssMeasuredMb)} MB; JS heap ${fmt(result.peakHeapMb)} MB, ` +
        `external ${fmt(result.peakExternalMb)} MB at scrapes; whole process tree ${fmt(result.peakTreeRssMb)} MB`,
    );
    console.log(
      `bot CPU:                                  ${fmt(result.cpuShare * 100)} % of one core (measured minutes); ` +
        `${fmt(result.cpuMicrosPerCheck)} µs per check started`,
    );
    if (backend.serverCpuMs)
      console.log(
        `PostgreSQL server CPU:                    ${fmt(result.serverCpuShare * 100)} % of one core; ` +
          `${fmt(result.serverCpuMicrosPerCheck)} µs per check started (its process tree, /proc)`,
      );
    console.log(
      `database growth:                          ${fmt(result.dbGrowthMbPerHour)} MB/hour (raw checks, before roll-up` +
        `${backend.name === 'SQLite' ? '' : '; pg_total_relation_size, dead row versions included'})`,
    );
    console.log(
      `  by table and index (MB/hour):           ${growthByTable.map((t) => `${t.name} ${fmt(t.mbPerHour)}`).join(', ')}`,
    );
    console.log(
      `  crowd detector states at the end:       ${fmt(crowdStateMb)} MB (the quiet detector's row and one per service ` +
        `with reports or a state of its own)`,
    );
    return result;
  } finally {
    health?.stop();
    await app?.stop();
    await target.stop();
    await fakes.close();
    await backend?.close();
    dir.remove();
  }
}
