import type { Db } from '../db/database.js';

export interface OutboxDepth {
  readonly platform: string;
  /** Rows waiting to be sent (pending or leased). Held rows (quiet hours, mute) wait on purpose and are not counted. */
  readonly pending: number;
  /** Creation time of the oldest waiting row, null with none. */
  readonly oldestCreatedAt: number | null;
}

/**
 * Read-only outbox figures for `/metrics`; one indexed scan of the unfinished rows per scrape.
 * `MetricsSources.outbox` awaits `depth`, so a networked store's figures may take its place.
 */
export class OutboxGauges {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = db.prepare(
      `SELECT platform, COUNT(*) AS pending, MIN(created_at) AS oldest
       FROM outbox WHERE status IN ('pending', 'leased') GROUP BY platform`,
    );
  }

  depth(): OutboxDepth[] {
    const rows = this.stmt.all() as { platform: string; pending: number; oldest: number | null }[];
    return rows.map((r) => ({ platform: r.platform, pending: r.pending, oldestCreatedAt: r.oldest }));
  }
}
