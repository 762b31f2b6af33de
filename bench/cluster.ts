/**
 * Several instances (docs/cluster.md, "Cluster bench"): a fleet of built bots (test/helpers/fleet.ts,
 * each with `npm start`'s node flags and its own TCP proxy to the database) on one durable
 * throw-away PostgreSQL 15 (bench/postgres.ts), sharing `BENCH_CLUSTER_MONITORS` HTTP monitors
 * (default 30,000: 10,000 per instance, as bench/scale.ts gives one instance) every 60 s on a
 * loopback target in its own process that records every request's time by path.
 *
 * Warm-up: until every service is owned (the instances' `/healthz` cluster.owned.services add up
 * to the total, each instance owning some), then one interval so every monitor is on its schedule.
 * Then `BENCH_CLUSTER_MINUTES` (default 3) measured minutes: per instance the services owned,
 * checks started and the share within 1 s of the slot and p99 lateness (its /metrics histogram,
 * interpolated inside the bucket as Prometheus' histogram_quantile does), peak RSS and CPU seconds
 * per minute (/proc); PostgreSQL's CPU (its process tree) and the database's size; the target's
 * request count (the fleet's checks per minute against the total expected) and the machine's busy
 * share (/proc/stat), to say which process saturates the cores.
 *
 * Take-over: the last instance is SIGKILLed; measured are the time until the others own all of
 * its services (their `/healthz`) and, from the target's request log, for each of its services
 * the gap between its last check before the kill and its first after (the worst gap, against the
 * 60 s interval). `BENCH_CLUSTER_INSTANCES` (3), `BENCH_CLUSTER_LEASE_S` (15, the default
 * `CLUSTER_LEASE_S`), `BENCH_CLUSTER_CROWD=false` (crowd reports off; on by default, as for users).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PgDb } from '../src/db/postgres/pool.js';
import { type Fleet, buildBot, logTally, startFleet } from '../test/helpers/fleet.js';
import { type BenchPostgres, relationSizes, startBenchPostgres } from './postgres.js';
import {
  cpuMicros,
  descendants,
  fmt,
  procCpuMs,
  procMemory,
  samples,
  startTargetProcess,
  sum,
  tempDir,
} from './support.js';

const INTERVAL_MS = 60_000;
const SCRAPE_MS = 15_000;
const START_TIMEOUT_MS = 6 * 60_000;
const OWNED_TIMEOUT_MS = 10 * 60_000;
const MB = 2 ** 20;
const LATENESS = 'incident_bot_check_start_lateness_seconds';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: a number > 0, not ${raw}`);
  return value;
}

/** `npm start`'s node flags (package.json), so each instance runs as users run the bot. */
function startCommand(): string[] {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const match = /&& node (.*?)\s*dist\/main\.js/.exec(pkg.scripts['start'] ?? '');
  return [process.execPath, ...(match?.[1]?.split(/\s+/).filter(Boolean) ?? []), 'dist/main.js'];
}

/** Busy and total jiffies of the whole machine (/proc/stat), to tell how saturated the cores were. */
function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** A quantile of the lateness histogram's increase between two scrapes (linear inside the bucket). */
function latenessQuantile(first: string, last: string, q: number): number {
  const buckets = samples(last, `${LATENESS}_bucket`)
    .map((s) => {
      const le = /le="([^"]+)"/.exec(s.labels)?.[1] ?? '+Inf';
      const before = samples(first, `${LATENESS}_bucket`).find((b) => b.labels === s.labels)?.value ?? 0;
      return { le: le === '+Inf' ? Infinity : Number(le), count: s.value - before };
    })
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lower; // beyond the last bucket: its lower bound
      return lower + ((bucket.le - lower) * (rank - below)) / Math.max(1, bucket.count - below);
    }
    lower = bucket.le;
    below = bucket.count;
  }
  return Number.NaN;
}

interface Health {
  cluster?: { members?: unknown[]; owned?: { services?: number } };
}

