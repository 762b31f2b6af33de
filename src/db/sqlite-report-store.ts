import { createHash, randomBytes } from 'node:crypto';
import {
  type CrowdDetectorState,
  crowdDetectorStateSchema,
  type CrowdReport as WindowReport,
  PROBLEM_KINDS,
  type ProblemKind,
  REPORT_DEDUP_MS,
  admitReport,
} from '../core/crowd/index.js';
import type { CrowdReport, ReportOutcome, ReportSink } from '../core/crowd/report-port.js';
import type { Db } from './database.js';

/** Bytes of the per-database salt (SHA-256's block is 64; 32 random bytes are plenty). */
const SALT_BYTES = 32;

/**
 * The community a report comes from, for the per-chat cap: a Discord guild as a whole (its
 * channels are one community), otherwise the chat.
 */
export function chatKeyOf(report: Pick<CrowdReport, 'platform' | 'chatId' | 'guildId'>): string {
  return report.guildId !== null
    ? `${report.platform}:guild:${report.guildId}`
    : `${report.platform}:${report.chatId}`;
}

interface ReportRow {
  reporter_hash: string;
  chat_key: string;
  problem: string;
}

/** Where the crowd runtime reads windows and keeps detector state (the report store implements it). */
export interface CrowdReportWindows {
  /** Admitted reports of one service with `from <= at < to`, in arrival order. */
  reportsBetween(serviceId: string, from: number, to: number): WindowReport[];
  loadDetector(serviceId: string): CrowdDetectorState | null;
  saveDetector(serviceId: string, state: CrowdDetectorState, now: number): void;
  /** Deletes reports older than `before`. */
  prune?(before: number): number;
}

/**
 * Crowd reports in SQLite (migration 003). Implements the command layer's `ReportSink`:
 * one report per user per service per `REPORT_DEDUP_MS` counts (`admitReport`), and only that
 * one is stored; users are kept as salted SHA-256 hashes, never raw ids. Also keeps each
 * service's crowd detector state for the crowd runtime.
 *
 * `record` runs the dedup check and the insert in one IMMEDIATE transaction, so two processes on
 * one file cannot both count the same person.
 */
export class SqliteReportStore implements ReportSink, CrowdReportWindows {
  private readonly salt: Buffer;
  private readonly stmt;
  private readonly recordTx: (report: CrowdReport) => ReportOutcome;

  constructor(private readonly db: Db) {
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
      loadState: db.prepare('SELECT state_json FROM crowd_detectors WHERE service_id = ?'),
      saveState: db.prepare(
        `INSERT INTO crowd_detectors (service_id, state_json, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (service_id) DO UPDATE SET state_json = excluded.state_json, updated_at = excluded.updated_at`,
      ),
      prune: db.prepare('DELETE FROM crowd_reports WHERE at < ?'),
    };
    const tx = db.transaction((report: CrowdReport) => this.recordNow(report));
    this.recordTx = (report) => tx.immediate(report);
  }

  /** The salted hash a user is stored as; the same person on the same platform always gets the same one. */
  hashReporter(platform: string, userId: string): string {
    return createHash('sha256').update(this.salt).update(`${platform}\u0000${userId}`).digest('hex');
  }

  record(report: CrowdReport): ReportOutcome {
    return this.recordTx(report);
  }

  private recordNow(report: CrowdReport): ReportOutcome {
    const reporter = this.hashReporter(report.platform, report.userId);
    const previous = this.stmt.previous.all(
      report.serviceId,
      reporter,
      report.at - REPORT_DEDUP_MS,
      report.at + REPORT_DEDUP_MS,
    ) as { at: number }[];
    if (!admitReport(previous, report.at)) {
      const nearest = previous.reduce((a, b) =>
        Math.abs(b.at - report.at) < Math.abs(a.at - report.at) ? b : a,
      );
      return { kind: 'duplicate', previousAt: nearest.at };
    }
    this.stmt.insert.run(report.serviceId, reporter, chatKeyOf(report), report.problem, report.at);
    return { kind: 'counted' };
  }

  reportsBetween(serviceId: string, from: number, to: number): WindowReport[] {
    return (this.stmt.window.all(serviceId, from, to) as ReportRow[]).map((row) => ({
      reporterHash: row.reporter_hash,
      chatKey: row.chat_key,
      kind: toProblemKind(row.problem),
    }));
  }

  /** The stored detector state, or null when there is none or it fails validation (start afresh). */
  loadDetector(serviceId: string): CrowdDetectorState | null {
    const row = this.stmt.loadState.get(serviceId) as { state_json: string } | undefined;
    if (row === undefined) return null;
    try {
      const parsed = crowdDetectorStateSchema.safeParse(JSON.parse(row.state_json));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  saveDetector(serviceId: string, state: CrowdDetectorState, now: number): void {
    this.stmt.saveState.run(serviceId, JSON.stringify(state), now);
  }

  /** Deletes reports older than `before`; returns how many. The baseline lives in the detector state. */
  prune(before: number): number {
    return this.stmt.prune.run(before).changes;
  }
}

function toProblemKind(value: string): ProblemKind {
  return (PROBLEM_KINDS as readonly string[]).includes(value) ? (value as ProblemKind) : 'other';
}
