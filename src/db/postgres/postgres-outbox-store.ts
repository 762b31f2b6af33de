import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AsyncPort } from '../../core/awaitable.js';
import {
  type ChatIncidentFacts,
  type ChatMessageReads,
  type RefFacts,
  asFirstNews,
  companions,
  groupClaim,
  MAX_GROUP_EVENTS,
  MAX_SUMMARY_EVENTS,
  replacesReference,
  summaryRows,
} from '../../core/delivery/grouping.js';
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
} from '../../core/delivery/ports.js';
import { planSilenceRelease } from '../../core/delivery/silences.js';
import { reminderOf, reminderPayload, remindersAfterSend } from '../../core/delivery/reminders.js';
import type { IncidentEvent, IncidentEventKind } from '../../core/events.js';
import {
  type DeadRow,
  type ItemRow,
  type OutboxStoreOptions,
  type Queued,
  type SilencedItemRow,
  toSilenced,
  ITEM_COLUMNS,
  NOT_REMINDER,
  REMINDER_STATUSES,
  UNFINISHED,
  claimedChat,
  isClaimable,
} from '../sqlite-outbox-store.js';
import { type ChatRow, chatFromRow } from '../sqlite-subscription-store.js';
import { enqueueIncidentEventIn } from './outbox-fanout.js';
import { withTransaction } from './pool.js';

/**
 * The lock that makes a chat one claimer's at a time: its `chats` row FOR NO KEY UPDATE. It does not
 * conflict with the KEY SHARE lock an outbox INSERT takes on its chat (the fan-out never waits for a
 * claim), and SKIP LOCKED lets a claimer pass over chats another one is claiming.
 */
const CHAT_LOCK = 'FOR NO KEY UPDATE OF c SKIP LOCKED';

/** The service of outbox row `o` (its event's `serviceId`), as SQL over `e`, the row's event. */
const SERVICE_OF_ROW = "(e.payload_json::jsonb ->> 'serviceId')";

