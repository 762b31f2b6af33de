import type { Awaitable } from '../core/awaitable.js';
import { communityKey } from '../core/community.js';
import { createHash, randomBytes } from 'node:crypto';
import {
  type CrowdDetectorState,
  crowdDetectorStateSchema,
  storedCrowdDetector,
  type CrowdReport as WindowReport,
  PROBLEM_KINDS,
  type ProblemKind,
  REPORT_DEDUP_MS,
  admitReport,
} from '../core/crowd/index.js';
import type { CrowdReport, ReportOutcome, ReportSink } from '../core/crowd/report-port.js';
import type { Db } from './database.js';
import type { StorageHealth } from './storage-health.js';

/** Bytes of the per-database salt (SHA-256's block is 64; 32 random bytes are plenty). */
export const SALT_BYTES = 32;
/** Queued reports are written at the latest this long after the first of them arrived. */
export const FLUSH_AFTER_MS = 50;
/** … or as soon as this many are queued. */
export const FLUSH_AT_REPORTS = 500;
/** Most reports queued in memory while storage fails; past it the oldest tenth is dropped. */
export const MAX_QUEUED_REPORTS = 50_000;
/** Distinct stored detector states remembered while loading (see `recentlyLoaded`). */
export const RECENTLY_LOADED_STATES = 64;

/** A report admitted and waiting in the write queue (both backends). */
export interface QueuedReport {
  readonly serviceId: string;
  readonly reporter: string;
  readonly chatKey: string;
  readonly problem: ProblemKind;
  readonly at: number;
}

/**
 * A report sent in a private chat with the bot: as the adapter classified the chat
 * (`privateChat`, e.g. a Discord direct message, which has no guild), or a chat whose id is the
 * reporter's own (a Telegram private chat), whatever the caller said.
 */
export function isPrivateChat(report: Pick<CrowdReport, 'chatId' | 'userId' | 'privateChat'>): boolean {
  return report.privateChat === true || report.chatId === report.userId;
}

/**
 * The community a report comes from, for the per-chat cap: a Discord guild as a whole (its
 * channels are one community), otherwise the chat. All private chats of a platform are one
 * community: each member of one group reporting privately would otherwise be a community of one,
 * and six of them would pass for six chats, moving the level for everyone (docs/crowd.md §9).
 */
export function chatKeyOf(
  report: Pick<CrowdReport, 'platform' | 'chatId' | 'guildId' | 'userId' | 'privateChat'>,
): string {
  if (isPrivateChat(report)) return `${report.platform}:private`;
  return communityKey(report);
}

interface ReportRow {
  reporter_hash: string;
  chat_key: string;
  problem: string;
}

/**
 * Where the crowd runtime reads windows and keeps detector state (the report store implements it).
 * Every method returns `Awaitable` (SQLite answers at once, PostgreSQL with a promise): the
 * runtime awaits each.
 */
export interface CrowdReportWindows {
  /** Admitted reports of one service with `from <= at < to`, in arrival order. */
  reportsBetween(serviceId: string, from: number, to: number): Awaitable<WindowReport[]>;
  /** The services with at least one admitted report with `from <= at < to`. */
  reportedServices(from: number, to: number): Awaitable<ReadonlySet<string>>;
  loadDetector(serviceId: string): Awaitable<CrowdDetectorState | null>;
  /** Saves the states of several services in one transaction. */
  saveDetectors(states: ReadonlyMap<string, CrowdDetectorState>, now: number): Awaitable<void>;
  /**
   * Up to `limit` stored states of the services whose id sorts after `after` (the last id of the
   * previous page; "" for the first), in id order as the database sorts them: the
   * runtime reads them page by page at start (a state that fails validation is `null`). Without
   * it the runtime reads each service's state with `loadDetector`.
   */
  detectorPage?(after: string, limit: number): Awaitable<StoredDetector[]>;
  /** Deletes the stored states of these services (their detector is the quiet one again). */
  dropDetectors?(serviceIds: readonly string[]): Awaitable<void>;
  /** Deletes reports older than `before`. */
  prune?(before: number): Awaitable<number>;
  /** Writes anything still queued (before the database closes). */
  flush?(): Awaitable<number>;
}

