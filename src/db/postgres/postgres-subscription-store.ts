import type pg from 'pg';
import type { AsyncPort } from '../../core/awaitable.js';
import { formatQuietHours } from '../../core/delivery/chat-rules.js';
import type {
  ChatAddress,
  ChatRecord,
  ChatSettings,
  Platform,
  ServiceSilence,
  SilenceStore,
  Subscription,
  SubscriptionStore,
} from '../../core/delivery/ports.js';
import { nextReminderAt, reminderPayload } from '../../core/delivery/reminders.js';
import type { IncidentEvent } from '../../core/events.js';
import { LOCALES } from '../../core/i18n/index.js';
import type { Severity } from '../../core/model.js';
import {
  type ChatRow,
  type SubscriptionDefaults,
  type SubscriptionRow,
  chatFromRow,
  createChatParams,
  defaultSettings,
  recipientParams,
  toSubscription,
} from '../sqlite-subscription-store.js';
import { inTransaction, isUniqueViolation } from './in-transaction.js';
import { MARK_CHAT_BOARD_PG_SQL, MOVE_BOARDS_PG_SQL } from './postgres-board-store.js';

/** A `chats` row as PostgreSQL returns it: `active` is a BOOLEAN (BIGINTs parse as numbers). */
export interface PgChatRow extends Omit<ChatRow, 'active'> {
  active: boolean;
}

export function chatFromPgRow(r: PgChatRow): ChatRecord {
  return chatFromRow({ ...r, active: r.active ? 1 : 0 });
}

/**
 * The PostgreSQL form of RECIPIENTS_WHERE (sqlite-subscription-store.ts): the same condition on
 * `chats c`, with its parameters numbered from `first` ($first … $first+4), and their values in
 * that order.
 */
export function pgRecipients(
  event: IncidentEvent,
  first = 1,
): { readonly where: string; readonly params: (string | number | boolean)[] } {
  const p = recipientParams(event);
  const [matchNew, serviceId, wildcard, severity, incidentId] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return {
    where: `c.active AND c.ref IN (
    SELECT s.chat_ref FROM subscriptions s
     WHERE ${matchNew}::boolean AND s.service_id IN (${serviceId}::text, ${wildcard}::text)
       AND (s.min_severity = 'minor' OR ${severity}::text = 'major')
    UNION
    SELECT m.chat_ref FROM message_refs m WHERE m.incident_id = ${incidentId}::bigint)`,
    params: [p['matchNew'] === 1, p['serviceId']!, p['wildcard']!, p['severity']!, p['incidentId']!],
  };
}

