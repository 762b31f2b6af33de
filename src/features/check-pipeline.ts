import cron, { type ScheduledTask } from 'node-cron';
import type { VantageCheck } from '../cluster/vantage-check.js';
import type { MonitorConfig, ServicesConfig } from '../config/services-file.js';
import { DetectionEngine } from '../core/detection/engine.js';
import type { Clock, ProbeOutcome } from '../core/model.js';
import type { Logger } from '../logging.js';
import type { AppMetrics } from '../metrics/app-metrics.js';
import { type PushOptions, PushRegistry } from '../monitors/probes/push-probe.js';
import { Scheduler, type Ticker, nodeCronTicker } from '../monitors/scheduler.js';
import type { ConsoleSink } from '../platforms/console/console-sink.js';
import { stopParseWorker } from '../monitors/probes/parse-worker.js';
import { loadPushSecret } from '../web/push-secret.js';
import { CheckTally } from './check-tally.js';
import type { Feature } from './feature.js';
import type { Storage } from './storage.js';

/** Outcomes from different monitors within this long count as one round for the vantage guard. */
export const VANTAGE_ROUND_MS = 60_000;
/** How often the console says what the checks are doing. */
const SUMMARY_CRON = '0 * * * * *';

/** What the checks count in `/metrics`. */
export type CheckMetrics = Pick<AppMetrics, 'recordCheckStart' | 'recordCheck'>;

/**
 * The detection engine over the detection store. The store writes each incident change together
 * with its outbox rows (one transaction on either backend), so the engine knows nothing of delivery.
 */
export function createDetectionEngine(
  services: ServicesConfig,
  storage: Pick<Storage, 'detection'>,
  clock: Clock,
  owns?: (serviceId: string) => boolean,
): DetectionEngine {
  return new DetectionEngine(services, storage.detection, clock, {
    roundMs: VANTAGE_ROUND_MS,
    ...(owns ? { owns } : {}),
  });
}

/**
 * The scheduler's once-a-second tick also applies maintenance windows that started or ended
 * (`DetectionEngine.checkMaintenance`: one comparison until one does), on the same clock as the
 * checks, so a simulated clock moves both.
 */
function withMaintenance(
  ticker: Ticker,
  engine: Pick<DetectionEngine, 'checkMaintenance'>,
  log: Logger,
): Ticker {
  return {
    start: (onTick) =>
      ticker.start(() => {
        onTick();
        try {
          engine.checkMaintenance();
        } catch (err) {
          log.error({ err }, 'applying maintenance windows failed');
        }
      }),
    stop: () => ticker.stop(),
  };
}

export interface CheckPipelineDeps {
  readonly engine: DetectionEngine;
  readonly metrics: CheckMetrics;
  /** Where the summary line goes every minute. */
  readonly sink: Pick<ConsoleSink, 'line'>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly ticker?: Ticker;
  /** The push monitors' tokens derive from a secret kept next to this database file. */
  readonly databasePath: string;
  /**
   * Several instances (docs/cluster.md): the services this instance checks now. Control targets
   * (no service) and `vantages: all` monitors are checked by every instance.
   */
  readonly owns?: (serviceId: string) => boolean;
  /**
   * Several instances on PostgreSQL (docs/cluster.md): the votes between vantage points. The
   * results of `vantages: all` monitors go through it and the engine gets the fused outcome (on
   * the service's owner) or nothing (elsewhere). Absent (SQLite, one instance): every result goes
   * to the engine as it is.
   */
  readonly vantageCheck?: VantageCheck;
  /** The vantage point checks name in their User-Agent (`VANTAGE`); absent: none named. */
  readonly vantage?: string;
}

/**
 * The walk of one check: the scheduler runs a monitor's probe, the outcome is counted (metrics,
 * the console's tally) and handed to the engine, which stores it and, through the detection store,
 * plans incident changes into the outbox (`createDetectionEngine`). Push monitors are checked by
 * their pings, which the registry here records.
 */
export class CheckPipeline implements Feature {
  readonly engine: DetectionEngine;
  readonly scheduler: Scheduler;
  /** Push (heartbeat) monitors: `/push/:token` pings them. */
  readonly pushes: PushRegistry;
  /** Each push monitor's token, for the start-up lines. */
  readonly pushTokens: readonly { readonly monitorId: string; readonly token: string }[];
  private readonly tally = new CheckTally();
  /** The hand-over under way of each monitor whose result awaits its vote (one at a time, in order). */
  private readonly handOvers = new Map<string, Promise<void>>();
  private summary: ScheduledTask | null = null;

