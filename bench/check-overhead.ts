/**
 * Check overhead (docs/design.md §8): CPU time per check of the engine (probe + detection + persistence in
 * SQLite) against CPU time per request of a bare undici loop, same loopback target in another
 * process, same concurrency, rounds interleaved so machine noise hits both alike.
 *
 * The HTTP probe opens a fresh connection per check (it measures what a user's first request
 * sees), so the like-for-like baseline is a bare request on a fresh connection, set up and torn
 * down as the probe does it (a Client, destroyed with a prepared error): the ratio then
 * counts only what a check adds to the request. The same request with undici's defaults (a Pool,
 * a new ClientDestroyedError per destroy) and the keep-alive loop, the cheapest thing undici can
 * do, are printed too, with the engine again on monitors that set `reuse: true` (a kept-alive
 * connection per origin, shared by them): its CPU per check is the figure for operators who want
 * cheap frequent checks (target ≤ 200 µs), set against the bare keep-alive loop.
 *
 * With PostgreSQL (BENCH_BACKEND, see bench/postgres.ts): the same checks through the PostgreSQL
 * detection store (commit queue, one transaction per batch) on a durable throw-away server, its
 * rounds interleaved with SQLite's (SQLite's first). The bot process's CPU per check is set against
 * SQLite's (target ≤ 1.5×); the server's CPU (its whole process tree, from /proc) is given apart.
 * SQLite's rounds run whatever BENCH_BACKEND says: they are the baseline.
 */
import { Agent, request } from 'undici';
import { parseServices } from '../src/config/services-file.js';
import { DetectionEngine } from '../src/core/detection/engine.js';
import { openDatabase } from '../src/db/database.js';
import { PostgresDetectionStore } from '../src/db/postgres/postgres-detection-store.js';
import { SqliteDetectionStore, WRITE_BEHIND_MS } from '../src/db/sqlite-detection-store.js';
import { runProbe } from '../src/monitors/scheduler.js';
import { bareFreshAgent, bareFreshUndici } from './bare-request.js';
import { BOT_POOL_SIZE, type BenchPostgres, benchBackends, startBenchPostgres } from './postgres.js';
import { cpuMicros, fmt, startTargetProcess, tempDir } from './support.js';

const CHECKS_PER_ROUND = 2000;
const ROUNDS = 9;
const CONCURRENCY = 8;
/** Checks are spread over this many monitors, as a real schedule spreads them. */
const MONITORS = 200;

async function inParallel(total: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) await work(next++);
    }),
  );
}

async function measure(
  work: (i: number) => Promise<void>,
  finish?: () => void | Promise<void>,
): Promise<number> {
  const before = cpuMicros();
  await inParallel(CHECKS_PER_ROUND, work);
  await finish?.();
  return (cpuMicros() - before) / CHECKS_PER_ROUND;
}