const SQL = {
  chat: 'SELECT * FROM chats WHERE platform = $1 AND chat_id = $2',
  // Locked: a settings change reads, merges and writes the row; a second instance waits its turn.
  chatForUpdate: 'SELECT * FROM chats WHERE platform = $1 AND chat_id = $2 FOR UPDATE',
  // "C": byte order, as SQLite's BINARY collation sorts.
  chatsOf: 'SELECT * FROM chats WHERE platform = $1 ORDER BY chat_id COLLATE "C"',
  createChat: `INSERT INTO chats (platform, chat_id, guild_id, locale, time_zone, created_at)
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, chat_id) DO NOTHING`,
  reactivate: `UPDATE chats SET active = TRUE, deactivated_reason = NULL, deactivated_at = NULL,
    guild_id = COALESCE($1, guild_id) WHERE ref = $2`,
  // xmax = 0 only on a row this statement inserted: whether the subscription is new, in the same
  // statement that writes it (two instances subscribing at once cannot both say "created").
  subscribe: `INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at, thread_id)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (chat_ref, service_id) DO UPDATE SET min_severity = EXCLUDED.min_severity,
      thread_id = EXCLUDED.thread_id
    RETURNING (xmax = 0) AS created`,
  // The chat's live board no longer lists what is gone: it is marked in the same statement.
  unsubscribe: `WITH gone AS (
      DELETE FROM subscriptions WHERE service_id = $1
        AND chat_ref = (SELECT ref FROM chats WHERE platform = $2 AND chat_id = $3) RETURNING 1),
    marked AS (
      UPDATE boards SET due_at = COALESCE(due_at, edited_at, created_at), marks = marks + 1
      WHERE platform = $2 AND chat_id = $3 AND status = 'active' AND EXISTS (SELECT 1 FROM gone))
    SELECT count(*)::int AS n FROM gone`,
  unsubscribeAll: `WITH gone AS (
      DELETE FROM subscriptions
      WHERE chat_ref = (SELECT ref FROM chats WHERE platform = $1 AND chat_id = $2) RETURNING 1),
    marked AS (
      UPDATE boards SET due_at = COALESCE(due_at, edited_at, created_at), marks = marks + 1
      WHERE platform = $1 AND chat_id = $2 AND status = 'active' AND EXISTS (SELECT 1 FROM gone))
    SELECT count(*)::int AS n FROM gone`,
  list: `SELECT s.service_id, s.min_severity, s.created_at, s.thread_id FROM subscriptions s
    JOIN chats c ON c.ref = s.chat_ref WHERE c.platform = $1 AND c.chat_id = $2
    ORDER BY s.service_id COLLATE "C"`,
  settings: `UPDATE chats SET locale = $1, time_zone = $2, quiet_hours = $3, muted_until = $4,
    mention_role_id = $5, remind_minutes = $7, threads = $8 WHERE ref = $6`,
  recheckHeld: `UPDATE outbox SET next_attempt_at = LEAST(next_attempt_at, $1)
    WHERE chat_ref = $2 AND status = 'held'`,
  deactivate: 'UPDATE chats SET active = FALSE, deactivated_reason = $1, deactivated_at = $2 WHERE ref = $3',
  killQueued: `UPDATE outbox SET status = 'dead', last_error = $1, lease_token = NULL
    WHERE chat_ref = $2 AND status IN ('pending', 'leased', 'held', 'silenced', 'planned')`,
  setSilence: `INSERT INTO silences (chat_ref, service_id, ends_at, created_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (chat_ref, service_id) DO UPDATE SET ends_at = EXCLUDED.ends_at,
      created_at = EXCLUDED.created_at`,
  endSilence: 'DELETE FROM silences WHERE chat_ref = $1 AND service_id = $2 RETURNING ends_at',
  // The rows a silence set aside are due at its end: a new end re-times them.
  retimeSilenced: `UPDATE outbox SET next_attempt_at = $1
    WHERE chat_ref = $2 AND status = 'silenced'
      AND (SELECT e.payload_json::jsonb ->> 'serviceId' FROM outbox_events e WHERE e.id = outbox.event_id) = $3`,
  listSilences: `SELECT s.service_id, s.ends_at FROM silences s JOIN chats c ON c.ref = s.chat_ref
    WHERE c.platform = $1 AND c.chat_id = $2 AND s.ends_at > $3 ORDER BY s.ends_at, s.service_id COLLATE "C"`,
  mergeSilences: `INSERT INTO silences (chat_ref, service_id, ends_at, created_at)
    SELECT $1, service_id, ends_at, created_at FROM silences WHERE chat_ref = $2 ON CONFLICT DO NOTHING`,
  cancelChatReminders: `UPDATE outbox SET status = 'cancelled' WHERE chat_ref = $1 AND event_kind = 'reminder'
    AND status IN ('planned', 'pending')`,
  // SqliteSubscriptionStore's: the chat's alerts of open incidents, no reminder in flight for them.
  openAlerts: `SELECT r.incident_id, r.thread_id, (SELECT e.payload_json FROM outbox o JOIN outbox_events e ON e.id = o.event_id
      WHERE o.chat_ref = r.chat_ref AND o.incident_id = r.incident_id AND o.status = 'sent'
        AND o.event_kind <> 'reminder' ORDER BY o.id DESC LIMIT 1) AS payload_json
    FROM message_refs r JOIN incidents i ON i.id = r.incident_id
    WHERE r.chat_ref = $1 AND r.message_id IS NOT NULL AND i.resolved_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM outbox l WHERE l.chat_ref = r.chat_ref AND l.incident_id = r.incident_id
        AND l.event_kind = 'reminder' AND l.status = 'leased')`,
  insertReminderEvent: `INSERT INTO outbox_events (incident_id, kind, payload_json, created_at)
    VALUES ($1, 'reminder', $2, $3) RETURNING id`,
  insertReminder: `INSERT INTO outbox (platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
      next_attempt_at, created_at, thread_id)
    SELECT platform, ref, $1, $2, 'reminder', 'planned', 0, $3, $3, $4 FROM chats WHERE ref = $5`,
  rename: 'UPDATE chats SET chat_id = $1 WHERE ref = $2',
  mergeSubscriptions: `INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at, thread_id)
    SELECT $1, service_id, min_severity, created_at, thread_id FROM subscriptions WHERE chat_ref = $2
    ON CONFLICT DO NOTHING`,
  mergeRefs: `INSERT INTO message_refs (chat_ref, incident_id, message_id, editable, joinable, created_at, thread_id)
    SELECT $1, incident_id, message_id, editable, joinable, created_at, thread_id FROM message_refs
    WHERE chat_ref = $2 ON CONFLICT DO NOTHING`,
  moveOutbox: 'UPDATE outbox SET chat_ref = $1 WHERE chat_ref = $2',
  deleteChat: 'DELETE FROM chats WHERE ref = $1',
  forgetThreadSubscriptions:
    'UPDATE subscriptions SET thread_id = NULL WHERE chat_ref = $1 AND thread_id = $2',
  forgetThreadRefs: 'UPDATE message_refs SET thread_id = NULL WHERE chat_ref = $1 AND thread_id = $2',
  forgetThreadQueued: `UPDATE outbox SET thread_id = NULL
    WHERE chat_ref = $1 AND thread_id = $2 AND status IN ('pending', 'leased', 'held', 'silenced')`,
} as const;

