import type pg from 'pg';
import type { AsyncPort } from '../../core/awaitable.js';
import {
  type IncidentQuery,
  type IncidentRecord,
  type IncidentRow,
  type LastCheck,
  type LastCheckRow,
  type SqliteQueryStore,
  LAST_CHECKS_SQL,
  RollbackProbe,
  lastChecksByMonitor,
  toIncident,
} from '../sqlite-query-store.js';
import { inTransaction } from './in-transaction.js';

export interface PostgresQueryStoreOptions {
  /**
   * Commits what the detection store holds back before `lastChecks` reads `monitor_state`, so the
   * answer never misses a check the engine has already made (SQLite's `flushPendingWrites`).
   */
  readonly flushPendingWrites?: () => Promise<void>;
}

/** Read-side queries for the API, the status page and chat commands, on PostgreSQL (as SqliteQueryStore). */
export class PostgresQueryStore implements AsyncPort<SqliteQueryStore> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresQueryStoreOptions = {},
  ) {}

  async incidents(query: IncidentQuery): Promise<IncidentRecord[]> {
    const where: string[] = [];
    const params: (string | number | readonly string[])[] = [];
    const param = (value: string | number | readonly string[]): string => `$${params.push(value)}`;
    // An empty list matches nothing, as SQLite's `IN (NULL)`.
    if (query.serviceIds) where.push(`service_id = ANY(${param(query.serviceIds)}::text[])`);
    if (query.excludeServicePrefix !== undefined) {
      where.push(
        `substr(service_id, 1, ${param(query.excludeServicePrefix.length)}::int) <> ${param(query.excludeServicePrefix)}::text`,
      );
    }
    if (query.state === 'open') where.push('resolved_at IS NULL');
    if (query.state === 'resolved') where.push('resolved_at IS NOT NULL');
    if (query.before !== undefined) where.push(`started_at < ${param(query.before)}::bigint`);
    const sql = `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY (resolved_at IS NULL) DESC, started_at DESC LIMIT ${param(query.limit)}::bigint`;
    const result = await this.pool.query<IncidentRow>(sql, params);
    return result.rows.map(toIncident);
  }

  async lastChecks(): Promise<Map<string, LastCheck>> {
    await this.options.flushPendingWrites?.();
    const result = await this.pool.query<LastCheckRow>(LAST_CHECKS_SQL);
    return lastChecksByMonitor(result.rows);
  }

  /**
   * True when the database accepts a write (for /healthz): a write in a transaction that is rolled
   * back. False when it refuses (a read-only server or transaction) or cannot be reached.
   */
  async isWritable(): Promise<boolean> {
    try {
      await inTransaction(this.pool, async (client) => {
        await client.query(
          "INSERT INTO meta (key, value) VALUES ('healthz', 'ok') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        );
        throw new RollbackProbe();
      });
      return true;
    } catch (err) {
      return err instanceof RollbackProbe;
    }
  }
}
