import { isChatServiceId } from '../core/catalog.js';
import { formatQuietHours, parseQuietHours } from '../core/delivery/chat-rules.js';
import {
  ALL_SERVICES,
  type ChatAddress,
  type ChatRecord,
  type ChatSettings,
  type Locale,
  type Platform,
  type ServiceSilence,
  type SilenceStore,
  type Subscription,
  type SubscriptionStore,
} from '../core/delivery/ports.js';
import { nextReminderAt, reminderPayload } from '../core/delivery/reminders.js';
import type { IncidentEvent } from '../core/events.js';
import { LOCALES } from '../core/i18n/index.js';
import type { Severity } from '../core/model.js';
import type { Db } from './database.js';
import { MARK_CHAT_BOARD_SQL, MOVE_BOARDS_SQL } from './sqlite-board-store.js';

export interface ChatRow {
  ref: number;
  platform: Platform;
  chat_id: string;
  guild_id: string | null;
  locale: Locale;
  time_zone: string;
  quiet_hours: string | null;
  muted_until: number | null;
  mention_role_id: string | null;
  remind_minutes: number | null;
  /** SQLite 0/1, PostgreSQL a boolean; absent before the migration that added it. */
  threads?: 0 | 1 | boolean;
  active: 0 | 1;
  deactivated_reason: string | null;
  deactivated_at: number | null;
}

export function chatFromRow(r: ChatRow): ChatRecord {
  return {
    platform: r.platform,
    chatId: r.chat_id,
    guildId: r.guild_id,
    settings: {
      locale: r.locale,
      timeZone: r.time_zone,
      quietHours: r.quiet_hours === null ? null : parseQuietHours(r.quiet_hours),
      mutedUntil: r.muted_until,
      mentionRoleId: r.mention_role_id,
      remindMinutes: r.remind_minutes,
      ...(r.threads === 1 || r.threads === true ? { threads: true } : {}),
    },
    active: r.active === 1,
    deactivatedReason: r.deactivated_reason,
    deactivatedAt: r.deactivated_at,
  };
}

/**
 * The chats an event goes to, as a condition on `chats c` with named parameters (see
 * {@link recipientParams}): active chats that either subscribe to the service (or `*`, except for a
 * chat-added service) at a severity
 * the event meets, or were told about the incident already (they have a message reference). A
 * `resolved` event only goes to the latter. Set-based, so the fan-out to 100,000 chats is one statement.
 */
export const RECIPIENTS_WHERE = `c.active = 1 AND c.ref IN (
    SELECT s.chat_ref FROM subscriptions s
     WHERE @matchNew = 1 AND s.service_id IN (@serviceId, @wildcard) AND (s.min_severity = 'minor' OR @severity = 'major')
    UNION
    SELECT m.chat_ref FROM message_refs m WHERE m.incident_id = @incidentId)`;

/**
 * The forum topic an event goes to in chat `c` (an SQL expression with the parameters of
 * {@link recipientParams}): the topic of the incident's alert when the chat was told about it
 * already, so updates and the recovery follow it; otherwise the topic of the subscription that
 * matched, the service's own before the all-services one. NULL: the chat itself. With
 * `@threaded` 0 (no topic in use anywhere, as in most databases) the lookups are skipped.
 */
export const RECIPIENT_THREAD = `CASE
  WHEN @threaded = 0 THEN NULL
  WHEN EXISTS (SELECT 1 FROM message_refs m WHERE m.chat_ref = c.ref AND m.incident_id = @incidentId)
  THEN (SELECT m.thread_id FROM message_refs m WHERE m.chat_ref = c.ref AND m.incident_id = @incidentId)
  ELSE (SELECT s.thread_id FROM subscriptions s
         WHERE s.chat_ref = c.ref AND s.service_id IN (@serviceId, @wildcard)
           AND (s.min_severity = 'minor' OR @severity = 'major')
         ORDER BY s.service_id = @serviceId DESC LIMIT 1)
  END`;

export function recipientParams(event: IncidentEvent): Record<string, string | number> {
  return {
    matchNew: event.kind === 'resolved' ? 0 : 1,
    serviceId: event.serviceId,
    // A chat-added service belongs to its community: "all services" elsewhere does not cover it.
    wildcard: isChatServiceId(event.serviceId) ? event.serviceId : ALL_SERVICES,
    severity: event.severity,
    incidentId: event.incidentId,
  };
}