type Queryable = pg.Pool | pg.PoolClient;

/**
 * Subscriptions and chat settings in PostgreSQL: the rules of SqliteSubscriptionStore (same tables,
 * same results), each change that writes more than one statement in one transaction.
 */
export class PostgresSubscriptionStore implements AsyncPort<SubscriptionStore>, AsyncPort<SilenceStore> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly defaults: SubscriptionDefaults = { locale: LOCALES[0], timeZone: 'UTC' },
  ) {}

  async subscribe(
    chat: ChatAddress & { readonly guildId?: string | null; readonly threadId?: string | null },
    serviceId: string,
    minSeverity: Severity,
    now: number,
  ): Promise<{ readonly created: boolean }> {
    return inTransaction(this.pool, async (client) => {
      const row = await this.ensureChat(client, chat, chat.guildId ?? null, now);
      if (!row.active || (chat.guildId != null && row.guild_id !== chat.guildId))
        await client.query(SQL.reactivate, [chat.guildId ?? null, row.ref]);
      const result = await client.query<{ created: boolean }>(SQL.subscribe, [
        row.ref,
        serviceId,
        minSeverity,
        now,
        chat.threadId ?? null,
      ]);
      const created = result.rows[0]?.created === true;
      // The chat's live board lists the new service (`/board`).
      if (created) await client.query(MARK_CHAT_BOARD_PG_SQL, [chat.platform, chat.chatId]);
      return { created };
    });
  }

  async unsubscribe(chat: ChatAddress, serviceId: string): Promise<boolean> {
    const result = await this.pool.query<{ n: number }>(SQL.unsubscribe, [
      serviceId,
      chat.platform,
      chat.chatId,
    ]);
    return (result.rows[0]?.n ?? 0) > 0;
  }

  async unsubscribeAll(chat: ChatAddress): Promise<number> {
    const result = await this.pool.query<{ n: number }>(SQL.unsubscribeAll, [chat.platform, chat.chatId]);
    return result.rows[0]?.n ?? 0;
  }

  async listSubscriptions(chat: ChatAddress): Promise<Subscription[]> {
    const result = await this.pool.query<SubscriptionRow>(SQL.list, [chat.platform, chat.chatId]);
    return result.rows.map(toSubscription);
  }

  async getChat(chat: ChatAddress): Promise<ChatRecord | null> {
    const row = await this.row(this.pool, chat);
    return row ? chatFromPgRow(row) : null;
  }

  async listChats(platform: Platform): Promise<ChatRecord[]> {
    const result = await this.pool.query<PgChatRow>(SQL.chatsOf, [platform]);
    return result.rows.map(chatFromPgRow);
  }

  async getSettings(chat: ChatAddress): Promise<ChatSettings> {
    return (await this.getChat(chat))?.settings ?? defaultSettings(this.defaults);
  }

  async updateSettings(chat: ChatAddress, patch: Partial<ChatSettings>, now: number): Promise<ChatSettings> {
    return inTransaction(this.pool, async (client) => {
      await this.createChat(client, chat, null, now);
      const row = (await client.query<PgChatRow>(SQL.chatForUpdate, [chat.platform, chat.chatId])).rows[0]!;
      const next: ChatSettings = { ...chatFromPgRow(row).settings, ...patch };
      await client.query(SQL.settings, [
        next.locale,
        next.timeZone,
        next.quietHours ? formatQuietHours(next.quietHours) : null,
        next.mutedUntil,
        next.mentionRoleId,
        row.ref,
        next.remindMinutes,
        next.threads === true,
      ]);
      // Held alerts were timed by the old settings: let the worker look at them again now.
      await client.query(SQL.recheckHeld, [now, row.ref]);
      // The chat's live board is shown in its language and time zone (`/board`).
      if (next.locale !== row.locale || next.timeZone !== row.time_zone)
        await client.query(MARK_CHAT_BOARD_PG_SQL, [chat.platform, chat.chatId]);
      if (patch.remindMinutes !== undefined && patch.remindMinutes !== row.remind_minutes)
        await this.replanReminders(client, Number(row.ref), next, now);
      return next;
    });
  }

  /**
   * As SqliteSubscriptionStore.setSilence. The chat's row is locked first, as a claim locks it before
   * setting its rows aside, so the two never interleave.
   */
  async setSilence(chat: ChatAddress, serviceId: string, endsAt: number, now: number): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await this.createChat(client, chat, null, now);
      const row = (await client.query<PgChatRow>(SQL.chatForUpdate, [chat.platform, chat.chatId])).rows[0]!;
      await client.query(SQL.setSilence, [row.ref, serviceId, endsAt, now]);
      await client.query(SQL.retimeSilenced, [endsAt, row.ref, serviceId]);
    });
  }

  async endSilence(chat: ChatAddress, serviceId: string, now: number): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const row = (await client.query<PgChatRow>(SQL.chatForUpdate, [chat.platform, chat.chatId])).rows[0];
      if (!row) return false;
      const ended = await client.query<{ ends_at: string }>(SQL.endSilence, [row.ref, serviceId]);
      // What it set aside is released at the next claim.
      await client.query(SQL.retimeSilenced, [now, row.ref, serviceId]);
      return ended.rows.some((r) => Number(r.ends_at) > now);
    });
  }

  async listSilences(chat: ChatAddress, now: number): Promise<ServiceSilence[]> {
    const result = await this.pool.query<{ service_id: string; ends_at: string }>(SQL.listSilences, [
      chat.platform,
      chat.chatId,
      now,
    ]);
    return result.rows.map((r) => ({ serviceId: r.service_id, endsAt: Number(r.ends_at) }));
  }

  /** SqliteSubscriptionStore's `replanReminders`, in the settings' transaction. */
  private async replanReminders(
    client: pg.ClientBase,
    chatRef: number,
    settings: ChatSettings,
    now: number,
  ): Promise<void> {
    await client.query(SQL.cancelChatReminders, [chatRef]);
    if (settings.remindMinutes === null) return;
    const open = await client.query<{
      incident_id: number;
      thread_id: string | null;
      payload_json: string | null;
    }>(SQL.openAlerts, [chatRef]);
    for (const alert of open.rows) {
      if (alert.payload_json === null) continue;
      const incidentId = Number(alert.incident_id);
      const event = JSON.parse(alert.payload_json) as IncidentEvent;
      const dueAt = nextReminderAt({ remindMinutes: settings.remindMinutes, since: now, index: 0, settings });
      if (dueAt === null) continue;
      const payload = reminderPayload({ incidentId, index: 0, dueAt, event });
      const inserted = await client.query<{ id: number }>(SQL.insertReminderEvent, [
        incidentId,
        payload,
        dueAt,
      ]);
      await client.query(SQL.insertReminder, [
        Number(inserted.rows[0]?.id),
        incidentId,
        dueAt,
        alert.thread_id,
        chatRef,
      ]);
    }
  }

  async deactivateChat(chat: ChatAddress, reason: string, now: number): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const row = await this.row(client, chat);
      if (!row) return false;
      await client.query(SQL.deactivate, [reason, now, row.ref]);
      await client.query(SQL.killQueued, [`chat deactivated: ${reason}`, row.ref]);
      return true;
    });
  }

  async rewriteChatId(platform: Platform, oldChatId: string, newChatId: string): Promise<boolean> {
    const attempt = (): Promise<boolean> =>
      inTransaction(this.pool, async (client) => {
        // The old chat's row is locked first, as a claim or a settlement of the chat locks it before
        // its outbox rows: moving them before taking it would deadlock with those.
        const old = (await client.query<PgChatRow>(SQL.chatForUpdate, [platform, oldChatId])).rows[0];
        if (oldChatId === newChatId) return false;
        // The chat's board follows it (posted anew in the new chat), whether or not it has a row.
        for (const sql of MOVE_BOARDS_PG_SQL) await client.query(sql, [platform, oldChatId, newChatId]);
        if (!old) return false;
        const target = await this.row(client, { platform, chatId: newChatId });
        if (!target) {
          await client.query(SQL.rename, [newChatId, old.ref]);
          return true;
        }
        // The merged subscriptions show on the new chat's board.
        await client.query(MARK_CHAT_BOARD_PG_SQL, [platform, newChatId]);
        // The new id is already a chat of ours (someone subscribed the supergroup too): merge into it.
        await client.query(SQL.mergeSubscriptions, [target.ref, old.ref]);
        await client.query(SQL.mergeRefs, [target.ref, old.ref]);
        await client.query(SQL.mergeSilences, [target.ref, old.ref]);
        await client.query(SQL.moveOutbox, [target.ref, old.ref]);
        if (old.active && !target.active) await client.query(SQL.reactivate, [null, target.ref]);
        await client.query(SQL.deleteChat, [old.ref]);
        return true;
      });
    try {
      return await attempt();
    } catch (err) {
      // Another instance created the new id between our look-up and the rename: it is a known chat
      // now, so the second attempt merges into it, as SQLite (one writer) would have.
      if (!isUniqueViolation(err)) throw err;
      return attempt();
    }
  }

  async forgetThread(chat: ChatAddress, threadId: string): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const row = await this.row(client, chat);
      if (!row) return 0;
      await client.query(SQL.forgetThreadRefs, [row.ref, threadId]);
      await client.query(SQL.forgetThreadQueued, [row.ref, threadId]);
      return (await client.query(SQL.forgetThreadSubscriptions, [row.ref, threadId])).rowCount ?? 0;
    });
  }

  async listRecipients(event: IncidentEvent): Promise<ChatRecord[]> {
    const { where, params } = pgRecipients(event);
    const result = await this.pool.query<PgChatRow>(
      `SELECT c.* FROM chats c WHERE ${where} ORDER BY c.ref`,
      params,
    );
    return result.rows.map(chatFromPgRow);
  }

  private async row(db: Queryable, chat: ChatAddress): Promise<PgChatRow | undefined> {
    return (await db.query<PgChatRow>(SQL.chat, [chat.platform, chat.chatId])).rows[0];
  }

  private async createChat(
    client: pg.PoolClient,
    chat: ChatAddress,
    guildId: string | null,
    now: number,
  ): Promise<void> {
    // Two instances creating the same chat at once: the second waits for the first's row and then
    // inserts nothing; the look-up after it (a new snapshot) sees the row.
    await client.query(SQL.createChat, createChatParams(chat, guildId, this.defaults, now));
  }

  private async ensureChat(
    client: pg.PoolClient,
    chat: ChatAddress,
    guildId: string | null,
    now: number,
  ): Promise<PgChatRow> {
    await this.createChat(client, chat, guildId, now);
    return (await this.row(client, chat))!;
  }
}