async function health(url: string): Promise<Health | undefined> {
  try {
    return (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as Health;
  } catch {
    return undefined;
  }
}

async function ownedBy(fleet: Fleet, indexes: readonly number[]): Promise<number[]> {
  return Promise.all(
    indexes.map(
      async (i) => (await health(fleet.instances[i]?.healthzUrl ?? ''))?.cluster?.owned?.services ?? 0,
    ),
  );
}

async function targetHits(
  url: string,
  since: number,
): Promise<{ total: number; hits: Record<string, number[]> }> {
  return (await (await fetch(`${url}__hits?since=${since}`)).json()) as {
    total: number;
    hits: Record<string, number[]>;
  };
}

interface InstanceFigures {
  id: string;
  ownedMin: number;
  ownedMax: number;
  checksPerMinute: number;
  onTimeShare: number;
  latenessP99Ms: number;
  skipped: number;
  peakRssMb: number;
  peakRssMeasuredMb: number;
  cpuSecondsPerMinute: number;
}

export async function runClusterBench(): Promise<Record<string, number>> {
  const instances = Math.round(setting('BENCH_CLUSTER_INSTANCES', 3));
  const monitors = Math.round(setting('BENCH_CLUSTER_MONITORS', 30_000));
  const minutes = setting('BENCH_CLUSTER_MINUTES', 3);
  const leaseS = setting('BENCH_CLUSTER_LEASE_S', 15);
  const crowd = process.env['BENCH_CLUSTER_CROWD'] !== 'false';
  const command = startCommand();
  buildBot();
  const target = await startTargetProcess({ record: true });
  const dir = tempDir('bench-cluster-');
  let server: BenchPostgres | undefined;
  let fleet: Fleet | undefined;
  let reader: PgDb | undefined;
  try {
    server = await startBenchPostgres({ durable: true });
    const servicesFile = join(dir.path, 'services.yaml');
    writeFileSync(
      servicesFile,
      `services:\n${Array.from(
        { length: monitors },
        (_, i) =>
          `  - { id: s${i}, name: S${i},${crowd ? '' : ' crowd: false,'} monitors: [ { type: http, url: "${target.url}s${i}", every: 60s } ] }`,
      ).join('\n')}\n`,
    );
    const startedAt = Date.now();
    fleet = await startFleet({
      instances,
      databaseUrl: server.url,
      servicesFile,
      dir: dir.path,
      command,
      // Every instance reads every service at start-up: 30,000 on a shared 2-core host take minutes.
      startupWaitMs: START_TIMEOUT_MS,
      // No chat tokens: empty values also override any in a developer's .env.
      env: {
        DISCORD_TOKEN: '',
        DISCORD_TOKEN_FILE: '',
        DISCORD_APPLICATION_ID: '',
        TELEGRAM_BOT_TOKEN: '',
        TELEGRAM_BOT_TOKEN_FILE: '',
        HTTP_HOST: '127.0.0.1',
        CLUSTER_LEASE_S: String(leaseS),
        LOG_LEVEL: 'warn',
      },
    });
    await fleet.start();
    const upSeconds = (Date.now() - startedAt) / 1000;
    const all = fleet.instances.map((i) => i.index);

    // Warm-up: every service owned, each instance owning some, then one interval.
    let owned: number[] = [];
    for (;;) {
      owned = await ownedBy(fleet, all);
      const total = owned.reduce((a, b) => a + b, 0);
      if (total === monitors && owned.every((n) => n > 0)) break;
      if (fleet.unexpectedExits.length > 0)
        throw new Error(
          `an instance exited in the warm-up: ${fleet.unexpectedExits[0]?.stderr.slice(-2000)}`,
        );
      if (Date.now() - startedAt > OWNED_TIMEOUT_MS)
        throw new Error(
          `not every service owned after ${OWNED_TIMEOUT_MS / 60_000} min: ${owned.join(' + ')}`,
        );
      await sleep(2_000);
    }
    const ownedSeconds = (Date.now() - startedAt) / 1000;
    await sleep(INTERVAL_MS);

    reader = await server.open(2);
    const { pool } = reader;
    const pids = fleet.instances.map((i) => i.bot?.child.pid ?? 0);
    const skippedCount = (): number[] =>
      fleet!.instances.map((i) => (i.bot?.stderr.match(/check skipped/g) ?? []).length);
    const firstMetrics = await Promise.all(all.map((i) => fleet!.metrics(i)));
    const cpuBefore = pids.map(procCpuMs);
    const serverCpuBefore = server.serverCpuMs();
    // The target runs under tsx, which runs it in a child process: its whole tree.
    const targetCpu = (): number =>
      [target.child.pid ?? 0, ...descendants(target.child.pid ?? 0)].reduce(
        (t, pid) => t + procCpuMs(pid),
        0,
      );
    const targetCpuBefore = targetCpu();
    const benchCpuBefore = cpuMicros();
    const machineBefore = machineTicks();
    const skippedBefore = skippedCount();
    const sizeBefore = (await relationSizes(pool)).total;
    const hitsBefore = (await targetHits(target.url, Date.now())).total;
    const measureStart = Date.now();
    const ownedMin = [...owned];
    const ownedMax = [...owned];
    const peakRss = pids.map(() => 0);
    const rssTimer = setInterval(() => {
      pids.forEach((pid, i) => (peakRss[i] = Math.max(peakRss[i] ?? 0, procMemory(pid, 'VmRSS'))));
    }, 1000);
    const measuredMs = minutes * 60_000;
    for (let elapsed = 0; elapsed < measuredMs; elapsed += SCRAPE_MS) {
      await sleep(Math.min(SCRAPE_MS, measuredMs - elapsed));
      const now = await ownedBy(fleet, all);
      now.forEach((n, i) => {
        ownedMin[i] = Math.min(ownedMin[i] ?? n, n);
        ownedMax[i] = Math.max(ownedMax[i] ?? n, n);
      });
    }
    clearInterval(rssTimer);
    const elapsedMs = Date.now() - measureStart;
    const perMinute = (x: number): number => (x * 60_000) / elapsedMs;
    const lastMetrics = await Promise.all(all.map((i) => fleet!.metrics(i)));
    const cpuMs = pids.map((pid, i) => procCpuMs(pid) - (cpuBefore[i] ?? 0));
    const serverCpuMs = server.serverCpuMs() - serverCpuBefore;
    const targetCpuMs = targetCpu() - targetCpuBefore;
    const benchCpuMs = (cpuMicros() - benchCpuBefore) / 1000;
    const machineAfter = machineTicks();
    const skippedAfter = skippedCount();
    const sizes = await relationSizes(pool);
    const hitsAfter = (await targetHits(target.url, Date.now())).total;
    const machineBusy = (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total);
    if (fleet.unexpectedExits.length > 0)
      throw new Error(`an instance exited while measured: ${fleet.unexpectedExits[0]?.stderr.slice(-2000)}`);

    const perInstance: InstanceFigures[] = fleet.instances.map((inst, i) => {
      const first = firstMetrics[i] ?? '';
      const last = lastMetrics[i] ?? '';
      const delta = (name: string, labelPart = ''): number =>
        sum(last, name, labelPart) - sum(first, name, labelPart);
      const started = delta(`${LATENESS}_count`);
      return {
        id: inst.id,
        ownedMin: ownedMin[i] ?? 0,
        ownedMax: ownedMax[i] ?? 0,
        checksPerMinute: perMinute(started),
        onTimeShare: delta(`${LATENESS}_bucket`, 'le="1"') / Math.max(1, started),
        latenessP99Ms: latenessQuantile(first, last, 0.99) * 1000,
        skipped: (skippedAfter[i] ?? 0) - (skippedBefore[i] ?? 0),
        peakRssMb: procMemory(pids[i] ?? 0, 'VmHWM') / MB,
        peakRssMeasuredMb: (peakRss[i] ?? 0) / MB,
        cpuSecondsPerMinute: perMinute(cpuMs[i] ?? 0) / 1000,
      };
    });
    const fleetChecksPerMinute = perMinute(hitsAfter - hitsBefore);

    // Take-over: SIGKILL the last instance.
    const victim = fleet.instances.at(-1)!;
    const survivors = all.filter((i) => i !== victim.index);
    const { rows } = await pool.query<{ key: string }>(
      `SELECT key FROM cluster_leases WHERE kind = 'service' AND owner = $1`,
      [victim.id],
    );
    const victimServices = rows.map((r) => r.key);
    const killedAt = Date.now();
    await fleet.kill(victim.index);
    let ownedAgainMs = Number.NaN;
    let checkedAgainMs = Number.NaN;
    let worst = { service: '', ms: Number.NaN };
    /** Services whose gap was longer than one interval and one lease period (a slot missed). */
    let missedSlot = Number.NaN;
    const takeoverLimit = killedAt + 3 * leaseS * 1000 + 3 * INTERVAL_MS;
    while (Date.now() < takeoverLimit) {
      await sleep(1_000);
      if (Number.isNaN(ownedAgainMs)) {
        const now = await ownedBy(fleet, survivors);
        if (now.reduce((a, b) => a + b, 0) === monitors) ownedAgainMs = Date.now() - killedAt;
        continue;
      }
      const { hits } = await targetHits(target.url, killedAt - 2 * INTERVAL_MS);
      const after = victimServices.map((s) => (hits[`/${s}`] ?? []).find((t) => t > killedAt));
      if (after.some((t) => t === undefined)) {
        await sleep(4_000);
        continue;
      }
      checkedAgainMs = Math.max(...(after as number[])) - killedAt;
      worst = { service: '', ms: 0 };
      missedSlot = 0;
      victimServices.forEach((s, n) => {
        const before =
          (hits[`/${s}`] ?? []).filter((t) => t <= killedAt).at(-1) ?? killedAt - 2 * INTERVAL_MS;
        const gap = (after[n] ?? 0) - before;
        if (gap > worst.ms) worst = { service: s, ms: gap };
        if (gap > INTERVAL_MS + leaseS * 1000) missedSlot++;
      });
      break;
    }

    const result: Record<string, number> = {
      instances,
      monitors,
      upSeconds,
      ownedSeconds,
      fleetChecksPerMinute,
      fleetShareOfExpected: fleetChecksPerMinute / monitors,
      machineBusyShare: machineBusy,
      serverCpuSecondsPerMinute: perMinute(serverCpuMs) / 1000,
      targetCpuSecondsPerMinute: perMinute(targetCpuMs) / 1000,
      benchCpuSecondsPerMinute: perMinute(benchCpuMs) / 1000,
      databaseMb: sizes.total / MB,
      databaseGrowthMbPerHour: ((sizes.total - sizeBefore) / MB) * (3_600_000 / elapsedMs),
      takeoverServices: victimServices.length,
      takeoverOwnedSeconds: ownedAgainMs / 1000,
      takeoverCheckedSeconds: checkedAgainMs / 1000,
      takeoverWorstGapSeconds: worst.ms / 1000,
      takeoverMissedSlot: missedSlot,
    };
    perInstance.forEach((f, i) => {
      for (const [key, value] of Object.entries(f))
        if (typeof value === 'number') result[`i${i}_${key}`] = value;
    });

    console.log(
      '\n## Cluster (%d instances, %d HTTP monitors every 60 s, %s measured minutes, CLUSTER_LEASE_S=%d%s)',
      instances,
      monitors,
      fmt(elapsedMs / 60_000, 2),
      leaseS,
      crowd ? '' : ', crowd reports off',
    );
    console.log(`instances: ${command.join(' ')}; durable throw-away PostgreSQL, one TCP proxy each`);
    console.log(`up in ${fmt(upSeconds)} s; every service owned ${fmt(ownedSeconds)} s after the start`);
    console.log(
      '| instance | services owned | checks/min | on time (≤ 1 s) | p99 lateness | skipped | peak RSS (measured / VmHWM) | CPU s/min |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const f of perInstance)
      console.log(
        `| ${f.id} | ${f.ownedMin === f.ownedMax ? f.ownedMin : `${f.ownedMin}–${f.ownedMax}`} | ${fmt(f.checksPerMinute, 0)} | ` +
          `${fmt(f.onTimeShare * 100, 2)} % | ${fmt(f.latenessP99Ms, 0)} ms | ${f.skipped} | ` +
          `${fmt(f.peakRssMeasuredMb)} / ${fmt(f.peakRssMb)} MB | ${fmt(f.cpuSecondsPerMinute, 2)} |`,
      );
    console.log(
      `fleet checks/minute (target's request log): ${fmt(fleetChecksPerMinute, 0)} of ${monitors} expected (${fmt(result['fleetShareOfExpected']! * 100, 1)} %)`,
    );
    console.log(
      `PostgreSQL: CPU ${fmt(result['serverCpuSecondsPerMinute']!, 2)} s/min (its process tree); database ${fmt(result['databaseMb']!)} MB, ` +
        `growing ${fmt(result['databaseGrowthMbPerHour']!)} MB/hour (pg_total_relation_size, dead row versions included)`,
    );
    console.log(
      `target: CPU ${fmt(result['targetCpuSecondsPerMinute']!, 2)} s/min; bench process (the ${instances} TCP proxies): ` +
        `${fmt(result['benchCpuSecondsPerMinute']!, 2)} s/min; machine busy ${fmt(machineBusy * 100, 1)} % of its cores`,
    );
    console.log(
      `take-over (${victim.id} SIGKILLed, ${victimServices.length} services): owned by the others after ${fmt(ownedAgainMs / 1000)} s, ` +
        `all checked again after ${fmt(checkedAgainMs / 1000)} s; worst gap between two checks of one of them ` +
        `${fmt(worst.ms / 1000)} s (${worst.service}; interval 60 s); ${missedSlot} of them went longer than ` +
        `one interval and one lease period (their slot came while nobody owned them: checked one interval later)`,
    );
    for (const inst of fleet.instances) {
      const tally = logTally(inst, 4);
      if (tally !== '') console.log(`  ${inst.id} warnings: ${tally}`);
    }
    return result;
  } finally {
    await fleet?.stopAll();
    await reader?.close();
    await target.stop();
    await server?.stop();
    dir.remove();
  }
}