export interface SubscriptionDefaults {
  readonly locale: Locale;
  readonly timeZone: string;
}

/** Subscriptions and chat settings in SQLite (tables `chats`, `subscriptions`; migration 002). */
/** A `subscriptions` row as `listSubscriptions` reads it (both backends). */
export interface SubscriptionRow {
  service_id: string;
  min_severity: Severity;
  created_at: number;
  thread_id: string | null;
}

export function toSubscription(r: SubscriptionRow): Subscription {
  return {
    serviceId: r.service_id,
    minSeverity: r.min_severity,
    createdAt: r.created_at,
    threadId: r.thread_id,
  };
}

/**
 * The parameters of the INSERT of a new chat (both backends' statements list the columns in this
 * order): platform, chat_id, guild_id, locale, time_zone, created_at.
 */
export function createChatParams(
  chat: ChatAddress,
  guildId: string | null,
  defaults: SubscriptionDefaults,
  now: number,
): [string, string, string | null, string, string, number] {
  return [chat.platform, chat.chatId, guildId, defaults.locale, defaults.timeZone, now];
}

/** The settings of a chat that has no row yet (both backends). */
export function defaultSettings(defaults: SubscriptionDefaults): ChatSettings {
  return {
    locale: defaults.locale,
    timeZone: defaults.timeZone,
    quietHours: null,
    mutedUntil: null,
    mentionRoleId: null,
    remindMinutes: null,
  };
}

/**
 * The chat's `silenced` outbox rows of one service (an SQL condition over `outbox`, parameters chat
 * ref then service id): what a change of that silence re-times.
 */
export const SILENCED_ROWS_OF_SERVICE = `chat_ref = ? AND status = 'silenced'
  AND (SELECT json_extract(e.payload_json, '$.serviceId') FROM outbox_events e WHERE e.id = outbox.event_id) = ?`;

export class SqliteSubscriptionStore implements SubscriptionStore, SilenceStore {
  private readonly stmt;

