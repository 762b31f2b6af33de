/**
 * The bare loop of `npm run bench app`, in a process of its own: the probe's request on a fresh
 * connection (bench/bare-request.ts), one every 1/BARE_RATE s, spread evenly (slot k at start +
 * k / rate), whatever is still in flight; nothing else. bench/app.ts spawns it with the app's own
 * Node flags and reads its CPU from /proc.
 *
 * Environment: BARE_URL, BARE_RATE (requests per second), BARE_TIMEOUT_MS (the monitors' timeout),
 * BARE_MODE (`undici`: a Client per request, as the probe; `http`: node:http
 * with `agent: false`). Prints `ready` once it runs; each `mark` line on stdin is answered with
 * one JSON line of counters since start (requests started, started within 1 s of their slot,
 * completed, failed) and the event-loop delay p99 and max since the previous mark (sampled every
 * 10 ms, as the app's /metrics does); `stop` ends it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { bareFreshHttpGet, bareFreshUndici } from './bare-request.js';

// tsx turns source maps on; the app runs its built JavaScript without them. Off, as the app runs.
process.setSourceMapsEnabled(false);

const url = process.env['BARE_URL'] ?? '';
const rate = Number(process.env['BARE_RATE']);
const timeoutMs = Number(process.env['BARE_TIMEOUT_MS'] ?? 10_000);
const mode = process.env['BARE_MODE'] ?? 'undici';
if (!url || !(rate > 0) || (mode !== 'undici' && mode !== 'http'))
  throw new Error('bare-loop: BARE_URL, BARE_RATE > 0 and BARE_MODE=undici|http are required');
const send = mode === 'undici' ? bareFreshUndici(url, timeoutMs) : bareFreshHttpGet(url, timeoutMs);

const counts = { started: 0, onTime: 0, completed: 0, failed: 0 };
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

const slotMs = 1000 / rate;
const startedAt = performance.now();
let next = 0;

function fire(lateMs: number): void {
  counts.started++;
  if (lateMs <= 1000) counts.onTime++;
  send().then(
    () => void counts.completed++,
    () => void counts.failed++,
  );
}

function tick(): void {
  const now = performance.now();
  for (let slot = startedAt + next * slotMs; slot <= now; slot = startedAt + next * slotMs) {
    next++;
    fire(now - slot);
  }
  setTimeout(tick, Math.max(0, startedAt + next * slotMs - performance.now()));
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'mark') {
    const figures = { ...counts, loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6 };
    loop.reset();
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } else if (line === 'stop') {
    process.exit(0);
  }
});
process.on('SIGTERM', () => process.exit(0));
tick();
process.stdout.write('ready\n');
