/**
 * Replays a scenario (docs/replay.md): the real probes, detection engine, crowd runtime, stores,
 * outbox and outbox workers, on a SQLite file, against loopback stand-ins, with time coming from a
 * simulated `Clock` (the engine's own port). Shared by `npm run replay`, `npm run demo` and their tests.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseServices, type MonitorConfig, type ServicesConfig } from '../config/services-file.js';
import { parseProblemKind } from '../core/crowd/parse-problem.js';
import { WINDOW_MS } from '../core/crowd/crowd-window.js';
import type { ReportSink } from '../core/crowd/report-port.js';
import { ALL_SERVICES, type DeliveryResult, type Platform } from '../core/delivery/ports.js';
import { recheckDelayMs, recheckFits } from '../core/detection/confirmation.js';
import { DetectionEngine } from '../core/detection/engine.js';
import type { IncidentEvent } from '../core/events.js';
import type { Clock, ProbeOutcome } from '../core/model.js';
import { CrowdRuntime } from '../crowd-runtime/crowd-runtime.js';
import { type ScratchSchema, createScratchSchema } from '../db/postgres/scratch-schema.js';
import { openStorage } from '../features/open-storage.js';
import type { Storage } from '../features/storage.js';
import { OutboxWorker } from '../dispatch/outbox-worker.js';
import { Pacer, UNPACED } from '../dispatch/pacer.js';
import { createLogger } from '../logging.js';
import { LOCALES } from '../core/i18n/index.js';
import { runProbe } from '../monitors/scheduler.js';
import type { WebhookEndpoint } from '../platforms/webhook/webhook-config.js';
import { reconcileEndpoints } from '../platforms/webhook/webhook-platform.js';
import { WEBHOOK_PLATFORM, WebhookSender } from '../platforms/webhook/webhook-sender.js';
import { PlainChatSender, type ReceivedMessage } from './plain-alert.js';
import { startReplayTargets } from './replay-targets.js';
import { GOOD_CERT } from './replay-tls.js';
import {
  fillPlaceholders,
  loadScenario,
  planReports,
  standInStates,
  type PlannedReport,
  type Scenario,
} from './scenario.js';

/**
 * A check of a stand-in that gives no answer in this step (an HTTP or TLS stand-in that stalls, a
 * DNS name that times out) gives up after this long of real time, whatever the services file says:
 * real monitors wait 10 s, and every stalled check holds the replay for its timeout.
 */
export const CHECK_TIMEOUT_MS = 500;
/**
 * Every other check keeps the services file's timeout up to this long: it gets an answer, and on
 * a loaded machine an answer can take longer than 500 ms; cut short, it would time out where the
 * scenario says the stand-in answered, and the replay's story would depend on the machine's load.
 */
export const ANSWERING_CHECK_TIMEOUT_MS = 5_000;
/** Simulated time advances in steps of one second. */
const STEP_MS = 1000;
/** Crowd windows are evaluated this long after they end (CROWD_CRON's offset). */
const CROWD_STEP_OFFSET_MS = 5000;
/** The vantage guard's round when the services file checks less often than this. */
const DEFAULT_ROUND_MS = 60_000;

export interface ReplayOptions {
  /** The founding outage when not given. */
  readonly scenario?: Scenario;
  /** Where the SQLite file goes; a fresh temporary directory by default. */
  readonly dataDir?: string;
  /**
   * A PostgreSQL database (`DATABASE_URL`) to replay on instead of SQLite: the replay works in a
   * schema of its own there (`replay_<random>`), dropped at the end.
   */
  readonly databaseUrl?: string;
  /** Real milliseconds per simulated minute; 0 runs as fast as the checks allow (tests). */
  readonly realMsPerSimMinute?: number;
  readonly onMessage?: (message: ReceivedMessage) => void;
  readonly onIncident?: (event: IncidentEvent) => void;
  /** Progress lines: stand-ins changing state. */
  readonly onNote?: (at: number, text: string) => void;
  /**
   * Webhook endpoints that also get the replay's incidents, for real (signed POSTs through the
   * webhook platform's sender and its own outbox worker), as `WEBHOOKS_FILE` would configure them.
   */
  readonly webhooks?: readonly WebhookEndpoint[];
}