  constructor(
    private readonly db: Db,
    private readonly defaults: SubscriptionDefaults = { locale: LOCALES[0], timeZone: 'UTC' },
  ) {
    this.stmt = {
      chat: db.prepare('SELECT * FROM chats WHERE platform = ? AND chat_id = ?'),
      chatsOf: db.prepare('SELECT * FROM chats WHERE platform = ? ORDER BY chat_id'),
      createChat: db.prepare(
        `INSERT INTO chats (platform, chat_id, guild_id, locale, time_zone, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (platform, chat_id) DO NOTHING`,
      ),
      reactivate: db.prepare(
        `UPDATE chats SET active = 1, deactivated_reason = NULL, deactivated_at = NULL,
           guild_id = COALESCE(?, guild_id) WHERE ref = ?`,
      ),
      subscribe: db.prepare(
        `INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at, thread_id) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (chat_ref, service_id) DO UPDATE SET min_severity = excluded.min_severity,
           thread_id = excluded.thread_id`,
      ),
      hasSubscription: db.prepare('SELECT 1 FROM subscriptions WHERE chat_ref = ? AND service_id = ?'),
      unsubscribe: db.prepare(
        'DELETE FROM subscriptions WHERE service_id = ? AND chat_ref = (SELECT ref FROM chats WHERE platform = ? AND chat_id = ?)',
      ),
      unsubscribeAll: db.prepare(
        'DELETE FROM subscriptions WHERE chat_ref = (SELECT ref FROM chats WHERE platform = ? AND chat_id = ?)',
      ),
      list: db.prepare(
        `SELECT s.service_id, s.min_severity, s.created_at, s.thread_id FROM subscriptions s JOIN chats c ON c.ref = s.chat_ref
         WHERE c.platform = ? AND c.chat_id = ? ORDER BY s.service_id`,
      ),
      settings: db.prepare(
        `UPDATE chats SET locale = @locale, time_zone = @timeZone, quiet_hours = @quietHours,
           muted_until = @mutedUntil, mention_role_id = @mentionRoleId,
           remind_minutes = @remindMinutes, threads = @threads WHERE ref = @ref`,
      ),
      recheckHeld: db.prepare(
        "UPDATE outbox SET next_attempt_at = MIN(next_attempt_at, ?) WHERE chat_ref = ? AND status = 'held'",
      ),
      deactivate: db.prepare(
        'UPDATE chats SET active = 0, deactivated_reason = ?, deactivated_at = ? WHERE ref = ?',
      ),
      killQueued: db.prepare(
        `UPDATE outbox SET status = 'dead', last_error = ?, lease_token = NULL
         WHERE chat_ref = ? AND status IN ('pending', 'leased', 'held', 'silenced', 'planned')`,
      ),
      setSilence: db.prepare(
        `INSERT INTO silences (chat_ref, service_id, ends_at, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (chat_ref, service_id) DO UPDATE SET ends_at = excluded.ends_at,
           created_at = excluded.created_at`,
      ),
      endSilence: db.prepare('DELETE FROM silences WHERE chat_ref = ? AND service_id = ? AND ends_at > ?'),
      forgetSilence: db.prepare('DELETE FROM silences WHERE chat_ref = ? AND service_id = ?'),
      // The rows a silence set aside are due at its end: a new end re-times them (the claim that
      // releases them reads the silences again, so a row due too early only waits once more).
      retimeSilenced: db.prepare(`UPDATE outbox SET next_attempt_at = ? WHERE ${SILENCED_ROWS_OF_SERVICE}`),
      listSilences: db.prepare(
        `SELECT s.service_id, s.ends_at FROM silences s JOIN chats c ON c.ref = s.chat_ref
         WHERE c.platform = ? AND c.chat_id = ? AND s.ends_at > ? ORDER BY s.ends_at, s.service_id`,
      ),
      cancelChatReminders: db.prepare(
        `UPDATE outbox SET status = 'cancelled' WHERE chat_ref = ? AND event_kind = 'reminder'
           AND status IN ('planned', 'pending')`,
      ),
      // The chat's alerts of incidents still open, with the latest event each showed, and no
      // reminder in flight (leased) for them.
      openAlerts: db.prepare(
        `SELECT r.incident_id, r.thread_id, (SELECT e.payload_json FROM outbox o JOIN outbox_events e ON e.id = o.event_id
             WHERE o.chat_ref = r.chat_ref AND o.incident_id = r.incident_id AND o.status = 'sent'
               AND o.event_kind <> 'reminder' ORDER BY o.id DESC LIMIT 1) AS payload_json
         FROM message_refs r JOIN incidents i ON i.id = r.incident_id
         WHERE r.chat_ref = ? AND r.message_id IS NOT NULL AND i.resolved_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM outbox l WHERE l.chat_ref = r.chat_ref AND l.incident_id = r.incident_id
             AND l.event_kind = 'reminder' AND l.status = 'leased')`,
      ),
      insertReminderEvent: db.prepare(
        "INSERT INTO outbox_events (incident_id, kind, payload_json, created_at) VALUES (?, 'reminder', ?, ?)",
      ),
      insertReminder: db.prepare(
        `INSERT INTO outbox (platform, chat_ref, event_id, incident_id, event_kind, status, attempts,
           next_attempt_at, created_at, thread_id)
         SELECT platform, ref, ?, ?, 'reminder', 'planned', 0, ?, ?, ? FROM chats WHERE ref = ?`,
      ),
      rename: db.prepare('UPDATE chats SET chat_id = ? WHERE ref = ?'),
      mergeSubscriptions: db.prepare(
        `INSERT OR IGNORE INTO subscriptions (chat_ref, service_id, min_severity, created_at, thread_id)
         SELECT ?, service_id, min_severity, created_at, thread_id FROM subscriptions WHERE chat_ref = ?`,
      ),
      mergeRefs: db.prepare(
        `INSERT OR IGNORE INTO message_refs (chat_ref, incident_id, message_id, editable, joinable, created_at,
           thread_id)
         SELECT ?, incident_id, message_id, editable, joinable, created_at, thread_id FROM message_refs
         WHERE chat_ref = ?`,
      ),
      mergeSilences: db.prepare(
        `INSERT OR IGNORE INTO silences (chat_ref, service_id, ends_at, created_at)
         SELECT ?, service_id, ends_at, created_at FROM silences WHERE chat_ref = ?`,
      ),
      moveOutbox: db.prepare('UPDATE outbox SET chat_ref = ? WHERE chat_ref = ?'),
      deleteChat: db.prepare('DELETE FROM chats WHERE ref = ?'),
      // The chat's live board lists its subscriptions in its language and time zone: a change of
      // any of them re-renders it (`/board`).
      markBoard: db.prepare(MARK_CHAT_BOARD_SQL),
      moveBoards: MOVE_BOARDS_SQL.map((sql) => db.prepare(sql)),
      recipients: db.prepare(`SELECT c.* FROM chats c WHERE ${RECIPIENTS_WHERE} ORDER BY c.ref`),
      forgetThread: {
        subscriptions: db.prepare(
          'UPDATE subscriptions SET thread_id = NULL WHERE chat_ref = ? AND thread_id = ?',
        ),
        refs: db.prepare('UPDATE message_refs SET thread_id = NULL WHERE chat_ref = ? AND thread_id = ?'),
        queued: db.prepare(
          `UPDATE outbox SET thread_id = NULL
           WHERE chat_ref = ? AND thread_id = ? AND status IN ('pending', 'leased', 'held', 'silenced')`,
        ),
      },
    };
  }

