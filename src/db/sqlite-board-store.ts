import { randomUUID } from 'node:crypto';
import type {
  BoardClaim,
  BoardSettlement,
  BoardStatus,
  BoardStore,
  StoredServiceState,
} from '../core/board.js';
import type { ChatAddress, PlatformName } from '../core/delivery/ports.js';
import type { State } from '../core/model.js';
import type { Db } from './database.js';

/** A `boards` row (both backends). */
export interface BoardRow {
  id: number | string;
  platform: string;
  chat_id: string;
  thread_id: string | null;
  message_id: string | null;
  status: BoardStatus;
  created_at: number | string;
  marks: number | string;
  attempts: number | string;
  shown: string | null;
  lease_token: string | null;
}

export function toBoardClaim(r: BoardRow): BoardClaim {
  return {
    id: Number(r.id),
    platform: r.platform,
    chatId: r.chat_id,
    threadId: r.thread_id,
    messageId: r.message_id,
    status: r.status,
    shown: r.shown,
    marks: Number(r.marks),
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    leaseToken: r.lease_token ?? '',
  };
}

/**
 * Marks the active boards that may list a service as due (the detection stores run it in the write
 * that stores the service's new status or its start, what a board shows, and not for a change of
 * evidence alone; `?`: the time, then the service id). A board lists a
 * service its chat subscribed to, or every service through an "all" subscription. Boards already
 * due keep their time; `marks` grows, so an edit in flight does not clear the change.
 */
export const MARK_BOARDS_SQL = `UPDATE boards SET due_at = COALESCE(due_at, ?), marks = marks + 1
  WHERE status = 'active' AND EXISTS (
    SELECT 1 FROM chats c JOIN subscriptions s ON s.chat_ref = c.ref
    WHERE c.platform = boards.platform AND c.chat_id = boards.chat_id AND s.service_id IN (?, '*'))`;

/**
 * Marks a chat's active board as due (`?`: platform, chat id): its chat's subscriptions or the
 * language or time zone it is shown in changed (the subscription store runs it in that change's
 * write). Due from its last post or edit: the claim's gap decides when it is edited.
 */
export const MARK_CHAT_BOARD_SQL = `UPDATE boards SET due_at = COALESCE(due_at, edited_at, created_at),
    marks = marks + 1
  WHERE platform = ? AND chat_id = ? AND status = 'active'`;

/**
 * A chat that got a new id (a Telegram group upgraded to a supergroup) keeps its board: these run
 * in the subscription store's rewrite of the chat id (`@platform`, `@oldId`, `@newId`), in
 * this order. The old chat's messages cannot be edited through the new id (its message ids are another
 * chat's), so its retired boards are forgotten, and so is its active board when the new chat has
 * one of its own; otherwise the active board moves to the new id without a message, due at once
 * (a post in another chat does not wait for the gap between edits): the worker posts (and pins) it
 * there. The lease is cleared, so a post or edit in flight for the
 * old chat cannot settle on the moved row.
 */
export const MOVE_BOARDS_SQL = [
  `DELETE FROM boards WHERE platform = @platform AND chat_id = @oldId AND (status <> 'active' OR EXISTS (
     SELECT 1 FROM boards b WHERE b.platform = @platform AND b.chat_id = @newId AND b.status = 'active'))`,
  `UPDATE boards SET chat_id = @newId, message_id = NULL, shown = NULL, edited_at = NULL, attempts = 0,
     lease_token = NULL, lease_until = NULL, due_at = COALESCE(due_at, edited_at, created_at), marks = marks + 1
   WHERE platform = @platform AND chat_id = @oldId`,
] as const;

/**
 * The due boards a claim may take (`?`: platform, now, now, minimum gap, now, limit): an active
 * board only once `minGapMs` passed since its last post or edit, so its changes are coalesced.
 */
const DUE_SQL = `SELECT id FROM boards
  WHERE platform = ? AND due_at IS NOT NULL AND due_at <= ?
    AND (lease_until IS NULL OR lease_until <= ?)
    AND (status <> 'active' OR edited_at IS NULL OR edited_at + ? <= ?)
  ORDER BY due_at, id LIMIT ?`;

/** `/board`'s store on SQLite (migration 017): see BoardStore. */
export class SqliteBoardStore implements BoardStore {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      retire: db.prepare(
        `UPDATE boards SET status = ?, due_at = ?, attempts = 0
         WHERE platform = ? AND chat_id = ? AND status = 'active'`,
      ),
      insert: db.prepare(
        `INSERT INTO boards (platform, chat_id, thread_id, status, created_at, due_at)
         VALUES (?, ?, ?, 'active', ?, ?)`,
      ),
      due: db.prepare(DUE_SQL).pluck(),
      lease: db.prepare(`UPDATE boards SET lease_token = ?, lease_until = ? WHERE id = ? RETURNING *`),
      shown: db.prepare(
        `UPDATE boards SET message_id = ?, shown = ?, edited_at = ?, attempts = 0, lease_token = NULL,
           lease_until = NULL, due_at = CASE WHEN marks = ? THEN NULL ELSE due_at END
         WHERE id = ? AND lease_token = ?`,
      ),
      drop: db.prepare('DELETE FROM boards WHERE id = ? AND lease_token = ?'),
      retry: db.prepare(
        `UPDATE boards SET due_at = ?, attempts = attempts + ?, lease_token = NULL, lease_until = NULL
         WHERE id = ? AND lease_token = ?`,
      ),
      states: db.prepare('SELECT service_id, status, since FROM service_state'),
    };
  }

  startBoard(chat: ChatAddress & { readonly threadId?: string | null }, now: number): { replaced: boolean } {
    return this.db.transaction(() => {
      const replaced = this.stmt.retire.run('moved', now, chat.platform, chat.chatId).changes > 0;
      this.stmt.insert.run(chat.platform, chat.chatId, chat.threadId ?? null, now, now);
      return { replaced };
    })();
  }

  stopBoard(chat: ChatAddress, now: number): boolean {
    return this.stmt.retire.run('off', now, chat.platform, chat.chatId).changes > 0;
  }

  claimDueBoards(
    platform: PlatformName,
    now: number,
    options: { readonly limit: number; readonly leaseMs: number; readonly minGapMs: number },
  ): BoardClaim[] {
    return this.db
      .transaction(() => {
        const { minGapMs: gap } = options;
        const ids = this.stmt.due.all(platform, now, now, gap, now, options.limit) as number[];
        return ids.map((id) =>
          toBoardClaim(this.stmt.lease.get(randomUUID(), now + options.leaseMs, id) as BoardRow),
        );
      })
      .immediate();
  }

  settleBoard(claim: BoardClaim, settlement: BoardSettlement): boolean {
    const { id, leaseToken } = claim;
    switch (settlement.kind) {
      case 'shown': {
        const { messageId, shown, at } = settlement;
        return this.stmt.shown.run(messageId, shown, at, claim.marks, id, leaseToken).changes > 0;
      }
      case 'dropped':
        return this.stmt.drop.run(id, leaseToken).changes > 0;
      case 'retry':
        return (
          this.stmt.retry.run(settlement.at, settlement.countAttempt ? 1 : 0, id, leaseToken).changes > 0
        );
    }
  }

  serviceStates(): ReadonlyMap<string, StoredServiceState> {
    const rows = this.stmt.states.all() as { service_id: string; status: State; since: number }[];
    return new Map(rows.map((r) => [r.service_id, { status: r.status, since: Number(r.since) }]));
  }
}
