import { pageTextFor } from '../web/page-text.js';
import { type RenderChartPng, createChartPngRenderer } from '../charts/chart-png.js';
import type { AppConfig } from '../app-config.js';
import type { ServicesConfig } from '../config/services-file.js';
import type { ReportSink } from '../core/crowd/report-port.js';
import type { DetectionEngine } from '../core/detection/engine.js';
import type { NoteStore } from '../core/incident-notes.js';
import type { Clock } from '../core/model.js';
import type { ChatMonitorService } from '../chat-monitors/chat-monitor-service.js';
import { OutboxWorker } from '../dispatch/outbox-worker.js';
import { Pacer, realSleep } from '../dispatch/pacer.js';
import type { Logger } from '../logging.js';
import type { AppMetrics } from '../metrics/app-metrics.js';
import type { ConsoleSink } from '../platforms/console/console-sink.js';
import { type ChatPlatform, type PlatformContext, isSharded } from '../platforms/platform.js';
import { createPlatforms } from '../platforms/registry.js';
import type { Feature } from './feature.js';
import type { Storage } from './storage.js';

export interface DeliveryDeps {
  readonly services: ServicesConfig;
  readonly engine: DetectionEngine;
  readonly storage: Pick<Storage, 'outbox' | 'subscriptions' | 'queries' | 'serviceHistory'> &
    Partial<Pick<Storage, 'notes' | 'silences' | 'boards'>>;
  /** `OPERATORS`: `platform:userId` of who may `/note` any incident. */
  readonly operators?: readonly string[];
  /** The commands' budgets when not the defaults (`AppConfig.commandRates`, tests only). */
  readonly commandRates?: PlatformContext['commandRates'];
  /** Where the chat commands record crowd reports. */
  readonly reports: ReportSink;
  /** What `/monitor` uses. */
  readonly monitors: ChatMonitorService;
  readonly metrics: Pick<AppMetrics, 'recordDelivery' | 'recordRateLimitWait'>;
  /** The console: every incident event and operator notice, whatever platforms are enabled. */
  readonly sink: Pick<ConsoleSink, 'incident' | 'operator'>;
  readonly clock: Clock;
  readonly log: Logger;
  /** The chat platforms to run; by default those the config enables (`createPlatforms`). */
  readonly platforms?: (ctx: PlatformContext) => ChatPlatform[];
  /**
   * Several instances (docs/cluster.md): a platform's outbox is sent, and its updates received,
   * only while this instance leads it (`lead`/`unlead`, from its lease). Alone: always.
   */
  readonly leased?: boolean;
}

/** The note store, waking the outbox workers after a note queued an alert update. */
function notesWaking(notes: NoteStore, wake: () => void): Pick<NoteStore, 'addNote'> {
  return {
    addNote: async (input) => {
      const outcome = await notes.addNote(input);
      if (outcome.kind === 'added' && outcome.alert !== null) wake();
      return outcome;
    },
  };
}

interface RunningWorker {
  readonly stop: AbortController;
  readonly done: Promise<void>;
}

/**
 * The way out: the chat platforms, one outbox worker paced for each, and the console. A new
 * incident event wakes the workers, so an alert does not wait for their next pass.
 */
export class Delivery implements Feature {
  private readonly workers: OutboxWorker[];
  private readonly newWorker: (platform: ChatPlatform, pacer: Pacer) => OutboxWorker;
  private readonly clock: Clock;
  private readonly outbox: DeliveryDeps['storage']['outbox'];
  private readonly log: Logger;
  /** The platforms this instance leads now (set before their worker runs). */
  private readonly leading = new Set<string>();
  private readonly running = new Map<string, RunningWorker>();
  private readonly leased: boolean;
  private stopped = false;

  /** Builds the platforms (`createPlatforms`), each with the context the chats need. */
  static async create(config: AppConfig, deps: DeliveryDeps): Promise<Delivery> {
    const { services, engine, storage, clock, log } = deps;
    const renderChartPng = createChartPngRenderer(services, storage.serviceHistory, pageTextFor);
    // A note's alert update is queued by the note store; the workers are woken once they exist.
    let wake = (): void => undefined;
    const ctx: PlatformContext = {
      services,
      engine,
      subscriptions: storage.subscriptions,
      outbox: storage.outbox,
      clock,
      log,
      commands: {
        services,
        states: engine,
        incidents: storage.queries,
        subscriptions: storage.subscriptions,
        reports: deps.reports,
        clock,
        monitors: deps.monitors,
        ...(storage.notes === undefined ? {} : { notes: notesWaking(storage.notes, () => wake()) }),
        ...(storage.silences === undefined ? {} : { silences: storage.silences }),
        operators: new Set(deps.operators ?? []),
        ...(storage.boards === undefined ? {} : { boards: storage.boards, onBoardChange: () => wake() }),
      },
      renderChartPng,
      ...(deps.commandRates === undefined ? {} : { commandRates: deps.commandRates }),
    };
    const platforms = deps.platforms ? deps.platforms(ctx) : await createPlatforms(config, ctx);
    const delivery = new Delivery(platforms, renderChartPng, deps);
    wake = () => {
      for (const worker of delivery.workers) worker.wake();
    };
    return delivery;
  }