export async function runCheckOverheadBench(): Promise<Record<string, number>> {
  const withPostgres = benchBackends().postgres;
  const target = await startTargetProcess();
  const dir = tempDir('bench-overhead-');
  let server: BenchPostgres | undefined;
  try {
    const yaml = `services:\n${Array.from(
      { length: MONITORS },
      (_, i) => `  - { id: s${i}, name: S${i}, monitors: [ { type: http, url: "${target.url}" } ] }`,
    ).join('\n')}\n`;
    const services = parseServices(yaml);
    // The same monitors with `reuse: true`, their own ids (their own detection state in one store).
    const reuseServices = parseServices(
      yaml.replaceAll('{ type: http,', '{ type: http, reuse: true,').replaceAll('id: s', 'id: r'),
    );
    const db = openDatabase(`${dir.path}/bench.db`);
    // As the app runs it: results written behind, many per transaction (flushed within each round).
    const store = new SqliteDetectionStore(db, services, { writeBehindMs: WRITE_BEHIND_MS });
    const engine = new DetectionEngine(services, store, { now: () => Date.now() }, { roundMs: 60_000 });
    const reuseDb = openDatabase(`${dir.path}/bench-reuse.db`);
    const reuseStore = new SqliteDetectionStore(reuseDb, reuseServices, { writeBehindMs: WRITE_BEHIND_MS });
    const reuseEngine = new DetectionEngine(
      reuseServices,
      reuseStore,
      { now: () => Date.now() },
      { roundMs: 60_000 },
    );
    const shutdown = new AbortController().signal;
    const keepAlive = new Agent();

    const checkWith =
      (detection: DetectionEngine, config = services) =>
      async (i: number): Promise<void> => {
        const monitor = config.monitors[i % MONITORS];
        if (!monitor) return;
        detection.handleResult(monitor.id, await runProbe(monitor, shutdown));
      };
    const engineCheck = checkWith(engine);
    const reuseCheck = checkWith(reuseEngine, reuseServices);
    // What is still held at the end of a round is written inside it, so every round pays for its own.
    const flush = (): void => store.flush();
    const reuseFlush = (): void => reuseStore.flush();

    // PostgreSQL: a durable server of its own and a pool as the bot opens it (DATABASE_POOL_SIZE's default).
    server = withPostgres ? await startBenchPostgres({ durable: true }) : undefined;
    const pgDb = server ? await server.open() : undefined;
    const pgStore = pgDb ? await PostgresDetectionStore.open(pgDb.pool, services) : undefined;
    const pgEngine = pgStore
      ? new DetectionEngine(services, pgStore, { now: () => Date.now() }, { roundMs: 60_000 })
      : undefined;
    const pgCheck = pgEngine ? checkWith(pgEngine) : undefined;
    const pgFlush = (): Promise<void> | undefined => pgStore?.flush();
    // The same request as the probe's: its timeouts, certificate check and User-Agent, one
    // connection, a prepared error at teardown. Only what a check adds around it is left to count.
    const timeoutMs = services.monitors[0]?.timeoutMs ?? 10_000;
    const bareFresh = bareFreshUndici(target.url, timeoutMs);
    // The same through an Agent with one connection per origin (which makes the same Client): how
    // the probe set up its connections before 2026-12-08; kept to compare with older figures.
    const bareFreshAgentRequest = bareFreshAgent(target.url, timeoutMs);
    const bareFreshDefaults = async (): Promise<void> => {
      const agent = new Agent();
      const res = await request(target.url, { dispatcher: agent });
      await res.body.text();
      await agent.destroy();
    };
    const bareKeepAlive = async (): Promise<void> => {
      const res = await request(target.url, { dispatcher: keepAlive });
      await res.body.text();
    };

    await measure(engineCheck, flush); // warm-up: JIT, SQLite pages, sockets
    await measure(reuseCheck, reuseFlush);
    if (pgCheck) await measure(pgCheck, pgFlush); // and PostgreSQL's connections, plans, pages
    await measure(bareFresh);
    await measure(bareFreshAgentRequest);
    await measure(bareFreshDefaults);
    await measure(bareKeepAlive);
    const samples = {
      engine: [] as number[],
      reuse: [] as number[],
      fresh: [] as number[],
      freshAgent: [] as number[],
      freshDefaults: [] as number[],
      keepAlive: [] as number[],
      postgres: [] as number[],
      /** The server's CPU per check during each PostgreSQL round, in µs. */
      server: [] as number[],
    };
    const serverBefore = server?.serverCpuMs() ?? 0;
    for (let r = 0; r < ROUNDS; r++) {
      samples.engine.push(await measure(engineCheck, flush));
      if (pgCheck && server) {
        const before = server.serverCpuMs();
        samples.postgres.push(await measure(pgCheck, pgFlush));
        samples.server.push(((server.serverCpuMs() - before) * 1000) / CHECKS_PER_ROUND);
      }
      samples.fresh.push(await measure(bareFresh));
      samples.freshAgent.push(await measure(bareFreshAgentRequest));
      samples.freshDefaults.push(await measure(bareFreshDefaults));
      samples.keepAlive.push(await measure(bareKeepAlive));
      samples.reuse.push(await measure(reuseCheck, reuseFlush));
    }
    // Everything the server did while the rounds ran (its background work too), per PostgreSQL check.
    const serverWholeRun = server
      ? ((server.serverCpuMs() - serverBefore) * 1000) / (ROUNDS * CHECKS_PER_ROUND)
      : NaN;
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    // Each ratio is the median of per-round ratios: a round of the engine and the baseline's round
    // right after it share the machine's state, so a slow spell (other work on the host) cancels out.
    const ratio = (baseline: number[]): number =>
      median(samples.engine.map((engine, r) => engine / (baseline[r] ?? NaN)));
    const result = {
      engineMicrosPerCheck: median(samples.engine),
      bareFreshMicrosPerRequest: median(samples.fresh),
      bareFreshAgentMicrosPerRequest: median(samples.freshAgent),
      bareFreshDefaultsMicrosPerRequest: median(samples.freshDefaults),
      bareKeepAliveMicrosPerRequest: median(samples.keepAlive),
      ratioVsFresh: ratio(samples.fresh),
      ratioVsFreshAgent: ratio(samples.freshAgent),
      ratioVsFreshDefaults: ratio(samples.freshDefaults),
      ratioVsKeepAlive: ratio(samples.keepAlive),
      engineReuseMicrosPerCheck: median(samples.reuse),
      ratioReuseVsKeepAlive: median(samples.reuse.map((reuse, r) => reuse / (samples.keepAlive[r] ?? NaN))),
    };
    console.log(
      '\n## Check overhead (CPU per check, median of %d rounds × %d checks; ratios: median of per-round ratios)',
      ROUNDS,
      CHECKS_PER_ROUND,
    );
    console.log(`engine (probe + detection + SQLite):      ${fmt(result.engineMicrosPerCheck)} µs`);
    console.log(`bare undici, fresh connection:           ${fmt(result.bareFreshMicrosPerRequest)} µs`);
    console.log(`bare undici, fresh, Agent per request:   ${fmt(result.bareFreshAgentMicrosPerRequest)} µs`);
    console.log(
      `bare undici, fresh, undici's defaults:    ${fmt(result.bareFreshDefaultsMicrosPerRequest)} µs`,
    );
    console.log(`bare undici, keep-alive:                 ${fmt(result.bareKeepAliveMicrosPerRequest)} µs`);
    console.log(`ratio vs like-for-like (fresh):          ${fmt(result.ratioVsFresh, 2)} (target ≤ 1.3)`);
    console.log(`ratio vs fresh, Agent per request:       ${fmt(result.ratioVsFreshAgent, 2)}`);
    console.log(`ratio vs fresh with undici's defaults:   ${fmt(result.ratioVsFreshDefaults, 2)}`);
    console.log(`ratio vs keep-alive:                     ${fmt(result.ratioVsKeepAlive, 2)}`);
    console.log(
      `engine, monitors with reuse: true:        ${fmt(result.engineReuseMicrosPerCheck)} µs (target ≤ 200 µs)`,
    );
    console.log(`ratio reuse: true vs keep-alive:         ${fmt(result.ratioReuseVsKeepAlive, 2)}`);
    await keepAlive.destroy();
    reuseDb.close();
    db.close();
    if (!pgStore || !pgDb) return result;

    pgStore.close();
    await pgDb.close();
    const perRound = (a: number[], b: number[]): number[] => a.map((x, r) => x / (b[r] ?? NaN));
    const withServer = samples.postgres.map((bot, r) => bot + (samples.server[r] ?? NaN));
    const pgResult = {
      postgresBotMicrosPerCheck: median(samples.postgres),
      postgresServerMicrosPerCheck: median(samples.server),
      postgresServerWholeRunMicrosPerCheck: serverWholeRun,
      ratioPostgresVsSqlite: median(perRound(samples.postgres, samples.engine)),
      ratioPostgresWithServerVsSqlite: median(perRound(withServer, samples.engine)),
      ratioPostgresVsFresh: median(perRound(samples.postgres, samples.fresh)),
    };
    console.log(
      "\n## Check overhead on PostgreSQL (same run, its rounds after SQLite's; durable server, pool of %d)",
      BOT_POOL_SIZE,
    );
    console.log(
      `engine (probe + detection + PostgreSQL):  ${fmt(pgResult.postgresBotMicrosPerCheck)} µs (bot process)`,
    );
    console.log(
      `PostgreSQL server, per check:            ${fmt(pgResult.postgresServerMicrosPerCheck)} µs in its rounds; ` +
        `${fmt(pgResult.postgresServerWholeRunMicrosPerCheck)} µs over all rounds (background work included; /proc, 10 ms ticks)`,
    );
    console.log(
      `ratio PostgreSQL / SQLite, bot process:  ${fmt(pgResult.ratioPostgresVsSqlite, 2)} (target ≤ 1.5)`,
    );
    console.log(
      `ratio PostgreSQL / SQLite, bot + server: ${fmt(pgResult.ratioPostgresWithServerVsSqlite, 2)}`,
    );
    console.log(`ratio PostgreSQL vs like-for-like (fresh): ${fmt(pgResult.ratioPostgresVsFresh, 2)}`);
    return { ...result, ...pgResult };
  } finally {
    await target.stop();
    await server?.stop();
    dir.remove();
  }
}
