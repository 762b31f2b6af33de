/**
 * `npm run bench [name ...]`: runs the benchmarks and prints their figures. Not tests: numbers
 * depend on the machine; the README records the figures of a named run.
 */
import { runCheckOverheadBench } from './check-overhead.js';
import { runDiscordFanoutBench } from './discord-fanout.js';
import { runScaleBench } from './scale.js';
import { runStorageBench } from './storage-size.js';

const BENCHES: Record<string, () => Promise<unknown>> = {
  overhead: runCheckOverheadBench,
  storage: runStorageBench,
  scale: runScaleBench,
  'crowd-ingest': async () => (await import('./crowd-ingest.js')).runCrowdIngestBench(),
  'discord-fanout': runDiscordFanoutBench,
  'telegram-fanout': async () => (await import('./telegram-fanout.js')).runTelegramFanoutBench(),
  'web-load': async () => (await import('./web-load.js')).runWebLoadBench(),
  parse: async () => (await import('./parse.js')).runParseBench(),
  noise: async () => (await import('./noise.js')).runNoiseBench(),
  cluster: async () => (await import('./cluster.js')).runClusterBench(),
  'vantage-cost': async () => (await import('./vantage-cost.js')).runVantageCostBench(),
  app: async () => (await import('./app.js')).runAppBench(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`);
  process.exit(2);
}
console.log(`# Benchmarks — node ${process.version}, ${new Date().toISOString()}`);
for (const [name, run] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
}
process.exit(0);
