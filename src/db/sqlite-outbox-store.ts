import { randomUUID } from 'node:crypto';
import {
  type ChatIncidentFacts,
  type ChatMessageReads,
  type GatherDelays,
  type QueuedRow,
  asFirstNews,
  companions,
  dueAt,
  dueDependsOnChat,
  gatherDelays,
  groupClaim,
  MAX_GROUP_EVENTS,
  MAX_SUMMARY_EVENTS,
  replacesReference,
  summaryRows,
} from '../core/delivery/grouping.js';
import type {
  ClaimOptions,
  ClaimedChat,
  Conversation,
  DeadItem,
  MergeTarget,
  MessageRef,
  OutboxItem,
  OutboxStatus,
  OutboxStore,
  Platform,
  Settlement,
} from '../core/delivery/ports.js';
import { type SilencedRow, planSilenceRelease } from '../core/delivery/silences.js';
import { reminderOf, reminderPayload, remindersAfterSend } from '../core/delivery/reminders.js';
import type { IncidentEvent, IncidentEventKind } from '../core/events.js';
import type { Db } from './database.js';
import {
  type ChatRow,
  RECIPIENTS_WHERE,
  RECIPIENT_THREAD,
  chatFromRow,
  recipientParams,
} from './sqlite-subscription-store.js';

/** An outbox row with its event's payload, as `ITEM_COLUMNS` reads it (both backends). */
export interface ItemRow {
  id: number;
  chat_ref: number;
  incident_id: number;
  event_kind: IncidentEventKind;
  status: 'pending' | 'leased' | 'held' | 'planned';
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  payload_json: string;
  thread_id: string | null;
}

/** A row of a chat's queue, mapped: the queued row plus its lease state. */
export interface Queued extends QueuedRow {
  readonly chatRef: number;
  readonly status: ItemRow['status'];
  readonly nextAttemptAt: number;
}

/** A dead outbox row with its chat, as `listDead` reads it (both backends). */
export interface DeadRow {
  id: number;
  platform: Platform;
  chat_id: string;
  incident_id: number;
  event_kind: IncidentEventKind | 'reminder';
  attempts: number;
  last_error: string | null;
  created_at: number;
}

export const ITEM_COLUMNS = `o.id, o.chat_ref, o.incident_id, o.event_kind, o.status, o.attempts, o.next_attempt_at,
  o.created_at, e.payload_json, o.thread_id FROM outbox o JOIN outbox_events e ON e.id = o.event_id`;
/** The statuses of a row that still has to go out: they keep the chat's later rows waiting. */
export const UNFINISHED = "('pending', 'leased', 'held')";
/**
 * Still-down reminders (rows of kind `reminder`) are claimed on their own (`dueReminders`), never
 * with the alerts' grouping, summaries or ordering reads: this leaves them out of those.
 */
export const NOT_REMINDER = "event_kind <> 'reminder'";
/**
 * A reminder row's due time is its `next_attempt_at`; its `created_at` is that first due time too,
 * so the retry policy's age counts from when it was due, not from when it was planned.
 */
export const REMINDER_STATUSES = "('planned', 'pending', 'leased')";
/**
 * When a fanned-out row is due in chat `c`: `@due` when that does not depend on the chat
 * (grouping's `dueDependsOnChat`), otherwise grouping's `dueAt` (the SQL function `outbox_due`)
 * given what the chat has of the incident: its message reference and whether rows of it are queued.
 */
const DUE_AT = `CASE WHEN @dependsOnChat = 0 THEN @due ELSE outbox_due(@kind, @at, @openingMs, @followUpMs,
  (SELECT g.message_id FROM message_refs g WHERE g.chat_ref = c.ref AND g.incident_id = @incidentId),
  (SELECT g.editable FROM message_refs g WHERE g.chat_ref = c.ref AND g.incident_id = @incidentId),
  (SELECT g.joinable FROM message_refs g WHERE g.chat_ref = c.ref AND g.incident_id = @incidentId),
  EXISTS (SELECT 1 FROM outbox p WHERE p.chat_ref = c.ref AND p.incident_id = @incidentId
    AND p.status IN ${UNFINISHED} AND p.${NOT_REMINDER})) END`;

/** The service of outbox row `o` (its event's `serviceId`), as SQL over `e`, the row's event. */
const SERVICE_OF_ROW = "json_extract(e.payload_json, '$.serviceId')";

/**
 * Sets a platform's queued rows of silenced services aside (`silenced`, due at the silence's end):
 * rows still to go out (pending, held, or leased with the lease run out) of a service that a silence
 * of their chat, lasting at `@now`, names. Run at the start of every claim (silences.ts).
 */
const SET_ASIDE_SILENCED = `UPDATE outbox SET status = 'silenced', lease_until = NULL, lease_token = NULL,
    next_attempt_at = (SELECT s.ends_at FROM silences s JOIN outbox_events e ON e.id = outbox.event_id
      WHERE s.chat_ref = outbox.chat_ref AND s.service_id = ${SERVICE_OF_ROW})
  WHERE id IN (SELECT o.id FROM silences s
    JOIN chats c ON c.ref = s.chat_ref AND c.platform = @platform
    JOIN outbox o ON o.chat_ref = s.chat_ref AND o.status IN ${UNFINISHED}
    JOIN outbox_events e ON e.id = o.event_id
    WHERE s.ends_at > @now AND (o.status <> 'leased' OR o.next_attempt_at <= @now)
      AND ${SERVICE_OF_ROW} = s.service_id)`;