/** One service's stored detector state, as `detectorPage` gives it. */
export interface StoredDetector {
  readonly serviceId: string;
  /** Null when the stored state fails validation (the runtime starts it afresh). */
  readonly state: CrowdDetectorState | null;
}

/**
 * Crowd reports in SQLite (migration 003). Implements the command layer's `ReportSink`:
 * one report per user per service per `REPORT_DEDUP_MS` counts (`admitReport`), and only that
 * one is stored; users are kept as salted SHA-256 hashes, never raw ids. Also keeps each
 * service's crowd detector state for the crowd runtime.
 *
 * Writes are grouped: a commit costs about 80 µs (the WAL write), which would cap `record` near
 * 10,000 reports/s and make the command handler wait on the disk. Admitted reports are queued and
 * written in one transaction per `FLUSH_AT_REPORTS` reports or `FLUSH_AFTER_MS`, whichever comes
 * first; the dedup check sees queued reports too, and every read (`reportsBetween`, `prune`)
 * flushes first. The price: a crash loses at most the last `FLUSH_AFTER_MS` of reports, and two
 * processes writing one file could each count a person once within that time. One process per
 * database file is the design (several instances would share PostgreSQL instead).
 *
 * With `health`, storage errors (disk full, …) do not escape: reports stay queued (bounded by
 * MAX_QUEUED_REPORTS) and the reads merge them in, so the crowd detector works on; a detector
 * state that cannot be saved is saved at the next step (the runtime keeps it in memory).
 */
export class SqliteReportStore implements ReportSink, CrowdReportWindows {
  private readonly salt: Buffer;
  private readonly stmt;
  private readonly insertAll: (rows: readonly QueuedReport[]) => void;
  private readonly saveAll: (states: ReadonlyMap<string, CrowdDetectorState>, now: number) => void;
  private readonly dropAll: (serviceIds: readonly string[]) => void;
  private queue: QueuedReport[] = [];
  /** Times of queued reports by service and reporter, for the dedup check. */
  private queuedAt = new Map<string, number[]>();
  private timer: NodeJS.Timeout | null = null;
  /**
   * States read back recently, by their stored text: services nobody reports on are stored alike,
   * and reading them into one shared object keeps them shared (see `stepCrowdDetector`).
   */
  private readonly recentlyLoaded = new Map<string, CrowdDetectorState>();

  private readonly health: StorageHealth | null;
  /** A flush failed for a storage reason: the queue waits for `StorageHealth.catchUp`. */
  private stuck = false;

  /** How long a queued report waits to be written (`FLUSH_AFTER_MS`; tests that read the queue set more). */
  private readonly flushAfterMs: number;