  subscribe(
    chat: ChatAddress & { readonly guildId?: string | null; readonly threadId?: string | null },
    serviceId: string,
    minSeverity: Severity,
    now: number,
  ): { readonly created: boolean } {
    return this.db.transaction(() => {
      const row = this.ensureChat(chat, chat.guildId ?? null, now);
      if (row.active === 0 || (chat.guildId != null && row.guild_id !== chat.guildId))
        this.stmt.reactivate.run(chat.guildId ?? null, row.ref);
      const existed = this.stmt.hasSubscription.get(row.ref, serviceId) !== undefined;
      this.stmt.subscribe.run(row.ref, serviceId, minSeverity, now, chat.threadId ?? null);
      if (!existed) this.stmt.markBoard.run(chat.platform, chat.chatId);
      return { created: !existed };
    })();
  }

  unsubscribe(chat: ChatAddress, serviceId: string): boolean {
    return this.db.transaction(() => {
      const gone = this.stmt.unsubscribe.run(serviceId, chat.platform, chat.chatId).changes > 0;
      if (gone) this.stmt.markBoard.run(chat.platform, chat.chatId);
      return gone;
    })();
  }

  unsubscribeAll(chat: ChatAddress): number {
    return this.db.transaction(() => {
      const gone = this.stmt.unsubscribeAll.run(chat.platform, chat.chatId).changes;
      if (gone > 0) this.stmt.markBoard.run(chat.platform, chat.chatId);
      return gone;
    })();
  }

  listSubscriptions(chat: ChatAddress): Subscription[] {
    const rows = this.stmt.list.all(chat.platform, chat.chatId) as SubscriptionRow[];
    return rows.map(toSubscription);
  }

  getChat(chat: ChatAddress): ChatRecord | null {
    const row = this.row(chat);
    return row ? chatFromRow(row) : null;
  }

  listChats(platform: Platform): ChatRecord[] {
    return (this.stmt.chatsOf.all(platform) as ChatRow[]).map(chatFromRow);
  }

  getSettings(chat: ChatAddress): ChatSettings {
    return this.getChat(chat)?.settings ?? defaultSettings(this.defaults);
  }

  updateSettings(chat: ChatAddress, patch: Partial<ChatSettings>, now: number): ChatSettings {
    return this.db.transaction(() => {
      const row = this.ensureChat(chat, null, now);
      const next: ChatSettings = { ...chatFromRow(row).settings, ...patch };
      this.stmt.settings.run({
        ref: row.ref,
        locale: next.locale,
        timeZone: next.timeZone,
        quietHours: next.quietHours ? formatQuietHours(next.quietHours) : null,
        mutedUntil: next.mutedUntil,
        mentionRoleId: next.mentionRoleId,
        remindMinutes: next.remindMinutes,
        threads: next.threads === true ? 1 : 0,
      });
      // Held alerts were timed by the old settings: let the worker look at them again now.
      this.stmt.recheckHeld.run(now, row.ref);
      if (next.locale !== row.locale || next.timeZone !== row.time_zone)
        this.stmt.markBoard.run(chat.platform, chat.chatId);
      if (patch.remindMinutes !== undefined && patch.remindMinutes !== row.remind_minutes)
        this.replanReminders(row.ref, next, now);
      return next;
    })();
  }

  setSilence(chat: ChatAddress, serviceId: string, endsAt: number, now: number): void {
    this.db.transaction(() => {
      const row = this.ensureChat(chat, null, now);
      this.stmt.setSilence.run(row.ref, serviceId, endsAt, now);
      this.stmt.retimeSilenced.run(endsAt, row.ref, serviceId);
    })();
  }

