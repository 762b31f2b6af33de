import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AsyncPort } from '../../src/core/awaitable.js';
import type { ChatAddress, SubscriptionStore } from '../../src/core/delivery/ports.js';
import type { IncidentEvent } from '../../src/core/events.js';
import {
  PostgresSubscriptionStore,
  pgRecipients,
} from '../../src/db/postgres/postgres-subscription-store.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { T0, incidentEvent, outboxRows, tempDatabase } from '../dispatch/delivery-fixtures.js';
import { testPool, usePostgres } from '../helpers/postgres-stores.js';

const group: ChatAddress = { platform: 'telegram', chatId: '-4001' };
const channel: ChatAddress = { platform: 'discord', chatId: '1234567890123456789' };
const defaults = { locale: 'bn', timeZone: 'Asia/Dhaka' } as const;

/** A store under test and the raw reads and seeding its tests need, in its own SQL. */
interface Backend {
  readonly store: SubscriptionStore | AsyncPort<SubscriptionStore>;
  /** Queues the event for its recipients as the outbox does (its rows and message references). */
  enqueue(event: IncidentEvent): Promise<void>;
  outboxRows(): Promise<{ status: string; last_error: string | null }[]>;
  quietHoursColumn(): Promise<unknown[]>;
  /** Rows of a read without parameters (the same SQL on both). */
  all(sql: string): Promise<unknown[]>;
  /** Holds every queued row until `until`, as quiet hours or a mute do. */
  holdQueue(until: number): Promise<void>;
  /** Runs statements without parameters (the same SQL on both). */
  run(sql: string): Promise<void>;
}

function sqliteBackend(): () => Backend {
  let tmp: ReturnType<typeof tempDatabase>;
  let backend: Backend;
  beforeEach(() => {
    tmp = tempDatabase();
    const db = tmp.open();
    const outbox = new SqliteOutboxStore(db);
    backend = {
      store: new SqliteSubscriptionStore(db, defaults),
      enqueue: async (event) => void outbox.enqueueIncidentEvent(event),
      outboxRows: async () => outboxRows(db),
      quietHoursColumn: async () => db.prepare('SELECT quiet_hours FROM chats').all(),
      all: async (sql) => db.prepare(sql).all(),
      holdQueue: async (until) =>
        void db.prepare("UPDATE outbox SET status = 'held', next_attempt_at = ?").run(until),
      run: async (sql) => void db.exec(sql),
    };
  });
  afterEach(() => tmp.dispose());
  return () => backend;
}

function postgresBackend(): () => Backend {
  const pg = usePostgres();
  return () => {
    const pool = pg.pool();
    return {
      store: new PostgresSubscriptionStore(pool, defaults),
      // The PostgreSQL outbox store is not this file's: its fan-out, in SQL (pending rows for the
      // recipients in the topic of the subscription that matched, and the message references of an
      // alert that is not a recovery).
      enqueue: async (event) => {
        const { rows } = await pool.query<{ id: number }>(
          'INSERT INTO outbox_events (incident_id, kind, payload_json, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
          [event.incidentId, event.kind, JSON.stringify(event), event.at],
        );
        // $1-$3 here, the recipients' five from $4, the incident $9.
        const recipients = pgRecipients(event, 4);
        await pool.query(
          `INSERT INTO outbox (platform, chat_ref, event_id, incident_id, event_kind, status, next_attempt_at, created_at,
             thread_id)
           SELECT c.platform, c.ref, $1, $9, $2, 'pending', $3, $3,
             (SELECT s.thread_id FROM subscriptions s WHERE s.chat_ref = c.ref AND s.service_id IN ($5, $6)
               ORDER BY s.service_id = $5 DESC LIMIT 1)
           FROM chats c WHERE ${recipients.where} ORDER BY c.ref`,
          [rows[0]!.id, event.kind, event.at, ...recipients.params, event.incidentId],
        );
        if (event.kind !== 'resolved')
          await pool.query(
            `INSERT INTO message_refs (chat_ref, incident_id, message_id, editable, created_at, thread_id)
             SELECT chat_ref, incident_id, NULL, FALSE, created_at, thread_id FROM outbox WHERE event_id = $1
             ON CONFLICT DO NOTHING`,
            [rows[0]!.id],
          );
      },
      outboxRows: async () =>
        (
          await pool.query<{ status: string; last_error: string | null }>(
            'SELECT status, last_error FROM outbox ORDER BY id',
          )
        ).rows,
      quietHoursColumn: async () => (await pool.query('SELECT quiet_hours FROM chats')).rows,
      all: async (sql) => (await pool.query(sql)).rows,
      holdQueue: async (until) =>
        void (await pool.query("UPDATE outbox SET status = 'held', next_attempt_at = $1", [until])),
      run: async (sql) => void (await pool.query(sql)),
    };
  };
}

