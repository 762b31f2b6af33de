/**
 * The replay of 19 March 2021 (docs/design.md §1): the real probes, detection engine, crowd runtime,
 * stores, outbox and outbox worker, on a SQLite file, against loopback stand-ins, with time
 * coming from a simulated `Clock` (the engine's own port). Shared by `npm run demo` and its test.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseServices, type MonitorConfig, type ServicesConfig } from '../config/services-file.js';
import { parseProblemKind } from '../core/crowd/problem-kind.js';
import { WINDOW_MS } from '../core/crowd/crowd-window.js';
import type { ReportSink } from '../core/crowd/report-port.js';
import { DetectionEngine } from '../core/detection-engine.js';
import type { IncidentEvent } from '../core/events.js';
import type { Clock, ProbeOutcome } from '../core/model.js';
import { CrowdRuntime } from '../crowd/crowd-runtime.js';
import { type Db, openDatabase } from '../db/database.js';
import { SqliteDetectionStore } from '../db/sqlite-detection-store.js';
import { SqliteOutboxStore } from '../db/sqlite-outbox-store.js';
import { SqliteReportStore } from '../db/sqlite-report-store.js';
import { SqliteSubscriptionStore } from '../db/sqlite-subscription-store.js';
import { OutboxWorker } from '../delivery/outbox-worker.js';
import { Pacer, UNPACED } from '../delivery/pacer.js';
import { createLogger } from '../logging.js';
import { runProbe } from '../monitors/scheduler.js';
import { PlainChatSender, type ReceivedMessage } from './plain-alert.js';
import { startReplayTargets } from './replay-targets.js';
import { loadScenario, planReports, targetModes, type PlannedReport, type Scenario } from './scenario.js';

/** Checks run every minute, as in config/services.yaml. */
export const CHECK_INTERVAL_MS = 60_000;
/**
 * A check that gets no answer gives up after this long of real time. Real monitors wait 10 s;
 * the replay scales it down so a stalled WhatsApp does not stretch the minute-long replay.
 */
export const CHECK_TIMEOUT_MS = 500;
/** Simulated time advances in steps of one second. */
const STEP_MS = 1000;
/** The replay starts this long before the outage, so the crowd baseline sees a normal evening. */
const LEAD_MS = 15 * 60_000;
/** … and runs this long after the recovery, so the crowd alert has time to wind down. */
const TAIL_MS = 20 * 60_000;
/** Crowd windows are evaluated this long after they end (CROWD_CRON's offset). */
const CROWD_STEP_OFFSET_MS = 5000;

/** The two chats that watch the replay: an English and a Bengali group in Kolkata. */
export const REPLAY_CHATS = [
  { chatId: 'kolkata-en', locale: 'en', timeZone: 'Asia/Kolkata' },
  { chatId: 'kolkata-bn', locale: 'bn', timeZone: 'Asia/Kolkata' },
] as const;

export interface ReplayOptions {
  readonly scenario?: Scenario;
  /** Where the SQLite file goes; a fresh temporary directory by default. */
  readonly dataDir?: string;
  /** Real milliseconds per simulated minute; 0 runs as fast as the checks allow (tests). */
  readonly realMsPerSimMinute?: number;
  readonly onMessage?: (message: ReceivedMessage) => void;
  readonly onIncident?: (event: IncidentEvent) => void;
  /** Progress lines: the outage starting, reports arriving, recovery. */
  readonly onNote?: (at: number, text: string) => void;
}

export interface ReplayResult {
  readonly scenario: Scenario;
  readonly checkIntervalMs: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly messages: readonly ReceivedMessage[];
  readonly events: readonly IncidentEvent[];
  readonly reports: { readonly counted: number; readonly duplicate: number };
  readonly checks: number;
}

/** A clock the replay moves by hand. */
class SimulatedClock implements Clock {
  constructor(private at: number) {}
  now(): number {
    return this.at;
  }
  set(at: number): void {
    this.at = at;
  }
}

/**
 * The services file of the replay: the Meta group on loopback (each web endpoint plus the edge,
 * which kept accepting connections on 19 March), Facebook's platform status page, one control
 * target.
 */
function replayServicesYaml(baseUrl: string, port: number): string {
  const edge = `{ type: tcp, id: edge, host: 127.0.0.1, port: ${port} }`;
  const web = (path: string): string =>
    `{ type: http, id: web, url: "${baseUrl}${path}", expect: { status: "200-499" } }`;
  return `defaults: { every: ${CHECK_INTERVAL_MS / 1000}s, timeout: ${CHECK_TIMEOUT_MS}ms, confirm: { down: 2, up: 2 } }
control:
  - { type: http, id: control, url: "${baseUrl}/generate_204", expect: { status: "204" } }
services:
  - id: whatsapp
    name: WhatsApp
    group: meta
    monitors: [${web('/whatsapp/')}, ${edge}]
  - id: instagram
    name: Instagram
    group: meta
    monitors: [${web('/instagram/')}, ${edge}]
  - id: messenger
    name: Messenger
    group: meta
    monitors: [${web('/messenger/')}, ${edge}]
  - id: facebook
    name: Facebook
    group: meta
    monitors:
      - ${web('/facebook/')}
      - ${edge}
      - { type: statuspage, id: platform-status, url: "${baseUrl}/status/facebook/summary.json" }
`;
}

/** The app's parts as the replay wires them: the same classes `src/app.ts` starts. */
interface ReplayApp {
  readonly services: ServicesConfig;
  readonly engine: DetectionEngine;
  readonly reports: SqliteReportStore;
  readonly crowd: CrowdRuntime;
  readonly worker: OutboxWorker;
  readonly messages: ReceivedMessage[];
  readonly events: IncidentEvent[];
}