  endSilence(chat: ChatAddress, serviceId: string, now: number): boolean {
    return this.db.transaction(() => {
      const row = this.row(chat);
      if (!row) return false;
      const ended = this.stmt.endSilence.run(row.ref, serviceId, now).changes > 0;
      this.stmt.forgetSilence.run(row.ref, serviceId);
      // What it set aside is released at the next claim.
      this.stmt.retimeSilenced.run(now, row.ref, serviceId);
      return ended;
    })();
  }

  listSilences(chat: ChatAddress, now: number): ServiceSilence[] {
    const rows = this.stmt.listSilences.all(chat.platform, chat.chatId, now) as {
      service_id: string;
      ends_at: number;
    }[];
    return rows.map((r) => ({ serviceId: r.service_id, endsAt: r.ends_at }));
  }

  /**
   * A new reminder pace during open incidents: the chat's planned reminders are cancelled and, with
   * a pace, each open incident whose alert the chat got gets its first reminder one pace from now.
   */
  private replanReminders(chatRef: number, settings: ChatSettings, now: number): void {
    this.stmt.cancelChatReminders.run(chatRef);
    if (settings.remindMinutes === null) return;
    const open = this.stmt.openAlerts.all(chatRef) as {
      incident_id: number;
      thread_id: string | null;
      payload_json: string | null;
    }[];
    for (const alert of open) {
      if (alert.payload_json === null) continue;
      const event = JSON.parse(alert.payload_json) as IncidentEvent;
      const dueAt = nextReminderAt({ remindMinutes: settings.remindMinutes, since: now, index: 0, settings });
      if (dueAt === null) continue;
      const payload = reminderPayload({ incidentId: alert.incident_id, index: 0, dueAt, event });
      const eventId = Number(
        this.stmt.insertReminderEvent.run(alert.incident_id, payload, dueAt).lastInsertRowid,
      );
      this.stmt.insertReminder.run(eventId, alert.incident_id, dueAt, dueAt, alert.thread_id, chatRef);
    }
  }

  deactivateChat(chat: ChatAddress, reason: string, now: number): boolean {
    return this.db.transaction(() => {
      const row = this.row(chat);
      if (!row) return false;
      this.stmt.deactivate.run(reason, now, row.ref);
      this.stmt.killQueued.run(`chat deactivated: ${reason}`, row.ref);
      return true;
    })();
  }

  rewriteChatId(platform: Platform, oldChatId: string, newChatId: string): boolean {
    return this.db.transaction(() => {
      if (oldChatId === newChatId) return false;
      // The chat's board follows it (posted anew in the new chat), whether or not it has a row.
      for (const move of this.stmt.moveBoards) move.run({ platform, oldId: oldChatId, newId: newChatId });
      const old = this.row({ platform, chatId: oldChatId });
      if (!old) return false;
      const target = this.row({ platform, chatId: newChatId });
      if (!target) {
        this.stmt.rename.run(newChatId, old.ref);
        return true;
      }
      // The merged subscriptions show on the new chat's board.
      this.stmt.markBoard.run(platform, newChatId);
      // The new id is already a chat of ours (someone subscribed the supergroup too): merge into it.
      this.stmt.mergeSubscriptions.run(target.ref, old.ref);
      this.stmt.mergeRefs.run(target.ref, old.ref);
      this.stmt.mergeSilences.run(target.ref, old.ref);
      this.stmt.moveOutbox.run(target.ref, old.ref);
      if (old.active === 1 && target.active === 0) this.stmt.reactivate.run(null, target.ref);
      this.stmt.deleteChat.run(old.ref);
      return true;
    })();
  }

  forgetThread(chat: ChatAddress, threadId: string): number {
    return this.db.transaction(() => {
      const row = this.row(chat);
      if (!row) return 0;
      const { forgetThread } = this.stmt;
      forgetThread.refs.run(row.ref, threadId);
      forgetThread.queued.run(row.ref, threadId);
      return forgetThread.subscriptions.run(row.ref, threadId).changes;
    })();
  }

  listRecipients(event: IncidentEvent): ChatRecord[] {
    return (this.stmt.recipients.all(recipientParams(event)) as ChatRow[]).map(chatFromRow);
  }

  private row(chat: ChatAddress): ChatRow | undefined {
    return this.stmt.chat.get(chat.platform, chat.chatId) as ChatRow | undefined;
  }

  private ensureChat(chat: ChatAddress, guildId: string | null, now: number): ChatRow {
    this.stmt.createChat.run(...createChatParams(chat, guildId, this.defaults, now));
    return this.row(chat) as ChatRow;
  }
}
