import cron, { type ScheduledTask } from 'node-cron';
import { ConsoleSink } from './platforms/console/console-sink.js';
import type { AppConfig } from './config/env.js';
import type { MonitorConfig, ServicesConfig } from './config/services-file.js';
import { DetectionEngine } from './core/detection/engine.js';
import type { Clock } from './core/model.js';
import { type Db, openDatabase } from './db/database.js';
import { SqliteDetectionStore, WRITE_BEHIND_MS } from './db/sqlite-detection-store.js';
import { SqliteHistoryStore } from './db/sqlite-history-store.js';
import { SqliteOutboxStore } from './db/sqlite-outbox-store.js';
import { longestIntervalByGroup } from './core/delivery/grouping.js';
import { SqliteQueryStore } from './db/sqlite-query-store.js';
import { SqliteSubscriptionStore } from './db/sqlite-subscription-store.js';
import { FailoverOutboxStore } from './db/failover-outbox-store.js';
import { StorageHealth } from './db/storage-health.js';
import type { ChatPlatform, PlatformContext } from './platforms/platform.js';
import { OutboxWorker } from './dispatch/outbox-worker.js';
import { Pacer } from './dispatch/pacer.js';
import type { Logger } from './logging.js';
import { createPlatforms } from './platforms/registry.js';
import { Scheduler, type Ticker } from './monitors/scheduler.js';
import { stopParseWorker } from './sources/parse-worker.js';
import { createHttpServer } from './web/http-server.js';
import { StatusView } from './web/status-view.js';
// Web pages.
import { ServiceHistory } from './web/service-history.js';
import { StatusPage } from './web/status-page.js';
import { AppMetrics } from './metrics/app-metrics.js';
import { OutboxGauges } from './metrics/outbox-gauges.js';
import { type PushOptions, PushRegistry } from './monitors/probes/push-probe.js';
import { loadPushSecret } from './web/push-secret.js';
import { type RenderChartPng, createChartPngRenderer } from './charts/chart-png.js';
// Crowd reports.
import type { ReportSink } from './core/crowd/report-port.js';
import { CrowdRuntime } from './crowd-runtime/crowd-runtime.js';
import { CommunityReportSink } from './crowd-runtime/community-notices.js';
import { SqliteReportStore } from './db/sqlite-report-store.js';
// Monitors added from chat.
import { DEFAULT_CHAT_MONITOR_LIMITS } from './chat-monitors/chat-monitor-limits.js';
import { CHAT_SERVICE_PREFIX } from './chat-monitors/chat-monitor-config.js';
import { createChatMonitorRuntime } from './chat-monitors/chat-monitor-runtime.js';
import { ChatMonitorService } from './chat-monitors/chat-monitor-service.js';
import { SqliteChatMonitorStore } from './db/sqlite-chat-monitor-store.js';
import { type AddressResolver, createSystemResolver } from './monitors/ssrf/ssrf-guard.js';

/** Outcomes from different monitors within this long count as one round for the vantage guard. */
const VANTAGE_ROUND_MS = 60_000;
/** How often the console says what the checks are doing. */
const SUMMARY_CRON = '0 * * * * *';
/** Roll-ups and pruning run a minute past every hour. */
const MAINTENANCE_CRON = '0 1 * * * *';
/** Sent and dead outbox rows are kept this long (dead ones for the operator to look at). */
const OUTBOX_RETENTION_MS = 30 * 24 * 3_600_000;

export interface AppDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly out?: NodeJS.WritableStream;
  readonly ticker?: Ticker;
  /** The chat platforms to run; by default those with tokens in the config. */
  readonly platforms?: (ctx: PlatformContext) => ChatPlatform[];
  /** DNS for chat-added monitors' SSRF guard; by default the system's (c-ares). */
  readonly resolveAddress?: AddressResolver;
}

