import cron, { type ScheduledTask } from 'node-cron';
import { ServiceHistory } from '../charts/service-history.js';
import { type DatabaseConfig, describeDatabase } from '../config/database-url.js';
import type { ServicesConfig } from '../config/services-file.js';
import { longestIntervalByGroup } from '../core/delivery/grouping.js';
import type { Clock } from '../core/model.js';
import { type PgDb, openPostgres } from '../db/postgres/pool.js';
import { PostgresChatMonitorStore } from '../db/postgres/postgres-chat-monitor-store.js';
import { PostgresDetectionStore } from '../db/postgres/postgres-detection-store.js';
import { PostgresHistoryStore } from '../db/postgres/postgres-history-store.js';
import { PostgresBoardStore } from '../db/postgres/postgres-board-store.js';
import { PostgresNoteStore } from '../db/postgres/postgres-note-store.js';
import { PostgresOutboxStore } from '../db/postgres/postgres-outbox-store.js';
import { PostgresQueryStore } from '../db/postgres/postgres-query-store.js';
import { PostgresReportStore } from '../db/postgres/postgres-report-store.js';
import { PostgresSubscriptionStore } from '../db/postgres/postgres-subscription-store.js';
import { guardUnavailable } from '../db/postgres/unavailable.js';
import type { StorageState } from '../db/storage-health.js';
import type { Logger } from '../logging.js';
import type { StorageFigures } from '../metrics/app-metrics.js';
import type { OutboxDepth } from '../metrics/outbox-gauges.js';
import { MAINTENANCE_CRON, OUTBOX_RETENTION_MS, type Storage, type StorageConfig } from './storage.js';

/**
 * At stop, what the commit queue and the report queue hold is written for at most this long: a
 * database still away by then would hold the process forever (the log says what is lost).
 */
export const STOP_FLUSH_MS = 10_000;
/**
 * Then the pool is ended for at most this long: `pool.end()` waits for every connection in use,
 * and one whose write the database never answers (a hanging server) would hold it forever.
 */
export const STOP_CLOSE_MS = 2_000;
/**
 * Reads that want the engine's latest writes first (the status API's last checks, the roll-ups)
 * wait this long for them at most: while the database is away they answer from what is stored.
 */
const READ_FLUSH_MS = 2_000;

const OUTBOX_DEPTH_SQL = `SELECT platform, COUNT(*)::int AS pending, MIN(created_at) AS oldest
  FROM outbox WHERE status IN ('pending', 'leased') GROUP BY platform`;

/** Resolves true when `work` settled within `ms`, false when the time ran out first. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every store on PostgreSQL (docs/postgres.md). The detection engine's store answers from memory
 * and writes behind through its ordered commit queue, so a slow or unreachable database never
 * holds a check; the other stores are asynchronous and their callers await them. While the
 * database is away, `health` says so (`/healthz` 503, `incident_bot_database_writable 0`), the
 * commit queue keeps every incident change and its outbox rows and writes them in order when it is
 * back; commands that write answer that storage is unavailable.
 */
export class PostgresStorage implements Storage {
  readonly backend = 'postgres';
  readonly db = null;
  readonly description: string;
  readonly serviceHistory: ServiceHistory;
  readonly notes: PostgresNoteStore;
  readonly boards: PostgresBoardStore;
  private maintenance: ScheduledTask | null = null;

  private constructor(
    private readonly pg: PgDb,
    readonly detection: PostgresDetectionStore,
    readonly outbox: PostgresOutboxStore,
    readonly queries: PostgresQueryStore,
    readonly subscriptions: PostgresSubscriptionStore,
    readonly reports: PostgresReportStore,
    readonly chatMonitors: PostgresChatMonitorStore,
    private readonly history: PostgresHistoryStore,
    private readonly database: Extract<DatabaseConfig, { kind: 'postgres' }>,
    private readonly deps: { readonly clock: Clock; readonly log: Logger },
  ) {
    this.description = describeDatabase(database).replace(/^database: /, '');
    this.serviceHistory = new ServiceHistory(history, deps.clock, reports);
    this.notes = new PostgresNoteStore(pg.pool, outbox);
    this.boards = new PostgresBoardStore(pg.pool);
  }

  /** `/silence <service>`: the chats' silences, kept beside their settings. */
  get silences(): PostgresSubscriptionStore {
    return this.subscriptions;
  }

  /** The pool, for the cluster's membership and leases (docs/cluster.md). */
  get pool(): PgDb['pool'] {
    return this.pg.pool;
  }

  /** The database URL (a secret: never logged), for the cluster's LISTEN connection. */
  get url(): string {
    return this.database.url;
  }