/** A `silenced` row as the release reads it (both backends). */
export interface SilencedItemRow {
  id: number;
  incident_id: number;
  event_kind: IncidentEventKind;
  service_id: string;
}

export function toSilenced(r: SilencedItemRow): SilencedRow {
  return {
    id: Number(r.id),
    incidentId: Number(r.incident_id),
    eventKind: r.event_kind,
    serviceId: r.service_id,
  };
}

export interface OutboxStoreOptions {
  /** How long opening alerts wait for companions to group with (grouping's GROUP_GATHER_MS). */
  readonly gatherMs?: number | undefined;
  /**
   * How long updates and recoveries wait for companions (FOLLOW_UP_GATHER_MS); by default as long
   * as `gatherMs` when that is given.
   */
  readonly followUpGatherMs?: number | undefined;
  /**
   * A chat whose rows must not be claimed here now: the in-memory outbox asks the database whether
   * the chat has older rows still to go out, so one chat's alerts keep their order.
   */
  readonly waitsElsewhere?: (chatRef: number) => boolean;
  /**
   * How long after a grouped alert's first recovery reply later recoveries of the group still join
   * it (by editing it): the group's longest check interval, since each monitor keeps its own phase
   * in its interval (grouping's `recoveryJoinWindow` makes it at least GROUP_WINDOW_MS).
   */
  readonly recoveryJoinMs?: (group: string | null) => number;
  /**
   * What the database knows of a chat's messages, for the in-memory outbox (it has only the rows
   * planned during the fault): the incidents a message shows and an incident's latest delivered
   * event. Its own rows are newer and win.
   */
  readonly elsewhere?: SentView;
  /**
   * Tests only: the length of a still-down reminder's pace minute in ms (default one minute), so an
   * end-to-end run reminds within seconds (reminders.ts `nextReminderAt`).
   */
  readonly reminderMinuteMs?: number | undefined;
}

/** Reads of the delivered messages of a chat (see OutboxStoreOptions.elsewhere). */
export interface SentView {
  shownRefs(chatRef: number, messageId: string): { incident_id: number; joinable: 0 | 1 }[];
  /** The payload of the incident's latest `sent` row for the chat. */
  latestSent(chatRef: number, incidentId: number): string | undefined;
}

/**
 * The detection store's incident hook: plans an incident event's outbox rows, synchronously,
 * inside the transaction that stores the incident change (a crash loses both or neither). Not
 * part of the workers' `OutboxStore` port: on PostgreSQL the rows are planned inside the commit
 * queue's own transaction instead.
 */
export interface IncidentOutbox {
  enqueueIncidentEvent(event: IncidentEvent): number;
}

/**
 * The outbox in SQLite (migration 002; also the in-memory outbox's, see failover-outbox-store.ts). Delivery is at-least-once: a row is marked sent after the
 * platform accepted it, so a process that dies in between (or a worker whose lease ran out while the
 * platform was answering) sends that message again. Nothing is lost: rows are written in the
 * incident's own transaction and only a settlement moves them on.
 *
 * Claims run in one IMMEDIATE transaction, so two workers (two connections, even two processes on
 * one file) never lease the same row, and settlements are compare-and-set on the lease token.
 */
export class SqliteOutboxStore implements OutboxStore, IncidentOutbox {
  private readonly stmt;
  private readonly delays: GatherDelays;
  private readonly waitsElsewhere: ((chatRef: number) => boolean) | null;
  private readonly recoveryJoinMs: (group: string | null) => number;
  private readonly elsewhere: SentView | null;
  private readonly reminderMinuteMs: number | undefined;