  constructor(
    private readonly db: Db,
    options: { readonly health?: StorageHealth; readonly flushAfterMs?: number } = {},
  ) {
    this.flushAfterMs = options.flushAfterMs ?? FLUSH_AFTER_MS;
    this.health = options.health ?? null;
    db.prepare('INSERT OR IGNORE INTO report_salt (id, salt) VALUES (1, ?)').run(randomBytes(SALT_BYTES));
    this.salt = (db.prepare('SELECT salt FROM report_salt WHERE id = 1').get() as { salt: Buffer }).salt;
    this.stmt = {
      previous: db.prepare(
        'SELECT at FROM crowd_reports WHERE service_id = ? AND reporter_hash = ? AND at > ? AND at < ?',
      ),
      insert: db.prepare(
        'INSERT INTO crowd_reports (service_id, reporter_hash, chat_key, problem, at) VALUES (?, ?, ?, ?, ?)',
      ),
      window: db.prepare(
        `SELECT reporter_hash, chat_key, problem FROM crowd_reports
         WHERE service_id = ? AND at >= ? AND at < ? ORDER BY at, id`,
      ),
      reported: db.prepare('SELECT DISTINCT service_id FROM crowd_reports WHERE at >= ? AND at < ?').pluck(),
      loadState: db.prepare('SELECT state_json FROM crowd_detectors WHERE service_id = ?'),
      statePage: db.prepare(
        'SELECT service_id, state_json FROM crowd_detectors WHERE service_id > ? ORDER BY service_id LIMIT ?',
      ),
      dropState: db.prepare('DELETE FROM crowd_detectors WHERE service_id = ?'),
      saveState: db.prepare(
        `INSERT INTO crowd_detectors (service_id, state_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (service_id) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at`,
      ),
      prune: db.prepare('DELETE FROM crowd_reports WHERE at < ?'),
      communityReporters: db
        .prepare(
          `SELECT DISTINCT reporter_hash FROM crowd_reports
           WHERE service_id = ? AND at >= ? AND at < ? AND chat_key = ?`,
        )
        .pluck(),
      communities: db.prepare(
        `SELECT DISTINCT chat_key, reporter_hash FROM crowd_reports
         WHERE service_id = ? AND at >= ? AND at < ?`,
      ),
      lastNotice: db
        .prepare('SELECT noticed_at FROM crowd_community_notices WHERE service_id = ? AND chat_key = ?')
        .pluck(),
      markNotice: db.prepare(
        `INSERT INTO crowd_community_notices (service_id, chat_key, noticed_at) VALUES (?, ?, ?)
         ON CONFLICT (service_id, chat_key) DO UPDATE SET noticed_at = excluded.noticed_at`,
      ),
      pruneNotices: db.prepare('DELETE FROM crowd_community_notices WHERE noticed_at < ?'),
    };
    this.insertAll = db.transaction((rows: readonly QueuedReport[]) => {
      for (const r of rows) this.stmt.insert.run(r.serviceId, r.reporter, r.chatKey, r.problem, r.at);
    });
    this.health?.addBacklog({
      pending: () => this.stuck,
      write: () => this.insertAll(this.queue),
      written: () => {
        this.queue = [];
        this.queuedAt = new Map();
        this.stuck = false;
      },
    });
    this.saveAll = db.transaction((states: ReadonlyMap<string, CrowdDetectorState>, now: number) => {
      for (const [serviceId, state] of states) this.stmt.saveState.run(serviceId, storedText(state), now);
    });
    this.dropAll = db.transaction((serviceIds: readonly string[]) => {
      for (const serviceId of serviceIds) this.stmt.dropState.run(serviceId);
    });
  }

  /** The salted hash a user is stored as; the same person on the same platform always gets the same one. */
  hashReporter(platform: string, userId: string): string {
    return createHash('sha256').update(this.salt).update(`${platform}\u0000${userId}`).digest('hex');
  }

  record(report: CrowdReport): ReportOutcome {
    const reporter = this.hashReporter(report.platform, report.userId);
    const key = `${report.serviceId}\u0000${reporter}`;
    const stored = this.stmt.previous.all(
      report.serviceId,
      reporter,
      report.at - REPORT_DEDUP_MS,
      report.at + REPORT_DEDUP_MS,
    ) as { at: number }[];
    const queued = this.queuedAt.get(key) ?? [];
    const previous = [...stored, ...queued.map((at) => ({ at }))];
    if (!admitReport(previous, report.at)) {
      const nearest = previous.reduce((a, b) =>
        Math.abs(b.at - report.at) < Math.abs(a.at - report.at) ? b : a,
      );
      return { kind: 'duplicate', previousAt: nearest.at };
    }
    this.queue.push({
      serviceId: report.serviceId,
      reporter,
      chatKey: chatKeyOf(report),
      problem: report.problem,
      at: report.at,
    });
    this.queuedAt.set(key, [...queued, report.at]);
    if (this.queue.length >= MAX_QUEUED_REPORTS) this.dropOldest();
    if (this.queue.length >= FLUSH_AT_REPORTS) this.tryFlush();
    else this.timer ??= setTimeout(() => this.flushQuietly(), this.flushAfterMs).unref();
    return { kind: 'counted' };
  }

