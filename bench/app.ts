/**
 * The running app against the bare request, in one run (`npm run bench app`). For each size N × I:
 * `npm start` as users run it (temp SQLite database, port 0, no chat tokens, crowd reports on as
 * by default) with N HTTP monitors every I against a loopback target in another process
 * (bench/target-server.ts); then, on the same target, the bare request (bench/bare-loop.ts, a
 * process of its own) at the same rate, N / I per second spread evenly, each on a fresh connection
 * with the monitors' timeout: first through undici with a Client per request as the probe makes
 * it (the like-for-like denominator), then through node:http with `agent: false`.
 *
 * Each process gets a warm-up (the app's includes its start-up), then the same measured window.
 * CPU is utime + stime from /proc/<pid>/stat over the window only, divided by what completed in it:
 * the app's checks (`incident_bot_checks_total` from its /metrics), the loop's requests. On-time
 * share: checks started within 1 s of their slot (the app's
 * `incident_bot_check_start_lateness_seconds`), over those started and over the schedule (N per
 * I); event-loop delay p99 and max, worst 15 s window (the app's /metrics, the loop's own
 * histogram at the same 10 ms resolution); peak RSS (VmHWM, start-up included) of each.
 *
 * The app and the loops run one after the other, never at the same time: on this 2-core host two
 * busy processes would share the cores, and each one's CPU per request would include the other's
 * cache and scheduler contention. Interleaving in rounds is not possible for the app (a stop would
 * make its schedule late and a restart repeats its start-up), so the order is fixed: app, undici
 * loop, http loop, on one target process.
 *
 * The bare loops run with the Node flags of `npm start` (read from package.json: heap and GC
 * settings change CPU per request), under tsx with source maps off as the built app runs.
 *
 * Environment: BENCH_APP_SIZES (default `1000x20,10000x60,100000x60`: monitors × interval in
 * seconds), BENCH_APP_MINUTES (measured minutes, default 3), BENCH_APP_WARMUP_S (the app's warm-up
 * after start-up, default 60; the loops get 20 s), BENCH_APP_REUSE=true (writes `reuse: true` on
 * each monitor: only for a tree whose monitors have that option), BENCH_APP_BARE (default
 * `undici,http`), BENCH_APP_CROWD=false (crowd reports off), BENCH_APP_TARGET_WORKERS (processes
 * answering on the target's port, default 1), BENCH_APP_COMMAND (instead of `npm start --silent`),
 * BENCH_APP_START_TIMEOUT_S (default 600). A size the app cannot keep up with still ends: a start-up
 * over the timeout, a crash or unanswered scrapes are reported with the figures measured so far.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseServices } from '../src/config/services-file.js';
import { type AppProcess, appEnv, httpServicesYaml, startApp } from './app-process.js';
import { fmt, procCpuMs, procMemory, samples, startTargetProcess, sum, tempDir } from './support.js';

const MB = 2 ** 20;
const SCRAPE_MS = 15_000;
const BARE_WARM_UP_MS = 20_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Size {
  readonly monitors: number;
  readonly intervalS: number;
}

/** What one process did in its measured window. */
interface Side {
  readonly label: string;
  /** Measured window, ms (shorter than asked if the process stopped answering). */
  windowMs: number;
  started: number;
  onTime: number;
  completed: number;
  failed: number;
  cpuMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
  peakRssMb: number;
  windowRssMb: number;
  /** Target process tree's CPU in the window, ms. */
  targetCpuMs: number;
  startSeconds?: number;
  error?: string;
}

function sizesFromEnv(): Size[] {
  const text = process.env['BENCH_APP_SIZES'] ?? '1000x20,10000x60,100000x60';
  return text.split(',').map((part) => {
    const match = /^\s*(\d+)x(\d+)\s*$/.exec(part);
    if (!match) throw new Error(`BENCH_APP_SIZES: ${part} is not <monitors>x<seconds>`);
    return { monitors: Number(match[1]), intervalS: Number(match[2]) };
  });
}

/** The Node flags `npm start` runs the built app with (package.json), for the bare loops. */
function startNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const match = /\bnode ((?:--\S+ )*)dist\/main\.js/.exec(pkg.scripts['start'] ?? '');
  return (match?.[1] ?? '').split(' ').filter(Boolean);
}

const emptySide = (label: string): Side => ({
  label,
  windowMs: 0,
  started: 0,
  onTime: 0,
  completed: 0,
  failed: 0,
  cpuMs: 0,
  loopP99Ms: NaN,
  loopMaxMs: NaN,
  peakRssMb: NaN,
  windowRssMb: NaN,
  targetCpuMs: 0,
});