const SQL = {
  // Per-service silences (silences.ts), as SqliteOutboxStore's: the chats with queued rows of a
  // service they silence, locked as a claim locks its chats; then those rows set aside.
  setAsideChats: `SELECT c.ref FROM chats c WHERE c.platform = $1 AND c.ref IN (
      SELECT s.chat_ref FROM silences s
        JOIN outbox o ON o.chat_ref = s.chat_ref AND o.status IN ${UNFINISHED}
        JOIN outbox_events e ON e.id = o.event_id
      WHERE s.ends_at > $2 AND (o.status <> 'leased' OR o.next_attempt_at <= $2)
        AND ${SERVICE_OF_ROW} = s.service_id)
    ${CHAT_LOCK}`,
  setAside: `UPDATE outbox o SET status = 'silenced', lease_until = NULL, lease_token = NULL,
      next_attempt_at = s.ends_at
    FROM outbox_events e, silences s
    WHERE o.chat_ref = ANY($1::bigint[]) AND o.status IN ${UNFINISHED}
      AND (o.status <> 'leased' OR o.next_attempt_at <= $2)
      AND e.id = o.event_id AND s.chat_ref = o.chat_ref AND s.service_id = ${SERVICE_OF_ROW}
      AND s.ends_at > $2`,
  dueSilenced: `SELECT c.ref FROM chats c WHERE c.ref IN (
      SELECT o.chat_ref FROM outbox o WHERE o.platform = $1 AND o.status = 'silenced' AND o.next_attempt_at <= $2)
    LIMIT $3 ${CHAT_LOCK}`,
  silencedOf: `SELECT o.id, o.incident_id, o.event_kind, ${SERVICE_OF_ROW} AS service_id FROM outbox o
      JOIN outbox_events e ON e.id = o.event_id
    WHERE o.platform = $1 AND o.status = 'silenced' AND o.next_attempt_at <= $2 AND o.chat_ref = $3
    ORDER BY o.id`,
  silencesOf: 'SELECT service_id, ends_at FROM silences WHERE chat_ref = $1 AND ends_at > $2',
  liveLease:
    "SELECT 1 FROM outbox WHERE chat_ref = $1 AND status = 'leased' AND next_attempt_at > $2 LIMIT 1",
  toldOf: `SELECT incident_id FROM message_refs
    WHERE chat_ref = $1 AND incident_id = ANY($2::bigint[]) AND message_id IS NOT NULL`,
  releaseSilenced: `UPDATE outbox SET status = 'pending', next_attempt_at = $2
    WHERE id = ANY($1::bigint[]) AND status = 'silenced'`,
  waitSilenced: "UPDATE outbox SET next_attempt_at = $2 WHERE id = ANY($1::bigint[]) AND status = 'silenced'",
  dropSilenced: "DELETE FROM outbox WHERE id = ANY($1::bigint[]) AND status = 'silenced'",
  forgetRefs: `DELETE FROM message_refs WHERE chat_ref = $1 AND incident_id = ANY($2::bigint[])
    AND message_id IS NULL`,
  // Candidates; each locks its chats (skipping chats another claimer holds), so that what is read
  // of a chat after this is not changed by another claim or settlement before the commit.
  dueHeld: `SELECT c.ref FROM chats c WHERE c.ref IN (
      SELECT o.chat_ref FROM outbox o WHERE o.platform = $1 AND o.status = 'held' AND o.next_attempt_at <= $2)
    LIMIT $3 ${CHAT_LOCK}`,
  expiredLeases: `SELECT ${ITEM_COLUMNS} JOIN chats c ON c.ref = o.chat_ref
    WHERE o.platform = $1 AND o.status = 'leased' AND o.next_attempt_at <= $2 AND o.${NOT_REMINDER}
    ORDER BY o.next_attempt_at, o.id LIMIT $3 ${CHAT_LOCK}`,
  duePending: `SELECT ${ITEM_COLUMNS} JOIN chats c ON c.ref = o.chat_ref
    WHERE o.platform = $1 AND o.status = 'pending' AND o.next_attempt_at <= $2 AND o.${NOT_REMINDER}
      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat_ref = o.chat_ref AND p.id < o.id
                        AND p.status IN ${UNFINISHED})
    ORDER BY o.next_attempt_at, o.id LIMIT $3 ${CHAT_LOCK}`,
  /** A settlement waits for a claim of the chat (and the other way round: the claim skips the chat). */
  lockChatOf:
    'SELECT c.ref FROM chats c WHERE c.ref = (SELECT chat_ref FROM outbox WHERE id = $1) FOR NO KEY UPDATE',
  unfinished: `SELECT 1 FROM outbox WHERE chat_ref = $1 AND status IN ${UNFINISHED} LIMIT 1`,
  hasEarlier: `SELECT 1 FROM outbox WHERE chat_ref = $1 AND id < $2 AND status IN ${UNFINISHED} LIMIT 1`,
  chatQueue: `SELECT ${ITEM_COLUMNS} WHERE o.chat_ref = $1 AND o.id >= $2 AND o.status IN ${UNFINISHED}
      AND o.${NOT_REMINDER} ORDER BY o.id LIMIT $3`,
  // A row of a service silenced since this claim set rows aside (the silence committed meanwhile)
  // is not leased: the next claim sets it aside (a due reminder of it waits for the silence's end).
  lease: `UPDATE outbox SET status = 'leased', lease_until = $2, next_attempt_at = $2, lease_token = $3,
      attempts = attempts + (CASE WHEN status = 'leased' THEN 1 ELSE 0 END)
    WHERE id = ANY($1::bigint[]) AND (status IN ('pending', 'held', 'planned') OR (status = 'leased' AND next_attempt_at <= $4))
      AND NOT EXISTS (SELECT 1 FROM silences s JOIN outbox_events e ON e.id = outbox.event_id
                       WHERE s.chat_ref = outbox.chat_ref AND s.ends_at > $4 AND s.service_id = ${SERVICE_OF_ROW})
    RETURNING id`,
  chat: 'SELECT * FROM chats WHERE ref = $1',
  // The thread of a message later alerts join (any of its incidents' references says).
  messageThread: `SELECT alert_thread_id, alert_thread_gone FROM message_refs
    WHERE chat_ref = $1 AND message_id = $2 AND alert_thread_id IS NOT NULL LIMIT 1`,
  setAlertThread: `UPDATE message_refs SET alert_thread_id = $1, alert_thread_gone = FALSE
    WHERE chat_ref = $2 AND incident_id = $3 AND message_id = $4`,
  // What became of a thread a follow-up used, on every reference that has it (a group's).
  threadGone: 'UPDATE message_refs SET alert_thread_gone = TRUE WHERE chat_ref = $1 AND alert_thread_id = $2',
  threadDropped: `UPDATE message_refs SET alert_thread_id = NULL, alert_thread_gone = FALSE
    WHERE chat_ref = $1 AND alert_thread_id = $2`,
  threadRestarted: `UPDATE message_refs SET alert_thread_id = $3, alert_thread_gone = FALSE
    WHERE chat_ref = $1 AND alert_thread_id = $2`,
  ref: 'SELECT message_id, editable, joinable FROM message_refs WHERE chat_ref = $1 AND incident_id = $2',
  refsOf: `SELECT incident_id, message_id, editable, alert_thread_id, alert_thread_gone FROM message_refs
    WHERE chat_ref = $1 AND incident_id = ANY($2::bigint[])`,
  sent: `UPDATE outbox SET status = 'sent', sent_at = $3, platform_message_id = $4, lease_until = NULL,
      lease_token = NULL, last_error = NULL WHERE id = ANY($1::bigint[]) AND status = 'leased' AND lease_token = $2`,
  upsertRef: `INSERT INTO message_refs (chat_ref, incident_id, message_id, editable, joinable, created_at, thread_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (chat_ref, incident_id) DO UPDATE SET message_id = excluded.message_id,
      editable = excluded.editable, joinable = excluded.joinable`,
  upsertSummaryRef: `INSERT INTO message_refs (chat_ref, incident_id, message_id, editable, joinable, created_at, thread_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (chat_ref, incident_id) DO UPDATE SET message_id = excluded.message_id,
      editable = excluded.editable, joinable = excluded.joinable WHERE message_refs.message_id IS NULL`,
  lastSent: `SELECT incident_id, event_kind, platform_message_id, thread_id FROM outbox
    WHERE chat_ref = $1 AND id < $2 AND status = 'sent' ORDER BY id DESC LIMIT 1`,
  // The chat's latest delivered rows, newest first (a message's rows are the tail while it is last).
  latestDelivered: `SELECT o.event_kind, o.created_at, o.platform_message_id, e.payload_json FROM outbox o
      JOIN outbox_events e ON e.id = o.event_id
    WHERE o.chat_ref = $1 AND o.id < $2 AND o.status = 'sent' ORDER BY o.id DESC LIMIT $3`,
  openingAhead: `SELECT 1 FROM outbox WHERE chat_ref = $1 AND incident_id = $2 AND id < $3
    AND status IN ${UNFINISHED} AND ${NOT_REMINDER} LIMIT 1`,
  shownRefs:
    'SELECT incident_id, joinable FROM message_refs WHERE chat_ref = $1 AND message_id = $2 LIMIT $3',
  latestOfIncident: `SELECT o.id, o.status, o.platform_message_id, e.payload_json FROM outbox o
      JOIN outbox_events e ON e.id = o.event_id
    WHERE o.chat_ref = $1 AND o.incident_id = $2 AND o.${NOT_REMINDER} ORDER BY o.id DESC LIMIT 1`,
  latestSent: `SELECT e.payload_json FROM outbox o JOIN outbox_events e ON e.id = o.event_id
    WHERE o.chat_ref = $1 AND o.incident_id = $2 AND o.status = 'sent' AND o.${NOT_REMINDER}
    ORDER BY o.id DESC LIMIT 1`,
  // The latest opening row, or else the first row (an update that was the chat's opening alert).
  openedAt: `SELECT id, created_at FROM outbox WHERE chat_ref = $1 AND incident_id = $2 AND ${NOT_REMINDER}
    ORDER BY event_kind IN ('opened', 'reopened') DESC,
      CASE WHEN event_kind IN ('opened', 'reopened') THEN -id ELSE id END LIMIT 1`,
  retry: `UPDATE outbox SET status = 'pending', next_attempt_at = $3, lease_until = NULL, lease_token = NULL,
      attempts = attempts + $4, last_error = COALESCE($5, last_error)
    WHERE id = ANY($1::bigint[]) AND status = 'leased' AND lease_token = $2`,
  dead: `UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = $3, lease_until = NULL,
      lease_token = NULL WHERE id = ANY($1::bigint[]) AND status = 'leased' AND lease_token = $2`,
  hold: `UPDATE outbox SET status = 'held', next_attempt_at = $3, lease_until = NULL, lease_token = NULL
    WHERE id = ANY($1::bigint[]) AND status = 'leased' AND lease_token = $2`,
  listDead: `SELECT o.id, o.platform, c.chat_id, o.incident_id, o.event_kind, o.attempts, o.last_error, o.created_at
    FROM outbox o JOIN chats c ON c.ref = o.chat_ref
    WHERE o.platform = $1 AND o.status = 'dead' ORDER BY o.id DESC LIMIT $2`,
  // Due reminders (or their expired leases), oldest due first; each locks its chat like the rest.
  dueReminders: `SELECT ${ITEM_COLUMNS} JOIN chats c ON c.ref = o.chat_ref
    WHERE o.platform = $1 AND o.event_kind = 'reminder' AND o.status IN ${REMINDER_STATUSES}
      AND o.next_attempt_at <= $2
    ORDER BY o.next_attempt_at, o.id LIMIT $3 ${CHAT_LOCK}`,
  reminderRow: `SELECT ${ITEM_COLUMNS} WHERE o.id = $1 AND o.status IN ${REMINDER_STATUSES}
    AND o.next_attempt_at <= $2`,
  othersUnfinished: `SELECT 1 FROM outbox WHERE chat_ref = $1 AND id <> $2 AND status IN ${UNFINISHED} LIMIT 1`,
  latestKind: `SELECT event_kind FROM outbox WHERE chat_ref = $1 AND incident_id = $2 AND ${NOT_REMINDER}
    ORDER BY id DESC LIMIT 1`,
  reminderAhead: `SELECT 1 FROM outbox WHERE chat_ref = $1 AND incident_id = $2 AND event_kind = 'reminder'
    AND status IN ${REMINDER_STATUSES} LIMIT 1`,
  insertReminderEvent: `INSERT INTO outbox_events (incident_id, kind, payload_json, created_at)
    VALUES ($1, 'reminder', $2, $3) RETURNING id`,
  insertReminder: `INSERT INTO outbox (platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
      next_attempt_at, created_at, thread_id)
    SELECT platform, ref, $1, $2, 'reminder', 'planned', 0, $3, $3, $4 FROM chats WHERE ref = $5`,
  cancelReminders: `UPDATE outbox SET status = 'cancelled', lease_until = NULL, lease_token = NULL
    WHERE incident_id = $1 AND event_kind = 'reminder' AND status IN ('planned', 'pending')`,
  replanReminder: `UPDATE outbox SET status = $3, next_attempt_at = $4, lease_until = NULL, lease_token = NULL,
      attempts = attempts + $5, last_error = COALESCE($6, last_error)
    WHERE id = $1 AND status = 'leased' AND lease_token = $2`,
  pruneRows: "DELETE FROM outbox WHERE status IN ('sent', 'dead', 'cancelled') AND created_at < $1",
  pruneEvents: `DELETE FROM outbox_events WHERE created_at < $1
    AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = outbox_events.id)`,
};