  /** Connects, migrates, and loads what the detection engine needs; throws PostgresOpenError. */
  static async open(
    config: StorageConfig,
    database: Extract<DatabaseConfig, { kind: 'postgres' }>,
    services: ServicesConfig,
    deps: { readonly clock: Clock; readonly log: Logger },
  ): Promise<PostgresStorage> {
    const { clock, log } = deps;
    const pg = await openPostgres(database.url, { poolSize: database.poolSize, log });
    try {
      const { pool } = pg;
      const groupIntervals = longestIntervalByGroup(services);
      const recoveryJoinMs = (group: string | null) =>
        group === null ? 0 : (groupIntervals.get(group) ?? 0);
      const detection = await PostgresDetectionStore.open(pool, services, {
        outbox: { gatherMs: config.alertGatherMs },
        now: () => clock.now(),
        log,
      });
      const pendingWrites = async () => {
        await within(detection.flush(), READ_FLUSH_MS);
      };
      return new PostgresStorage(
        pg,
        detection,
        new PostgresOutboxStore(pool, {
          recoveryJoinMs,
          gatherMs: config.alertGatherMs,
          reminderMinuteMs: config.reminderMinuteMs,
        }),
        new PostgresQueryStore(pool, { flushPendingWrites: pendingWrites }),
        // Commands that meet the database away answer "could not be stored, try again" (in the
        // chat's language), as on a full disk with SQLite.
        guardUnavailable(
          new PostgresSubscriptionStore(pool, {
            locale: config.defaultLocale,
            timeZone: config.defaultTimeZone,
          }),
        ),
        guardUnavailable(new PostgresReportStore(pool)),
        guardUnavailable(new PostgresChatMonitorStore(pool)),
        new PostgresHistoryStore(pool, { pendingWrites }),
        database,
        deps,
      );
    } catch (err) {
      await pg.close();
      throw err;
    }
  }

  /** Writable while the commit queue's batches commit; `since` is when they began to fail. */
  get health(): { readonly ok: boolean; readonly state: StorageState } {
    const write = this.detection.writeHealth();
    const state: StorageState = write.ok
      ? { ok: true }
      : {
          ok: false,
          reason: write.lastError ?? 'database unreachable',
          code: 'POSTGRES',
          since: write.since,
        };
    return { ok: write.ok, state };
  }

  async outboxDepth(): Promise<OutboxDepth[]> {
    const { rows } = await this.pg.pool.query<{ platform: string; pending: number; oldest: number | null }>(
      OUTBOX_DEPTH_SQL,
    );
    return rows.map((r) => ({ platform: r.platform, pending: r.pending, oldestCreatedAt: r.oldest }));
  }

  writeFigures(): StorageFigures {
    const write = this.detection.writeHealth();
    const backlog = this.detection.backlogFigures();
    // Outbox rows are written with their incident change (in the commit queue), never held apart.
    return { writable: write.ok, detection: backlog, outbox: { rows: 0, settlements: 0 } };
  }

  async flush(): Promise<void> {
    await Promise.all([this.reports.flush(), this.detection.flush()]);
  }

  /** Runs the roll-ups and pruning now, then a minute past every hour. */
  start(): void {
    void this.maintain();
    this.maintenance = cron.schedule(MAINTENANCE_CRON, () => void this.maintain());
  }

  async stop(): Promise<void> {
    void this.maintenance?.destroy();
    const { log } = this.deps;
    try {
      // Reports sent after the crowd stopped wait in the report queue; checks and incident
      // changes in the commit queue: both are written now if the database answers in time. A
      // report write that fails is logged; it neither makes stop throw nor cuts the commit queue's
      // time short (its incident changes would be dropped at close).
      const reportsWritten = this.reports.flush().then(
        () => true,
        (err: unknown) => {
          log.error(
            { err: err instanceof Error ? err.message : String(err) },
            'crowd reports not stored at stop',
          );
          return false;
        },
      );
      const written = await within(Promise.all([reportsWritten, this.detection.flush()]), STOP_FLUSH_MS);
      if (!written) log.error({ held: this.detection.backlogFigures() }, 'stopping with writes not stored');
    } finally {
      this.detection.close();
      if (!(await within(this.pg.close(), STOP_CLOSE_MS)))
        log.error('stopping with PostgreSQL connections still in use (a statement not answered)');
    }
  }

  private async maintain(): Promise<void> {
    const { clock, log } = this.deps;
    // A database away skips this hour; the next one catches up (roll-ups follow a cursor).
    if (!this.health.ok) return;
    try {
      await this.history.rollUpCompleteHours(clock.now());
      await this.history.prune(clock.now());
      await this.outbox.prune(clock.now() - OUTBOX_RETENTION_MS);
    } catch (err) {
      log.error({ err }, 'history maintenance failed');
    }
  }
}