/**
 * Samples a process's RSS every second; `window(measure)` runs `measure` with scrapes every 15 s
 * (each returning cumulative counters, or throwing) and returns the first and last good ones.
 */
async function measureWindow<T>(
  pid: number,
  windowMs: number,
  scrape: () => Promise<T>,
  onScrape: (figures: T) => void,
  target: { cpuMs(): number },
): Promise<{
  first: T;
  last: T;
  cpuMs: number;
  windowMs: number;
  rssMb: number;
  targetCpuMs: number;
  error?: string;
}> {
  const first = await scrape();
  const cpuBefore = procCpuMs(pid);
  const targetBefore = target.cpuMs();
  const startedAt = Date.now();
  let rss = procMemory(pid, 'VmRSS');
  const rssTimer = setInterval(() => (rss = Math.max(rss, procMemory(pid, 'VmRSS'))), 1000);
  let last = first;
  let cpuMs = 0;
  let targetCpuMs = 0;
  let lastAt = startedAt;
  let error: string | undefined;
  try {
    for (let elapsed = 0; elapsed < windowMs; elapsed += SCRAPE_MS) {
      await sleep(Math.min(SCRAPE_MS, windowMs - elapsed));
      try {
        last = await scrape();
      } catch (err) {
        error = (err as Error).message;
        break;
      }
      lastAt = Date.now();
      cpuMs = procCpuMs(pid) - cpuBefore;
      targetCpuMs = target.cpuMs() - targetBefore;
      onScrape(last);
    }
  } finally {
    clearInterval(rssTimer);
  }
  return {
    first,
    last,
    cpuMs,
    windowMs: lastAt - startedAt,
    rssMb: rss / MB,
    targetCpuMs,
    ...(error ? { error } : {}),
  };
}

async function measureApp(
  size: Size,
  targetUrl: string,
  target: { cpuMs(): number },
  windowMs: number,
  dir: string,
): Promise<Side> {
  const side = emptySide('app (`npm start`)');
  const reuse = process.env['BENCH_APP_REUSE'] === 'true';
  const crowd = process.env['BENCH_APP_CROWD'] !== 'false';
  const servicesFile = `${dir}/services.yaml`;
  writeFileSync(
    servicesFile,
    httpServicesYaml(size.monitors, targetUrl, `${size.intervalS}s`, {
      ...(crowd ? {} : { service: 'crowd: false' }),
      ...(reuse ? { monitor: 'reuse: true' } : {}),
    }),
  );
  const startTimeoutMs = Number(process.env['BENCH_APP_START_TIMEOUT_S'] ?? 600) * 1000;
  const warmUpMs = Number(process.env['BENCH_APP_WARMUP_S'] ?? 60) * 1000;
  const startedAt = Date.now();
  let app: AppProcess | undefined;
  try {
    app = await startApp({
      command: process.env['BENCH_APP_COMMAND'] ?? 'npm start --silent',
      // Empty DATABASE_URL: one in the developer's environment or .env would otherwise win.
      env: appEnv(servicesFile, { DATABASE_URL: '', DATABASE_PATH: `${dir}/bench.db` }),
      startTimeoutMs,
    });
    side.startSeconds = app.startMs / 1000;
    await sleep(warmUpMs);
    const started = app;
    const lateness = 'incident_bot_check_start_lateness_seconds';
    const counters = (
      text: string,
    ): { started: number; onTime: number; completed: number; failed: number } => ({
      started: sum(text, `${lateness}_count`),
      onTime: sum(text, `${lateness}_bucket`, 'le="1"'),
      completed: sum(text, 'incident_bot_checks_total'),
      failed: sum(text, 'incident_bot_checks_total', 'outcome="down"'),
    });
    // Event-loop figures are per scrape window (prom-client restarts its histogram at each scrape).
    const worst = { p99: 0, max: 0 };
    const window = await measureWindow(
      started.pid,
      windowMs,
      () => started.scrape(30_000),
      (text) => {
        for (const s of samples(text, 'nodejs_eventloop_lag_p99_seconds'))
          worst.p99 = Math.max(worst.p99, s.value);
        for (const s of samples(text, 'nodejs_eventloop_lag_max_seconds'))
          worst.max = Math.max(worst.max, s.value);
      },
      target,
    );
    const first = counters(window.first);
    const last = counters(window.last);
    Object.assign(side, {
      windowMs: window.windowMs,
      started: last.started - first.started,
      onTime: last.onTime - first.onTime,
      completed: last.completed - first.completed,
      failed: last.failed - first.failed,
      cpuMs: window.cpuMs,
      loopP99Ms: worst.p99 * 1000,
      loopMaxMs: worst.max * 1000,
      windowRssMb: window.rssMb,
      targetCpuMs: window.targetCpuMs,
      peakRssMb: procMemory(started.pid, 'VmHWM') / MB,
      ...(window.error ? { error: window.error } : {}),
    });
  } catch (err) {
    side.error = (err as Error).message;
    if (side.startSeconds === undefined) side.startSeconds = (Date.now() - startedAt) / 1000;
  } finally {
    await app?.stop();
  }
  return side;
}

