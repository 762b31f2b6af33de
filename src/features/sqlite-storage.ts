import cron, { type ScheduledTask } from 'node-cron';
import type { AppConfig } from '../app-config.js';
import type { ServicesConfig } from '../config/services-file.js';
import { longestIntervalByGroup } from '../core/delivery/grouping.js';
import type { Clock } from '../core/model.js';
import { type Db, openDatabase } from '../db/database.js';
import { FailoverOutboxStore } from '../db/failover-outbox-store.js';
import { SqliteChatMonitorStore } from '../db/sqlite-chat-monitor-store.js';
import { SqliteDetectionStore, WRITE_BEHIND_MS } from '../db/sqlite-detection-store.js';
import { SqliteHistoryStore } from '../db/sqlite-history-store.js';
import { SqliteBoardStore } from '../db/sqlite-board-store.js';
import { SqliteNoteStore } from '../db/sqlite-note-store.js';
import { SqliteOutboxStore } from '../db/sqlite-outbox-store.js';
import { SqliteQueryStore } from '../db/sqlite-query-store.js';
import { SqliteReportStore } from '../db/sqlite-report-store.js';
import { SqliteSubscriptionStore } from '../db/sqlite-subscription-store.js';
import { StorageHealth } from '../db/storage-health.js';
import type { Logger } from '../logging.js';
import { ServiceHistory } from '../charts/service-history.js';
import { type OutboxDepth, OutboxGauges } from '../metrics/outbox-gauges.js';
import type { StorageFigures } from '../metrics/app-metrics.js';
import { MAINTENANCE_CRON, OUTBOX_RETENTION_MS, type Storage } from './storage.js';

type StorageConfig = Pick<
  AppConfig,
  'databasePath' | 'defaultLocale' | 'defaultTimeZone' | 'alertGatherMs' | 'reminderMinuteMs'
>;

/**
 * The database and every store over it. A full disk (or a read-only or failing one) degrades the
 * bot instead of stopping it: what cannot be written waits in memory and is written when storage
 * works again (docs/storage-faults.md). Started first and stopped last: on stop, what still waits
 * in memory is written if it can be, then the database is closed.
 */
export class SqliteStorage implements Storage {
  readonly backend = 'sqlite';
  readonly db: Db;
  /** Whether the database takes writes, and what waits in memory until it does. */
  readonly health: StorageHealth;
  readonly outbox: FailoverOutboxStore;
  readonly detection: SqliteDetectionStore;
  readonly queries: SqliteQueryStore;
  readonly notes: SqliteNoteStore;
  readonly boards: SqliteBoardStore;
  readonly subscriptions: SqliteSubscriptionStore;
  /** `/silence <service>`: the chats' silences, kept beside their settings. */
  get silences(): SqliteSubscriptionStore {
    return this.subscriptions;
  }
  /** Crowd reports: the commands' report store and the crowd runtime's windows. */
  readonly reports: SqliteReportStore;
  /** Monitors added from chat; adding and removing get a clear answer when storage fails. */
  readonly chatMonitors: SqliteChatMonitorStore;
  /** The check history behind the status page and the charts `/status <service>` attaches. */
  readonly serviceHistory: ServiceHistory;
  private readonly outboxRows: SqliteOutboxStore;
  private readonly outboxGauges: OutboxGauges;
  private readonly history: SqliteHistoryStore;
  private maintenance: ScheduledTask | null = null;