/**
 * The options of the PostgreSQL outbox: SqliteOutboxStore's, but `elsewhere` (only the in-memory
 * outbox of a storage fault reads a database beside it) and `waitsElsewhere` may answer later.
 */
export interface PostgresOutboxStoreOptions extends Omit<OutboxStoreOptions, 'elsewhere' | 'waitsElsewhere'> {
  readonly waitsElsewhere?: (chatRef: number) => boolean | Promise<boolean>;
}

/**
 * The outbox in PostgreSQL: SqliteOutboxStore's rows, claims and settlements, with the same
 * grouping code (grouping.ts) deciding what goes out together. At-least-once, as there.
 *
 * Claims are leases, safe with several workers and instances on one database: a claim runs in one
 * transaction and first locks the `chats` rows of the chats it considers (FOR NO KEY UPDATE SKIP
 * LOCKED), so two claimers never work on one chat at once and neither waits for the other; then it
 * reads the chat's queue again (the candidate query's snapshot may predate another claimer's commit)
 * and leases only rows still pending, held, or leased with their lease run out. A settlement locks
 * its chat the same way (waiting) and is compare-and-set on the lease token.
 *
 * Grouping reads a chat's messages synchronously (ChatMessageReads): each claim's decision runs
 * over a cache of reads; a read not cached yet stops it, is fetched, and the decision runs again
 * ({@link Reads}): the grouping functions are pure, so this repeats no effect and asks only what
 * they need.
 */
