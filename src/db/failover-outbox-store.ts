import type {
  ClaimOptions,
  ClaimedChat,
  DeadItem,
  OutboxStore,
  Platform,
  Settlement,
} from '../core/delivery/ports.js';
import { MAX_GROUP_EVENTS } from '../core/delivery/grouping.js';
import type { IncidentEvent } from '../core/events.js';
import type { Logger } from '../logging.js';
import { type Db, openDatabase } from './database.js';
import { type IncidentOutbox, SqliteOutboxStore, type OutboxStoreOptions } from './sqlite-outbox-store.js';
import { RECIPIENTS_WHERE, SILENCED_ROWS_OF_SERVICE, recipientParams } from './sqlite-subscription-store.js';
import type { StorageBacklog, StorageHealth } from './storage-health.js';

/**
 * Most outbox rows the in-memory outbox holds (about 100 bytes each). Past it, incident changes are
 * no longer planned in memory: their rows are written, and delivered, when storage works again.
 */
export const MAX_SPARE_ROWS = 200_000;

type Row = Record<string, unknown>;

interface SilenceRow {
  chat_ref: number;
  service_id: string;
  ends_at: number;
  created_at: number;
}

/**
 * The outbox the workers use: the database's, and while storage fails an in-memory one beside it.
 *
 * An incident change that cannot be stored (disk full) cannot have its outbox rows stored either.
 * `plan` fans it out into a second SQLite database in memory, with the same schema and the same
 * `SqliteOutboxStore` code: the recipients, their subscriptions and the incident's message
 * references are read from the database (reads need no space) and copied there, so the rows, the
 * grouping, the edits and replies are what the database would have made. The chats' silences are
 * copied before every claim from memory, so a silenced service's rows are set aside and its
 * reminders wait there as in the database. Workers claim from both;
 * a chat's in-memory rows wait while it has older rows in the database, so its alerts keep their
 * order. A settlement the database refuses is kept and applied later (the rows stay leased, so
 * nothing is sent twice meanwhile: no database claims are made until then).
 *
 * When storage works again, `StorageHealth.catchUp` calls `write` in its transaction: the memory
 * rows are inserted into the database in their order with the state they reached (sent rows as
 * sent, with their message ids; pending as pending; rows of a delivery in flight as leased with the
 * same lease, which its settlement then finds), then the kept settlements are applied.
 */
export class FailoverOutboxStore implements OutboxStore, IncidentOutbox, StorageBacklog {
  private spareDb: Db | null = null;
  private spare: SqliteOutboxStore | null = null;
  private spareRows = 0;
  /** Once an event was not planned in memory, none after it is until catch-up (their order). */
  private refused = false;
  private readonly origin = new WeakMap<ClaimedChat, 'durable' | 'spare'>();
  /** In-memory claims not settled yet; when their rows move to the database, `moved` maps them. */
  private readonly liveSpareClaims = new Set<ClaimedChat>();
  private readonly moved = new WeakMap<ClaimedChat, ClaimedChat>();
  private pendingMoves = new Map<number, number>();
  private settlements: { readonly claim: ClaimedChat; readonly settlement: Settlement }[] = [];
  /** Settlements the database took, and how many of them the memory's message references reflect. */
  private durableSettled = 0;
  private refsSyncedAt = 0;
  /** Message references a delivery from memory set (`chatRef/incidentId`): newer than the database's. */
  private spareRefs = new Set<string>();
  private readonly insertStmts = new WeakMap<Db, Map<string, ReturnType<Db['prepare']>>>();

  constructor(
    private readonly db: Db,
    private readonly durable: SqliteOutboxStore,
    private readonly health: StorageHealth,
    private readonly options: OutboxStoreOptions & {
      readonly log?: Pick<Logger, 'warn' | 'error'>;
      readonly maxSpareRows?: number;
    } = {},
  ) {
    health.addBacklog(this);
  }

  /** The incident hook (inside the incident's transaction): the database's outbox. */
  enqueueIncidentEvent(event: IncidentEvent): number {
    return this.durable.enqueueIncidentEvent(event);
  }

