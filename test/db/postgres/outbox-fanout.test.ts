import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../../src/core/events.js';
import type { Db } from '../../../src/db/database.js';
import { enqueueIncidentEventIn } from '../../../src/db/postgres/outbox-fanout.js';
import { SqliteOutboxStore } from '../../../src/db/sqlite-outbox-store.js';
import { T0, incidentEvent, tempDatabase } from '../../dispatch/delivery-fixtures.js';
import { closePool, schemaPool } from './schema-db.js';

const OPTIONS = { gatherMs: 5_000, followUpGatherMs: 7_000 };

type Chat = {
  chatId: string;
  platform: string;
  active: boolean;
  subs: [string, 'minor' | 'major', string | null][];
};

const CHATS: Chat[] = [
  { chatId: 'a', platform: 'telegram', active: true, subs: [['whatsapp', 'minor', null]] },
  { chatId: 'b', platform: 'telegram', active: true, subs: [['whatsapp', 'major', null]] },
  {
    chatId: 'c',
    platform: 'discord',
    active: true,
    subs: [
      ['*', 'minor', 't-all'],
      ['whatsapp', 'minor', 't-wa'],
    ],
  },
  { chatId: 'd', platform: 'discord', active: true, subs: [['*', 'major', null]] },
  { chatId: 'e', platform: 'telegram', active: false, subs: [['whatsapp', 'minor', null]] },
  { chatId: 'f', platform: 'telegram', active: true, subs: [['github', 'minor', null]] },
  { chatId: 'g', platform: 'discord', active: true, subs: [['*', 'minor', 't-g']] },
  { chatId: 'h', platform: 'telegram', active: true, subs: [['chat-h-svc', 'minor', null]] },
];

/** Each chat's reference of incident 1 before the update, as the chat's earlier messages left it. */
const REFS: Record<string, { message: string | null; editable: boolean; joinable: boolean } | undefined> = {
  a: { message: 'm-a', editable: true, joinable: true },
  c: { message: 'm-c', editable: false, joinable: true },
  d: { message: null, editable: false, joinable: false },
  g: { message: 'm-g', editable: false, joinable: false },
};

interface Row {
  chat_id: string;
  incident_id: number;
  event_kind: string;
  status: string;
  next_attempt_at: number;
  created_at: number;
  thread_id: string | null;
}
interface Ref {
  chat_id: string;
  incident_id: number;
  message_id: string | null;
  editable: boolean;
  joinable: boolean;
  thread_id: string | null;
}

const ROWS = `SELECT c.chat_id, o.incident_id, o.event_kind, o.status, o.next_attempt_at, o.created_at, o.thread_id
  FROM outbox o JOIN chats c ON c.ref = o.chat_ref ORDER BY o.id`;
const REF_ROWS = `SELECT c.chat_id, m.incident_id, m.message_id, m.editable, m.joinable, m.thread_id
  FROM message_refs m JOIN chats c ON c.ref = m.chat_ref ORDER BY c.chat_id, m.incident_id`;