export class PostgresOutboxStore implements AsyncPort<OutboxStore> {
  private readonly waitsElsewhere: ((chatRef: number) => boolean | Promise<boolean>) | null;
  private readonly recoveryJoinMs: (group: string | null) => number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresOutboxStoreOptions = {},
  ) {
    this.waitsElsewhere = options.waitsElsewhere ?? null;
    this.recoveryJoinMs = options.recoveryJoinMs ?? (() => 0);
  }

  /**
   * The fan-out in a transaction of its own (for tools and tests; the detection store calls
   * `enqueueIncidentEventIn` in the incident's transaction). Returns the number of rows queued.
   */
  enqueueIncidentEvent(event: IncidentEvent): Promise<number> {
    return this.transaction((client) => enqueueIncidentEventIn(client, event, this.options));
  }

  /** The fan-out in the caller's transaction (a `/note`'s `updated` event, with its note). */
  enqueueIncidentEventIn(client: pg.ClientBase, event: IncidentEvent): Promise<number> {
    return enqueueIncidentEventIn(client, event, this.options);
  }

  /**
   * Leases due work, one claim per chat, as SqliteOutboxStore.claimDue: held rows whose time has
   * come (the chat's queue, as one summary), then expired leases, then due pending rows that are
   * first in their chat's queue, each with the rows grouping's `groupClaim` sends with it.
   */
  claimDue(platform: Platform, now: number, options: ClaimOptions): Promise<ClaimedChat[]> {
    return this.transaction(async (client) => {
      const aside = await client.query<{ ref: string }>(SQL.setAsideChats, [platform, now]);
      if (aside.rows.length > 0)
        await client.query(SQL.setAside, [aside.rows.map((r) => Number(r.ref)), now]);
      await this.releaseSilenced(client, platform, now, options.limit);
      const claims: ClaimedChat[] = [];
      const seen = new Set<number>();
      const lease = async (
        chatRef: number,
        rows: readonly Queued[],
        released: boolean,
        mergeInto?: MergeTarget,
        conversation?: Conversation,
      ): Promise<void> => {
        if (claims.length >= options.limit || seen.has(chatRef) || rows.length === 0) return;
        seen.add(chatRef);
        if (this.waitsElsewhere && (await this.waitsElsewhere(chatRef))) return;
        const claim = await this.lease(
          client,
          chatRef,
          rows,
          released,
          now,
          options.leaseMs,
          mergeInto,
          conversation,
        );
        if (claim) claims.push(claim);
      };
      const held = await client.query<{ ref: number }>(SQL.dueHeld, [platform, now, options.limit]);
      for (const { ref } of held.rows) {
        const chatRef = Number(ref);
        const queue = await this.queue(client, chatRef, 0, MAX_SUMMARY_EVENTS);
        // A live lease means a delivery to this chat is in flight: the summary waits its turn.
        if (queue.some((r) => r.status === 'leased' && r.nextAttemptAt > now)) continue;
        if (!queue.some((r) => r.status === 'held' && r.nextAttemptAt <= now)) continue;
        await lease(chatRef, summaryRows(queue), true);
      }
      const expired = await client.query<ItemRow>(SQL.expiredLeases, [platform, now, options.limit]);
      const pending = await client.query<ItemRow>(SQL.duePending, [platform, now, options.limit]);
      for (const candidate of [...expired.rows, ...pending.rows]) {
        const chatRef = Number(candidate.chat_ref);
        const headId = Number(candidate.id);
        if (claims.length >= options.limit) break;
        if (seen.has(chatRef)) continue;
        if ((await client.query(SQL.hasEarlier, [chatRef, headId])).rowCount !== 0) continue;
        const queue = await this.queue(client, chatRef, headId, MAX_GROUP_EVENTS);
        // Read again under the chat's lock: the head may have gone out meanwhile.
        const head = queue[0];
        if (head?.id !== headId || !isDueHead(head, now)) continue;
        const reads = new Reads(client, chatRef, head.id);
        const group = await reads.decide(() => {
          const [first, ...rest] = queue.map((r) => asFirstNews(r, () => reads.chatFacts(r)));
          if (!first) return null;
          const following = companions(first, rest, (r) => isClaimable(r, now));
          return groupClaim(first, following, reads, this.recoveryJoinMs);
        });
        if (group) await lease(chatRef, group.rows, false, group.mergeInto, group.conversation);
      }
      const reminders = await client.query<ItemRow>(SQL.dueReminders, [platform, now, options.limit]);
      for (const candidate of reminders.rows) {
        const chatRef = Number(candidate.chat_ref);
        const id = Number(candidate.id);
        if (claims.length >= options.limit) break;
        if (seen.has(chatRef)) continue;
        // Whatever else the chat has to get goes first; the reminder is claimed after it.
        if ((await client.query(SQL.othersUnfinished, [chatRef, id])).rowCount !== 0) continue;
        if (this.waitsElsewhere && (await this.waitsElsewhere(chatRef))) continue;
        seen.add(chatRef);
        // Read again under the chat's lock: it may have gone out or been cancelled meanwhile.
        const [row] = (await client.query<ItemRow>(SQL.reminderRow, [id, now])).rows;
        if (!row) continue;
        const claim = await this.leaseReminder(client, row, now, options.leaseMs);
        if (claim) claims.push(claim);
      }
      return claims;
    });
  }

  settle(claim: ClaimedChat, settlement: Settlement): Promise<boolean> {
    const first = claim.items[0];
    if (!first) return Promise.resolve(true);
    if (claim.reminder !== undefined && (settlement.kind === 'retry' || settlement.kind === 'hold'))
      return this.replanReminder(claim, first, settlement);
    return this.transaction(async (client) => {
      let locked = await client.query<{ ref: number }>(SQL.lockChatOf, [first.id]);
      // The chat was merged into another while this waited for its lock (rewriteChatId moves its
      // rows and deletes it): a second look, with a new snapshot, finds and locks the one they moved to.
      if (locked.rows.length === 0) locked = await client.query<{ ref: number }>(SQL.lockChatOf, [first.id]);
      const chatRef = locked.rows[0] ? Number(locked.rows[0].ref) : null;
      const key = [claim.items.map((i) => i.id), claim.leaseToken];
      let result: pg.QueryResult;
      switch (settlement.kind) {
        case 'sent':
          result = await client.query(SQL.sent, [...key, settlement.at, settlement.messageId]);
          break;
        case 'retry':
          result = await client.query(SQL.retry, [
            ...key,
            settlement.at,
            settlement.countAttempt ? 1 : 0,
            settlement.error,
          ]);
          break;
        case 'dead':
          result = await client.query(SQL.dead, [...key, settlement.error]);
          break;
        case 'hold':
          result = await client.query(SQL.hold, [...key, settlement.until]);
          break;
      }
      const updated = result.rowCount ?? 0;
      if (settlement.kind === 'sent' && updated > 0 && chatRef !== null) {
        // Grouping decides whether the message takes over a reference the incident has already.
        // In incident order, so two transactions writing references of one chat take them in one order.
        for (const ref of [...settlement.refs].sort((x, y) => x.incidentId - y.incidentId))
          await client.query(
            replacesReference(claim, ref.incidentId) ? SQL.upsertRef : SQL.upsertSummaryRef,
            [
              chatRef,
              ref.incidentId,
              settlement.messageId,
              ref.editable,
              ref.joinable ?? false,
              settlement.at,
              claim.threadId ?? null,
            ],
          );
        // The thread started from a new alert, one incident's or a group's (Discord incident threads).
        if (settlement.alertThreadId !== undefined)
          for (const ref of [...settlement.refs].sort((x, y) => x.incidentId - y.incidentId))
            await client.query(SQL.setAlertThread, [
              settlement.alertThreadId,
              chatRef,
              ref.incidentId,
              settlement.messageId,
            ]);
        const thread = settlement.thread;
        if (thread?.became === 'gone') await client.query(SQL.threadGone, [chatRef, thread.id]);
        else if (thread?.became === 'dropped') await client.query(SQL.threadDropped, [chatRef, thread.id]);
        else if (thread?.became === 'restarted')
          await client.query(SQL.threadRestarted, [chatRef, thread.id, thread.newId]);
        await this.planReminders(client, chatRef, claim, settlement.at);
      }
      return updated === claim.items.length;
    });
  }

  /** SqliteOutboxStore's `planReminders`, in the settlement's transaction. */
  private async planReminders(
    client: pg.ClientBase,
    chatRef: number,
    claim: ClaimedChat,
    at: number,
  ): Promise<void> {
    for (const r of remindersAfterSend(claim, at, this.options.reminderMinuteMs)) {
      if (((await client.query(SQL.reminderAhead, [chatRef, r.incidentId])).rowCount ?? 0) > 0) continue;
      const [latest] = (await client.query<{ event_kind: string }>(SQL.latestKind, [chatRef, r.incidentId]))
        .rows;
      if (latest?.event_kind === 'resolved') continue;
      const inserted = await client.query<{ id: number }>(SQL.insertReminderEvent, [
        r.incidentId,
        reminderPayload(r),
        r.dueAt,
      ]);
      await client.query(SQL.insertReminder, [
        Number(inserted.rows[0]?.id),
        r.incidentId,
        r.dueAt,
        claim.threadId ?? null,
        chatRef,
      ]);
    }
  }

  /** SqliteOutboxStore's `replanReminder`: planned again for then, or cancelled after the recovery. */
  private replanReminder(
    claim: ClaimedChat,
    item: OutboxItem,
    settlement: Extract<Settlement, { kind: 'retry' | 'hold' }>,
  ): Promise<boolean> {
    return this.transaction(async (client) => {
      const [locked] = (await client.query<{ ref: number }>(SQL.lockChatOf, [item.id])).rows;
      if (!locked) return false;
      const [latest] = (
        await client.query<{ event_kind: string }>(SQL.latestKind, [Number(locked.ref), item.incidentId])
      ).rows;
      const retry = settlement.kind === 'retry';
      const result = await client.query(SQL.replanReminder, [
        item.id,
        claim.leaseToken,
        latest?.event_kind === 'resolved' ? 'cancelled' : 'planned',
        retry ? settlement.at : settlement.until,
        retry && settlement.countAttempt ? 1 : 0,
        retry ? settlement.error : null,
      ]);
      return result.rowCount === 1;
    });
  }

  /** A due reminder row, leased on its own (see ClaimedChat.reminder). */
  private async leaseReminder(
    client: pg.ClientBase,
    row: ItemRow,
    now: number,
    leaseMs: number,
  ): Promise<ClaimedChat | null> {
    const chatRef = Number(row.chat_ref);
    const incidentId = Number(row.incident_id);
    const [latest] = (await client.query<{ event_kind: string }>(SQL.latestKind, [chatRef, incidentId])).rows;
    if (latest?.event_kind === 'resolved') {
      await client.query(SQL.cancelReminders, [incidentId]);
      return null;
    }
    const [ref] = (await client.query<{ message_id: string | null }>(SQL.ref, [chatRef, incidentId])).rows;
    const claim = await this.lease(client, chatRef, [queuedOf(row)], false, now, leaseMs);
    if (!claim) return null;
    const payload = JSON.parse(row.payload_json) as IncidentEvent & { reminder?: unknown };
    const { reminder: _r, ...event } = payload;
    return {
      ...claim,
      items: claim.items.map((i) => ({ ...i, event })),
      reminder: { ...reminderOf(payload), alertMessageId: ref?.message_id ?? null },
    };
  }

  /** The chat has rows still to go out (pending, leased or held). */
  async hasUnfinished(chatRef: number): Promise<boolean> {
    return ((await this.pool.query(SQL.unfinished, [chatRef])).rowCount ?? 0) > 0;
  }

  /** Rows that will never be delivered, newest first, with why: for the operator. */
  /**
   * Each message sent (rows sharing one platform message count once) since `since`, oldest first,
   * then one send at `inFlightAt` for each chat with rows leased: a worker that stopped (a crash, a
   * lost lease) may have sent them without recording it, so a new leader counts them as just sent.
   */
  async recentSends(
    platform: Platform,
    since: number,
    inFlightAt: number = since,
  ): Promise<{ chatId: string; at: number }[]> {
    const { rows } = await this.pool.query<{ chat_id: string; at: number }>(
      `SELECT chat_id, at FROM (
         SELECT c.chat_id, o.sent_at AS at FROM outbox o JOIN chats c ON c.ref = o.chat_ref
          WHERE o.platform = $1 AND o.status = 'sent' AND o.sent_at >= $2
          GROUP BY c.chat_id, o.platform_message_id, o.sent_at
         UNION ALL
         SELECT c.chat_id, $3::bigint AS at FROM outbox o JOIN chats c ON c.ref = o.chat_ref
          WHERE o.platform = $1 AND o.status = 'leased'
          GROUP BY c.chat_id
       ) s ORDER BY at, chat_id`,
      [platform, since, inFlightAt],
    );
    return rows.map((r) => ({ chatId: r.chat_id, at: Number(r.at) }));
  }

  async listDead(platform: Platform, limit: number): Promise<DeadItem[]> {
    const { rows } = await this.pool.query<DeadRow>(SQL.listDead, [platform, limit]);
    return rows.map((r) => ({
      id: Number(r.id),
      platform: r.platform,
      chatId: r.chat_id,
      incidentId: Number(r.incident_id),
      eventKind: r.event_kind,
      attempts: Number(r.attempts),
      lastError: r.last_error,
      createdAt: Number(r.created_at),
    }));
  }

  /** Deletes sent, dead and cancelled rows (and their events) created before `before`. Returns rows deleted. */
  prune(before: number): Promise<number> {
    return this.transaction(async (client) => {
      const rows = (await client.query(SQL.pruneRows, [before])).rowCount ?? 0;
      await client.query(SQL.pruneEvents, [before]);
      return rows;
    });
  }

  /** As SqliteOutboxStore's: the due `silenced` rows of up to `limit` chats, by silences.ts's rule. */
  private async releaseSilenced(
    client: pg.PoolClient,
    platform: Platform,
    now: number,
    limit: number,
  ): Promise<void> {
    const chats = await client.query<{ ref: string }>(SQL.dueSilenced, [platform, now, limit]);
    for (const { ref } of chats.rows) {
      const chatRef = Number(ref);
      if (((await client.query(SQL.liveLease, [chatRef, now])).rowCount ?? 0) > 0) continue;
      const rows = (await client.query<SilencedItemRow>(SQL.silencedOf, [platform, now, chatRef])).rows.map(
        toSilenced,
      );
      const silences = new Map(
        (
          await client.query<{ service_id: string; ends_at: string }>(SQL.silencesOf, [chatRef, now])
        ).rows.map((s) => [s.service_id, Number(s.ends_at)]),
      );
      const incidents = [...new Set(rows.map((r) => r.incidentId))];
      const told = new Set(
        (await client.query<{ incident_id: string }>(SQL.toldOf, [chatRef, incidents])).rows.map((r) =>
          Number(r.incident_id),
        ),
      );
      const plan = planSilenceRelease(
        rows,
        (serviceId) => silences.get(serviceId) ?? null,
        (incidentId) => told.has(incidentId),
      );
      for (const { ids, until } of plan.wait) await client.query(SQL.waitSilenced, [ids, until]);
      if (plan.release.length > 0) await client.query(SQL.releaseSilenced, [plan.release, now]);
      if (plan.drop.length > 0) await client.query(SQL.dropSilenced, [plan.drop]);
      if (plan.forget.length > 0) await client.query(SQL.forgetRefs, [chatRef, plan.forget]);
    }
  }

  /** Runs `fn` in a transaction on a connection of its own (pool.ts `withTransaction`). */
  private transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, fn);
  }

  private async queue(
    client: pg.ClientBase,
    chatRef: number,
    fromId: number,
    limit: number,
  ): Promise<Queued[]> {
    const { rows } = await client.query<ItemRow>(SQL.chatQueue, [chatRef, fromId, limit]);
    return rows.map(queuedOf);
  }

  private async lease(
    client: pg.ClientBase,
    chatRef: number,
    rows: readonly Queued[],
    released: boolean,
    now: number,
    leaseMs: number,
    mergeInto?: MergeTarget,
    conversation?: Conversation,
  ): Promise<ClaimedChat | null> {
    const chat = await client.query<Omit<ChatRow, 'active'> & { active: boolean }>(SQL.chat, [chatRef]);
    const chatRow = chat.rows[0];
    if (!chatRow) return null;
    const token = randomUUID();
    const until = now + leaseMs;
    const updated = await client.query<{ id: number }>(SQL.lease, [rows.map((r) => r.id), until, token, now]);
    const ids = new Set(updated.rows.map((r) => Number(r.id)));
    const leased = rows.filter((r) => ids.has(r.id));
    if (leased.length === 0) return null;
    const refs = new Map<number, MessageRef>();
    const found = await client.query<{
      incident_id: number;
      message_id: string | null;
      editable: boolean;
      alert_thread_id: string | null;
      alert_thread_gone: boolean;
    }>(SQL.refsOf, [chatRef, [...new Set(leased.map((r) => r.incidentId))]]);
    for (const r of found.rows)
      refs.set(Number(r.incident_id), {
        messageId: r.message_id,
        editable: r.editable,
        ...(r.alert_thread_id === null ? {} : { alertThreadId: r.alert_thread_id }),
        ...(r.alert_thread_gone ? { alertThreadGone: true as const } : {}),
      });
    const record = chatFromRow({
      ...chatRow,
      ref: Number(chatRow.ref),
      muted_until: chatRow.muted_until === null ? null : Number(chatRow.muted_until),
      deactivated_at: chatRow.deactivated_at === null ? null : Number(chatRow.deactivated_at),
      active: chatRow.active ? 1 : 0,
    });
    const [thread] =
      mergeInto === undefined
        ? []
        : (
            await client.query<{ alert_thread_id: string; alert_thread_gone: boolean }>(SQL.messageThread, [
              chatRef,
              mergeInto.messageId,
            ])
          ).rows;
    const target =
      mergeInto === undefined || thread === undefined
        ? mergeInto
        : {
            ...mergeInto,
            thread: {
              alertThreadId: thread.alert_thread_id,
              ...(thread.alert_thread_gone ? { alertThreadGone: true as const } : {}),
            },
          };
    return claimedChat(token, record, leased, released, refs, target, conversation);
  }
}