describe.each([
  ['SQLite', sqliteBackend],
  ['PostgreSQL', postgresBackend],
])('the subscription store on %s', (_name, setup) => {
  const backend = setup();
  let store: Backend['store'];
  beforeEach(() => {
    store = backend().store;
  });

  it('subscribes, changes the severity of an existing subscription, lists and unsubscribes', async () => {
    expect(await store.subscribe({ ...channel, guildId: '77' }, 'github', 'minor', T0)).toEqual({
      created: true,
    });
    expect(await store.subscribe(channel, '*', 'major', T0)).toEqual({ created: true });
    expect(await store.subscribe(channel, 'github', 'major', T0 + 1)).toEqual({ created: false });
    expect(await store.listSubscriptions(channel)).toEqual([
      { serviceId: '*', minSeverity: 'major', createdAt: T0, threadId: null },
      { serviceId: 'github', minSeverity: 'major', createdAt: T0, threadId: null },
    ]);
    expect((await store.getChat(channel))?.guildId).toBe('77');
    expect(await store.unsubscribe(channel, 'github')).toBe(true);
    expect(await store.unsubscribe(channel, 'github')).toBe(false);
    expect(await store.unsubscribeAll(channel)).toBe(1);
    expect(await store.listSubscriptions(channel)).toEqual([]);
  });

  it('follows a chat to another guild, keeps its guild when none is given, and knows no unknown chat', async () => {
    await store.subscribe({ ...channel, guildId: '77' }, 'github', 'minor', T0);
    await store.subscribe({ ...channel, guildId: '88' }, 'slack', 'minor', T0);
    await store.subscribe(channel, 'zoom', 'minor', T0);
    expect(await store.getChat(channel)).toMatchObject({ guildId: '88', active: true });
    expect(await store.getChat({ platform: 'discord', chatId: '404' })).toBeNull();
    expect(await store.listSubscriptions({ platform: 'discord', chatId: '404' })).toEqual([]);
    expect(await store.unsubscribeAll({ platform: 'discord', chatId: '404' })).toBe(0);
  });

  it("lists one platform's chats, active or not, by chat id", async () => {
    await store.subscribe({ platform: 'telegram', chatId: '-9' }, 'github', 'minor', T0);
    await store.subscribe(group, 'github', 'minor', T0);
    await store.subscribe(channel, 'github', 'minor', T0);
    await store.deactivateChat(group, 'kicked', T0);
    expect((await store.listChats('telegram')).map((c) => [c.chatId, c.active])).toEqual([
      ['-4001', false],
      ['-9', true],
    ]);
    expect((await store.listChats('discord')).map((c) => c.chatId)).toEqual([channel.chatId]);
  });

  it('gives new chats the configured defaults and keeps setting changes', async () => {
    expect(await store.getSettings(group)).toEqual({
      locale: 'bn',
      timeZone: 'Asia/Dhaka',
      quietHours: null,
      mutedUntil: null,
      mentionRoleId: null,
      remindMinutes: null,
    });
    await store.updateSettings(
      group,
      { locale: 'en', quietHours: { startMinute: 23 * 60, endMinute: 7 * 60 } },
      T0,
    );
    await store.updateSettings(group, { mutedUntil: T0 + 3_600_000 }, T0);
    expect(await store.getSettings(group)).toEqual({
      locale: 'en',
      timeZone: 'Asia/Dhaka',
      quietHours: { startMinute: 1380, endMinute: 420 },
      mutedUntil: T0 + 3_600_000,
      mentionRoleId: null,
      remindMinutes: null,
    });
    expect(await backend().quietHoursColumn()).toEqual([{ quiet_hours: '23:00-07:00' }]);
  });

  it('keeps the still-down reminder pace until it is turned off', async () => {
    await store.updateSettings(group, { remindMinutes: 120 }, T0);
    await store.updateSettings(group, { locale: 'en' }, T0);
    expect((await store.getSettings(group)).remindMinutes).toBe(120);
    expect(await backend().all('SELECT remind_minutes FROM chats')).toEqual([{ remind_minutes: 120 }]);
    await store.updateSettings(group, { remindMinutes: null }, T0);
    expect((await store.getSettings(group)).remindMinutes).toBeNull();
  });

  it('plans a reminder for each open incident alerted here when the pace changes, and cancels them when it is off', async () => {
    await store.subscribe(group, '*', 'minor', T0);
    // Incident 1 is open and alerted; 2 alerted but resolved; 3 open but its alert not sent yet.
    await backend().run(
      `INSERT INTO incidents (id, service_id, severity, status, started_at, updated_at, resolved_at, evidence_key,
         evidence_json) VALUES (1, 'whatsapp', 'major', 'down', ${T0}, ${T0}, NULL, '', '[]'),
         (2, 'github', 'major', 'down', ${T0}, ${T0}, ${T0 + 1}, '', '[]'),
         (3, 'slack', 'major', 'down', ${T0}, ${T0}, NULL, '', '[]')`,
    );
    for (const [incidentId, serviceId] of [
      [1, 'whatsapp'],
      [2, 'github'],
      [3, 'slack'],
    ] as const)
      await backend().enqueue(incidentEvent({ incidentId, serviceId }));
    await backend().run("UPDATE outbox SET status = 'sent' WHERE incident_id IN (1, 2)");
    await backend().run(
      "UPDATE message_refs SET message_id = 'm' || incident_id WHERE incident_id IN (1, 2)",
    );
    const reminders = () =>
      backend().all(
        "SELECT incident_id, status, next_attempt_at FROM outbox WHERE event_kind = 'reminder' ORDER BY id",
      );

    await store.updateSettings(group, { remindMinutes: 30 }, T0 + 1000);
    expect(await reminders()).toEqual([
      { incident_id: 1, status: 'planned', next_attempt_at: T0 + 1000 + 30 * 60_000 },
    ]);
    await store.updateSettings(group, { locale: 'en' }, T0 + 1500);
    expect(await reminders()).toHaveLength(1);
    await store.updateSettings(group, { remindMinutes: 60 }, T0 + 2000);
    expect(await reminders()).toEqual([
      { incident_id: 1, status: 'cancelled', next_attempt_at: T0 + 1000 + 30 * 60_000 },
      { incident_id: 1, status: 'planned', next_attempt_at: T0 + 2000 + 60 * 60_000 },
    ]);
    await store.updateSettings(group, { remindMinutes: null }, T0 + 3000);
    expect((await reminders()).map((r) => (r as { status: string }).status)).toEqual([
      'cancelled',
      'cancelled',
    ]);
  });

  it('keeps incident threads off by default, and on once turned on, with the other settings kept', async () => {
    expect((await store.getSettings(channel)).threads).toBeUndefined();
    await store.updateSettings(channel, { remindMinutes: 60 }, T0);
    expect((await store.updateSettings(channel, { threads: true }, T0 + 1)).threads).toBe(true);
    expect(await store.getSettings(channel)).toMatchObject({ threads: true, remindMinutes: 60 });
    await store.updateSettings(channel, { threads: false }, T0 + 2);
    expect((await store.getSettings(channel)).threads).toBeUndefined();
  });

  it('lets the worker look at held alerts again when the settings change', async () => {
    await store.subscribe(group, 'whatsapp', 'minor', T0);
    await backend().enqueue(incidentEvent());
    await backend().holdQueue(T0 + 3_600_000);
    await store.updateSettings(group, { mutedUntil: null }, T0 + 5);
    await store.updateSettings(group, { locale: 'en' }, T0 + 10);
    expect(await backend().all('SELECT status, next_attempt_at FROM outbox')).toEqual([
      { status: 'held', next_attempt_at: T0 + 5 },
    ]);
  });

  it('deactivates a chat with its reason, kills its queue, and a new subscribe reactivates it', async () => {
    await store.subscribe(group, 'whatsapp', 'minor', T0);
    await backend().enqueue(incidentEvent());
    expect(await store.deactivateChat(group, 'bot was kicked', T0 + 5)).toBe(true);
    expect(await store.getChat(group)).toMatchObject({
      active: false,
      deactivatedReason: 'bot was kicked',
      deactivatedAt: T0 + 5,
    });
    expect(await backend().outboxRows()).toMatchObject([
      { status: 'dead', last_error: 'chat deactivated: bot was kicked' },
    ]);
    expect(await store.listRecipients(incidentEvent({ incidentId: 2 }))).toEqual([]);
    expect(await store.deactivateChat({ platform: 'telegram', chatId: '-404' }, 'gone', T0)).toBe(false);

    await store.subscribe(group, 'github', 'minor', T0 + 10);
    expect(await store.getChat(group)).toMatchObject({
      active: true,
      deactivatedReason: null,
      deactivatedAt: null,
    });
  });

  it('rewrites a migrated Telegram chat id, or merges into the new chat when it is known already', async () => {
    await store.subscribe(group, 'whatsapp', 'minor', T0);
    expect(await store.rewriteChatId('telegram', '-4001', '-1004001')).toBe(true);
    expect(await store.getChat(group)).toBeNull();
    expect(await store.listSubscriptions({ platform: 'telegram', chatId: '-1004001' })).toHaveLength(1);

    const other: ChatAddress = { platform: 'telegram', chatId: '-5' };
    await store.subscribe(other, 'github', 'major', T0);
    await store.subscribe(other, 'whatsapp', 'major', T0);
    expect(await store.rewriteChatId('telegram', '-5', '-1004001')).toBe(true);
    expect(await store.getChat(other)).toBeNull();
    expect(await store.listSubscriptions({ platform: 'telegram', chatId: '-1004001' })).toEqual([
      { serviceId: 'github', minSeverity: 'major', createdAt: T0, threadId: null },
      { serviceId: 'whatsapp', minSeverity: 'minor', createdAt: T0, threadId: null },
    ]);
    expect(await store.rewriteChatId('telegram', '-404', '-1')).toBe(false);
  });

  it('moves the queue and the message references with a merged chat, and a live old chat reactivates the new', async () => {
    const old: ChatAddress = { platform: 'telegram', chatId: '-6' };
    const known: ChatAddress = { platform: 'telegram', chatId: '-1006' };
    await store.subscribe(old, 'whatsapp', 'minor', T0);
    await store.subscribe(known, 'github', 'minor', T0);
    await store.deactivateChat(known, 'kicked', T0);
    await backend().enqueue(incidentEvent());
    expect(await store.rewriteChatId('telegram', '-6', '-1006')).toBe(true);
    expect(await store.getChat(known)).toMatchObject({ active: true, deactivatedReason: null });
    expect(await backend().outboxRows()).toMatchObject([{ status: 'pending' }]);
    // The reference came along: the recovery goes to the merged chat.
    const told = await store.listRecipients(incidentEvent({ kind: 'resolved' }));
    expect(told.map((c) => c.chatId)).toEqual(['-1006']);
  });

  it('moves a forgotten forum topic’s subscriptions to the chat itself, and counts them', async () => {
    await store.subscribe({ ...group, threadId: '7' }, 'github', 'minor', T0);
    await store.subscribe({ ...group, threadId: '7' }, 'whatsapp', 'minor', T0);
    await store.subscribe({ ...group, threadId: '8' }, 'slack', 'minor', T0);
    expect(await store.forgetThread(group, '7')).toBe(2);
    expect((await store.listSubscriptions(group)).map((s) => [s.serviceId, s.threadId])).toEqual([
      ['github', null],
      ['slack', '8'],
      ['whatsapp', null],
    ]);
    expect(await store.forgetThread({ platform: 'telegram', chatId: '-404' }, '7')).toBe(0);
  });

  it('moves a forgotten topic’s incidents and their queued alerts to the chat itself, not other topics’', async () => {
    await store.subscribe({ ...group, threadId: '7' }, 'whatsapp', 'minor', T0);
    await store.subscribe({ ...group, threadId: '8' }, 'github', 'minor', T0);
    await backend().enqueue(incidentEvent());
    await backend().enqueue(incidentEvent({ incidentId: 2, serviceId: 'github' }));
    expect(await store.forgetThread(group, '7')).toBe(1);
    expect(
      await backend().all('SELECT incident_id, thread_id FROM message_refs ORDER BY incident_id'),
    ).toEqual([
      { incident_id: 1, thread_id: null },
      { incident_id: 2, thread_id: '8' },
    ]);
    expect(await backend().all('SELECT incident_id, thread_id FROM outbox ORDER BY incident_id')).toEqual([
      { incident_id: 1, thread_id: null },
      { incident_id: 2, thread_id: '8' },
    ]);
  });

  describe('recipients of an event', () => {
    beforeEach(async () => {
      await store.subscribe({ platform: 'telegram', chatId: '1' }, 'whatsapp', 'minor', T0);
      await store.subscribe({ platform: 'telegram', chatId: '2' }, 'whatsapp', 'major', T0);
      await store.subscribe({ platform: 'telegram', chatId: '3' }, '*', 'minor', T0);
      await store.subscribe({ platform: 'telegram', chatId: '4' }, 'github', 'minor', T0);
      await store.subscribe({ platform: 'discord', chatId: '5' }, '*', 'major', T0);
      await store.subscribe({ platform: 'discord', chatId: '5' }, 'whatsapp', 'minor', T0);
    });
    const ids = async (e: IncidentEvent): Promise<string[]> =>
      (await store.listRecipients(e)).map((c) => c.chatId);

    it('matches the service or *, at or above the minimum severity, each chat once', async () => {
      expect(await ids(incidentEvent({ severity: 'major' }))).toEqual(['1', '2', '3', '5']);
      expect(await ids(incidentEvent({ severity: 'minor' }))).toEqual(['1', '3', '5']);
      expect(await ids(incidentEvent({ serviceId: 'github', severity: 'minor' }))).toEqual(['3', '4']);
      expect(await ids(incidentEvent({ serviceId: 'github', severity: 'major' }))).toEqual(['3', '4', '5']);
    });

    it('does not send a chat-added service’s alerts to the all-services subscribers', async () => {
      await store.subscribe({ platform: 'telegram', chatId: '6' }, 'chat-1', 'minor', T0);
      expect(await ids(incidentEvent({ serviceId: 'chat-1', severity: 'major' }))).toEqual(['6']);
    });

    it('sends updates and the recovery to the chats told of the opening, even if they no longer match', async () => {
      await backend().enqueue(incidentEvent({ severity: 'major' }));
      await store.unsubscribe({ platform: 'telegram', chatId: '2' }, 'whatsapp');
      // Downgraded to minor: chat 2 (major only, now unsubscribed) still hears about it.
      expect(await ids(incidentEvent({ kind: 'updated', severity: 'minor' }))).toEqual(['1', '2', '3', '5']);
      expect(await ids(incidentEvent({ kind: 'resolved', severity: 'minor' }))).toEqual(['1', '2', '3', '5']);
      // A recovery never goes to a chat that was not told of the outage.
      expect(await ids(incidentEvent({ kind: 'resolved', incidentId: 9 }))).toEqual([]);
    });
  });
});

