import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AsyncPort } from '../../core/awaitable.js';
import type { BoardClaim, BoardSettlement, StoredServiceState } from '../../core/board.js';
import type { ChatAddress, PlatformName } from '../../core/delivery/ports.js';
import type { State } from '../../core/model.js';
import { type BoardRow, type SqliteBoardStore, toBoardClaim } from '../sqlite-board-store.js';
import { inTransaction } from './in-transaction.js';

/**
 * Marks the active boards that may list any of the services as due, as SQLite's MARK_BOARDS_SQL
 * (`$1`: the time, `$2`: the service ids), in the detection store's write of their new states.
 */
export const MARK_BOARDS_PG_SQL = `UPDATE boards SET due_at = COALESCE(due_at, $1), marks = marks + 1
  WHERE status = 'active' AND EXISTS (
    SELECT 1 FROM chats c JOIN subscriptions s ON s.chat_ref = c.ref
    WHERE c.platform = boards.platform AND c.chat_id = boards.chat_id
      AND (s.service_id = ANY($2::text[]) OR s.service_id = '*'))`;

/** SQLite's MARK_CHAT_BOARD_SQL (`$1`: platform, `$2`: chat id). */
export const MARK_CHAT_BOARD_PG_SQL = `UPDATE boards SET due_at = COALESCE(due_at, edited_at, created_at),
    marks = marks + 1
  WHERE platform = $1 AND chat_id = $2 AND status = 'active'`;

/** SQLite's MOVE_BOARDS_SQL (`$1`: platform, `$2`: old chat id, `$3`: new chat id), in this order. */
export const MOVE_BOARDS_PG_SQL = [
  `DELETE FROM boards WHERE platform = $1 AND chat_id = $2 AND (status <> 'active' OR EXISTS (
     SELECT 1 FROM boards b WHERE b.platform = $1 AND b.chat_id = $3 AND b.status = 'active'))`,
  `UPDATE boards SET chat_id = $3, message_id = NULL, shown = NULL, edited_at = NULL, attempts = 0,
     lease_token = NULL, lease_until = NULL, due_at = COALESCE(due_at, edited_at, created_at), marks = marks + 1
   WHERE platform = $1 AND chat_id = $2`,
] as const;

/**
 * `/board`'s store on PostgreSQL (migration 007), as SqliteBoardStore. Several instances share it:
 * a claim takes its boards with `FOR UPDATE SKIP LOCKED` and a lease, so two workers never edit one
 * board at once, and only the instance leading the platform runs its worker anyway.
 */
export class PostgresBoardStore implements AsyncPort<SqliteBoardStore> {
  constructor(private readonly pool: pg.Pool) {}

  startBoard(
    chat: ChatAddress & { readonly threadId?: string | null },
    now: number,
  ): Promise<{ readonly replaced: boolean }> {
    return inTransaction(this.pool, async (client) => {
      const retired = await client.query(
        `UPDATE boards SET status = 'moved', due_at = $1, attempts = 0
         WHERE platform = $2 AND chat_id = $3 AND status = 'active'`,
        [now, chat.platform, chat.chatId],
      );
      await client.query(
        `INSERT INTO boards (platform, chat_id, thread_id, status, created_at, due_at)
         VALUES ($1, $2, $3, 'active', $4, $4)`,
        [chat.platform, chat.chatId, chat.threadId ?? null, now],
      );
      return { replaced: (retired.rowCount ?? 0) > 0 };
    });
  }

  async stopBoard(chat: ChatAddress, now: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE boards SET status = 'off', due_at = $1, attempts = 0
       WHERE platform = $2 AND chat_id = $3 AND status = 'active'`,
      [now, chat.platform, chat.chatId],
    );
    return (rowCount ?? 0) > 0;
  }

  async claimDueBoards(
    platform: PlatformName,
    now: number,
    options: { readonly limit: number; readonly leaseMs: number; readonly minGapMs: number },
  ): Promise<BoardClaim[]> {
    const { rows } = await this.pool.query<BoardRow>(
      `UPDATE boards SET lease_token = $1, lease_until = $2
       WHERE id IN (
         SELECT id FROM boards
         WHERE platform = $3 AND due_at IS NOT NULL AND due_at <= $4
           AND (lease_until IS NULL OR lease_until <= $4)
           AND (status <> 'active' OR edited_at IS NULL OR edited_at + $5 <= $4)
         ORDER BY due_at, id LIMIT $6
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [randomUUID(), now + options.leaseMs, platform, now, options.minGapMs, options.limit],
    );
    // One token for the claim: each board is settled on its own row by id and token.
    return rows.map(toBoardClaim).sort((a, b) => a.id - b.id);
  }

  async settleBoard(claim: BoardClaim, settlement: BoardSettlement): Promise<boolean> {
    const { id, leaseToken } = claim;
    let result: pg.QueryResult;
    switch (settlement.kind) {
      case 'shown':
        result = await this.pool.query(
          `UPDATE boards SET message_id = $1, shown = $2, edited_at = $3, attempts = 0, lease_token = NULL,
             lease_until = NULL, due_at = CASE WHEN marks = $4 THEN NULL ELSE due_at END
           WHERE id = $5 AND lease_token = $6`,
          [settlement.messageId, settlement.shown, settlement.at, claim.marks, id, leaseToken],
        );
        break;
      case 'dropped':
        result = await this.pool.query('DELETE FROM boards WHERE id = $1 AND lease_token = $2', [
          id,
          leaseToken,
        ]);
        break;
      case 'retry':
        result = await this.pool.query(
          `UPDATE boards SET due_at = $1, attempts = attempts + $2, lease_token = NULL, lease_until = NULL
           WHERE id = $3 AND lease_token = $4`,
          [settlement.at, settlement.countAttempt ? 1 : 0, id, leaseToken],
        );
        break;
    }
    return (result.rowCount ?? 0) > 0;
  }

  async serviceStates(): Promise<ReadonlyMap<string, StoredServiceState>> {
    const { rows } = await this.pool.query<{ service_id: string; status: State; since: string }>(
      'SELECT service_id, status, since FROM service_state',
    );
    return new Map(rows.map((r) => [r.service_id, { status: r.status, since: Number(r.since) }]));
  }
}