function wireReplay(
  db: Db,
  services: ServicesConfig,
  clock: SimulatedClock,
  options: ReplayOptions,
): ReplayApp {
  const detection = new SqliteDetectionStore(db, services);
  const outbox = new SqliteOutboxStore(db);
  const subscriptions = new SqliteSubscriptionStore(db);
  detection.addIncidentHook((event) => outbox.enqueueIncidentEvent(event));
  const engine = new DetectionEngine(services, detection, clock, { roundMs: CHECK_INTERVAL_MS });
  const reports = new SqliteReportStore(db);
  const crowd = new CrowdRuntime({ services: services.services, windows: reports, engine, clock });
  for (const chat of REPLAY_CHATS) {
    const address = { platform: 'console' as const, chatId: chat.chatId };
    subscriptions.subscribe(address, '*', 'minor', clock.now());
    subscriptions.updateSettings(address, { locale: chat.locale, timeZone: chat.timeZone }, clock.now());
  }
  const messages: ReceivedMessage[] = [];
  const onMessage = (message: ReceivedMessage): void => {
    messages.push(message);
    options.onMessage?.(message);
  };
  const sender = new PlainChatSender(() => clock.now(), onMessage, { meta: 'Meta' });
  const pacer = new Pacer(UNPACED, clock);
  const log = createLogger('silent', []);
  const worker = new OutboxWorker({ store: outbox, subscriptions, sender, pacer, clock, log });
  const events: IncidentEvent[] = [];
  engine.onIncident((event) => {
    events.push(event);
    options.onIncident?.(event);
  });
  return { services, engine, reports, crowd, worker, messages, events };
}

/** Records the planned reports due by `at` as the `/report` handler would; returns the next index. */
function fileReports(
  planned: readonly PlannedReport[],
  from: number,
  at: number,
  sink: ReportSink,
  tally: { counted: number; duplicate: number },
): number {
  let next = from;
  for (let report = planned[next]; report !== undefined && report.at <= at; report = planned[++next]) {
    const outcome = sink.record({
      serviceId: report.serviceId,
      platform: report.chat.platform,
      userId: report.userId,
      chatId: report.chat.chatId,
      guildId: report.chat.guildId,
      problem: parseProblemKind(report.text),
      at: report.at,
    });
    tally[outcome.kind]++;
  }
  return next;
}

/** Runs the replay to the end and returns everything the chats received. */
export async function runReplay(options: ReplayOptions = {}): Promise<ReplayResult> {
  const scenario = options.scenario ?? loadScenario();
  const startedAt = scenario.window_utc.start_estimate - LEAD_MS;
  const endedAt = scenario.window_utc.end_estimate + TAIL_MS;
  const clock = new SimulatedClock(startedAt);
  const targets = await startReplayTargets();
  const tempDir = options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'replay-')) : null;
  const db = openDatabase(join(options.dataDir ?? tempDir ?? '.', 'replay.db'));
  const shutdown = new AbortController();
  // Every check of a round listens for shutdown at once.
  setMaxListeners(0, shutdown.signal);
  try {
    const services = parseServices(replayServicesYaml(targets.baseUrl, targets.port), 'replay services');
    const app = wireReplay(db, services, clock, options);
    const planned = planReports(scenario);
    const tally = { counted: 0, duplicate: 0, checks: 0 };
    const pace = options.realMsPerSimMinute ?? 0;
    const realStart = performance.now();
    let modes = '';
    let nextReport = 0;
    for (let at = startedAt; at <= endedAt; at += STEP_MS) {
      clock.set(at);
      const now = targetModes(scenario, at);
      if (JSON.stringify(now) !== modes) {
        modes = JSON.stringify(now);
        targets.setModes(now);
        const described = Object.entries(now).map(([id, mode]) => `${id} ${mode}`);
        options.onNote?.(at, `targets: ${described.join(', ')}`);
      }
      nextReport = fileReports(planned, nextReport, at, app.reports, tally);
      if ((at - startedAt) % CHECK_INTERVAL_MS === 0) {
        tally.checks += await runRound(services.monitors, app.engine, shutdown.signal);
      }
      if (at % WINDOW_MS === CROWD_STEP_OFFSET_MS) app.crowd.step(at);
      await app.worker.runOnce(shutdown.signal);
      const due = ((at - startedAt) / 60_000) * pace - (performance.now() - realStart);
      if (due > 1) await sleep(due);
    }
    app.crowd.stop();
    return {
      scenario,
      checkIntervalMs: CHECK_INTERVAL_MS,
      startedAt,
      endedAt,
      messages: app.messages,
      events: app.events,
      reports: { counted: tally.counted, duplicate: tally.duplicate },
      checks: tally.checks,
    };
  } finally {
    shutdown.abort();
    await targets.close();
    db.close();
    if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
  }
}

/**
 * One check round: every monitor at once (the replay runs rounds on the minute; the live
 * scheduler spreads them over it), results applied in config order at the round's time.
 */
async function runRound(
  monitors: readonly MonitorConfig[],
  engine: DetectionEngine,
  shutdown: AbortSignal,
): Promise<number> {
  const outcomes: ProbeOutcome[] = await Promise.all(monitors.map((monitor) => runProbe(monitor, shutdown)));
  monitors.forEach((monitor, i) => {
    const outcome = outcomes[i];
    if (outcome !== undefined) engine.handleResult(monitor.id, outcome);
  });
  return monitors.length;
}