  /**
   * Plans the delivery of an incident change that could not be stored, in memory. False when it
   * did not (memory outbox full, or an error): its rows are then written when the change is.
   */
  plan(event: IncidentEvent): boolean {
    if (this.refused) return false;
    try {
      const chats = this.db
        .prepare(`SELECT c.* FROM chats c WHERE ${RECIPIENTS_WHERE}`)
        .all(recipientParams(event)) as Row[];
      if (this.spareRows + chats.length > (this.options.maxSpareRows ?? MAX_SPARE_ROWS)) {
        this.refused = true;
        this.options.log?.warn(
          { rows: this.spareRows, incidentId: event.incidentId },
          'in-memory outbox full: later alerts go out when the database is writable again',
        );
        return false;
      }
      const spare = this.spareStore();
      const spareDb = this.spareDb as Db;
      const subscriptionsOf = this.db.prepare('SELECT * FROM subscriptions WHERE chat_ref = ?');
      const refs = this.db
        .prepare('SELECT * FROM message_refs WHERE incident_id = ?')
        .all(event.incidentId) as Row[];
      const queued = spareDb.transaction(() => {
        for (const chat of chats) {
          this.insert(spareDb, 'chats', chat, 'OR REPLACE');
          spareDb.prepare('DELETE FROM subscriptions WHERE chat_ref = ?').run(chat.ref);
          for (const sub of subscriptionsOf.all(chat.ref) as Row[])
            this.insert(spareDb, 'subscriptions', sub, '');
        }
        // The database's references first; the ones made in memory (sent during the fault) win.
        for (const ref of refs) this.insert(spareDb, 'message_refs', ref, 'OR IGNORE');
        return spare.enqueueIncidentEvent(event);
      })();
      this.spareRows += queued;
      return true;
    } catch (err) {
      this.refused = true;
      this.options.log?.error({ err, incidentId: event.incidentId }, 'could not plan an alert in memory');
      return false;
    }
  }

  claimDue(platform: Platform, now: number, options: ClaimOptions): ClaimedChat[] {
    const claims: ClaimedChat[] = [];
    // While a settlement waits to be stored, its rows look leased to the database and would be
    // claimed again once the lease ran out: no database claims until it is stored.
    if (this.settlements.length === 0) {
      try {
        for (const claim of this.durable.claimDue(platform, now, options)) {
          this.origin.set(claim, 'durable');
          claims.push(claim);
        }
      } catch (err) {
        if (!this.health.failed(err, 'outbox claim')) throw err;
      }
    }
    if (this.spare !== null && claims.length < options.limit) {
      this.refreshRefs();
      this.mirrorSilences(now);
      for (const claim of this.spare.claimDue(platform, now, {
        ...options,
        limit: options.limit - claims.length,
      })) {
        this.origin.set(claim, 'spare');
        this.liveSpareClaims.add(claim);
        claims.push(claim);
      }
    }
    return claims;
  }

  settle(claim: ClaimedChat, settlement: Settlement): boolean {
    let target = claim;
    if (this.origin.get(claim) === 'spare') {
      this.liveSpareClaims.delete(claim);
      const moved = this.moved.get(claim);
      if (moved === undefined) {
        const first = claim.items[0];
        if (settlement.kind === 'sent' && first !== undefined && this.spareDb !== null) {
          const chatRef = this.spareDb
            .prepare('SELECT chat_ref FROM outbox WHERE id = ?')
            .pluck()
            .get(first.id);
          for (const ref of settlement.refs) this.spareRefs.add(`${String(chatRef)}/${ref.incidentId}`);
        }
        return this.spare?.settle(claim, settlement) ?? false;
      }
      target = moved;
    }
    try {
      const settled = this.durable.settle(target, settlement);
      this.durableSettled++;
      this.health.succeeded();
      return settled;
    } catch (err) {
      if (!this.health.failed(err, 'outbox settle')) throw err;
      this.settlements.push({ claim: target, settlement });
      return true;
    }
  }

  listDead(platform: Platform, limit: number): DeadItem[] {
    return this.durable.listDead(platform, limit);
  }

  /** Rows held in memory, and settlements waiting to be stored, for `/metrics`. */
  backlogFigures(): { readonly rows: number; readonly settlements: number } {
    return { rows: this.spareRows, settlements: this.settlements.length };
  }