  constructor(
    private readonly db: Db,
    options: OutboxStoreOptions = {},
  ) {
    this.delays = gatherDelays(options);
    this.waitsElsewhere = options.waitsElsewhere ?? null;
    this.recoveryJoinMs = options.recoveryJoinMs ?? (() => 0);
    // Grouping's due time, for the fan-out's set-based INSERT (DUE_AT): pure, so one per connection.
    db.function(
      'outbox_due',
      { deterministic: true },
      (kind, at, openingMs, followUpMs, messageId, editable, joinable, queued) =>
        dueAt(
          { kind: kind as IncidentEventKind, at: Number(at) },
          { openingMs: Number(openingMs), followUpMs: Number(followUpMs) },
          {
            ref:
              editable === null
                ? null
                : {
                    messageId: messageId as string | null,
                    editable: editable === 1,
                    joinable: joinable === 1,
                  },
            queuedAhead: queued === 1,
          },
        ),
    );
    this.elsewhere = options.elsewhere ?? null;
    this.reminderMinuteMs = options.reminderMinuteMs;
    this.stmt = {
      insertEvent: db.prepare(
        'INSERT INTO outbox_events (incident_id, kind, payload_json, created_at) VALUES (?, ?, ?, ?)',
      ),
      maxId: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM outbox'),
      // Any forum topic in use (partial indexes of migration 009, so this is one index probe each).
      threaded: db.prepare(
        `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE thread_id IS NOT NULL)
           OR EXISTS (SELECT 1 FROM message_refs WHERE thread_id IS NOT NULL) AS threaded`,
      ),
      fanOut: db.prepare(
        `INSERT INTO outbox (platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
           next_attempt_at, created_at, thread_id)
         SELECT c.platform, c.ref, @eventId, @incidentId, @kind, 'pending', 0, ${DUE_AT}, @at, ${RECIPIENT_THREAD}
         FROM chats c WHERE ${RECIPIENTS_WHERE} ORDER BY c.ref`,
      ),
      addRefs: db.prepare(
        `INSERT OR IGNORE INTO message_refs (chat_ref, incident_id, message_id, editable, created_at, thread_id)
         SELECT chat_ref, incident_id, NULL, 0, created_at, thread_id FROM outbox WHERE id > ?`,
      ),
      dueHeld: db.prepare(
        `SELECT DISTINCT chat_ref FROM outbox
         WHERE platform = ? AND status = 'held' AND next_attempt_at <= ? LIMIT ?`,
      ),
      expiredLeases: db.prepare(
        `SELECT ${ITEM_COLUMNS} WHERE o.platform = ? AND o.status = 'leased' AND o.next_attempt_at <= ?
           AND o.${NOT_REMINDER} ORDER BY o.next_attempt_at LIMIT ?`,
      ),
      duePending: db.prepare(
        `SELECT ${ITEM_COLUMNS} WHERE o.platform = @platform AND o.status = 'pending' AND o.next_attempt_at <= @now
           AND o.${NOT_REMINDER} AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat_ref = o.chat_ref AND p.id < o.id
                             AND p.status IN ${UNFINISHED})
         ORDER BY o.next_attempt_at LIMIT @limit`,
      ),
      unfinished: db.prepare(`SELECT 1 FROM outbox WHERE chat_ref = ? AND status IN ${UNFINISHED} LIMIT 1`),
      hasEarlier: db.prepare(
        `SELECT 1 FROM outbox WHERE chat_ref = ? AND id < ? AND status IN ${UNFINISHED} LIMIT 1`,
      ),
      chatQueue: db.prepare(
        `SELECT ${ITEM_COLUMNS} WHERE o.chat_ref = ? AND o.id >= ? AND o.status IN ${UNFINISHED}
           AND o.${NOT_REMINDER} ORDER BY o.id LIMIT ?`,
      ),
      lease: db.prepare(
        `UPDATE outbox SET status = 'leased', lease_until = @until, next_attempt_at = @until, lease_token = @token,
           attempts = attempts + (CASE WHEN status = 'leased' THEN 1 ELSE 0 END)
         WHERE id = @id AND (status IN ('pending', 'held', 'planned') OR (status = 'leased' AND next_attempt_at <= @now))`,
      ),
      chat: db.prepare('SELECT * FROM chats WHERE ref = ?'),
      ref: db.prepare(
        `SELECT message_id, editable, joinable, alert_thread_id, alert_thread_gone FROM message_refs
         WHERE chat_ref = ? AND incident_id = ?`,
      ),
      // The thread of a message later alerts join (any of its incidents' references says).
      messageThread: db.prepare(
        `SELECT alert_thread_id, alert_thread_gone FROM message_refs
         WHERE chat_ref = ? AND message_id = ? AND alert_thread_id IS NOT NULL LIMIT 1`,
      ),
      setAlertThread: db.prepare(
        `UPDATE message_refs SET alert_thread_id = ?, alert_thread_gone = 0
         WHERE chat_ref = ? AND incident_id = ? AND message_id = ?`,
      ),
      // What became of a thread a follow-up used, on every reference that has it (a group's).
      threadGone: db.prepare(
        'UPDATE message_refs SET alert_thread_gone = 1 WHERE chat_ref = ? AND alert_thread_id = ?',
      ),
      threadDropped: db.prepare(
        `UPDATE message_refs SET alert_thread_id = NULL, alert_thread_gone = 0
         WHERE chat_ref = ? AND alert_thread_id = ?`,
      ),
      threadRestarted: db.prepare(
        `UPDATE message_refs SET alert_thread_id = ?, alert_thread_gone = 0
         WHERE chat_ref = ? AND alert_thread_id = ?`,
      ),
      chatOf: db.prepare('SELECT chat_ref FROM outbox WHERE id = ?'),
      sent: db.prepare(
        `UPDATE outbox SET status = 'sent', sent_at = @at, platform_message_id = @messageId, lease_until = NULL,
           lease_token = NULL, last_error = NULL WHERE id = @id AND status = 'leased' AND lease_token = @token`,
      ),
      upsertRef: db.prepare(
        `INSERT INTO message_refs (chat_ref, incident_id, message_id, editable, joinable, created_at, thread_id)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (chat_ref, incident_id) DO UPDATE SET message_id = excluded.message_id,
           editable = excluded.editable, joinable = excluded.joinable`,
      ),
      lastSent: db.prepare(
        `SELECT incident_id, event_kind, platform_message_id, thread_id FROM outbox
         WHERE chat_ref = ? AND id < ? AND status = 'sent' ORDER BY id DESC LIMIT 1`,
      ),
      // The chat's latest delivered rows, newest first (a message's rows are the tail while it is last).
      latestDelivered: db.prepare(
        `SELECT o.event_kind, o.created_at, o.platform_message_id, e.payload_json FROM outbox o
           JOIN outbox_events e ON e.id = o.event_id
         WHERE o.chat_ref = ? AND o.id < ? AND o.status = 'sent' ORDER BY o.id DESC LIMIT ?`,
      ),
      upsertSummaryRef: db.prepare(
        `INSERT INTO message_refs (chat_ref, incident_id, message_id, editable, joinable, created_at, thread_id)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (chat_ref, incident_id) DO UPDATE SET message_id = excluded.message_id,
           editable = excluded.editable, joinable = excluded.joinable WHERE message_refs.message_id IS NULL`,
      ),
      openingAhead: db.prepare(
        `SELECT 1 FROM outbox WHERE chat_ref = ? AND incident_id = ? AND id < ? AND status IN ${UNFINISHED}
           AND ${NOT_REMINDER} LIMIT 1`,
      ),
      shownRefs: db.prepare(
        'SELECT incident_id, joinable FROM message_refs WHERE chat_ref = ? AND message_id = ? LIMIT ?',
      ),
      latestOfIncident: db.prepare(
        `SELECT o.id, o.status, o.platform_message_id, e.payload_json FROM outbox o
           JOIN outbox_events e ON e.id = o.event_id
         WHERE o.chat_ref = ? AND o.incident_id = ? AND o.${NOT_REMINDER} ORDER BY o.id DESC LIMIT 1`,
      ),
      latestSent: db.prepare(
        `SELECT e.payload_json FROM outbox o JOIN outbox_events e ON e.id = o.event_id
         WHERE o.chat_ref = ? AND o.incident_id = ? AND o.status = 'sent' AND o.${NOT_REMINDER}
         ORDER BY o.id DESC LIMIT 1`,
      ),
      // The latest opening row, or else the first row (an update that was the chat's opening alert).
      openedAt: db.prepare(
        `SELECT id, created_at FROM outbox WHERE chat_ref = ? AND incident_id = ? AND ${NOT_REMINDER}
         ORDER BY event_kind IN ('opened', 'reopened') DESC,
           CASE WHEN event_kind IN ('opened', 'reopened') THEN -id ELSE id END LIMIT 1`,
      ),
      retry: db.prepare(
        `UPDATE outbox SET status = 'pending', next_attempt_at = @at, lease_until = NULL, lease_token = NULL,
           attempts = attempts + @count, last_error = COALESCE(@error, last_error)
         WHERE id = @id AND status = 'leased' AND lease_token = @token`,
      ),
      dead: db.prepare(
        `UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = @error, lease_until = NULL,
           lease_token = NULL WHERE id = @id AND status = 'leased' AND lease_token = @token`,
      ),
      hold: db.prepare(
        `UPDATE outbox SET status = 'held', next_attempt_at = @until, lease_until = NULL, lease_token = NULL
         WHERE id = @id AND status = 'leased' AND lease_token = @token`,
      ),
      listDead: db.prepare(
        `SELECT o.id, o.platform, c.chat_id, o.incident_id, o.event_kind, o.attempts, o.last_error, o.created_at
         FROM outbox o JOIN chats c ON c.ref = o.chat_ref
         WHERE o.platform = ? AND o.status = 'dead' ORDER BY o.id DESC LIMIT ?`,
      ),
      setAside: db.prepare(SET_ASIDE_SILENCED),
      dueSilenced: db.prepare(
        `SELECT DISTINCT chat_ref FROM outbox
         WHERE platform = ? AND status = 'silenced' AND next_attempt_at <= ? LIMIT ?`,
      ),
      silencedOf: db.prepare(
        `SELECT o.id, o.incident_id, o.event_kind, ${SERVICE_OF_ROW} AS service_id FROM outbox o
           JOIN outbox_events e ON e.id = o.event_id
         WHERE o.platform = ? AND o.status = 'silenced' AND o.next_attempt_at <= ? AND o.chat_ref = ?
         ORDER BY o.id`,
      ),
      silencesOf: db.prepare('SELECT service_id, ends_at FROM silences WHERE chat_ref = ? AND ends_at > ?'),
      liveLease: db.prepare(
        "SELECT 1 FROM outbox WHERE chat_ref = ? AND status = 'leased' AND next_attempt_at > ? LIMIT 1",
      ),
      told: db.prepare(
        'SELECT 1 FROM message_refs WHERE chat_ref = ? AND incident_id = ? AND message_id IS NOT NULL',
      ),
      releaseSilenced: db.prepare(
        "UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = 'silenced'",
      ),
      waitSilenced: db.prepare("UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = 'silenced'"),
      dropSilenced: db.prepare("DELETE FROM outbox WHERE id = ? AND status = 'silenced'"),
      forgetRef: db.prepare(
        'DELETE FROM message_refs WHERE chat_ref = ? AND incident_id = ? AND message_id IS NULL',
      ),
      // Due reminders (or their expired leases), oldest due first; one of a service silenced in
      // its chat waits for the silence's end.
      dueReminders: db.prepare(
        `SELECT ${ITEM_COLUMNS} WHERE o.platform = @platform AND o.event_kind = 'reminder'
           AND o.status IN ${REMINDER_STATUSES} AND o.next_attempt_at <= @now
           AND NOT EXISTS (SELECT 1 FROM silences s
             WHERE s.chat_ref = o.chat_ref AND s.ends_at > @now AND s.service_id = ${SERVICE_OF_ROW})
         ORDER BY o.next_attempt_at LIMIT @limit`,
      ),
      // The chat has something else to go out first (the reminder waits behind it).
      othersUnfinished: db.prepare(
        `SELECT 1 FROM outbox WHERE chat_ref = ? AND id <> ? AND status IN ${UNFINISHED} LIMIT 1`,
      ),
      // The incident's latest news for the chat (not a reminder): 'resolved' ends its reminders.
      latestKind: db.prepare(
        `SELECT event_kind FROM outbox WHERE chat_ref = ? AND incident_id = ? AND ${NOT_REMINDER}
         ORDER BY id DESC LIMIT 1`,
      ),
      reminderAhead: db.prepare(
        `SELECT 1 FROM outbox WHERE chat_ref = ? AND incident_id = ? AND event_kind = 'reminder'
           AND status IN ${REMINDER_STATUSES} LIMIT 1`,
      ),
      insertReminder: db.prepare(
        `INSERT INTO outbox (platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
           next_attempt_at, created_at, thread_id)
         SELECT platform, ref, @eventId, @incidentId, 'reminder', 'planned', 0, @due, @due, @threadId
         FROM chats WHERE ref = @chatRef`,
      ),
      cancelReminders: db.prepare(
        `UPDATE outbox SET status = 'cancelled', lease_until = NULL, lease_token = NULL
         WHERE incident_id = ? AND event_kind = 'reminder' AND status IN ('planned', 'pending')`,
      ),
      replanReminder: db.prepare(
        `UPDATE outbox SET status = @status, next_attempt_at = @at, lease_until = NULL, lease_token = NULL,
           attempts = attempts + @count, last_error = COALESCE(@error, last_error)
         WHERE id = @id AND status = 'leased' AND lease_token = @token`,
      ),
      pruneRows: db.prepare(
        "DELETE FROM outbox WHERE status IN ('sent', 'dead', 'cancelled') AND created_at < ?",
      ),
      pruneEvents: db.prepare(
        'DELETE FROM outbox_events WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = outbox_events.id)',
      ),
    };
  }