/** Thrown by a {@link Reads} read whose answer is not fetched yet (caught by `decide`). */
class NotFetched {
  constructor(
    readonly key: string,
    readonly fetch: () => Promise<unknown>,
  ) {}
}

/**
 * A chat's messages as grouping reads them (synchronously), over a cache filled from the database
 * on demand: `decide` runs the pure decision; a read whose answer is not cached throws, the answer
 * is fetched and the decision runs again, until it completes. Reads are those of
 * SqliteOutboxStore (the same statements), for the claim headed by row `headId`.
 */
class Reads implements ChatMessageReads {
  private readonly cache = new Map<string, unknown>();

  constructor(
    private readonly client: pg.ClientBase,
    private readonly chatRef: number,
    private readonly headId: number,
  ) {}

  async decide<T>(decision: () => T): Promise<T> {
    for (;;) {
      try {
        return decision();
      } catch (error) {
        if (!(error instanceof NotFetched)) throw error;
        this.cache.set(error.key, await error.fetch());
      }
    }
  }

  private read<T>(key: string, fetch: () => Promise<T>): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    throw new NotFetched(key, fetch);
  }

  private rows<R extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<R[]> {
    return this.client.query<R>(sql, values).then((r) => r.rows);
  }

  /** What the chat has of the row's incident, for grouping's `asFirstNews`. */
  chatFacts(r: Queued): ChatIncidentFacts {
    return {
      ref: this.ref(r.incidentId),
      queuedAhead: this.read(
        `ahead:${r.incidentId}:${r.id}`,
        async () => (await this.rows(SQL.openingAhead, [this.chatRef, r.incidentId, r.id])).length > 0,
      ),
    };
  }

  lastSent(): ReturnType<ChatMessageReads['lastSent']> {
    return this.read('lastSent', async () => {
      const [last] = await this.rows<{
        incident_id: number;
        event_kind: IncidentEventKind;
        platform_message_id: string | null;
        thread_id: string | null;
      }>(SQL.lastSent, [this.chatRef, this.headId]);
      return last
        ? {
            incidentId: Number(last.incident_id),
            eventKind: last.event_kind,
            messageId: last.platform_message_id,
            threadId: last.thread_id,
          }
        : undefined;
    });
  }

  ref(incidentId: number): RefFacts | null {
    return this.read(`ref:${incidentId}`, async () => {
      const [ref] = await this.rows<{ message_id: string | null; editable: boolean; joinable: boolean }>(
        SQL.ref,
        [this.chatRef, incidentId],
      );
      return ref ? { messageId: ref.message_id, editable: ref.editable, joinable: ref.joinable } : null;
    });
  }

  shownRefs(messageId: string): { incidentId: number; joinable: boolean }[] {
    return this.read(`shown:${messageId}`, async () =>
      (
        await this.rows<{ incident_id: number; joinable: boolean }>(SQL.shownRefs, [
          this.chatRef,
          messageId,
          MAX_GROUP_EVENTS,
        ])
      ).map((r) => ({ incidentId: Number(r.incident_id), joinable: r.joinable })),
    );
  }

  latestSent(incidentId: number): IncidentEvent | undefined {
    return this.read(`latestSent:${incidentId}`, async () => {
      const [row] = await this.rows<{ payload_json: string }>(SQL.latestSent, [this.chatRef, incidentId]);
      return row ? (JSON.parse(row.payload_json) as IncidentEvent) : undefined;
    });
  }

  latestRow(incidentId: number): ReturnType<ChatMessageReads['latestRow']> {
    return this.read(`latestRow:${incidentId}`, async () => {
      const [row] = await this.rows<{
        id: number;
        status: OutboxStatus;
        platform_message_id: string | null;
        payload_json: string;
      }>(SQL.latestOfIncident, [this.chatRef, incidentId]);
      return row
        ? {
            id: Number(row.id),
            status: row.status,
            messageId: row.platform_message_id,
            event: JSON.parse(row.payload_json) as IncidentEvent,
          }
        : undefined;
    });
  }

  openingRow(incidentId: number): ReturnType<ChatMessageReads['openingRow']> {
    return this.read(`opening:${incidentId}`, async () => {
      const [row] = await this.rows<{ id: number; created_at: number }>(SQL.openedAt, [
        this.chatRef,
        incidentId,
      ]);
      return row ? { id: Number(row.id), createdAt: Number(row.created_at) } : undefined;
    });
  }

  delivered(limit: number): ReturnType<ChatMessageReads['delivered']> {
    return this.read(`delivered:${limit}`, async () =>
      (
        await this.rows<{
          event_kind: IncidentEventKind;
          created_at: number;
          platform_message_id: string | null;
          payload_json: string;
        }>(SQL.latestDelivered, [this.chatRef, this.headId, limit])
      ).map((r) => ({
        eventKind: r.event_kind,
        createdAt: Number(r.created_at),
        messageId: r.platform_message_id,
        event: JSON.parse(r.payload_json) as IncidentEvent,
      })),
    );
  }
}

/** A claim's head, read again under the chat's lock: still pending and due, or leased and expired. */
function isDueHead(r: Queued, now: number): boolean {
  return (r.status === 'pending' || r.status === 'leased') && r.nextAttemptAt <= now;
}

/** A row of a chat's queue, mapped, numbers through `Number()`. */
function queuedOf(r: ItemRow): Queued {
  return {
    ...toItem(r),
    chatRef: Number(r.chat_ref),
    status: r.status,
    nextAttemptAt: Number(r.next_attempt_at),
    threadId: r.thread_id,
  };
}

/**
 * SqliteOutboxStore's `toItem` with every number passed through `Number()` (as the other mappers
 * here): kept apart so a pool that hands BIGINT over as text still gives numbers.
 */
function toItem(r: ItemRow): OutboxItem {
  return {
    id: Number(r.id),
    incidentId: Number(r.incident_id),
    eventKind: r.event_kind,
    event: JSON.parse(r.payload_json) as IncidentEvent,
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
  };
}