export interface RunningApp {
  readonly engine: DetectionEngine;
  readonly db: Db;
  readonly platforms: readonly ChatPlatform[];
  /** `http://host:port` the HTTP surface listens on. */
  readonly url: string;
  /** Crowd reports: where `/report` and "I'm affected too" record. */
  readonly reports: ReportSink;
  /** The crowd runtime (stepped by its own schedule; `step(now)` evaluates the windows ended by then). */
  readonly crowd: CrowdRuntime;
  /** Prometheus metrics: workers and adapters call `recordDelivery`, `recordRateLimitWait`, `recordReport`. */
  readonly metrics: AppMetrics;
  /** The 24-hour chart of a service as a PNG, for `/status <service>` in the chats. */
  readonly renderChartPng: RenderChartPng;
  /** Monitors added from chat: what `/monitor` uses. */
  readonly chatMonitors: ChatMonitorService;
  /** Whether the database takes writes, and what waits in memory until it does. */
  readonly storage: StorageHealth;
  stop(): Promise<void>;
}

/** Wires the parts together and starts them. The only place (with main.ts) that knows every layer. */
export async function startApp(
  config: AppConfig,
  services: ServicesConfig,
  deps: AppDeps,
): Promise<RunningApp> {
  const { clock, log } = deps;
  const sink = new ConsoleSink(deps.out);
  const db = openDatabase(config.databasePath);
  // A full disk (or a read-only or failing one) degrades the bot instead of stopping it: what cannot
  // be written waits in memory and is written when storage works again (docs/storage-faults.md).
  const storage = new StorageHealth(db, clock, log);
  // The outbox registers its backlog first: rows planned in memory during a fault are written back
  // before the incident changes whose rows could not be planned, so each chat's order holds.
  const groupIntervals = longestIntervalByGroup(services);
  const recoveryJoinMs = (group: string | null) => (group === null ? 0 : (groupIntervals.get(group) ?? 0));
  const outboxRows = new SqliteOutboxStore(db, { recoveryJoinMs });
  const outbox = new FailoverOutboxStore(db, outboxRows, storage, { log, recoveryJoinMs });
  const detectionStore = new SqliteDetectionStore(db, services, {
    writeBehindMs: WRITE_BEHIND_MS,
    health: storage,
  });
  const history = new SqliteHistoryStore(db);
  const queries = new SqliteQueryStore(db);
  // Chat commands that change settings get a clear answer when that cannot be stored.
  const subscriptions = storage.guardMethods(
    new SqliteSubscriptionStore(db, { locale: config.defaultLocale, timeZone: config.defaultTimeZone }),
    [
      'subscribe',
      'unsubscribe',
      'unsubscribeAll',
      'updateSettings',
      'deactivateChat',
      'rewriteChatId',
      'forgetThread',
    ],
  );
  // The outbox rows are written in the incident's own transaction: a crash loses neither or both.
  detectionStore.addIncidentHook((event) => outbox.enqueueIncidentEvent(event));
  // An incident change that cannot be stored is still delivered: planned into the in-memory outbox.
  detectionStore.setUnstoredIncidentHandler((event) => outbox.plan(event));
  const engine = new DetectionEngine(services, detectionStore, clock, { roundMs: VANTAGE_ROUND_MS });
  // Monitors whose cadence cannot fit the failures their budget asks for within two intervals
  // plus 30 s are confirmed later rather than falsely (docs/detection.md): say so once, when the
  // services file loads and when a chat monitor is added.
  const warnSlowDetection = (monitors: readonly { readonly id: string }[]): void => {
    const slow = monitors.filter((m) => engine.downConfirmation(m.id)?.targetMet === false);
    if (slow.length > 0)
      log.warn(
        { monitors: slow.slice(0, 10).map((m) => m.id), count: slow.length },
        'detection slower than two intervals plus 30 s: the cadence cannot fit the failures the false-alarm budget needs',
      );
  };
  warnSlowDetection(services.monitors);
  // --- crowd reports: the report store is the commands' ReportSink; the runtime steps the
  // crowd detector after every 5-minute window and tells the engine. Started with the scheduler.
  const reports = new SqliteReportStore(db, { health: storage });
  const crowd = new CrowdRuntime({ services: services.services, windows: reports, engine, clock, log });
  // A counted report may earn its own community a notice (docs/crowd.md §9), in its reply.
  const communityReports = new CommunityReportSink({
    store: reports,
    services: services.services,
    detector: (serviceId) => crowd.detectorState(serviceId),
    inIncident: (serviceId) => engine.openIncident(serviceId) !== undefined,
    log,
  });
  // --- end crowd reports

  // The check history behind the status page and the charts `/status <service>` attaches.
  const pageHistory = new ServiceHistory(db, clock, reports);
  const renderChartPng = createChartPngRenderer(services, pageHistory);

  const tally = { checks: 0, down: 0, skipped: 0 };
  // --- metrics: counters bumped where things happen, gauges read at scrape time.
  const outboxGauges = new OutboxGauges(db);
  const metrics = new AppMetrics({
    clock,
    serviceStates: () =>
      services.services.map((s) => ({ id: s.id, status: engine.serviceState(s.id)?.status ?? 'unknown' })),
    vantageOk: () => engine.vantageStatus().ok,
    openIncidents: () => services.services.filter((s) => engine.openIncident(s.id) !== undefined).length,
    outbox: () => outboxGauges.depth(),
    storage: () => ({
      writable: storage.ok,
      detection: detectionStore.backlogFigures(),
      outbox: outbox.backlogFigures(),
    }),
  });
  // --- end metrics
  // --- push monitors: tokens derived from a secret kept next to the database.
  const pushes = new PushRegistry(loadPushSecret(config.databasePath), clock);
  const pushTokens = services.monitors
    .filter((m) => m.type === 'push')
    .map((m) => ({ monitorId: m.id, token: pushes.register(m.id, m.options as PushOptions) }));
  // --- end push monitors
  const scheduler = new Scheduler(
    services.monitors,
    {
      onStart: (_monitor, slot, startedAt) => metrics.recordCheckStart(slot, startedAt),
      onResult: (monitor, outcome) => {
        tally.checks++;
        metrics.recordCheck(monitor.type, outcome);
        if (outcome.status === 'down') tally.down++;
        log.debug(
          { monitorId: monitor.id, status: outcome.status, reason: outcome.reason },
          'check finished',
        );
        engine.handleResult(monitor.id, outcome);
      },
      onSkip: (monitor) => {
        tally.skipped++;
        log.warn({ monitorId: monitor.id }, 'check skipped: previous run still in progress');
      },
      // Re-checks a few seconds apart confirm or clear a first failure (docs/detection.md).
      pendingFailures: (monitor) => engine.pendingFailures(monitor.id),
      onRecheckDropped: (monitor) =>
        log.debug({ monitorId: monitor.id }, 're-check dropped: re-checks in flight at their cap'),
    },
    { clock, ...(deps.ticker ? { ticker: deps.ticker } : {}) },
  );

  // --- chat monitors: stored monitors are registered in the engine and the scheduler
  // before it starts; each check goes through the SSRF guard with the operator's allowed ranges.
  const chatLimits = config.chatMonitors ?? DEFAULT_CHAT_MONITOR_LIMITS;
  const chatGuard = {
    resolve: deps.resolveAddress ?? createSystemResolver(),
    policy: { allowedRanges: chatLimits.allowedRanges },
  };
  const chatScheduler = {
    addMonitor: (monitor: MonitorConfig): void => {
      scheduler.addMonitor(monitor);
      warnSlowDetection([monitor]);
    },
    removeMonitor: (monitorId: string): boolean => scheduler.removeMonitor(monitorId),
  };
  const chatRuntime = createChatMonitorRuntime({
    scheduler: chatScheduler,
    engine,
    limits: chatLimits,
    guard: chatGuard,
  });
  const chatMonitors = new ChatMonitorService({
    store: storage.guardMethods(new SqliteChatMonitorStore(db), ['add', 'remove']),
    guard: chatGuard,
    limits: chatLimits,
    subscriptions,
    runtime: chatRuntime,
    clock,
  });
  chatMonitors.start();
  // --- end chat monitors

  const commands = {
    services,
    states: engine,
    incidents: queries,
    subscriptions,
    // Every report a chat sends is counted in /metrics by what the store made of it.
    reports: {
      record(report) {
        const outcome = communityReports.record(report);
        metrics.recordReport(report.serviceId, outcome.kind);
        return outcome;
      },
    } satisfies ReportSink,
    clock,
    monitors: chatMonitors,
  };
  const ctx: PlatformContext = {
    services,
    engine,
    subscriptions,
    outbox,
    clock,
    log,
    commands,
    renderChartPng,
  };
  const platforms = deps.platforms ? deps.platforms(ctx) : await createPlatforms(config, ctx);
  const workers = platforms.map(
    (platform) =>
      new OutboxWorker({
        store: outbox,
        subscriptions,
        sender: platform.sender,
        pacer: new Pacer(platform.pacing, clock),
        clock,
        log,
        onResult: (result) => {
          metrics.recordDelivery(platform.name, result.kind);
          if (result.kind === 'rate-limited') metrics.recordRateLimitWait(platform.name, result.retryAfterMs);
        },
      }),
  );
  engine.onIncident((event) => {
    sink.incident(event);
    for (const worker of workers) worker.wake();
  });
  engine.onOperator((event) => {
    sink.operator(event);
    log.warn({ event }, 'operator notice');
  });

  const maintain = (): void => {
    // Roll-ups and pruning wait for storage to work again; a later hour catches up.
    if (!storage.ok) return;
    try {
      history.rollUpCompleteHours(clock.now());
      history.prune(clock.now());
      outboxRows.prune(clock.now() - OUTBOX_RETENTION_MS);
    } catch (err) {
      if (!storage.failed(err, 'history maintenance')) log.error({ err }, 'history maintenance failed');
    }
  };
  maintain();
  const tasks: ScheduledTask[] = [
    cron.schedule(MAINTENANCE_CRON, maintain),
    cron.schedule(SUMMARY_CRON, () => {
      if (tally.checks === 0 && tally.skipped === 0) return;
      const counts = countStatuses(services, engine);
      sink.line(
        `${new Date(clock.now()).toISOString().slice(0, 19)}Z  checks: ${tally.checks} in the last minute ` +
          `(${tally.down} failing${tally.skipped ? `, ${tally.skipped} skipped` : ''}); services: ${counts}`,
      );
      tally.checks = tally.down = tally.skipped = 0;
    }),
  ];

  const view = new StatusView(
    services,
    engine,
    queries,
    clock,
    scheduler,
    platforms.map((p) => ({ name: p.name, isConnected: () => p.connected })), // /healthz
    // Chat monitors are on the page only if the operator made them public.
    {
      public: config.chatMonitors?.public ?? false,
      idPrefix: CHAT_SERVICE_PREFIX,
      registered: () => chatRuntime.registered(),
    },
    storage,
  );
  // --- web: the status page over the check history and crowd reports.
  const http = createHttpServer(view, log, {
    page: new StatusPage(services, view, pageHistory, clock),
    metrics,
    pushes,
  });
  // --- end web
  await http.listen({ host: config.http.host, port: config.http.port });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const url = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}`;
  try {
    for (const platform of platforms) await platform.start();
  } catch (err) {
    for (const task of tasks) void task.destroy();
    await Promise.allSettled(platforms.map((platform) => platform.stop()));
    await http.close();
    db.close();
    throw err;
  }
  const workersStop = new AbortController();
  const running = workers.map((worker) => worker.run(workersStop.signal));
  scheduler.start();
  crowd.start();
  sink.line(
    `incident-bot: watching ${services.services.length} services with ${services.monitors.length} monitors; ` +
      `status API on ${url}/api/services`,
  );
  for (const p of pushTokens) sink.line(`push monitor ${p.monitorId}: GET or POST ${url}/push/${p.token}`);

  return {
    engine,
    db,
    platforms,
    url,
    reports,
    crowd,
    metrics,
    renderChartPng,
    chatMonitors,
    storage,
    async stop() {
      crowd.stop();
      for (const task of tasks) void task.destroy();
      await scheduler.stop();
      workersStop.abort();
      await Promise.allSettled(running);
      await Promise.allSettled(platforms.map((platform) => platform.stop()));
      await http.close();
      // What still waits in memory is written if storage works by now; otherwise it is lost with
      // the process (the log says how much).
      storage.stop();
      await stopParseWorker();
      try {
        detectionStore.flush();
        if (!storage.catchUp(true))
          log.error({ held: detectionStore.backlogFigures() }, 'stopping with writes not stored');
      } finally {
        db.close();
      }
    },
  };
}

function countStatuses(services: ServicesConfig, engine: DetectionEngine): string {
  const counts = new Map<string, number>();
  for (const s of services.services) {
    const status = engine.serviceState(s.id)?.status ?? 'unknown';
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
}