  constructor(
    config: StorageConfig,
    services: ServicesConfig,
    private readonly deps: { readonly clock: Clock; readonly log: Logger },
  ) {
    const { clock, log } = deps;
    this.db = openDatabase(config.databasePath);
    this.health = new StorageHealth(this.db, clock, log);
    // The outbox registers its backlog first: rows planned in memory during a fault are written back
    // before the incident changes whose rows could not be planned, so each chat's order holds.
    const groupIntervals = longestIntervalByGroup(services);
    const recoveryJoinMs = (group: string | null) => (group === null ? 0 : (groupIntervals.get(group) ?? 0));
    const gatherMs = config.alertGatherMs;
    this.outboxRows = new SqliteOutboxStore(this.db, {
      recoveryJoinMs,
      gatherMs,
      reminderMinuteMs: config.reminderMinuteMs,
    });
    this.outbox = new FailoverOutboxStore(this.db, this.outboxRows, this.health, {
      log,
      recoveryJoinMs,
      gatherMs,
    });
    this.detection = new SqliteDetectionStore(this.db, services, {
      writeBehindMs: WRITE_BEHIND_MS,
      health: this.health,
    });
    // The outbox rows are written in the incident's own transaction (a crash loses neither or
    // both), and an incident change that cannot be stored is still delivered, planned into the
    // in-memory outbox.
    this.detection.addIncidentHook((event) => this.outbox.enqueueIncidentEvent(event));
    this.detection.setUnstoredIncidentHandler((event) => this.outbox.plan(event));
    this.outboxGauges = new OutboxGauges(this.db);
    this.history = new SqliteHistoryStore(this.db);
    this.queries = new SqliteQueryStore(this.db);
    this.notes = new SqliteNoteStore(this.db, this.outbox);
    this.boards = new SqliteBoardStore(this.db);
    // Chat commands that change settings get a clear answer when that cannot be stored.
    this.subscriptions = this.health.guardMethods(
      new SqliteSubscriptionStore(this.db, {
        locale: config.defaultLocale,
        timeZone: config.defaultTimeZone,
      }),
      [
        'subscribe',
        'unsubscribe',
        'unsubscribeAll',
        'updateSettings',
        'deactivateChat',
        'rewriteChatId',
        'forgetThread',
        'setSilence',
        'endSilence',
      ],
    );
    this.reports = new SqliteReportStore(this.db, { health: this.health });
    this.chatMonitors = this.health.guardMethods(new SqliteChatMonitorStore(this.db), [
      'add',
      'remove',
      'setMaintenance',
      'endMaintenance',
    ]);
    this.serviceHistory = new ServiceHistory(this.history, clock, this.reports);
  }

  get description(): string {
    return `SQLite at ${this.db.name}`;
  }

  outboxDepth(): OutboxDepth[] {
    return this.outboxGauges.depth();
  }

  writeFigures(): StorageFigures {
    return {
      writable: this.health.ok,
      detection: this.detection.backlogFigures(),
      outbox: this.outbox.backlogFigures(),
    };
  }

  flush(): Promise<void> {
    this.reports.flush();
    this.detection.flush();
    return Promise.resolve();
  }

  /** Runs the roll-ups and pruning now, then a minute past every hour. */
  start(): void {
    this.maintain();
    this.maintenance = cron.schedule(MAINTENANCE_CRON, () => this.maintain());
  }

  stop(): void {
    void this.maintenance?.destroy();
    // What still waits in memory is written if storage works by now; otherwise it is lost with
    // the process (the log says how much).
    this.health.stop();
    try {
      // Reports the chats sent after the crowd stopped (a platform still disconnecting) wait in the
      // report store's queue for a moment; they are written now, not lost with the connection.
      this.reports.flush();
      this.detection.flush();
      if (!this.health.catchUp(true))
        this.deps.log.error({ held: this.detection.backlogFigures() }, 'stopping with writes not stored');
    } finally {
      this.db.close();
    }
  }

  private maintain(): void {
    const { clock, log } = this.deps;
    // Roll-ups and pruning wait for storage to work again; a later hour catches up.
    if (!this.health.ok) return;
    try {
      this.history.rollUpCompleteHours(clock.now());
      this.history.prune(clock.now());
      this.outboxRows.prune(clock.now() - OUTBOX_RETENTION_MS);
    } catch (err) {
      if (!this.health.failed(err, 'history maintenance')) log.error({ err }, 'history maintenance failed');
    }
  }
}
