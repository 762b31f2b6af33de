/**
 * Web load (docs/design.md §5): the status page and `/api/services` with 1,000 services, under load from
 * autocannon in a second process on loopback, while the real scheduler checks the 1,000 HTTP
 * monitors every 10 s against a loopback target in a third process. Reports requests per second,
 * latency p99, and the share of checks started within 1 s of their slot during the load.
 * Targets: API ≥ 2,000 req/s with p99 < 50 ms; the page `/` at most 300 KB, ≥ 200 req/s with
 * p99 < 100 ms (healthy services collapsed into their groups, docs/design.md §5).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseServices } from '../src/config/services-file.js';
import { DetectionEngine } from '../src/core/detection/engine.js';
import { openDatabase } from '../src/db/database.js';
import { SqliteDetectionStore } from '../src/db/sqlite-detection-store.js';
import { SqliteHistoryStore } from '../src/db/sqlite-history-store.js';
import { SqliteQueryStore } from '../src/db/sqlite-query-store.js';
import { Scheduler } from '../src/monitors/scheduler.js';
import { createHttpServer } from '../src/web/http-server.js';
import { ServiceHistory } from '../src/charts/service-history.js';
import { StatusPage } from '../src/web/status-page.js';
import { StatusView } from '../src/web/status-view.js';
import { fmt, silentLog, startTargetProcess, tempDir } from './support.js';

const SERVICES = 1000;
const INTERVAL = '10s';
const WARM_UP_MS = 12_000;
const DURATION_S = Number(process.env['BENCH_WEB_SECONDS'] ?? 10);
const CONNECTIONS = 20;
const ON_TIME_MS = 1000;
const TARGETS: Readonly<Record<string, string>> = {
  api: ' (target ≥ 2,000 req/s, p99 < 50 ms)',
  page: ' (target ≥ 200 req/s, p99 < 100 ms)',
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);

interface LoadFigures {
  readonly reqPerSec: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
}

/** autocannon in its own process, so the load generator does not share our event loop. */
async function load(url: string): Promise<LoadFigures> {
  const { stdout } = await run(
    'node_modules/.bin/autocannon',
    ['-c', String(CONNECTIONS), '-d', String(DURATION_S), '-j', url],
    { maxBuffer: 16 * 2 ** 20 },
  );
  const json = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p99: number };
    errors: number;
    non2xx: number;
  };
  return {
    reqPerSec: json.requests.average,
    p99Ms: json.latency.p99,
    errors: json.errors,
    non2xx: json.non2xx,
  };
}

export async function runWebLoadBench(): Promise<Record<string, LoadFigures & { onTimeShare: number }>> {
  const target = await startTargetProcess();
  const dir = tempDir('bench-web-');
  try {
    const yaml = `services:\n${Array.from(
      { length: SERVICES },
      (_, i) =>
        `  - { id: s${i}, name: Service ${i}, monitors: [ { type: http, url: "${target.url}", every: ${INTERVAL} } ] }`,
    ).join('\n')}\n`;
    const services = parseServices(yaml);
    const db = openDatabase(`${dir.path}/bench.db`);
    const clock = { now: () => Date.now() };
    const engine = new DetectionEngine(services, new SqliteDetectionStore(db, services), clock, {
      roundMs: 60_000,
    });
    const tally = { started: 0, onTime: 0 };
    const scheduler = new Scheduler(
      services.monitors,
      {
        onStart: (_monitor, slot, startedAt) => {
          tally.started++;
          if (startedAt - slot <= ON_TIME_MS) tally.onTime++;
        },
        onResult: (monitor, outcome) => engine.handleResult(monitor.id, outcome),
      },
      { clock },
    );
    const view = new StatusView(services, engine, new SqliteQueryStore(db), clock, scheduler);
    const page = new StatusPage(view, new ServiceHistory(new SqliteHistoryStore(db), clock), clock);
    const http = createHttpServer(view, silentLog, { page });
    await http.listen({ host: '127.0.0.1', port: 0 });
    const address = http.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    scheduler.start();
    await sleep(WARM_UP_MS);

    const results: Record<string, LoadFigures & { onTimeShare: number }> = {};
    const pageBytes = (await (await fetch(`${base}/`)).arrayBuffer()).byteLength;
    console.log(
      '\n## Web load (%d services, checks every %s, %d connections, %d s each)',
      SERVICES,
      INTERVAL,
      CONNECTIONS,
      DURATION_S,
    );
    console.log(`page / is ${fmt(pageBytes / 1024, 0)} KB (target ≤ 300 KB)`);
    for (const [name, path] of [
      ['api', '/api/services'],
      ['page', '/'],
    ] as const) {
      tally.started = tally.onTime = 0;
      const figures = await load(`${base}${path}`);
      const onTimeShare = tally.onTime / Math.max(1, tally.started);
      results[name] = { ...figures, onTimeShare };
      console.log(
        `${path.padEnd(15)} ${fmt(figures.reqPerSec, 0)} req/s, p99 ${fmt(figures.p99Ms, 0)} ms, ` +
          `${figures.errors} errors, ${figures.non2xx} non-2xx; checks on time ${fmt(onTimeShare * 100, 2)} % of ${tally.started}` +
          (TARGETS[name] ?? ''),
      );
    }
    await scheduler.stop();
    await http.close();
    db.close();
    return results;
  } finally {
    await target.stop();
    dir.remove();
  }
}