  private constructor(
    readonly platforms: readonly ChatPlatform[],
    /** The 24-hour chart of a service as a PNG, for `/status <service>` in the chats. */
    readonly renderChartPng: RenderChartPng,
    deps: DeliveryDeps,
  ) {
    const { engine, storage, metrics, sink, clock, log, services } = deps;
    this.leased = deps.leased ?? false;
    this.newWorker = (platform, pacer) =>
      new OutboxWorker({
        store: storage.outbox,
        subscriptions: storage.subscriptions,
        sender: platform.sender,
        pacer,
        clock,
        log,
        onResult: (result) => {
          metrics.recordDelivery(platform.name, result.kind);
          if (result.kind === 'rate-limited') metrics.recordRateLimitWait(platform.name, result.retryAfterMs);
        },
        ...(storage.notes === undefined ? {} : { notes: storage.notes }),
        ...(storage.boards === undefined
          ? {}
          : { boards: { store: storage.boards, services, chats: storage.subscriptions } }),
      });
    this.clock = clock;
    this.outbox = storage.outbox;
    this.log = log;
    this.workers = platforms.map((platform) => this.newWorker(platform, new Pacer(platform.pacing, clock)));
    engine.onIncident((event) => {
      sink.incident(event);
      for (const worker of this.workers) worker.wake();
    });
    engine.onOperator((event) => {
      sink.operator(event);
      log.warn({ event }, 'operator notice');
    });
  }

  /**
   * Logs the platforms in, in order, then starts the workers (several instances: each platform's
   * worker waits for its lease). If one fails, every platform is stopped.
   */
  async start(): Promise<void> {
    try {
      // Several instances: no platform duty, no gateway shard until the leases say so.
      for (const platform of this.platforms)
        await (this.leased
          ? platform.start({
              lead: false,
              ...(isSharded(platform) ? { shards: { shards: [], shardCount: 1 } } : {}),
            })
          : platform.start());
    } catch (err) {
      await Promise.allSettled(this.platforms.map((platform) => platform.stop()));
      throw err;
    }
    if (!this.leased) for (const platform of this.platforms) this.runWorker(platform.name);
  }

  /** The platforms' names, for their leases. */
  get platformNames(): readonly string[] {
    return this.platforms.map((p) => p.name);
  }

  /** Whether this instance sends the platform's outbox now. */
  leads(platform: string): boolean {
    return this.running.has(platform);
  }

  /** Takes up a platform's leadership: its updates received here, its outbox sent from here. */
  async lead(name: string): Promise<void> {
    const platform = this.platforms.find((p) => p.name === name);
    if (!platform || this.stopped) return;
    this.leading.add(name);
    await platform.lead?.();
    const worker = await this.leaderWorker(platform);
    // Given up meanwhile (`unlead` came while the outbox was read): no worker.
    if (!this.stopped && this.leading.has(name)) this.runWorker(name, worker);
  }

  /** Gives a platform's leadership up: the send under way finishes, then its updates stop. */
  async unlead(name: string): Promise<void> {
    this.leading.delete(name);
    const running = this.running.get(name);
    this.running.delete(name);
    if (running) {
      running.stop.abort();
      await running.done.catch(() => undefined);
    }
    await this.platforms.find((p) => p.name === name)?.unlead?.();
  }

  /** Another instance queued outbox rows: the workers look at once. */
  wake(): void {
    for (const worker of this.workers) worker.wake();
  }

  private runWorker(name: string, worker?: OutboxWorker): void {
    const index = this.platforms.findIndex((p) => p.name === name);
    const chosen = worker ?? this.workers[index];
    if (!chosen || this.running.has(name)) return;
    this.workers[index] = chosen;
    const stop = new AbortController();
    this.running.set(name, { stop, done: chosen.run(stop.signal) });
  }

  /**
   * A new leader's worker: its pacer knows what the previous leader sent (the outbox's sent rows of
   * the last pacing window, replayed), so the chats' and the bot's limits hold across the hand-over.
   */
  private async leaderWorker(platform: ChatPlatform): Promise<OutboxWorker> {
    const now = this.clock.now();
    const rates = [platform.pacing.global, platform.pacing.privateChat, platform.pacing.groupChat];
    // Whole milliseconds: a rate's period may be fractional (Discord's 50 a second), the column is BIGINT.
    const windowMs = Math.ceil(Math.max(0, ...rates.map((r) => r?.perMs ?? 0)));
    const pacer = new Pacer(platform.pacing, this.clock, realSleep, { since: now - windowMs });
    try {
      for (const sent of (await this.outbox.recentSends?.(platform.name, now - windowMs, now)) ?? [])
        pacer.recordSent(sent.chatId, sent.at);
    } catch (err) {
      this.log.warn(
        { err: err instanceof Error ? err.message : String(err), platform: platform.name },
        'recent sends not read; pacing starts from what this instance knows',
      );
    }
    return this.newWorker(platform, pacer);
  }

  /** The workers finish the send under way, then the platforms disconnect. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = [...this.running.values()];
    this.running.clear();
    for (const r of running) r.stop.abort();
    await Promise.allSettled(running.map((r) => r.done));
    await Promise.allSettled(this.platforms.map((platform) => platform.stop()));
  }
}
