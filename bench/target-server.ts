/**
 * A loopback HTTP target for benchmarks, run as a separate process so its CPU is not counted
 * against the engine. Prints its port on stdout, answers 200 "ok" to everything.
 *
 * With `BENCH_TARGET_RECORD=1` it also keeps the time (epoch ms) of every request by path and
 * answers `GET /__hits?since=<ms>` with `{ total, hits: { "<path>": [ms, ...] } }` (the requests
 * at or after `since`; `total` counts every request since start, so two reads give a rate). The
 * cluster bench reads it to see when each monitor was checked, whichever instance checked it.
 *
 * With `BENCH_TARGET_WORKERS=N` (N > 1, not with recording) N worker processes share the port
 * (node:cluster): for request rates one process cannot answer without becoming what is measured.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const record = process.env['BENCH_TARGET_RECORD'] === '1';
const workers = record ? 1 : Math.max(1, Number(process.env['BENCH_TARGET_WORKERS'] ?? 1));
const hits = new Map<string, number[]>();
let total = 0;

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (record && url.startsWith('/__hits')) {
    const since = Number(new URL(url, 'http://target').searchParams.get('since') ?? 0);
    const out: Record<string, number[]> = {};
    for (const [path, times] of hits) {
      const recent = times.filter((t) => t >= since);
      if (recent.length > 0) out[path] = recent;
    }
    const body = JSON.stringify({ total, hits: out });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  total++;
  if (record) {
    const times = hits.get(url);
    if (times) times.push(Date.now());
    else hits.set(url, [Date.now()]);
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
});
server.keepAliveTimeout = 120_000;

if (workers > 1 && cluster.isPrimary) {
  // Workers listening on port 0 share one port the primary picks; the first to listen reports it.
  // Each worker accepts on the shared socket itself: round-robin would pass every connection
  // through this process, and every request here comes on a fresh connection.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let reported = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', (_worker, address) => {
    if (reported) return;
    reported = true;
    process.stdout.write(`${address.port}\n`);
  });
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  server.listen(0, '127.0.0.1', () => {
    if (cluster.isPrimary) process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}