  /**
   * The detection store's incident hook: one row per recipient chat (RECIPIENTS_WHERE), set-based.
   * Opening alerts also create the chats' message references, which is how the updates and the
   * recovery find the chats that were told. Rows wait a moment for companions to go out with, as
   * long as grouping's `dueAt` says ({@link DUE_AT}). Returns the number of rows queued.
   */
  enqueueIncidentEvent(event: IncidentEvent): number {
    return this.db.transaction(() => {
      const eventId = Number(
        this.stmt.insertEvent.run(event.incidentId, event.kind, JSON.stringify(event), event.at)
          .lastInsertRowid,
      );
      const before = (this.stmt.maxId.get() as { id: number }).id;
      const dependsOnChat = dueDependsOnChat(event.kind);
      const { threaded } = this.stmt.threaded.get() as { threaded: 0 | 1 };
      const queued = this.stmt.fanOut.run({
        ...recipientParams(event),
        threaded,
        eventId,
        kind: event.kind,
        dependsOnChat: dependsOnChat ? 1 : 0,
        due: dependsOnChat ? null : dueAt(event, this.delays),
        openingMs: this.delays.openingMs,
        followUpMs: this.delays.followUpMs,
        at: event.at,
      });
      if (event.kind !== 'resolved') this.stmt.addRefs.run(before);
      // The recovery ends the incident's still-down reminders (one in flight ends at its settlement).
      else this.stmt.cancelReminders.run(event.incidentId);
      return queued.changes;
    })();
  }