describe('enqueueIncidentEventIn (PostgreSQL fan-out) against SqliteOutboxStore.enqueueIncidentEvent', () => {
  let pool: pg.Pool;
  let tmp: ReturnType<typeof tempDatabase>;
  let db: Db;
  let sqlite: SqliteOutboxStore;

  beforeAll(async () => {
    pool = await schemaPool();
  });
  afterAll(async () => {
    await closePool(pool);
  });
  beforeEach(async () => {
    tmp = tempDatabase();
    db = tmp.open();
    sqlite = new SqliteOutboxStore(db, OPTIONS);
    await pool.query(
      'TRUNCATE outbox, outbox_events, message_refs, subscriptions, chats RESTART IDENTITY CASCADE',
    );
    for (const chat of CHATS) {
      const lite = db
        .prepare(
          `INSERT INTO chats (platform, chat_id, locale, time_zone, created_at, active) VALUES (?, ?, 'en', 'UTC', 0, ?)`,
        )
        .run(chat.platform, chat.chatId, chat.active ? 1 : 0).lastInsertRowid;
      const { rows } = await pool.query<{ ref: number }>(
        `INSERT INTO chats (platform, chat_id, locale, time_zone, created_at, active) VALUES ($1, $2, 'en', 'UTC', 0, $3)
         RETURNING ref`,
        [chat.platform, chat.chatId, chat.active],
      );
      for (const [service, severity, thread] of chat.subs) {
        db.prepare(
          'INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at, thread_id) VALUES (?, ?, ?, 0, ?)',
        ).run(lite, service, severity, thread);
        await pool.query(
          'INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at, thread_id) VALUES ($1, $2, $3, 0, $4)',
          [rows[0]?.ref, service, severity, thread],
        );
      }
    }
  });
  afterEach(() => tmp.dispose());

  async function enqueueBoth(event: IncidentEvent): Promise<[number, number]> {
    const lite = sqlite.enqueueIncidentEvent(event);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const queued = await enqueueIncidentEventIn(client, event, OPTIONS);
      await client.query('COMMIT');
      return [lite, queued];
    } finally {
      client.release();
    }
  }

  async function expectSame(): Promise<Row[]> {
    const lite = db.prepare(ROWS).all() as Row[];
    const { rows } = await pool.query<Row>(ROWS);
    expect(rows).toEqual(lite);
    const liteRefs = (
      db.prepare(REF_ROWS).all() as (Omit<Ref, 'editable' | 'joinable'> & {
        editable: number;
        joinable: number;
      })[]
    ).map((r) => ({ ...r, editable: r.editable === 1, joinable: r.joinable === 1 }));
    expect((await pool.query<Ref>(REF_ROWS)).rows).toEqual(liteRefs);
    return rows;
  }

  function setRefs(): Promise<void> {
    return (async () => {
      for (const [chatId, ref] of Object.entries(REFS)) {
        if (!ref) continue;
        db.prepare(
          `UPDATE message_refs SET message_id = ?, editable = ?, joinable = ?
           WHERE incident_id = 1 AND chat_ref = (SELECT ref FROM chats WHERE chat_id = ?)`,
        ).run(ref.message, ref.editable ? 1 : 0, ref.joinable ? 1 : 0, chatId);
        await pool.query(
          `UPDATE message_refs SET message_id = $1, editable = $2, joinable = $3
           WHERE incident_id = 1 AND chat_ref = (SELECT ref FROM chats WHERE chat_id = $4)`,
          [ref.message, ref.editable, ref.joinable, chatId],
        );
      }
    })();
  }

  it('queues the same rows, due times, topics and references as SQLite for each kind of event', async () => {
    const minor = incidentEvent({ severity: 'minor', status: 'degraded' });
    expect(await enqueueBoth(minor)).toEqual([3, 3]);
    const opened = await expectSame();
    // Major-only chats ('b', 'd'), the inactive one and other services' wait; the service's own
    // topic wins over the all-services one.
    expect(opened.map((r) => [r.chat_id, r.next_attempt_at, r.thread_id])).toEqual([
      ['a', T0 + 5_000, null],
      ['c', T0 + 5_000, 't-wa'],
      ['g', T0 + 5_000, 't-g'],
    ]);
    // A major update reaches the major-only chats too: its first news (waits like an opening), or a
    // follow-up of what the chat has (grouped alert: follow-up delay; single alert: at once).
    await setRefs();
    // Chat 'c' has rows of incident 1 queued ahead; settle the others' so only facts differ.
    db.prepare(
      "UPDATE outbox SET status = 'sent' WHERE chat_ref <> (SELECT ref FROM chats WHERE chat_id = 'c')",
    ).run();
    await pool.query(
      "UPDATE outbox SET status = 'sent' WHERE chat_ref <> (SELECT ref FROM chats WHERE chat_id = 'c')",
    );
    const update = incidentEvent({ kind: 'updated', at: T0 + 60_000, severity: 'major', status: 'down' });
    const [lite, queued] = await enqueueBoth(update);
    expect(queued).toBe(lite);
    const rows = await expectSame();
    const dues = new Map(
      rows.filter((r) => r.event_kind === 'updated').map((r) => [r.chat_id, r.next_attempt_at]),
    );
    expect(dues.get('a')).toBe(T0 + 60_000); // single alert: at once
    expect(dues.get('b')).toBe(T0 + 65_000); // first news: waits like an opening
    expect(dues.get('c')).toBe(T0 + 67_000); // grouped alert: follow-up delay
    expect(dues.get('g')).toBe(T0 + 60_000); // a summary: at once
    // The recovery goes only to the chats told about the incident (they have a reference).
    expect(await enqueueBoth(incidentEvent({ kind: 'resolved', at: T0 + 120_000 }))).toEqual([5, 5]);
    await expectSame();
    // A chat-added service is not covered by the wildcard; a new incident of it reaches only its chat.
    await enqueueBoth(incidentEvent({ incidentId: 2, serviceId: 'chat-h-svc' }));
    const last = await expectSame();
    expect(last.filter((r) => r.incident_id === 2).map((r) => r.chat_id)).toEqual(['h']);
  });

  it('writes nothing when the caller rolls its transaction back', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      expect(await enqueueIncidentEventIn(client, incidentEvent(), OPTIONS)).toBe(5);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    const { rows } = await pool.query(
      'SELECT (SELECT count(*) FROM outbox)::int AS o, (SELECT count(*) FROM message_refs)::int AS m',
    );
    expect(rows[0]).toEqual({ o: 0, m: 0 });
  });
});