  // --- StorageBacklog

  pending(): boolean {
    return this.spareRows > 0 || this.settlements.length > 0;
  }

  write(): void {
    this.pendingMoves = new Map();
    for (const { claim, settlement } of this.settlements) this.durable.settle(claim, settlement);
    const spareDb = this.spareDb;
    if (spareDb === null) return;
    const eventIds = new Map<unknown, number>();
    for (const { id, ...event } of spareDb.prepare('SELECT * FROM outbox_events ORDER BY id').all() as Row[])
      eventIds.set(id, Number(this.insert(this.db, 'outbox_events', event, '').lastInsertRowid));
    for (const { id, ...row } of spareDb.prepare('SELECT * FROM outbox ORDER BY id').all() as Row[]) {
      const newId = Number(
        this.insert(this.db, 'outbox', { ...row, event_id: eventIds.get(row.event_id) }, '').lastInsertRowid,
      );
      this.pendingMoves.set(Number(id), newId);
    }
    const upsertRef = this.db.prepare(
      `INSERT INTO message_refs (chat_ref, incident_id, message_id, editable, joinable, created_at, thread_id,
         alert_thread_id, alert_thread_gone)
       VALUES (@chat_ref, @incident_id, @message_id, @editable, @joinable, @created_at, @thread_id,
         @alert_thread_id, @alert_thread_gone)
       ON CONFLICT (chat_ref, incident_id) DO UPDATE SET message_id = excluded.message_id,
         editable = excluded.editable, joinable = excluded.joinable,
         alert_thread_id = COALESCE(excluded.alert_thread_id, message_refs.alert_thread_id),
         alert_thread_gone = excluded.alert_thread_gone`,
    );
    for (const ref of spareDb.prepare('SELECT * FROM message_refs').all() as Row[]) {
      if (ref.message_id === null) this.insert(this.db, 'message_refs', ref, 'OR IGNORE');
      else upsertRef.run(ref);
    }
  }

  written(): void {
    this.settlements = [];
    // Deliveries in flight settle their rows where they are now, with the same lease.
    for (const claim of this.liveSpareClaims) {
      this.moved.set(claim, {
        ...claim,
        items: claim.items.map((item) => ({ ...item, id: this.pendingMoves.get(item.id) ?? item.id })),
      });
    }
    this.liveSpareClaims.clear();
    this.pendingMoves = new Map();
    this.spareDb?.close();
    this.spareDb = null;
    this.spare = null;
    this.spareRows = 0;
    this.spareRefs = new Set();
    this.refused = false;
  }

  /**
   * An alert the database sent after an update or recovery of its incident was planned in memory
   * (the chat's older rows go first): the memory learns its message, so the update edits it and the
   * recovery replies to it; also when the database's reference moved to another message (an
   * escalation reply), unless the memory's own delivery set it. Only after the database settled
   * something since the last look.
   */
  private refreshRefs(): void {
    const spareDb = this.spareDb;
    if (spareDb === null || this.refsSyncedAt === this.durableSettled) return;
    this.refsSyncedAt = this.durableSettled;
    const waiting = spareDb
      .prepare(
        "SELECT DISTINCT chat_ref, incident_id FROM outbox WHERE status IN ('pending', 'leased', 'held')",
      )
      .all() as { chat_ref: number; incident_id: number }[];
    const stored = this.db.prepare(
      'SELECT * FROM message_refs WHERE chat_ref = ? AND incident_id = ? AND message_id IS NOT NULL',
    );
    const known = spareDb
      .prepare('SELECT message_id FROM message_refs WHERE chat_ref = ? AND incident_id = ?')
      .pluck();
    for (const { chat_ref, incident_id } of waiting) {
      const ref = stored.get(chat_ref, incident_id) as Row | undefined;
      if (ref === undefined || this.spareRefs.has(`${chat_ref}/${incident_id}`)) continue;
      if ((known.get(chat_ref, incident_id) ?? null) !== ref.message_id)
        this.insert(spareDb, 'message_refs', ref, 'OR REPLACE');
    }
  }