  /**
   * Leases due work, one claim per chat: held rows whose time has come (all of the chat's queue, as
   * one summary), then expired leases (a worker died), then due pending rows that are first in their
   * chat's queue, each with the rows that go out with it as one message: grouping's `groupClaim`
   * decides which, and what they join (`mergeInto`) or follow up (`conversation`).
   */
  claimDue(platform: Platform, now: number, options: ClaimOptions): ClaimedChat[] {
    return this.db
      .transaction(() => {
        this.stmt.setAside.run({ platform, now });
        this.releaseSilenced(platform, now, options.limit);
        const claims: ClaimedChat[] = [];
        const seen = new Set<number>();
        const lease = (
          chatRef: number,
          rows: readonly Queued[],
          released: boolean,
          mergeInto?: MergeTarget,
          conversation?: Conversation,
        ): void => {
          if (claims.length >= options.limit || seen.has(chatRef) || rows.length === 0) return;
          seen.add(chatRef);
          if (this.waitsElsewhere?.(chatRef)) return;
          const claim = this.lease(chatRef, rows, released, now, options.leaseMs, mergeInto, conversation);
          if (claim) claims.push(claim);
        };
        for (const { chat_ref } of this.stmt.dueHeld.all(platform, now, options.limit) as {
          chat_ref: number;
        }[]) {
          const queue = this.queue(chat_ref, 0, MAX_SUMMARY_EVENTS);
          // A live lease means a delivery to this chat is in flight: the summary waits its turn.
          if (queue.some((r) => r.status === 'leased' && r.nextAttemptAt > now)) continue;
          lease(chat_ref, summaryRows(queue), true);
        }
        const expired = this.stmt.expiredLeases.all(platform, now, options.limit) as ItemRow[];
        const pending = this.stmt.duePending.all({ platform, now, limit: options.limit }) as ItemRow[];
        for (const head of [...expired, ...pending]) {
          if (seen.has(head.chat_ref) || this.stmt.hasEarlier.get(head.chat_ref, head.id) !== undefined)
            continue;
          const [first, ...rest] = this.queue(head.chat_ref, head.id, MAX_GROUP_EVENTS).map((r) =>
            asFirstNews(r, () => this.chatFacts(r)),
          );
          if (!first) continue;
          const following = companions(first, rest, (r) => isClaimable(r, now));
          const group = groupClaim(first, following, this.reads(head.chat_ref, first), this.recoveryJoinMs);
          lease(head.chat_ref, group.rows, false, group.mergeInto, group.conversation);
        }
        for (const row of this.stmt.dueReminders.all({ platform, now, limit: options.limit }) as ItemRow[]) {
          if (claims.length >= options.limit || seen.has(row.chat_ref)) continue;
          // Whatever else the chat has to get goes first; the reminder is claimed after it.
          if (this.stmt.othersUnfinished.get(row.chat_ref, row.id) !== undefined) continue;
          if (this.waitsElsewhere?.(row.chat_ref)) continue;
          seen.add(row.chat_ref);
          const claim = this.leaseReminder(row, now, options.leaseMs);
          if (claim) claims.push(claim);
        }
        return claims;
      })
      .immediate();
  }