async function measureBare(
  mode: 'undici' | 'http',
  size: Size,
  targetUrl: string,
  target: { cpuMs(): number },
  windowMs: number,
  timeoutMs: number,
): Promise<Side> {
  const side = emptySide(
    mode === 'undici' ? 'bare undici (Client per request, as the probe)' : 'bare http.get (agent: false)',
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [...startNodeFlags(), '--import', 'tsx', 'bench/bare-loop.ts'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        BARE_URL: targetUrl,
        BARE_RATE: String(size.monitors / size.intervalS),
        BARE_TIMEOUT_MS: String(timeoutMs),
        BARE_MODE: mode,
      },
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const nextLine = async (timeout: number): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const line = await Promise.race([
        lines.next(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the bare loop did not answer in ${timeout / 1000} s`)),
            timeout,
          );
        }),
      ]);
      if (line.done) throw new Error(`the bare loop exited (${child.exitCode})`);
      return line.value;
    } finally {
      clearTimeout(timer);
    }
  };
  interface Mark {
    started: number;
    onTime: number;
    completed: number;
    failed: number;
    loopP99Ms: number;
    loopMaxMs: number;
  }
  try {
    if ((await nextLine(60_000)) !== 'ready') throw new Error('the bare loop did not start');
    const pid = child.pid ?? 0;
    const mark = async (): Promise<Mark> => {
      child.stdin?.write('mark\n');
      return JSON.parse(await nextLine(30_000)) as Mark;
    };
    await sleep(BARE_WARM_UP_MS);
    let p99 = 0;
    let max = 0;
    const window = await measureWindow(
      pid,
      windowMs,
      mark,
      (m) => {
        p99 = Math.max(p99, m.loopP99Ms);
        max = Math.max(max, m.loopMaxMs);
      },
      target,
    );
    Object.assign(side, {
      windowMs: window.windowMs,
      started: window.last.started - window.first.started,
      onTime: window.last.onTime - window.first.onTime,
      completed: window.last.completed - window.first.completed,
      failed: window.last.failed - window.first.failed,
      cpuMs: window.cpuMs,
      loopP99Ms: p99,
      loopMaxMs: max,
      windowRssMb: window.rssMb,
      targetCpuMs: window.targetCpuMs,
      peakRssMb: procMemory(pid, 'VmHWM') / MB,
      ...(window.error ? { error: window.error } : {}),
    });
  } catch (err) {
    side.error = (err as Error).message;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  }
  return side;
}

const perCheckMicros = (side: Side): number => (side.cpuMs * 1000) / side.completed;
const share = (part: number, whole: number): string => `${fmt((part / whole) * 100, 2)} %`;

function printSide(side: Side, size: Size): void {
  const expected = (size.monitors * side.windowMs) / (size.intervalS * 1000);
  const pad = (text: string): string => text.padEnd(48);
  console.log(`${side.label}:${side.error ? ` STOPPED EARLY: ${side.error.split('\n').join(' | ')}` : ''}`);
  if (side.startSeconds !== undefined) console.log(`  ${pad('up in')}${fmt(side.startSeconds)} s`);
  if (side.windowMs === 0) return;
  console.log(
    `  ${pad('completed in the window')}${side.completed} of ${Math.round(expected)} scheduled ` +
      `(${side.failed} failed; ${side.started} started) in ${fmt(side.windowMs / 1000)} s`,
  );
  console.log(
    `  ${pad('started within 1 s of slot')}${share(side.onTime, side.started)} of started, ` +
      `${share(side.onTime, expected)} of the schedule`,
  );
  console.log(
    `  ${pad('CPU')}${fmt((side.cpuMs / side.windowMs) * 100)} % of a core, ${fmt(perCheckMicros(side))} µs per completed`,
  );
  console.log(
    `  ${pad('event-loop delay p99 / max (worst 15 s)')}${fmt(side.loopP99Ms)} / ${fmt(side.loopMaxMs)} ms`,
  );
  console.log(
    `  ${pad('peak RSS (VmHWM, start-up included)')}${fmt(side.peakRssMb)} MB (${fmt(side.windowRssMb)} MB in the window)`,
  );
  console.log(
    `  ${pad('target process CPU in the window')}${fmt((side.targetCpuMs / side.windowMs) * 100)} % of a core`,
  );
}

async function runSize(size: Size, minutes: number, bareModes: ('undici' | 'http')[]): Promise<Side[]> {
  const workers = Number(process.env['BENCH_APP_TARGET_WORKERS'] ?? 1);
  const target = await startTargetProcess({ workers });
  const dir = tempDir('bench-app-');
  const windowMs = minutes * 60_000;
  try {
    // The monitors' timeout, as the app reads it from the same monitor line.
    const timeoutMs =
      parseServices(httpServicesYaml(1, target.url, `${size.intervalS}s`)).monitors[0]?.timeoutMs ?? 10_000;
    const sides = [await measureApp(size, target.url, target, windowMs, dir.path)];
    for (const mode of bareModes)
      sides.push(await measureBare(mode, size, target.url, target, windowMs, timeoutMs));
    console.log(
      '\n## App against the bare request: %s HTTP monitors every %d s (%s/s), %s measured minutes each, one after the other%s',
      size.monitors.toLocaleString('en-US'),
      size.intervalS,
      fmt(size.monitors / size.intervalS),
      fmt(minutes, 2).replace(/\.?0+$/, ''),
      `; target: ${workers} process${workers > 1 ? 'es' : ''}, timeout ${timeoutMs / 1000} s` +
        (process.env['BENCH_APP_REUSE'] === 'true' ? '; monitors with reuse: true' : ''),
    );
    for (const side of sides) printSide(side, size);
    const [app, ...bare] = sides;
    for (const b of bare)
      if (app && app.completed > 0 && b.completed > 0)
        console.log(
          `ratio app / ${b.label.split(' (')[0]}: ${fmt(perCheckMicros(app) / perCheckMicros(b), 2)} (CPU per check ÷ CPU per request)`,
        );
    return sides;
  } finally {
    await target.stop();
    dir.remove();
  }
}

export async function runAppBench(): Promise<Record<string, number>> {
  const minutes = Number(process.env['BENCH_APP_MINUTES'] ?? 3);
  const bareModes = (process.env['BENCH_APP_BARE'] ?? 'undici,http')
    .split(',')
    .map((mode) => mode.trim())
    .filter((mode): mode is 'undici' | 'http' => mode === 'undici' || mode === 'http');
  const rows: { size: Size; sides: Side[] }[] = [];
  for (const size of sizesFromEnv()) rows.push({ size, sides: await runSize(size, minutes, bareModes) });

  console.log(
    '\n## App against the bare request, summary (targets: 1,000×20 s ratio ≤ 1.0; with reuse ≤ 0.2 ms',
  );
  console.log('## per check; 100,000×60 s ≥ 99 % within 1 s of slot, loop p99 < 50 ms, peak RSS < 400 MB)');
  console.log(
    '| size | app µs/check | bare undici µs | ratio | bare http.get µs | ratio | app on time | app loop p99 | app peak RSS | bare peak RSS | app up in |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const result: Record<string, number> = {};
  for (const { size, sides } of rows) {
    const [app, ...bare] = sides;
    if (!app) continue;
    const undici = bare.find((side) => side.label.startsWith('bare undici'));
    const http = bare.find((side) => side.label.startsWith('bare http'));
    const app_ = perCheckMicros(app);
    const cell = (side: Side | undefined): number => (side ? perCheckMicros(side) : NaN);
    // A loop left out (BENCH_APP_BARE) or a figure not reached reads "—", not NaN.
    const text = (value: number, digits?: number): string =>
      Number.isFinite(value) ? fmt(value, digits) : '—';
    const key = `${size.monitors}x${size.intervalS}`;
    result[`${key}_appMicrosPerCheck`] = app_;
    result[`${key}_ratioUndici`] = app_ / cell(undici);
    result[`${key}_ratioHttp`] = app_ / cell(http);
    result[`${key}_onTimeShare`] = app.onTime / app.started;
    result[`${key}_loopP99Ms`] = app.loopP99Ms;
    result[`${key}_peakRssMb`] = app.peakRssMb;
    console.log(
      `| ${size.monitors.toLocaleString('en-US')}×${size.intervalS} s | ${text(app_)} | ${text(cell(undici))} | ` +
        `${text(app_ / cell(undici), 2)} | ${text(cell(http))} | ${text(app_ / cell(http), 2)} | ` +
        `${share(app.onTime, app.started)} | ${text(app.loopP99Ms)} ms | ${text(app.peakRssMb)} MB | ` +
        `${bare.map((side) => `${text(side.peakRssMb)}`).join(' / ')} MB | ${text(app.startSeconds ?? NaN)} s |`,
    );
  }
  return result;
}
