/**
 * Crowd report ingestion (docs/design.md §3): reports as the `/report` handler would record them (service
 * lookup, problem text → kind, `ReportSink.record` into a SQLite file through the app's
 * `CommunityReportSink`, which also decides each community's own notice) while the crowd runtime
 * steps the spike detector over every 5-minute window of 32 services, in the same thread.
 *
 * Time is simulated so a long evening of reports fits in a few seconds; handling time is real.
 * A detector step blocks the thread: the report that arrives during it waits, so its handling
 * time includes the step. Targets: ≥ 5,000 reports/s sustained, p99 < 20 ms.
 */
import { join } from 'node:path';
import { parseProblemKind } from '../src/core/crowd/parse-problem.js';
import type { CrowdReport, ReportOutcome, ReportSink } from '../src/core/crowd/report-port.js';
import { WINDOW_MS } from '../src/core/crowd/crowd-window.js';
import type { ServiceDef } from '../src/core/catalog.js';
import type { CrowdView } from '../src/core/detection/service-status.js';
import { CommunityReportSink } from '../src/crowd-runtime/community-notices.js';
import { CrowdRuntime } from '../src/crowd-runtime/crowd-runtime.js';
import { openDatabase } from '../src/db/database.js';
import { SqliteReportStore } from '../src/db/sqlite-report-store.js';
import { fmt, percentile, tempDir } from './support.js';

const REPORTS = 200_000;
const SERVICES = 32;
const USERS = 60_000;
const CHATS = 2_000;
/** Simulated time between reports: 200,000 reports span about 3.3 hours (40 windows). */
const SIM_MS_PER_REPORT = 60;
const TARGET_PER_SECOND = 5_000;
const TARGET_P99_MS = 20;
const PROBLEM_TEXTS = [
  "can't connect",
  'messages not sending',
  "can't log in",
  'app crashes',
  'website down',
  'slow',
];

/** A deterministic PRNG (mulberry32), so every run sends the same reports. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a `/report <service> [problem]` handler does once the platform adapter has parsed it. */
async function handleReport(
  sink: ReportSink,
  known: ReadonlySet<string>,
  input: Omit<CrowdReport, 'problem'> & { readonly text: string },
): Promise<ReportOutcome | 'unknown-service'> {
  if (!known.has(input.serviceId)) return 'unknown-service';
  const { text, ...rest } = input;
  return await sink.record({ ...rest, problem: parseProblemKind(text), answeredInChat: true });
}

export async function runCrowdIngestBench(): Promise<{ perSecond: number; p99Ms: number }> {
  const dir = tempDir('bench-crowd-');
  const db = openDatabase(join(dir.path, 'bench.db'));
  try {
    const services: ServiceDef[] = Array.from({ length: SERVICES }, (_, i) => ({
      id: `service-${i}`,
      name: `Service ${i}`,
      group: null,
      quorum: null,
      crowd: true,
      monitorIds: [],
    }));
    const known = new Set(services.map((s) => s.id));
    const store = new SqliteReportStore(db);
    const t0 = Date.parse('2021-03-19T16:00:00Z');
    let now = t0;
    let views = 0;
    const engine = {
      setCrowd: (_id: string, _view: CrowdView) => void views++,
      openIncident: () => undefined,
    };
    const crowd = new CrowdRuntime({ services, windows: store, engine, clock: { now: () => now } });
    const sink = new CommunityReportSink({
      store,
      services,
      detector: (id) => crowd.detectorState(id),
      inIncident: () => false,
    });
    const random = seeded(19_03_2021);
    const latencies = new Float64Array(REPORTS);
    const outcomes = { counted: 0, duplicate: 0, unknown: 0 };
    const stepTimes: number[] = [];
    let lastStepWindow = Math.floor(t0 / WINDOW_MS);
    let carried = 0; // a step's time is waited for by the next report
    const started = performance.now();
    for (let i = 0; i < REPORTS; i++) {
      now = t0 + i * SIM_MS_PER_REPORT;
      const window = Math.floor(now / WINDOW_MS);
      if (window !== lastStepWindow) {
        lastStepWindow = window;
        const stepStart = performance.now();
        await crowd.step(now);
        carried = performance.now() - stepStart;
        stepTimes.push(carried);
      }
      // One in five reports is about service-0 (an outage there), the rest spread evenly.
      const service = random() < 0.2 ? 0 : Math.floor(random() * SERVICES);
      const user = Math.floor(random() * USERS);
      const chat = Math.floor(random() * CHATS);
      const begin = performance.now();
      const outcome = await handleReport(sink, known, {
        serviceId: random() < 0.001 ? 'no-such-service' : `service-${service}`,
        platform: chat % 2 === 0 ? 'telegram' : 'discord',
        userId: String(100_000 + user),
        chatId: String(chat),
        guildId: chat % 2 === 0 ? null : `g${chat % 500}`,
        text: PROBLEM_TEXTS[user % PROBLEM_TEXTS.length] ?? 'down',
        at: now,
      });
      latencies[i] = performance.now() - begin + carried;
      carried = 0;
      if (outcome === 'unknown-service') outcomes.unknown++;
      else outcomes[outcome.kind]++;
    }
    const elapsedS = (performance.now() - started) / 1000;
    const sorted = Array.from(latencies).sort((a, b) => a - b);
    const perSecond = REPORTS / elapsedS;
    const p99Ms = percentile(sorted, 0.99);
    const stepsSorted = [...stepTimes].sort((a, b) => a - b);
    const ok = (pass: boolean): string => (pass ? 'ok' : 'MISSED');
    console.log('\n## crowd-ingest: /report handling into SQLite with the spike detector stepping');
    console.log(
      `reports: ${REPORTS} (${outcomes.counted} counted, ${outcomes.duplicate} duplicates, ${outcomes.unknown} unknown service) ` +
        `over ${stepTimes.length} windows × ${SERVICES} services`,
    );
    console.log(
      `sustained: ${fmt(perSecond, 0)} reports/s (target ≥ ${TARGET_PER_SECOND}: ${ok(perSecond >= TARGET_PER_SECOND)})`,
    );
    console.log(
      `handling: p50 ${fmt(percentile(sorted, 0.5), 3)} ms, p99 ${fmt(p99Ms, 3)} ms, max ${fmt(sorted.at(-1) ?? 0, 1)} ms ` +
        `(target p99 < ${TARGET_P99_MS} ms: ${ok(p99Ms < TARGET_P99_MS)})`,
    );
    console.log(
      `detector step (all services): p50 ${fmt(percentile(stepsSorted, 0.5), 1)} ms, max ${fmt(stepsSorted.at(-1) ?? 0, 1)} ms; ` +
        `crowd views given to the engine: ${views}`,
    );
    return { perSecond, p99Ms };
  } finally {
    db.close();
    dir.remove();
  }
}