  /**
   * Writes the queued reports in one transaction; returns how many. When that fails (the
   * database busy past its timeout, the disk full) they stay queued and the error is thrown;
   * with `health`, a storage error is recorded there instead and 0 returned.
   */
  flush(): number {
    const queued = this.queue.length;
    return this.tryFlush() ? queued : 0;
  }

  private writeQueued(): number {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0) return 0;
    const rows = this.queue;
    this.insertAll(rows);
    this.queue = [];
    this.queuedAt = new Map();
    return rows.length;
  }

  /** The timer's flush: on failure the reports stay queued for the next record or read. */
  private flushQuietly(): void {
    try {
      this.tryFlush();
    } catch {
      this.timer = null;
    }
  }

  /**
   * Writes the queue. With `health`, a storage error leaves the reports queued and returns false
   * (the reads then add the queued ones to what they read), and from then on they wait for the
   * storage catch-up, which writes them in its transaction, instead of being tried again here.
   */
  private tryFlush(): boolean {
    if (this.stuck) return false;
    try {
      this.writeQueued();
      return true;
    } catch (err) {
      if (!this.health?.failed(err, 'crowd reports')) throw err;
      this.stuck = true;
      return false;
    }
  }

  private dropOldest(): void {
    this.queue = this.queue.slice(Math.ceil(MAX_QUEUED_REPORTS / 10));
    this.queuedAt = new Map();
    for (const r of this.queue) {
      const key = `${r.serviceId}\u0000${r.reporter}`;
      this.queuedAt.set(key, [...(this.queuedAt.get(key) ?? []), r.at]);
    }
  }

  reportsBetween(serviceId: string, from: number, to: number): WindowReport[] {
    const flushed = this.tryFlush();
    const stored = (this.stmt.window.all(serviceId, from, to) as ReportRow[]).map((row) => ({
      reporterHash: row.reporter_hash,
      chatKey: row.chat_key,
      kind: toProblemKind(row.problem),
    }));
    if (flushed) return stored;
    const queued = this.queue
      .filter((r) => r.serviceId === serviceId && r.at >= from && r.at < to)
      .map((r) => ({ reporterHash: r.reporter, chatKey: r.chatKey, kind: r.problem }));
    return [...stored, ...queued];
  }

  /**
   * Distinct reporters of one community (`chatKeyOf`) for one service with `from <= at < to`,
   * queued reports included. Reads without flushing the queue, so `/report` keeps its grouped writes.
   */
  communityReporters(serviceId: string, chatKey: string, from: number, to: number): number {
    const reporters = new Set(this.stmt.communityReporters.all(serviceId, from, to, chatKey) as string[]);
    for (const r of this.queue) {
      if (r.serviceId === serviceId && r.chatKey === chatKey && r.at >= from && r.at < to)
        reporters.add(r.reporter);
    }
    return reporters.size;
  }

  /**
   * Distinct reporters per community for one service with `from <= at < to`, queued reports
   * included (without flushing). Reads every report of the service in the span: asked only when a
   * community's own count already earns it a notice.
   */
  communityCounts(serviceId: string, from: number, to: number): Map<string, number> {
    const reporters = new Map<string, Set<string>>();
    const add = (chatKey: string, reporter: string): void => {
      let set = reporters.get(chatKey);
      if (set === undefined) reporters.set(chatKey, (set = new Set()));
      set.add(reporter);
    };
    const rows = this.stmt.communities.all(serviceId, from, to) as {
      chat_key: string;
      reporter_hash: string;
    }[];
    for (const row of rows) add(row.chat_key, row.reporter_hash);
    for (const r of this.queue)
      if (r.serviceId === serviceId && r.at >= from && r.at < to) add(r.chatKey, r.reporter);
    return new Map([...reporters].map(([chatKey, set]) => [chatKey, set.size]));
  }

  /** When the community was last given its own notice about the service (`markCommunityNotice`); null: never. */
  lastCommunityNotice(serviceId: string, chatKey: string): number | null {
    return (this.stmt.lastNotice.get(serviceId, chatKey) as number | undefined) ?? null;
  }

  /**
   * Records that the community is given its notice about the service at `at`. Written at once (not
   * queued): the notice goes out only after this returns, so a crash can lose it, never repeat it.
   * Throws when it cannot be stored; the caller then gives no notice.
   */
  markCommunityNotice(serviceId: string, chatKey: string, at: number): void {
    this.stmt.markNotice.run(serviceId, chatKey, at);
  }

  /** The stored detector state, or null when there is none or it fails validation (start afresh). */
  loadDetector(serviceId: string): CrowdDetectorState | null {
    const row = this.stmt.loadState.get(serviceId) as { state_json: string } | undefined;
    return row === undefined ? null : parseStoredDetector(row.state_json, this.recentlyLoaded);
  }

  detectorPage(after: string, limit: number): StoredDetector[] {
    const rows = this.stmt.statePage.all(after, limit) as { service_id: string; state_json: string }[];
    return rows.map((row) => ({
      serviceId: row.service_id,
      state: parseStoredDetector(row.state_json, this.recentlyLoaded),
    }));
  }

  /** With `health`, states that cannot be deleted now stay stored (the runtime reads them as they are). */
  dropDetectors(serviceIds: readonly string[]): void {
    try {
      this.dropAll(serviceIds);
    } catch (err) {
      if (!this.health?.failed(err, 'crowd state')) throw err;
    }
  }

  reportedServices(from: number, to: number): ReadonlySet<string> {
    const flushed = this.tryFlush();
    const services = new Set(this.stmt.reported.all(from, to) as string[]);
    if (!flushed) for (const r of this.queue) if (r.at >= from && r.at < to) services.add(r.serviceId);
    return services;
  }

  saveDetector(serviceId: string, state: CrowdDetectorState, now: number): void {
    this.saveDetectors(new Map([[serviceId, state]]), now);
  }

  /** With `health`, a state that cannot be stored now is stored at the next step (it is in memory). */
  saveDetectors(states: ReadonlyMap<string, CrowdDetectorState>, now: number): void {
    try {
      this.saveAll(states, now);
    } catch (err) {
      if (!this.health?.failed(err, 'crowd state')) throw err;
    }
  }

  /** Deletes reports older than `before`; returns how many. The baseline lives in the detector state. */
  prune(before: number): number {
    if (!this.tryFlush()) return 0;
    try {
      // A notice older than the reports kept is long past its 6 hours.
      this.stmt.pruneNotices.run(before);
      return this.stmt.prune.run(before).changes;
    } catch (err) {
      if (this.health?.failed(err, 'crowd report pruning')) return 0;
      throw err;
    }
  }
}

/**
 * The state a stored text describes, or null when it fails validation. `seen` keeps the states read
 * recently by their text: services nobody reports on were stored alike, and reading them into one
 * shared object keeps them shared (see `stepCrowdDetector`).
 */
export function parseStoredDetector(
  text: string,
  seen: Map<string, CrowdDetectorState>,
): CrowdDetectorState | null {
  const known = seen.get(text);
  if (known !== undefined) return known;
  try {
    const parsed = crowdDetectorStateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    if (seen.size >= RECENTLY_LOADED_STATES) seen.clear();
    seen.set(text, parsed.data);
    return parsed.data;
  } catch {
    return null;
  }
}

/** Stored text of states already written: services in the same state share it (`stepCrowdDetector`). */
const storedTexts = new WeakMap<CrowdDetectorState, string>();

export function storedText(state: CrowdDetectorState): string {
  let text = storedTexts.get(state);
  if (text === undefined) {
    text = JSON.stringify(storedCrowdDetector(state));
    storedTexts.set(state, text);
  }
  return text;
}

export function toProblemKind(value: string): ProblemKind {
  return (PROBLEM_KINDS as readonly string[]).includes(value) ? (value as ProblemKind) : 'other';
}
