/**
 * The latest check of a monitor from every vantage point, in `vantage_results` (migration
 * 002_cluster.sql; docs/cluster.md, "Vantage points"): each instance publishes its own outcome of
 * a `vantages: all` monitor, and the service's owner reads every vantage point's row to count the
 * votes (src/core/detection/vantage-vote.ts). PostgreSQL only: one SQLite process has one vantage.
 */
import type pg from 'pg';
import { type VantageVote, voteStatusOf } from '../../core/detection/vantage-vote.js';
import { OUTCOME_REASONS, type OutcomeReason, type ProbeOutcome } from '../../core/model.js';

/** Longest message kept in a row (probe messages are far shorter; a row is never a dump). */
const MAX_MESSAGE_CHARS = 300;

export interface VantageResultStore {
  /**
   * Replaces this vantage point's row for the monitor with this check (`at`: when it finished,
   * this instance's clock). Degraded is stored as `up` with its reason, maintenance as `unknown`.
   */
  publish(monitorId: string, vantage: string, outcome: ProbeOutcome, at: number): Promise<void>;
  /** Every vantage point's latest row for the monitor, stale ones included (the vote drops them). */
  latest(monitorId: string): Promise<VantageVote[]>;
}

const isReason = (reason: string): reason is OutcomeReason =>
  (OUTCOME_REASONS as readonly string[]).includes(reason);

export class PostgresVantageResultStore implements VantageResultStore {
  constructor(private readonly pool: pg.Pool) {}

  async publish(monitorId: string, vantage: string, outcome: ProbeOutcome, at: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO vantage_results (monitor_id, vantage, status, reason, message, at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (monitor_id, vantage) DO UPDATE SET status = excluded.status,
         reason = excluded.reason, message = excluded.message, at = excluded.at`,
      [
        monitorId,
        vantage,
        voteStatusOf(outcome.status),
        outcome.reason,
        outcome.message.slice(0, MAX_MESSAGE_CHARS),
        Math.round(at),
      ],
    );
  }

  async latest(monitorId: string): Promise<VantageVote[]> {
    const { rows } = await this.pool.query<{
      vantage: string;
      status: VantageVote['status'];
      reason: string;
      message: string;
      at: number;
    }>(
      'SELECT vantage, status, reason, message, at FROM vantage_results WHERE monitor_id = $1 ORDER BY vantage',
      [monitorId],
    );
    // A reason this version does not know (a newer instance wrote it) reads as a plain failure.
    return rows.map((r) => ({ ...r, reason: isReason(r.reason) ? r.reason : 'error' }));
  }
}
