import type { Awaitable } from '../core/awaitable.js';
import type { Evidence } from '../core/detection/service-status.js';
import type { OutcomeReason, Severity, State } from '../core/model.js';
import { type Db, flushPendingWrites } from './database.js';

export interface IncidentRecord {
  readonly id: number;
  readonly serviceId: string;
  readonly severity: Severity;
  readonly status: State;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly resolvedAt: number | null;
  readonly evidence: readonly Evidence[];
}

export interface LastCheck {
  readonly monitorId: string;
  readonly status: State;
  readonly reason: OutcomeReason;
  readonly message: string;
  readonly latencyMs: number | null;
  readonly at: number;
}

export interface IncidentQuery {
  readonly serviceIds?: readonly string[];
  readonly state?: 'open' | 'resolved';
  readonly limit: number;
  /** Only incidents that started before this time (for paging back through history). */
  readonly before?: number;
  /** Leaves out services whose id starts with this (chat monitors on a private status page). */
  readonly excludeServicePrefix?: string;
}

/** An `incidents` row (both backends). */
export interface IncidentRow {
  id: number;
  service_id: string;
  severity: Severity;
  status: State;
  started_at: number;
  updated_at: number;
  resolved_at: number | null;
  evidence_json: string;
}

export function toIncident(r: IncidentRow): IncidentRecord {
  return {
    id: r.id,
    serviceId: r.service_id,
    severity: r.severity,
    status: r.status,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    resolvedAt: r.resolved_at,
    evidence: JSON.parse(r.evidence_json) as Evidence[],
  };
}

/** Every monitor's last check (both backends). */
export const LAST_CHECKS_SQL = `SELECT m.id AS monitor_id, s.last_status, s.last_reason, s.last_message, s.last_latency_ms, s.last_at
  FROM monitor_state s JOIN monitors m ON m.ref = s.monitor_ref`;

export interface LastCheckRow {
  monitor_id: string;
  last_status: State;
  last_reason: OutcomeReason;
  last_message: string;
  last_latency_ms: number | null;
  last_at: number;
}

export function lastChecksByMonitor(rows: readonly LastCheckRow[]): Map<string, LastCheck> {
  return new Map(
    rows.map((r) => [
      r.monitor_id,
      {
        monitorId: r.monitor_id,
        status: r.last_status,
        reason: r.last_reason,
        message: r.last_message,
        latencyMs: r.last_latency_ms,
        at: r.last_at,
      },
    ]),
  );
}

/**
 * Read-side queries for the API, the status page, `/healthz` and chat commands. Every method
 * returns `Awaitable` (SQLite answers at once, PostgreSQL with a promise): callers await.
 */
export interface QueryStore {
  incidents(query: IncidentQuery): Awaitable<IncidentRecord[]>;
  /** Every monitor's last check, by monitor id. */
  lastChecks(): Awaitable<Map<string, LastCheck>>;
  /** True when the database accepts a write (for /healthz). */
  isWritable(): Awaitable<boolean>;
}

/** Read-side queries for the API, the status page and chat commands. */
export class SqliteQueryStore implements QueryStore {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      lastChecks: db.prepare(LAST_CHECKS_SQL),
    };
  }

  incidents(query: IncidentQuery): IncidentRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.serviceIds) {
      where.push(`service_id IN (${query.serviceIds.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...query.serviceIds);
    }
    if (query.excludeServicePrefix !== undefined) {
      where.push('substr(service_id, 1, ?) <> ?');
      params.push(query.excludeServicePrefix.length, query.excludeServicePrefix);
    }
    if (query.state === 'open') where.push('resolved_at IS NULL');
    if (query.state === 'resolved') where.push('resolved_at IS NOT NULL');
    if (query.before !== undefined) {
      where.push('started_at < ?');
      params.push(query.before);
    }
    const sql = `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY (resolved_at IS NULL) DESC, started_at DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, query.limit) as IncidentRow[];
    return rows.map(toIncident);
  }

  lastChecks(): Map<string, LastCheck> {
    flushPendingWrites(this.db);
    const rows = this.stmt.lastChecks.all() as LastCheckRow[];
    return lastChecksByMonitor(rows);
  }

  /** True when the database accepts a write (for /healthz): a write in a transaction that is rolled back. */
  isWritable(): boolean {
    try {
      this.db.transaction(() => {
        this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('healthz', 'ok')").run();
        throw new RollbackProbe();
      })();
      return true;
    } catch (err) {
      return err instanceof RollbackProbe;
    }
  }
}

/** Thrown to roll back `isWritable`'s probe write (both backends). */
export class RollbackProbe extends Error {}