  constructor(
    private readonly services: ServicesConfig,
    private readonly deps: CheckPipelineDeps,
  ) {
    const { engine, metrics, clock, log } = deps;
    this.engine = engine;
    this.warnSlowDetection(services.monitors);
    this.pushes = new PushRegistry(loadPushSecret(deps.databasePath), clock);
    this.pushTokens = services.monitors
      .filter((m) => m.type === 'push')
      .map((m) => ({ monitorId: m.id, token: this.pushes.register(m.id, m.options as PushOptions) }));
    this.scheduler = new Scheduler(
      services.monitors,
      {
        onStart: (_monitor, slot, startedAt) => metrics.recordCheckStart(slot, startedAt),
        onResult: (monitor, outcome) => {
          this.tally.finished(outcome);
          metrics.recordCheck(monitor.type, outcome);
          log.debug(
            { monitorId: monitor.id, status: outcome.status, reason: outcome.reason },
            'check finished',
          );
          const vote = deps.vantageCheck;
          if (vote !== undefined && monitor.vantages === 'all' && monitor.serviceId !== null)
            return this.handOver(monitor, monitor.serviceId, outcome, vote);
          engine.handleResult(monitor.id, outcome);
          return undefined;
        },
        onSkip: (monitor) => {
          this.tally.skip();
          log.warn({ monitorId: monitor.id }, 'check skipped: previous run still in progress');
        },
        // Re-checks a few seconds apart confirm or clear a first failure (docs/detection.md).
        pendingFailures: (monitor) => engine.pendingFailures(monitor.id),
        ...(deps.owns
          ? {
              shouldRun: (monitor: MonitorConfig) =>
                monitor.serviceId === null ||
                monitor.vantages === 'all' ||
                (deps.owns?.(monitor.serviceId) ?? true),
            }
          : {}),
        onRecheckDropped: (monitor) =>
          log.debug({ monitorId: monitor.id }, 're-check dropped: re-checks in flight at their cap'),
      },
      {
        clock,
        ticker: withMaintenance(deps.ticker ?? nodeCronTicker(), engine, log),
        ...(deps.vantage === undefined ? {} : { vantage: deps.vantage }),
      },
    );
  }

  /**
   * Hands the engine what the vote decides for this result. Chained per monitor: a result is
   * handed over only after the previous one of its monitor, so the engine never sees them
   * reordered (the scheduler also waits for it before the monitor's next check).
   */
  private handOver(monitor: MonitorConfig, serviceId: string, outcome: ProbeOutcome, vote: VantageCheck) {
    const previous = this.handOvers.get(monitor.id) ?? Promise.resolve();
    const next = previous
      .then(() => vote(monitor, serviceId, outcome))
      .then((fused) => {
        if (fused !== null) this.engine.handleResult(monitor.id, fused);
      })
      .catch((err: unknown) =>
        this.deps.log.error({ monitorId: monitor.id, err }, 'handing a voted result to the engine failed'),
      );
    this.handOvers.set(monitor.id, next);
    void next.then(() => {
      if (this.handOvers.get(monitor.id) === next) this.handOvers.delete(monitor.id);
    });
    return next;
  }

  /** Adds a monitor at runtime (from chat); it is checked from its next slot. */
  addMonitor(monitor: MonitorConfig): void {
    this.scheduler.addMonitor(monitor);
    this.warnSlowDetection([monitor]);
  }

  removeMonitor(monitorId: string): boolean {
    return this.scheduler.removeMonitor(monitorId);
  }

  start(): void {
    this.scheduler.start();
    this.summary = cron.schedule(SUMMARY_CRON, () => {
      const line = this.tally.takeLine(this.deps.clock.now(), this.services, this.engine);
      if (line !== null) this.deps.sink.line(line);
    });
  }

  /** Stops scheduling and waits for the checks under way, then for the feed parser's worker. */
  async stop(): Promise<void> {
    void this.summary?.destroy();
    await this.scheduler.stop();
    await stopParseWorker();
  }

  /**
   * Monitors whose cadence cannot fit the failures their budget asks for within two intervals
   * plus 30 s are confirmed later rather than falsely (docs/detection.md): say so once, when the
   * services file loads and when a chat monitor is added.
   */
  private warnSlowDetection(monitors: readonly { readonly id: string }[]): void {
    const slow = monitors.filter((m) => this.engine.downConfirmation(m.id)?.targetMet === false);
    if (slow.length > 0)
      this.deps.log.warn(
        { monitors: slow.slice(0, 10).map((m) => m.id), count: slow.length },
        'detection slower than two intervals plus 30 s: the cadence cannot fit the failures the false-alarm budget needs',
      );
  }
}