describe('the subscription store on PostgreSQL, from two instances at once', () => {
  const pg = usePostgres();

  it('subscribing the same new chat from both succeeds on both and leaves one chat row', async () => {
    const second = testPool(pg.url());
    try {
      const a = new PostgresSubscriptionStore(pg.pool(), defaults);
      const b = new PostgresSubscriptionStore(second, defaults);
      const chats = Array.from({ length: 10 }, (_, i): ChatAddress => ({
        platform: 'telegram',
        chatId: `-7${i}`,
      }));
      const results = await Promise.all(
        chats.flatMap((chat) => [
          a.subscribe(chat, 'whatsapp', 'minor', T0),
          b.subscribe(chat, 'whatsapp', 'major', T0),
          b.subscribe(chat, 'github', 'minor', T0),
        ]),
      );
      // Of the two subscriptions to the same service, exactly one was new.
      for (let i = 0; i < chats.length; i++)
        expect([results[3 * i]!.created, results[3 * i + 1]!.created].sort()).toEqual([false, true]);
      const { rows } = await pg
        .pool()
        .query<{ chats: number; subscriptions: number }>(
          'SELECT (SELECT count(*)::int FROM chats) AS chats, (SELECT count(*)::int FROM subscriptions) AS subscriptions',
        );
      expect(rows).toEqual([{ chats: 10, subscriptions: 20 }]);
      for (const chat of chats)
        expect((await b.listSubscriptions(chat)).map((s) => s.serviceId)).toEqual(['github', 'whatsapp']);
    } finally {
      await second.end();
    }
  });
});
