import type { AppConfig } from '../app-config.js';
import type { ServiceHistory } from '../charts/service-history.js';
import type { ChatMonitorStore } from '../chat-monitors/chat-monitor-store.js';
import type { Awaitable } from '../core/awaitable.js';
import type { BoardStore } from '../core/board.js';
import type { CommunityReportStore } from '../crowd-runtime/community-notices.js';
import type { DetectionStore } from '../core/detection/engine.js';
import type { OutboxStore, SilenceStore, SubscriptionStore } from '../core/delivery/ports.js';
import type { NoteStore } from '../core/incident-notes.js';
import type { Db } from '../db/database.js';
import type { CrowdReportWindows } from '../db/sqlite-report-store.js';
import type { QueryStore } from '../db/sqlite-query-store.js';
import type { StorageState } from '../db/storage-health.js';
import type { StorageFigures } from '../metrics/app-metrics.js';
import type { OutboxDepth } from '../metrics/outbox-gauges.js';
import type { Feature } from './feature.js';

/** Roll-ups and pruning run a minute past every hour. */
export const MAINTENANCE_CRON = '0 1 * * * *';
/** Sent and dead outbox rows are kept this long (dead ones for the operator to look at). */
export const OUTBOX_RETENTION_MS = 30 * 24 * 3_600_000;

/**
 * The database and every store over it, on one backend: SQLite (the default, one file, in process)
 * or PostgreSQL (`DATABASE_URL`). The features see only the ports; the SQLite stores answer
 * synchronously, the PostgreSQL ones with promises, and every caller awaits (docs/postgres.md).
 * Started first and stopped last: on stop, what still waits in memory is written if it can be,
 * then the database is closed.
 */
export interface Storage extends Feature {
  readonly backend: 'sqlite' | 'postgres';
  /** `SQLite at <path>` or `PostgreSQL at <host>:<port>/<db> as <user>`, for the start-up line. */
  readonly description: string;
  /** Whether the database takes writes now (`/healthz`). */
  readonly health: { readonly ok: boolean; readonly state: StorageState };
  /** The engine's store: synchronous, writing behind (docs/postgres.md, "The async boundary"). */
  readonly detection: DetectionStore;
  readonly outbox: OutboxStore;
  readonly queries: QueryStore;
  readonly subscriptions: SubscriptionStore;
  /**
   * `/silence <service>`'s silences (the outbox sets their rows aside). Absent: only `all` can be
   * silenced.
   */
  readonly silences?: SilenceStore;
  /** Crowd reports: the commands' report store and the crowd runtime's windows. */
  readonly reports: CommunityReportStore & CrowdReportWindows;
  /** Monitors added from chat. */
  readonly chatMonitors: ChatMonitorStore;
  /** `/note`'s notes; a note on an open incident queues the alert update (the outbox's `updated`). */
  readonly notes: NoteStore;
  /** `/board`'s live boards; a service's state change marks them due in the detection store's write. */
  readonly boards: BoardStore;
  /** The check history behind the status page and the charts `/status <service>` attaches. */
  readonly serviceHistory: ServiceHistory;
  /** The SQLite database itself (tests and tools); null on PostgreSQL. */
  readonly db: Db | null;
  /** What waits in the outbox per platform, for `/metrics`. */
  outboxDepth(): Awaitable<readonly OutboxDepth[]>;
  /** Whether writes work and what waits in memory, for `/metrics`. */
  writeFigures(): StorageFigures;
  /**
   * Writes now what waits behind (checks and incident changes, queued reports): the replay does it
   * at every simulated step, so its outbox sees the same rows at the same simulated time on both
   * backends.
   */
  flush(): Promise<void>;
}

export type StorageConfig = Pick<
  AppConfig,
  'database' | 'databasePath' | 'defaultLocale' | 'defaultTimeZone' | 'alertGatherMs' | 'reminderMinuteMs'
>;
