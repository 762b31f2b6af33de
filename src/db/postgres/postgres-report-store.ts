import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { AsyncPort } from '../../core/awaitable.js';
import {
  type CrowdDetectorState,
  type CrowdReport as WindowReport,
  REPORT_DEDUP_MS,
  admitReport,
} from '../../core/crowd/index.js';
import type { CrowdReport, ReportOutcome } from '../../core/crowd/report-port.js';
import {
  FLUSH_AFTER_MS,
  FLUSH_AT_REPORTS,
  MAX_QUEUED_REPORTS,
  type QueuedReport,
  SALT_BYTES,
  type SqliteReportStore,
  type StoredDetector,
  chatKeyOf,
  parseStoredDetector,
  storedText,
  toProblemKind,
} from '../sqlite-report-store.js';

const keyOf = (serviceId: string, reporter: string): string => `${serviceId}\u0000${reporter}`;

function addTime(map: Map<string, number[]>, r: QueuedReport): void {
  const key = keyOf(r.serviceId, r.reporter);
  const times = map.get(key);
  if (times === undefined) map.set(key, [r.at]);
  else times.push(r.at);
}

/**
 * Crowd reports, detector states and community notices in PostgreSQL: what `SqliteReportStore`
 * does, with the same admission rule (`admitReport`: one report per user per service per
 * `REPORT_DEDUP_MS`), the same salted reporter hashes (one salt per database, in `report_salt`) and
 * the same write queue.
 *
 * `record` costs one round trip, the read of the user's stored reports near `at` for the dedup
 * check; an admitted report is queued and written with the others in one INSERT per
 * `FLUSH_AT_REPORTS` reports or `FLUSH_AFTER_MS`, whichever comes first (the report that fills the
 * queue waits for that write). The dedup check sees this process's queued reports, those being
 * written, and those written while a dedup read was under way (its snapshot may predate them).
 * Another process sharing the database sees them once written: a person reporting to two bot
 * processes within `FLUSH_AFTER_MS` can count once on each, as with two processes on one SQLite file.
 *
 * Reads that the crowd runtime makes (`reportsBetween`, `reportedServices`, `prune`) write the
 * queue first; every read adds the reports still in memory (queued after the write began, or
 * being written), so nothing admitted is missed and nothing counted twice (a reporter has at most
 * one admitted report of a service at a given time). A failed write keeps the reports queued; the
 * next record or read tries again. There is no storage-health backlog here: that one is SQLite's
 * (docs/storage-faults.md); the PostgreSQL errors reach the caller.
 */
export class PostgresReportStore implements AsyncPort<SqliteReportStore> {
  private salt: Buffer | null = null;
  private saltLoading: Promise<Buffer> | null = null;
  private queue: QueuedReport[] = [];
  /** The reports of the write under way. */
  private writing: readonly QueuedReport[] = [];
  /** Times of queued and being-written reports by service and reporter, for the dedup check. */
  private unwrittenAt = new Map<string, number[]>();
  /** Writes completed so far. */
  private writeSeq = 0;
  /**
   * Reports written while a dedup read was in flight, by the `writeSeq` of their write: that
   * read's snapshot may not include them. Kept while a read begun before their write is in flight.
   */
  private written: { readonly seq: number; readonly rows: readonly QueuedReport[] }[] = [];
  /** Dedup reads in flight, by the `writeSeq` when they began. */
  private readonly checking = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  /** The last write of the queue: writes run one after the other, in order. */
  private writes: Promise<unknown> = Promise.resolve();
  /** States read back recently, by their stored text (as in SQLite: shared states stay shared). */
  private readonly recentlyLoaded = new Map<string, CrowdDetectorState>();

  constructor(
    private readonly pool: pg.Pool,
    /** How long a queued report waits to be written (tests that read the queue set more). */
    private readonly flushAfterMs = FLUSH_AFTER_MS,
  ) {}

