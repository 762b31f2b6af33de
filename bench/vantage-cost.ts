/**
 * The vantage guard's cost at 10,000 monitors (docs/design.md §3): the engine alone, on an
 * in-memory store and a simulated clock, each monitor checked once a minute. For each minute it
 * prints the checks, the full vantage assessments (a scan of every monitor; the once-a-second rule
 * allows 60 a minute) and the engine time per check. Scenarios: steady; 100 services really down
 * with quick re-checks every ~2 s (their down confirmations are held for the guard's round, then
 * accepted ones share a forced re-assessment per 100 ms); a partial correlated outage, 2,000 of the
 * 10,000 down at once with quick re-checks (below the mass-failure share: each is a real outage,
 * and their confirmations are released together); our own network down with 100 other monitors
 * re-checked quickly (nothing may be announced). Times depend on the machine and its load; the scans do not.
 */
import type { Catalog } from '../src/core/catalog.js';
import { DEFAULT_CONFIRM, DEFAULT_FLAP } from '../src/core/detection/monitor-state.js';
import { type DetectionStore, DetectionEngine } from '../src/core/detection/engine.js';
import type { ProbeOutcome } from '../src/core/model.js';

const N = 10_000;
const MINUTE = 60_000;
const QUICK_EVERY = 333; // a quick re-check round after every 333 checks: about every 2 s
const up: ProbeOutcome = { status: 'up', reason: 'ok', message: '200', latencyMs: 5 };
const down: ProbeOutcome = { status: 'down', reason: 'timeout', message: 'no answer', latencyMs: null };

export async function runVantageCostBench(): Promise<void> {
  const catalog: Catalog = {
    services: Array.from({ length: N }, (_, i) => ({
      id: `s${i}`,
      name: `Service ${i}`,
      group: null,
      quorum: null,
      crowd: false,
      monitorIds: [`m${i}`],
    })),
    monitors: Array.from({ length: N }, (_, i) => ({
      id: `m${i}`,
      serviceId: `s${i}`,
      type: 'http',
      role: 'probe' as const,
      target: `https://s${i}.example/`,
      intervalMs: MINUTE,
      confirm: DEFAULT_CONFIRM,
      flap: DEFAULT_FLAP,
    })),
  };
  let incidentId = 0;
  const store: DetectionStore = {
    load: () => ({
      monitors: new Map(),
      services: new Map(),
      openIncidents: new Map(),
      lastResolved: new Map(),
    }),
    commit: (change) => ({ incidentId: change.incident ? ++incidentId : null }),
  };
  let now = Date.UTC(2024, 0, 1);
  // Counts full assessments by wrapping the engine's private method: a benchmark may look inside.
  let scans = 0;
  const proto = DetectionEngine.prototype as unknown as { updateVantage(at: number): void };
  const assess = proto.updateVantage;
  proto.updateVantage = function (this: unknown, at: number) {
    scans++;
    assess.call(this, at);
  };
  const engine = new DetectionEngine(catalog, store, { now: () => now }, { roundMs: MINUTE });
  let events = 0;
  engine.onIncident(() => events++);

  const minute = (
    name: string,
    outcome: (i: number) => ProbeOutcome,
    quick: readonly number[] = [],
  ): void => {
    let checks = 0;
    scans = 0;
    const before = events;
    const started = performance.now();
    for (let k = 0; k < N; k++) {
      now += MINUTE / N;
      engine.handleResult(`m${k}`, outcome(k));
      checks++;
      if (k % QUICK_EVERY !== 0) continue;
      for (const j of quick) engine.handleResult(`m${j}`, outcome(j));
      checks += quick.length;
    }
    const ms = performance.now() - started;
    const us = (ms * 1000) / checks;
    console.log(
      `${name.padEnd(44)} ${String(checks).padStart(6)} checks  ${String(scans).padStart(4)} scans  ` +
        `${us.toFixed(1).padStart(6)} µs/check  ${ms.toFixed(0).padStart(6)} ms engine  ` +
        `${events - before} incident events`,
    );
  };

  console.log('\n## vantage-cost: 10,000 monitors every 60 s, engine only\n');
  const hundred = Array.from({ length: 100 }, (_, j) => j * 100);
  const failing = new Set(hundred);
  for (let i = 0; i < 2; i++) minute('warm-up', () => up);
  minute('steady, all up', () => up);
  minute('100 services down, quick re-checks', (i) => (failing.has(i) ? down : up), hundred);
  minute('100 services still down', (i) => (failing.has(i) ? down : up));
  minute('all back up', () => up);
  minute('all back up', () => up);
  const twoThousand = Array.from({ length: 2000 }, (_, j) => j * 5 + 2);
  const partial = new Set(twoThousand);
  minute('2,000 services down (20 %), quick re-checks', (i) => (partial.has(i) ? down : up), twoThousand);
  minute('2,000 services still down', (i) => (partial.has(i) ? down : up));
  minute('all back up', () => up);
  minute('all back up', () => up);
  minute(
    'our network down, 100 others re-checked',
    () => down,
    hundred.map((j) => j + 1),
  );
  minute('network back', () => up);
  proto.updateVantage = assess;
}

if (import.meta.url === `file://${process.argv[1]}`) await runVantageCostBench();