  settle(claim: ClaimedChat, settlement: Settlement): boolean {
    if (claim.reminder !== undefined && settlement.kind !== 'sent' && settlement.kind !== 'dead')
      return this.replanReminder(claim, settlement);
    return this.db.transaction(() => {
      let updated = 0;
      for (const item of claim.items) {
        const key = { id: item.id, token: claim.leaseToken };
        switch (settlement.kind) {
          case 'sent':
            updated += this.stmt.sent.run({
              ...key,
              at: settlement.at,
              messageId: settlement.messageId,
            }).changes;
            break;
          case 'retry':
            updated += this.stmt.retry.run({
              ...key,
              at: settlement.at,
              error: settlement.error,
              count: settlement.countAttempt ? 1 : 0,
            }).changes;
            break;
          case 'dead':
            updated += this.stmt.dead.run({ ...key, error: settlement.error }).changes;
            break;
          case 'hold':
            updated += this.stmt.hold.run({ ...key, until: settlement.until }).changes;
            break;
        }
      }
      const first = claim.items[0];
      if (settlement.kind === 'sent' && updated > 0 && first) {
        const { chat_ref } = this.stmt.chatOf.get(first.id) as { chat_ref: number };
        // Grouping decides whether the message takes over a reference the incident has already.
        for (const ref of settlement.refs)
          (replacesReference(claim, ref.incidentId) ? this.stmt.upsertRef : this.stmt.upsertSummaryRef).run(
            chat_ref,
            ref.incidentId,
            settlement.messageId,
            ref.editable ? 1 : 0,
            ref.joinable ? 1 : 0,
            settlement.at,
            claim.threadId ?? null,
          );
        // The thread started from a new alert, one incident's or a group's (Discord incident threads).
        if (settlement.alertThreadId !== undefined)
          for (const ref of settlement.refs)
            this.stmt.setAlertThread.run(
              settlement.alertThreadId,
              chat_ref,
              ref.incidentId,
              settlement.messageId,
            );
        const thread = settlement.thread;
        if (thread?.became === 'gone') this.stmt.threadGone.run(chat_ref, thread.id);
        else if (thread?.became === 'dropped') this.stmt.threadDropped.run(chat_ref, thread.id);
        else if (thread?.became === 'restarted')
          this.stmt.threadRestarted.run(thread.newId, chat_ref, thread.id);
        this.planReminders(chat_ref, claim, settlement.at);
      }
      return updated === claim.items.length;
    })();
  }

  /**
   * Plans the still-down reminders a sent delivery calls for (reminders.ts `remindersAfterSend`),
   * in the settlement's transaction: none for an incident that has one planned or in flight for
   * the chat already, or whose latest news for the chat is its recovery.
   */
  private planReminders(chatRef: number, claim: ClaimedChat, at: number): void {
    for (const r of remindersAfterSend(claim, at, this.reminderMinuteMs)) {
      if (this.stmt.reminderAhead.get(chatRef, r.incidentId) !== undefined) continue;
      const latest = this.stmt.latestKind.get(chatRef, r.incidentId) as { event_kind: string } | undefined;
      if (latest?.event_kind === 'resolved') continue;
      const eventId = Number(
        this.stmt.insertEvent.run(r.incidentId, 'reminder', reminderPayload(r), r.dueAt).lastInsertRowid,
      );
      this.stmt.insertReminder.run({
        eventId,
        incidentId: r.incidentId,
        due: r.dueAt,
        threadId: claim.threadId ?? null,
        chatRef,
      });
    }
  }

  /**
   * A reminder not sent now (quiet hours, mute, pacing, a failure to retry) is planned again for
   * then; cancelled instead when its incident's recovery came meanwhile.
   */
  private replanReminder(
    claim: ClaimedChat,
    settlement: Extract<Settlement, { kind: 'retry' | 'hold' }>,
  ): boolean {
    return this.db.transaction(() => {
      const item = claim.items[0];
      if (!item) return false;
      const { chat_ref } = this.stmt.chatOf.get(item.id) as { chat_ref: number };
      const latest = this.stmt.latestKind.get(chat_ref, item.incidentId) as
        { event_kind: string } | undefined;
      const retry = settlement.kind === 'retry';
      return (
        this.stmt.replanReminder.run({
          id: item.id,
          token: claim.leaseToken,
          status: latest?.event_kind === 'resolved' ? 'cancelled' : 'planned',
          at: retry ? settlement.at : settlement.until,
          count: retry && settlement.countAttempt ? 1 : 0,
          error: retry ? settlement.error : null,
        }).changes === 1
      );
    })();
  }

  /** A due reminder row, leased on its own (see {@link ClaimedChat.reminder}). */
  private leaseReminder(row: ItemRow, now: number, leaseMs: number): ClaimedChat | null {
    const latest = this.stmt.latestKind.get(row.chat_ref, row.incident_id) as
      { event_kind: string } | undefined;
    if (latest?.event_kind === 'resolved') {
      this.stmt.cancelReminders.run(row.incident_id);
      return null;
    }
    const ref = this.stmt.ref.get(row.chat_ref, row.incident_id) as { message_id: string | null } | undefined;
    const claim = this.lease(row.chat_ref, [queuedOf(row)], false, now, leaseMs);
    if (!claim) return null;
    const { reminder: _r, ...event } = JSON.parse(row.payload_json) as IncidentEvent & { reminder?: unknown };
    return {
      ...claim,
      items: claim.items.map((i) => ({ ...i, event })),
      reminder: { ...reminderOf(JSON.parse(row.payload_json)), alertMessageId: ref?.message_id ?? null },
    };
  }