  /** The salt, made once per database: the first process to start stores it, every one reads it. */
  private async loadSalt(): Promise<Buffer> {
    await this.pool.query('INSERT INTO report_salt (id, salt) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [
      randomBytes(SALT_BYTES),
    ]);
    const { rows } = await this.pool.query<{ salt: Buffer }>('SELECT salt FROM report_salt WHERE id = 1');
    const salt = rows[0]?.salt;
    if (salt === undefined) throw new Error('report_salt has no row after it was written');
    return salt;
  }

  private async saltOnce(): Promise<Buffer> {
    if (this.salt !== null) return this.salt;
    this.saltLoading ??= this.loadSalt().then(
      (salt) => (this.salt = salt),
      (err: unknown) => {
        this.saltLoading = null;
        throw err;
      },
    );
    return this.saltLoading;
  }

  private hashWith(salt: Buffer, platform: string, userId: string): string {
    return createHash('sha256').update(salt).update(`${platform}\u0000${userId}`).digest('hex');
  }

  /** The salted hash a user is stored as; the same person on the same platform always gets the same one. */
  async hashReporter(platform: string, userId: string): Promise<string> {
    return this.hashWith(await this.saltOnce(), platform, userId);
  }

  async record(report: CrowdReport): Promise<ReportOutcome> {
    const reporter = this.hashWith(this.salt ?? (await this.saltOnce()), report.platform, report.userId);
    const key = keyOf(report.serviceId, reporter);
    const since = this.writeSeq;
    this.checking.set(since, (this.checking.get(since) ?? 0) + 1);
    let stored: { at: number }[];
    try {
      ({ rows: stored } = await this.pool.query<{ at: number }>(
        'SELECT at FROM crowd_reports WHERE service_id = $1 AND reporter_hash = $2 AND at > $3 AND at < $4',
        [report.serviceId, reporter, report.at - REPORT_DEDUP_MS, report.at + REPORT_DEDUP_MS],
      ));
    } catch (err) {
      this.readDone(since);
      throw err;
    }
    // From here to the queueing nothing awaits: two reports of one person are checked in turn.
    const writtenSince = this.written
      .filter((write) => write.seq > since)
      .flatMap((write) =>
        write.rows.filter((r) => r.serviceId === report.serviceId && r.reporter === reporter),
      );
    this.readDone(since);
    const previous = [
      ...stored,
      ...(this.unwrittenAt.get(key) ?? []).map((at) => ({ at })),
      ...writtenSince.map((r) => ({ at: r.at })),
    ];
    if (!admitReport(previous, report.at)) {
      const nearest = previous.reduce((a, b) =>
        Math.abs(b.at - report.at) < Math.abs(a.at - report.at) ? b : a,
      );
      return { kind: 'duplicate', previousAt: nearest.at };
    }
    const queued: QueuedReport = {
      serviceId: report.serviceId,
      reporter,
      chatKey: chatKeyOf(report),
      problem: report.problem,
      at: report.at,
    };
    this.queue.push(queued);
    addTime(this.unwrittenAt, queued);
    if (this.queue.length >= MAX_QUEUED_REPORTS) this.dropOldest();
    if (this.queue.length >= FLUSH_AT_REPORTS) {
      // Counted either way: a failed write keeps the reports queued for the next try.
      await this.flush().catch(() => this.armTimer());
    } else this.armTimer();
    return { kind: 'counted' };
  }

  /** A dedup read begun at `since` is answered: forgets the writes no read in flight needs. */
  private readDone(since: number): void {
    const left = (this.checking.get(since) ?? 1) - 1;
    if (left > 0) this.checking.set(since, left);
    else this.checking.delete(since);
    const oldest = Math.min(this.writeSeq, ...this.checking.keys());
    if (this.written.length > 0 && (this.written[0]?.seq ?? 0) <= oldest)
      this.written = this.written.filter((write) => write.seq > oldest);
  }

  private armTimer(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      // On failure the reports stay queued for the next record or read.
      this.flush().catch(() => undefined);
    }, this.flushAfterMs).unref();
  }

  /**
   * Writes the queued reports in one statement; returns how many. When that fails they stay
   * queued and the error is thrown. Writes run in order, one at a time.
   */
  flush(): Promise<number> {
    const write = this.writes.then(() => this.writeQueued());
    this.writes = write.catch(() => undefined);
    return write;
  }

  private async writeQueued(): Promise<number> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0) return 0;
    const rows = this.queue;
    this.queue = [];
    this.writing = rows;
    try {
      await this.pool.query(
        `INSERT INTO crowd_reports (service_id, reporter_hash, chat_key, problem, at)
         SELECT s, r, c, p, a FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
           WITH ORDINALITY AS q (s, r, c, p, a, n)
         ORDER BY n`,
        [
          rows.map((r) => r.serviceId),
          rows.map((r) => r.reporter),
          rows.map((r) => r.chatKey),
          rows.map((r) => r.problem),
          rows.map((r) => r.at),
        ],
      );
    } catch (err) {
      this.queue = [...rows, ...this.queue];
      this.writing = [];
      throw err;
    }
    this.writing = [];
    this.writeSeq++;
    if (this.checking.size > 0) this.written.push({ seq: this.writeSeq, rows });
    this.unwrittenAt = new Map();
    for (const r of this.queue) addTime(this.unwrittenAt, r);
    return rows.length;
  }

  private dropOldest(): void {
    this.queue = this.queue.slice(Math.ceil(MAX_QUEUED_REPORTS / 10));
    this.unwrittenAt = new Map();
    for (const r of [...this.writing, ...this.queue]) addTime(this.unwrittenAt, r);
  }

  /** The reports in memory (being written, then queued), in arrival order. */
  private inMemory(): QueuedReport[] {
    return [...this.writing, ...this.queue];
  }

  async reportsBetween(serviceId: string, from: number, to: number): Promise<WindowReport[]> {
    await this.flush();
    const { rows } = await this.pool.query<{
      reporter_hash: string;
      chat_key: string;
      problem: string;
      at: number;
    }>(
      `SELECT reporter_hash, chat_key, problem, at FROM crowd_reports
       WHERE service_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id`,
      [serviceId, from, to],
    );
    const seen = new Set(rows.map((row) => `${row.reporter_hash}\u0000${row.at}`));
    const stored = rows.map((row) => ({
      reporterHash: row.reporter_hash,
      chatKey: row.chat_key,
      kind: toProblemKind(row.problem),
    }));
    const queued = this.inMemory()
      .filter(
        (r) =>
          r.serviceId === serviceId && r.at >= from && r.at < to && !seen.has(`${r.reporter}\u0000${r.at}`),
      )
      .map((r) => ({ reporterHash: r.reporter, chatKey: r.chatKey, kind: r.problem }));
    return [...stored, ...queued];
  }

  /**
   * Distinct reporters of one community (`chatKeyOf`) for one service with `from <= at < to`,
   * queued reports included. Reads without writing the queue, so `/report` keeps its grouped writes.
   */
  async communityReporters(serviceId: string, chatKey: string, from: number, to: number): Promise<number> {
    const { rows } = await this.pool.query<{ reporter_hash: string }>(
      `SELECT DISTINCT reporter_hash FROM crowd_reports
       WHERE service_id = $1 AND at >= $2 AND at < $3 AND chat_key = $4`,
      [serviceId, from, to, chatKey],
    );
    const reporters = new Set(rows.map((row) => row.reporter_hash));
    for (const r of this.inMemory())
      if (r.serviceId === serviceId && r.chatKey === chatKey && r.at >= from && r.at < to)
        reporters.add(r.reporter);
    return reporters.size;
  }

  /** Distinct reporters per community for one service with `from <= at < to`, queued reports included. */
  async communityCounts(serviceId: string, from: number, to: number): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ chat_key: string; reporter_hash: string }>(
      `SELECT DISTINCT chat_key, reporter_hash FROM crowd_reports
       WHERE service_id = $1 AND at >= $2 AND at < $3`,
      [serviceId, from, to],
    );
    const reporters = new Map<string, Set<string>>();
    const add = (chatKey: string, reporter: string): void => {
      let set = reporters.get(chatKey);
      if (set === undefined) reporters.set(chatKey, (set = new Set()));
      set.add(reporter);
    };
    for (const row of rows) add(row.chat_key, row.reporter_hash);
    for (const r of this.inMemory())
      if (r.serviceId === serviceId && r.at >= from && r.at < to) add(r.chatKey, r.reporter);
    return new Map([...reporters].map(([chatKey, set]) => [chatKey, set.size]));
  }

  /** When the community was last given its own notice about the service; null: never. */
  async lastCommunityNotice(serviceId: string, chatKey: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ noticed_at: number }>(
      'SELECT noticed_at FROM crowd_community_notices WHERE service_id = $1 AND chat_key = $2',
      [serviceId, chatKey],
    );
    return rows[0]?.noticed_at ?? null;
  }

  /** Records the community's notice about the service at `at`, at once (not queued); throws when it cannot. */
  async markCommunityNotice(serviceId: string, chatKey: string, at: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO crowd_community_notices (service_id, chat_key, noticed_at) VALUES ($1, $2, $3)
       ON CONFLICT (service_id, chat_key) DO UPDATE SET noticed_at = excluded.noticed_at`,
      [serviceId, chatKey, at],
    );
  }

  /** The stored detector state, or null when there is none or it fails validation (start afresh). */
  async loadDetector(serviceId: string): Promise<CrowdDetectorState | null> {
    const { rows } = await this.pool.query<{ state_json: string }>(
      'SELECT state_json FROM crowd_detectors WHERE service_id = $1',
      [serviceId],
    );
    const text = rows[0]?.state_json;
    return text === undefined ? null : parseStoredDetector(text, this.recentlyLoaded);
  }

  async detectorPage(after: string, limit: number): Promise<StoredDetector[]> {
    const { rows } = await this.pool.query<{ service_id: string; state_json: string }>(
      'SELECT service_id, state_json FROM crowd_detectors WHERE service_id > $1 ORDER BY service_id LIMIT $2',
      [after, limit],
    );
    return rows.map((row) => ({
      serviceId: row.service_id,
      state: parseStoredDetector(row.state_json, this.recentlyLoaded),
    }));
  }

  async dropDetectors(serviceIds: readonly string[]): Promise<void> {
    if (serviceIds.length === 0) return;
    await this.pool.query('DELETE FROM crowd_detectors WHERE service_id = ANY($1::text[])', [
      [...serviceIds],
    ]);
  }

  async reportedServices(from: number, to: number): Promise<ReadonlySet<string>> {
    await this.flush();
    const { rows } = await this.pool.query<{ service_id: string }>(
      'SELECT DISTINCT service_id FROM crowd_reports WHERE at >= $1 AND at < $2',
      [from, to],
    );
    const services = new Set(rows.map((row) => row.service_id));
    for (const r of this.inMemory()) if (r.at >= from && r.at < to) services.add(r.serviceId);
    return services;
  }

  async saveDetector(serviceId: string, state: CrowdDetectorState, now: number): Promise<void> {
    await this.saveDetectors(new Map([[serviceId, state]]), now);
  }

  /** Saves the states of several services in one statement (one transaction). */
  async saveDetectors(states: ReadonlyMap<string, CrowdDetectorState>, now: number): Promise<void> {
    if (states.size === 0) return;
    const ids = [...states.keys()];
    const texts = [...states.values()].map(storedText);
    await this.pool.query(
      `INSERT INTO crowd_detectors (service_id, state_json, updated_at)
       SELECT s, j, $3::bigint FROM unnest($1::text[], $2::text[]) AS q (s, j)
       ON CONFLICT (service_id) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at`,
      [ids, texts, now],
    );
  }

  /** Deletes reports (and community notices) older than `before`; returns how many reports. */
  async prune(before: number): Promise<number> {
    await this.flush();
    // A notice older than the reports kept is long past its 6 hours.
    const result = await this.pool.query(
      `WITH notices AS (DELETE FROM crowd_community_notices WHERE noticed_at < $1)
       DELETE FROM crowd_reports WHERE at < $1`,
      [before],
    );
    return result.rowCount ?? 0;
  }
}