  /**
   * The database's silences, copied into the memory before its claim, which sets the rows of a
   * silenced service aside (`silenced`, due at the silence's end) and keeps its reminders waiting, as
   * the database's claim does. A silence set, moved or ended since the last copy (a small write that
   * storage still took) re-times the rows it set aside there, as `setSilence` and `endSilence` do;
   * an ended one releases them at this claim.
   */
  private mirrorSilences(now: number): void {
    const spareDb = this.spareDb;
    if (spareDb === null) return;
    const live = this.db
      .prepare('SELECT chat_ref, service_id, ends_at, created_at FROM silences WHERE ends_at > ?')
      .all(now) as SilenceRow[];
    const copied = new Map(
      (spareDb.prepare('SELECT * FROM silences').all() as SilenceRow[]).map((s) => [
        `${s.chat_ref}/${s.service_id}`,
        s,
      ]),
    );
    const retime = spareDb.prepare(`UPDATE outbox SET next_attempt_at = ? WHERE ${SILENCED_ROWS_OF_SERVICE}`);
    const forget = spareDb.prepare('DELETE FROM silences WHERE chat_ref = ? AND service_id = ?');
    spareDb.transaction(() => {
      for (const silence of live) {
        const key = `${silence.chat_ref}/${silence.service_id}`;
        const had = copied.get(key);
        copied.delete(key);
        if (had?.ends_at === silence.ends_at) continue;
        this.insert(spareDb, 'silences', { ...silence }, 'OR REPLACE');
        retime.run(silence.ends_at, silence.chat_ref, silence.service_id);
      }
      for (const gone of copied.values()) {
        forget.run(gone.chat_ref, gone.service_id);
        retime.run(now, gone.chat_ref, gone.service_id);
      }
    })();
  }

  private spareStore(): SqliteOutboxStore {
    if (this.spare !== null) return this.spare;
    const spareDb = openDatabase(':memory:');
    // Rows copied from the database need not bring every row they point at.
    spareDb.pragma('foreign_keys = OFF');
    this.spareDb = spareDb;
    const shownRefs = this.db.prepare(
      'SELECT incident_id, joinable FROM message_refs WHERE chat_ref = ? AND message_id = ? LIMIT ?',
    );
    const latestSent = this.db
      .prepare(
        `SELECT e.payload_json FROM outbox o JOIN outbox_events e ON e.id = o.event_id
         WHERE o.chat_ref = ? AND o.incident_id = ? AND o.status = 'sent' AND o.event_kind <> 'reminder'
         ORDER BY o.id DESC LIMIT 1`,
      )
      .pluck();
    const { gatherMs, followUpGatherMs, recoveryJoinMs } = this.options;
    this.spare = new SqliteOutboxStore(spareDb, {
      ...(gatherMs !== undefined ? { gatherMs } : {}),
      ...(followUpGatherMs !== undefined ? { followUpGatherMs } : {}),
      ...(recoveryJoinMs !== undefined ? { recoveryJoinMs } : {}),
      waitsElsewhere: (chatRef) => this.durable.hasUnfinished(chatRef),
      // A grouped alert delivered before the fault: the memory sees what it shows, and how.
      elsewhere: {
        shownRefs: (chatRef, messageId) =>
          shownRefs.all(chatRef, messageId, MAX_GROUP_EVENTS) as { incident_id: number; joinable: 0 | 1 }[],
        latestSent: (chatRef, incidentId) => latestSent.get(chatRef, incidentId) as string | undefined,
      },
    });
    return this.spare;
  }

  /** Inserts a row by its column names (the same schema on both sides, whatever migrations added). */
  private insert(db: Db, table: string, row: Row, conflict: '' | 'OR REPLACE' | 'OR IGNORE') {
    const columns = Object.keys(row);
    const sql = `INSERT ${conflict} INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`;
    const stmts = this.insertStmts.get(db) ?? new Map<string, ReturnType<Db['prepare']>>();
    this.insertStmts.set(db, stmts);
    let stmt = stmts.get(sql);
    if (stmt === undefined) {
      stmt = db.prepare(sql);
      stmts.set(sql, stmt);
    }
    return stmt.run(row);
  }
}