  /** The chat has rows still to go out (pending, leased or held). */
  hasUnfinished(chatRef: number): boolean {
    return this.stmt.unfinished.get(chatRef) !== undefined;
  }

  /** Rows that will never be delivered, newest first, with why: for the operator. */
  listDead(platform: Platform, limit: number): DeadItem[] {
    const rows = this.stmt.listDead.all(platform, limit) as DeadRow[];
    return rows.map((r) => ({
      id: r.id,
      platform: r.platform,
      chatId: r.chat_id,
      incidentId: r.incident_id,
      eventKind: r.event_kind,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: r.created_at,
    }));
  }

  /** Deletes sent, dead and cancelled rows (and their events) created before `before`. Returns rows deleted. */
  prune(before: number): number {
    return this.db.transaction(() => {
      const rows = this.stmt.pruneRows.run(before).changes;
      this.stmt.pruneEvents.run(before);
      return rows;
    })();
  }

  /**
   * Releases the due `silenced` rows of up to `limit` chats by silences.ts's rule. A chat with a
   * delivery in flight (a live lease) waits for the next pass, so its rows keep their order.
   */
  private releaseSilenced(platform: Platform, now: number, limit: number): void {
    const chats = this.stmt.dueSilenced.all(platform, now, limit) as { chat_ref: number }[];
    for (const { chat_ref: chatRef } of chats) {
      if (this.stmt.liveLease.get(chatRef, now) !== undefined) continue;
      const rows = (this.stmt.silencedOf.all(platform, now, chatRef) as SilencedItemRow[]).map(toSilenced);
      const silences = new Map(
        (this.stmt.silencesOf.all(chatRef, now) as { service_id: string; ends_at: number }[]).map((s) => [
          s.service_id,
          s.ends_at,
        ]),
      );
      const plan = planSilenceRelease(
        rows,
        (serviceId) => silences.get(serviceId) ?? null,
        (incidentId) => this.stmt.told.get(chatRef, incidentId) !== undefined,
      );
      for (const { ids, until } of plan.wait) for (const id of ids) this.stmt.waitSilenced.run(until, id);
      for (const id of plan.release) this.stmt.releaseSilenced.run(now, id);
      for (const id of plan.drop) this.stmt.dropSilenced.run(id);
      for (const incidentId of plan.forget) this.stmt.forgetRef.run(chatRef, incidentId);
    }
  }

  private queue(chatRef: number, fromId: number, limit: number): Queued[] {
    return (this.stmt.chatQueue.all(chatRef, fromId, limit) as ItemRow[]).map(queuedOf);
  }

  /** What the chat has of the row's incident, for grouping's `asFirstNews`. */
  private chatFacts(r: Queued): ChatIncidentFacts {
    return {
      ref: this.refOf(r.chatRef, r.incidentId),
      queuedAhead: this.stmt.openingAhead.get(r.chatRef, r.incidentId, r.id) !== undefined,
    };
  }

  private refOf(chatRef: number, incidentId: number): ReturnType<ChatMessageReads['ref']> {
    const ref = this.stmt.ref.get(chatRef, incidentId) as
      { message_id: string | null; editable: 0 | 1; joinable: 0 | 1 } | undefined;
    return ref
      ? { messageId: ref.message_id, editable: ref.editable === 1, joinable: ref.joinable === 1 }
      : null;
  }

  /** The chat's delivered messages as grouping reads them, for the claim headed by `head`. */
  private reads(chatRef: number, head: Queued): ChatMessageReads {
    return {
      lastSent: () => {
        const last = this.stmt.lastSent.get(chatRef, head.id) as
          | {
              incident_id: number;
              event_kind: IncidentEventKind;
              platform_message_id: string | null;
              thread_id: string | null;
            }
          | undefined;
        return last
          ? {
              incidentId: last.incident_id,
              eventKind: last.event_kind,
              messageId: last.platform_message_id,
              threadId: last.thread_id,
            }
          : undefined;
      },
      ref: (incidentId) => this.refOf(chatRef, incidentId),
      shownRefs: (messageId) =>
        this.shownRefs(chatRef, messageId).map((r) => ({
          incidentId: r.incident_id,
          joinable: r.joinable === 1,
        })),
      latestSent: (incidentId) => {
        const payload = this.latestSent(chatRef, incidentId);
        return payload === undefined ? undefined : (JSON.parse(payload) as IncidentEvent);
      },
      latestRow: (incidentId) => {
        const row = this.stmt.latestOfIncident.get(chatRef, incidentId) as
          | { id: number; status: OutboxStatus; platform_message_id: string | null; payload_json: string }
          | undefined;
        return row
          ? {
              id: row.id,
              status: row.status,
              messageId: row.platform_message_id,
              event: JSON.parse(row.payload_json) as IncidentEvent,
            }
          : undefined;
      },
      openingRow: (incidentId) => {
        const row = this.stmt.openedAt.get(chatRef, incidentId) as
          { id: number; created_at: number } | undefined;
        return row ? { id: row.id, createdAt: row.created_at } : undefined;
      },
      delivered: (limit) =>
        (
          this.stmt.latestDelivered.all(chatRef, head.id, limit) as {
            event_kind: IncidentEventKind;
            created_at: number;
            platform_message_id: string | null;
            payload_json: string;
          }[]
        ).map((r) => ({
          eventKind: r.event_kind,
          createdAt: r.created_at,
          messageId: r.platform_message_id,
          event: JSON.parse(r.payload_json) as IncidentEvent,
        })),
    };
  }