export interface ReplayResult {
  readonly scenario: Scenario;
  readonly services: ServicesConfig;
  /** The longest check interval of each service's monitors, for the summary's tolerances. */
  readonly intervalMs: ReadonlyMap<string, number>;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly messages: readonly ReceivedMessage[];
  readonly events: readonly IncidentEvent[];
  readonly reports: { readonly counted: number; readonly duplicate: number };
  readonly checks: number;
  /** How each delivery attempt to a webhook endpoint ended, in order. */
  readonly webhookResults: readonly DeliveryResult[];
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

/** The app's parts as the replay wires them: the same classes `src/app.ts` starts. */
interface ReplayApp {
  readonly engine: DetectionEngine;
  readonly reports: Storage['reports'];
  readonly crowd: CrowdRuntime;
  readonly workers: readonly OutboxWorker[];
  readonly messages: ReceivedMessage[];
  readonly events: IncidentEvent[];
  readonly webhookResults: DeliveryResult[];
  close(): Promise<void>;
}

async function wireReplay(
  storage: Storage,
  scenario: Scenario,
  services: ServicesConfig,
  clock: SimulatedClock,
  options: ReplayOptions,
): Promise<ReplayApp> {
  // The app's own storage (src/features/storage.ts): it writes each incident change with its outbox rows.
  const { detection, outbox, subscriptions, reports } = storage;
  const intervals = services.monitors.map((monitor) => monitor.intervalMs);
  const roundMs = Math.max(DEFAULT_ROUND_MS, ...intervals);
  const engine = new DetectionEngine(services, detection, clock, { roundMs });
  const crowd = new CrowdRuntime({ services: services.services, windows: reports, engine, clock });
  const platforms = new Set<Platform>();
  for (const chat of scenario.chats) {
    if (chat.subscribe.length === 0) continue;
    platforms.add(chat.platform);
    const address = {
      platform: chat.platform,
      chatId: chat.id,
      guildId: chat.platform === 'discord' ? `${chat.id}-server` : null,
    };
    for (const serviceId of chat.subscribe) {
      await subscriptions.subscribe(
        address,
        serviceId === '*' ? ALL_SERVICES : serviceId,
        'minor',
        clock.now(),
      );
    }
    await subscriptions.updateSettings(
      address,
      { locale: chat.locale, timeZone: chat.timeZone },
      clock.now(),
    );
  }
  const messages: ReceivedMessage[] = [];
  const onMessage = (message: ReceivedMessage): void => {
    messages.push(message);
    options.onMessage?.(message);
  };
  const log = createLogger('silent', []);
  const endpoints = options.webhooks ?? [];
  // With webhooks configured, their platform's rows are theirs alone (one worker per platform).
  const workers: OutboxWorker[] = [...platforms]
    .filter((p) => endpoints.length === 0 || p !== WEBHOOK_PLATFORM)
    .map(
      (platform) =>
        new OutboxWorker({
          store: outbox,
          subscriptions,
          sender: new PlainChatSender(platform, () => clock.now(), onMessage, scenario.groups),
          pacer: new Pacer(UNPACED, clock),
          clock,
          log,
        }),
    );
  // Webhooks: their endpoints are chats of platform `webhook`, delivered by the real sender. The
  // signature's timestamp is real time (a receiver checks it against its own clock); retries and
  // Retry-After waits run on the simulated clock like every other delivery of the replay.
  const webhookResults: DeliveryResult[] = [];
  const webhookSender =
    endpoints.length === 0 ? null : new WebhookSender(endpoints, { now: () => Date.now() });
  if (webhookSender !== null) {
    await reconcileEndpoints(subscriptions, endpoints, clock.now());
    workers.push(
      new OutboxWorker({
        store: outbox,
        subscriptions,
        sender: webhookSender,
        pacer: new Pacer(UNPACED, clock),
        clock,
        log,
        onResult: (result) => webhookResults.push(result),
      }),
    );
  }
  const events: IncidentEvent[] = [];
  engine.onIncident((event) => {
    events.push(event);
    options.onIncident?.(event);
  });
  return {
    engine,
    reports,
    crowd,
    workers,
    messages,
    events,
    webhookResults,
    close: async () => {
      await webhookSender?.close();
    },
  };
}

/** Records the planned reports due by `at` as the `/report` handler would; returns the next index. */
async function fileReports(
  planned: readonly PlannedReport[],
  from: number,
  at: number,
  sink: ReportSink,
  tally: { counted: number; duplicate: number },
): Promise<number> {
  let next = from;
  for (let report = planned[next]; report !== undefined && report.at <= at; report = planned[++next]) {
    const outcome = await sink.record({
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

/** A stand-in state in a few words, for the progress lines. */
function describeState(state: unknown): string {
  if (typeof state === 'string') return state;
  if (typeof state === 'object' && state !== null) {
    if ('status' in state) return `HTTP ${String(state.status)}`;
    if ('indicator' in state) return `status page "${String(state.indicator)}"`;
  }
  return JSON.stringify(state);
}

/** Runs the replay to the end and returns everything the chats received. */
export async function runReplay(options: ReplayOptions = {}): Promise<ReplayResult> {
  const scenario = options.scenario ?? loadScenario();
  const { from: startedAt, to: endedAt } = scenario;
  const clock = new SimulatedClock(startedAt);
  const targets = await startReplayTargets(scenario.standIns, () => clock.now());
  const tempDir = mkdtempSync(join(tmpdir(), 'replay-'));
  let storage: Storage | null = null;
  let scratch: ScratchSchema | null = null;
  const shutdown = new AbortController();
  // Every check of a round listens for shutdown at once.
  setMaxListeners(0, shutdown.signal);
  try {
    const caPath = join(tempDir, 'ca.pem');
    writeFileSync(caPath, GOOD_CERT);
    const yaml = fillPlaceholders(scenario.servicesYaml, scenario.standIns, {
      httpBase: targets.httpBase,
      httpPort: targets.httpPort,
      dnsResolver: targets.dnsResolver,
      tlsPorts: targets.tlsPorts,
      caPath,
    });
    const services = parseServices(yaml, scenario.servicesSource);
    const monitors = services.monitors;
    const intervalMs = new Map<string, number>();
    for (const monitor of monitors) {
      if (monitor.serviceId === null) continue;
      intervalMs.set(monitor.serviceId, Math.max(intervalMs.get(monitor.serviceId) ?? 0, monitor.intervalMs));
    }
    // The services file's timeouts: a stalled check costs the live bot this long before its re-check.
    const configuredTimeout = new Map(services.monitors.map((m) => [m.id, m.timeoutMs]));
    const recheckAt = new Map<string, number>();
    const log = createLogger('silent', []);
    const databasePath = join(options.dataDir ?? tempDir, 'replay.db');
    if (options.databaseUrl !== undefined) scratch = await createScratchSchema(options.databaseUrl, 'replay');
    storage = await openStorage(
      {
        database:
          scratch === null
            ? { kind: 'sqlite', path: databasePath }
            : { kind: 'postgres', url: scratch.url, poolSize: 4 },
        databasePath,
        defaultLocale: LOCALES[0],
        defaultTimeZone: 'UTC',
      },
      services,
      { clock, log },
    );
    const app = await wireReplay(storage, scenario, services, clock, options);
    const planned = planReports(scenario);
    const tally = { counted: 0, duplicate: 0, checks: 0 };
    const pace = options.realMsPerSimMinute ?? 0;
    const realStart = performance.now();
    let states: Record<string, string> = {};
    let nextReport = 0;
    for (let at = startedAt; at <= endedAt; at += STEP_MS) {
      clock.set(at);
      const now = standInStates(scenario, at);
      const changed = Object.entries(now).filter(([key, state]) => states[key] !== JSON.stringify(state));
      if (changed.length > 0) {
        targets.setStates(now);
        states = Object.fromEntries(Object.entries(now).map(([key, state]) => [key, JSON.stringify(state)]));
        const described = changed.map(([key, state]) => `${key} ${describeState(state)}`);
        options.onNote?.(at, `stand-ins: ${described.join(', ')}`);
      }
      nextReport = await fileReports(planned, nextReport, at, app.reports, tally);
      const due = monitors.filter(
        (monitor) =>
          (at - startedAt) % monitor.intervalMs === 0 || (recheckAt.get(monitor.id) ?? Infinity) <= at,
      );
      if (due.length > 0) {
        const silent = silentStandIns(scenario, now, targets.tlsPorts);
        const timed = due.map((monitor) => ({
          ...monitor,
          timeoutMs: Math.min(
            monitor.timeoutMs,
            waitsOnSilence(monitor, silent) ? CHECK_TIMEOUT_MS : ANSWERING_CHECK_TIMEOUT_MS,
          ),
        }));
        const outcomes = await runRound(timed, app.engine, shutdown.signal);
        tally.checks += due.length;
        due.forEach((monitor, i) => {
          const next = nextRecheck(monitor, outcomes[i], app.engine, at, startedAt, configuredTimeout);
          if (next === null) recheckAt.delete(monitor.id);
          else recheckAt.set(monitor.id, next);
        });
      }
      if (at % WINDOW_MS === CROWD_STEP_OFFSET_MS) await app.crowd.step(at);
      // What the step changed is stored before the workers look, on either backend.
      await storage.flush();
      for (const worker of app.workers) await worker.runOnce(shutdown.signal);
      const wait = ((at - startedAt) / 60_000) * pace - (performance.now() - realStart);
      if (wait > 1) await sleep(wait);
    }
    await app.crowd.stop();
    await app.close();
    return {
      scenario,
      services,
      intervalMs,
      startedAt,
      endedAt,
      messages: app.messages,
      events: app.events,
      reports: { counted: tally.counted, duplicate: tally.duplicate },
      checks: tally.checks,
      webhookResults: app.webhookResults,
    };
  } finally {
    shutdown.abort();
    await targets.close();
    await storage?.stop();
    await scratch?.drop();
    rmSync(tempDir, { recursive: true, force: true });
  }
}

/** What gives no answer in a step: HTTP paths, TLS ports and DNS names of silent stand-ins. */
export interface Silence {
  readonly paths: readonly string[];
  readonly ports: ReadonlySet<number>;
  readonly names: ReadonlySet<string>;
}

export function silentStandIns(
  scenario: Scenario,
  states: Readonly<Record<string, unknown>>,
  tlsPorts: Readonly<Record<string, number>>,
): Silence {
  const paths: string[] = [];
  const ports = new Set<number>();
  const names = new Set<string>();
  for (const [key, standIn] of Object.entries(scenario.standIns)) {
    const state = states[key];
    if (standIn.type === 'http' && state === 'stall') paths.push(`/${key}/`);
    if (standIn.type === 'tls' && state === 'stall' && tlsPorts[key] !== undefined) ports.add(tlsPorts[key]);
    if (standIn.type === 'dns' && state === 'timeout') names.add(standIn.name.toLowerCase());
  }
  return { paths, ports, names };
}

/** Whether a check may be waiting on a silent stand-in (then its short timeout is its answer). */
export function waitsOnSilence(monitor: MonitorConfig, silent: Silence): boolean {
  const options = monitor.options as { url?: unknown; host?: unknown; port?: unknown };
  if (typeof options.url === 'string') {
    const path = URL.canParse(options.url) ? new URL(options.url).pathname : '';
    if (silent.paths.some((p) => path.startsWith(p))) return true;
  }
  if (typeof options.port === 'number' && silent.ports.has(options.port)) return true;
  if (typeof options.host === 'string' && silent.names.has(options.host.toLowerCase())) return true;
  return false;
}

/**
 * One check round: the monitors due at once (the replay runs them on the step; the live
 * scheduler spreads them out), results applied in config order at the round's time.
 */
async function runRound(
  monitors: readonly MonitorConfig[],
  engine: DetectionEngine,
  shutdown: AbortSignal,
): Promise<readonly ProbeOutcome[]> {
  const outcomes: ProbeOutcome[] = await Promise.all(monitors.map((monitor) => runProbe(monitor, shutdown)));
  monitors.forEach((monitor, i) => {
    const outcome = outcomes[i];
    if (outcome !== undefined) engine.handleResult(monitor.id, outcome);
  });
  return outcomes;
}

/**
 * When the live scheduler would check `monitor` again before its next regular slot: after a
 * failure that extended an unconfirmed streak, by the same policy (`recheckDelayMs`), a timed-out
 * check costing the services file's timeout first; null when it would not.
 */
function nextRecheck(
  monitor: MonitorConfig,
  outcome: ProbeOutcome | undefined,
  engine: DetectionEngine,
  at: number,
  startedAt: number,
  configuredTimeout: ReadonlyMap<string, number>,
): number | null {
  if (outcome === undefined) return null;
  const timedOut = outcome.reason === 'timeout';
  const delay = recheckDelayMs(engine.pendingFailures(monitor.id), monitor.intervalMs, timedOut);
  if (delay === null) return null;
  const timeoutMs = configuredTimeout.get(monitor.id) ?? monitor.timeoutMs;
  const next = at + Math.max(STEP_MS, Math.ceil((delay + (timedOut ? timeoutMs : 0)) / STEP_MS) * STEP_MS);
  const nextRegular =
    startedAt + (Math.floor((at - startedAt) / monitor.intervalMs) + 1) * monitor.intervalMs;
  return recheckFits(next, timeoutMs, nextRegular) ? next : null;
}
