import type { RenderChartPng } from './charts/chart-png.js';
import type { ChatMonitorService } from './chat-monitors/chat-monitor-service.js';
import type { AppConfig } from './app-config.js';
import type { ServicesConfig } from './config/services-file.js';
import type { ReportSink } from './core/crowd/report-port.js';
import type { DetectionEngine } from './core/detection/engine.js';
import type { Clock } from './core/model.js';
import type { CrowdRuntime } from './crowd-runtime/crowd-runtime.js';
import type { Db } from './db/database.js';
import { ChatMonitors } from './features/chat-monitors.js';
import { CheckPipeline, createDetectionEngine } from './features/check-pipeline.js';
import type { ClusterFeature } from './features/cluster.js';
import { OwnershipGate } from './cluster/ownership-gate.js';
import type { ClusterStatus } from './cluster/cluster.js';
import type { PostgresStorage } from './features/postgres-storage.js';
import { createVantageCheck } from './cluster/vantage-check.js';
import { PostgresVantageResultStore } from './db/postgres/vantage-result-store.js';
import { Crowd } from './features/crowd.js';
import { Delivery } from './features/delivery.js';
import { startInOrder, stopInReverse } from './features/feature.js';
import { createAppMetrics } from './features/metrics.js';
import { openStorage } from './features/open-storage.js';
import type { Storage } from './features/storage.js';
import { Web } from './features/web.js';
import type { Logger } from './logging.js';
import type { AppMetrics } from './metrics/app-metrics.js';
import type { Ticker } from './monitors/scheduler.js';
import type { AddressResolver } from './monitors/ssrf/ssrf-guard.js';
import { ConsoleSink } from './platforms/console/console-sink.js';
import type { ChatPlatform, PlatformContext } from './platforms/platform.js';

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
  /** The SQLite database (tests and tools); null on PostgreSQL. */
  readonly db: Db | null;
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
  readonly storage: Storage['health'];
  /** Several instances on PostgreSQL: membership, leases held (null on SQLite). */
  readonly cluster: { status(): ClusterStatus } | null;
  stop(): Promise<void>;
}

/**
 * The composition root: builds the features (`src/features/`), starts them in order and stops them
 * in the reverse order. The only place (with main.ts) that knows every feature.
 */
export async function startApp(
  config: AppConfig,
  services: ServicesConfig,
  deps: AppDeps,
): Promise<RunningApp> {
  const { clock, log } = deps;
  const sink = new ConsoleSink(deps.out);
  const storage = await openStorage(config, services, { clock, log });
  // The database is open from here on: if building the rest fails (createPlatforms throwing, say),
  // it is closed before the error goes on, as when a feature fails to start.
  let built: Awaited<ReturnType<typeof build>>;
  try {
    built = await build();
  } catch (err) {
    await storage.stop();
    throw err;
  }
  const { engine, metrics, checks, crowd, chat, delivery, web, cluster } = built;

  // The HTTP surface listens before the platforms log in; the checks start once alerts can go out.
  // Several instances: the cluster joins once the platforms are logged in (it may lead them at
  // once) and before the checks (nothing is checked before it owns it).
  const features = [storage, chat, web, delivery, ...(cluster ? [cluster] : []), checks, crowd];
  await startInOrder(features);
  sink.line(`database: ${storage.description}`);
  sink.line(
    `incident-bot: watching ${services.services.length} services with ${services.monitors.length} monitors; ` +
      `status API on ${web.url}/api/services`,
  );
  for (const p of checks.pushTokens)
    sink.line(`push monitor ${p.monitorId}: GET or POST ${web.url}/push/${p.token}`);

  return {
    engine,
    db: storage.db,
    platforms: delivery.platforms,
    url: web.url,
    reports: storage.reports,
    crowd: crowd.runtime,
    metrics,
    renderChartPng: delivery.renderChartPng,
    chatMonitors: chat.service,
    storage: storage.health,
    cluster,
    stop: () => stopInReverse(features),
  };

  /** The features over the storage, built but not started. */
  async function build() {
    // On PostgreSQL the instance is one of a cluster (possibly of one): it checks and detects only
    // the services it holds the lease of (docs/cluster.md).
    const clustered = storage.backend === 'postgres' && config.cluster !== undefined;
    const gate = new OwnershipGate();
    const engine = createDetectionEngine(services, storage, clock, clustered ? gate.owns : undefined);
    // The cluster is built after the features it drives; metrics and /healthz read it late.
    let clusterFeature: ClusterFeature | null = null;
    const metrics = createAppMetrics(
      services,
      engine,
      storage,
      clock,
      () => clusterFeature?.figures() ?? null,
    );
    const checks = new CheckPipeline(services, {
      engine,
      metrics,
      sink,
      clock,
      log,
      ...(deps.ticker ? { ticker: deps.ticker } : {}),
      databasePath: config.databasePath,
      ...(clustered ? { owns: gate.owns } : {}),
      ...(config.cluster ? { vantage: config.cluster.vantage } : {}),
      // Several instances: `vantages: all` monitors are checked by every one, the owner counts the votes.
      ...(clustered && config.cluster
        ? {
            vantageCheck: createVantageCheck({
              vantage: config.cluster.vantage,
              store: new PostgresVantageResultStore((storage as PostgresStorage).pool),
              owns: gate.owns,
              onNotice: (notice) => engine.notifyOperator(notice),
              clock,
              log,
            }),
          }
        : {}),
    });
    const crowd = new Crowd({ services, engine, storage, metrics, clock, log });
    const chat = new ChatMonitors(config.chatMonitors, {
      checks,
      engine,
      storage,
      clock,
      ...(deps.resolveAddress ? { resolveAddress: deps.resolveAddress } : {}),
    });
    const delivery = await Delivery.create(config, {
      services,
      engine,
      storage,
      reports: crowd.commandReports,
      monitors: chat.service,
      operators: config.operators ?? [],
      ...(config.commandRates === undefined ? {} : { commandRates: config.commandRates }),
      metrics,
      sink,
      clock,
      log,
      ...(deps.platforms ? { platforms: deps.platforms } : {}),
      leased: clustered,
    });
    // Loaded only on PostgreSQL, like the pg driver it uses.
    const cluster =
      clustered && config.cluster
        ? new (await import('./features/cluster.js')).ClusterFeature(config.cluster, {
            storage: storage as PostgresStorage,
            engine,
            gate,
            serviceIds: () => [...services.services.map((s) => s.id), ...chat.serviceIds()],
            delivery,
            checkOverdue: (serviceIds, lastChecked) =>
              void checks.scheduler.checkOverdue(serviceIds, lastChecked),
            resyncChatMonitors: () => chat.resync(),
            log,
          })
        : null;
    clusterFeature = cluster;
    const web = new Web(config.http, {
      services,
      engine,
      storage,
      scheduler: checks.scheduler,
      platforms: delivery.platforms,
      chatServices: chat.pageServices,
      metrics,
      pushes: checks.pushes,
      clock,
      log,
      cluster: () => cluster?.health() ?? null,
    });
    return { engine, metrics, checks, crowd, chat, delivery, web, cluster };
  }
}