  /** The incidents whose reference is the message: the database's too, for the in-memory outbox. */
  private shownRefs(chatRef: number, messageId: string): { incident_id: number; joinable: 0 | 1 }[] {
    const own = this.stmt.shownRefs.all(chatRef, messageId, MAX_GROUP_EVENTS) as {
      incident_id: number;
      joinable: 0 | 1;
    }[];
    if (this.elsewhere === null) return own;
    const seen = new Set(own.map((r) => r.incident_id));
    const merged = [...own];
    for (const r of this.elsewhere.shownRefs(chatRef, messageId)) {
      if (seen.has(r.incident_id)) continue;
      // A reference changed here (a message sent during the fault) is newer than the database's.
      const here = this.stmt.ref.get(chatRef, r.incident_id) as { message_id: string | null } | undefined;
      if (here !== undefined && here.message_id !== null && here.message_id !== messageId) continue;
      seen.add(r.incident_id);
      merged.push(r);
    }
    return merged.slice(0, MAX_GROUP_EVENTS);
  }

  /** The incident's latest delivered event for the chat: this store's, or else the database's. */
  private latestSent(chatRef: number, incidentId: number): string | undefined {
    const row = this.stmt.latestSent.get(chatRef, incidentId) as { payload_json: string } | undefined;
    return row?.payload_json ?? this.elsewhere?.latestSent(chatRef, incidentId);
  }

  private lease(
    chatRef: number,
    rows: readonly Queued[],
    released: boolean,
    now: number,
    leaseMs: number,
    mergeInto?: MergeTarget,
    conversation?: Conversation,
  ): ClaimedChat | null {
    const chatRow = this.stmt.chat.get(chatRef) as ChatRow | undefined;
    if (!chatRow) return null;
    const token = randomUUID();
    const until = now + leaseMs;
    const leased = rows.filter((r) => this.stmt.lease.run({ id: r.id, until, token, now }).changes === 1);
    if (leased.length === 0) return null;
    const refs = new Map<number, MessageRef>();
    for (const r of leased) {
      if (refs.has(r.incidentId)) continue;
      const ref = this.stmt.ref.get(chatRef, r.incidentId) as
        | {
            message_id: string | null;
            editable: 0 | 1;
            alert_thread_id: string | null;
            alert_thread_gone: 0 | 1;
          }
        | undefined;
      if (ref)
        refs.set(r.incidentId, {
          messageId: ref.message_id,
          editable: ref.editable === 1,
          ...(ref.alert_thread_id === null ? {} : { alertThreadId: ref.alert_thread_id }),
          ...(ref.alert_thread_gone === 1 ? { alertThreadGone: true as const } : {}),
        });
    }
    const thread =
      mergeInto === undefined
        ? undefined
        : (this.stmt.messageThread.get(chatRef, mergeInto.messageId) as
            { alert_thread_id: string; alert_thread_gone: 0 | 1 } | undefined);
    const target =
      mergeInto === undefined || thread === undefined
        ? mergeInto
        : {
            ...mergeInto,
            thread: {
              alertThreadId: thread.alert_thread_id,
              ...(thread.alert_thread_gone === 1 ? { alertThreadGone: true as const } : {}),
            },
          };
    return claimedChat(token, chatFromRow(chatRow), leased, released, refs, target, conversation);
  }
}

/** The claim of a chat's leased rows, with their message references (both backends). */
export function claimedChat(
  leaseToken: string,
  chat: ClaimedChat['chat'],
  leased: readonly Queued[],
  released: boolean,
  refs: Map<number, MessageRef>,
  mergeInto?: MergeTarget,
  conversation?: Conversation,
): ClaimedChat {
  const threadId = leased[0]?.threadId ?? null;
  return {
    leaseToken,
    chat,
    ...(threadId === null ? {} : { threadId }),
    // Reclaiming an expired lease counts the attempt that was lost with it (the lease UPDATE did).
    items: leased.map(({ chatRef: _c, status, nextAttemptAt: _n, threadId: _t, ...item }) => ({
      ...item,
      attempts: status === 'leased' ? item.attempts + 1 : item.attempts,
    })),
    released,
    refs,
    ...(mergeInto ? { mergeInto } : {}),
    ...(conversation ? { conversation } : {}),
  };
}

/** A row that may go out with a claim's head (both backends). */
export function isClaimable(r: Queued, now: number): boolean {
  return r.status === 'pending' || (r.status === 'leased' && r.nextAttemptAt <= now);
}

/** A row of a chat's queue, mapped (both backends). */
export function queuedOf(r: ItemRow): Queued {
  return {
    ...toItem(r),
    chatRef: r.chat_ref,
    status: r.status,
    nextAttemptAt: r.next_attempt_at,
    threadId: r.thread_id,
  };
}

function toItem(r: ItemRow): OutboxItem {
  return {
    id: r.id,
    incidentId: r.incident_id,
    eventKind: r.event_kind,
    event: JSON.parse(r.payload_json) as IncidentEvent,
    attempts: r.attempts,
    createdAt: r.created_at,
  };
}
