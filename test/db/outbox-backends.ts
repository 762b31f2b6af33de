/**
 * The outbox stores' contract suites run on both backends: SQLite (a real file, the real
 * migrations) and PostgreSQL (a test database with the PostgreSQL schema, emptied before each test).
 * A backend gives the store under test, more stores on the same database (other options, another
 * connection), chat and subscription seeding, and raw SQL reads written once for both dialects.
 */
import type pg from 'pg';
import type { AsyncPort, Awaitable } from '../../src/core/awaitable.js';
import type { ChatAddress, SilenceStore, SubscriptionStore } from '../../src/core/delivery/ports.js';
import type { IncidentEvent } from '../../src/core/events.js';
import type { Db } from '../../src/db/database.js';
import { enqueueIncidentEventIn } from '../../src/db/postgres/outbox-fanout.js';
import { PostgresOutboxStore } from '../../src/db/postgres/postgres-outbox-store.js';
import { PostgresSubscriptionStore } from '../../src/db/postgres/postgres-subscription-store.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { type OutboxStoreOptions, SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { buildCatalog } from '../helpers/catalog.js';
import { tempDatabase } from '../dispatch/delivery-fixtures.js';
import { closePool, schemaPool, testPool } from './postgres/schema-db.js';

type Methods = 'enqueueIncidentEvent' | 'claimDue' | 'settle' | 'listDead' | 'prune' | 'hasUnfinished';
/** An outbox store as the suites use it: every answer awaited. */
export type OutboxUnderTest = {
  [K in Methods]: (...args: Parameters<SqliteOutboxStore[K]>) => Awaitable<ReturnType<SqliteOutboxStore[K]>>;
};

export type Row = Record<string, unknown>;

type SilenceChats = SilenceStore & Pick<SubscriptionStore, 'rewriteChatId' | 'deactivateChat'>;

export interface OutboxBackend {
  readonly name: 'sqlite' | 'postgres';
  /** A store on the test's database (SqliteOutboxStore or PostgresOutboxStore). */
  store(options?: OutboxStoreOptions): OutboxUnderTest;
  /** A store on another connection (another pool) to the same database: another worker. */
  secondStore(): OutboxUnderTest;
  subscribe(
    chat: ChatAddress & { readonly threadId?: string | null },
    serviceId: string,
    minSeverity: 'minor' | 'major',
    now: number,
  ): Promise<void>;
  deactivate(chat: ChatAddress, reason: string, now: number): Promise<void>;
  /**
   * The chats' per-service silences on the same database (the backend's subscription store, with
   * the chat changes that carry or end them).
   */
  readonly silences: SilenceChats | AsyncPort<SilenceChats>;
  /** The chat's subscriptions by service id, with their topics. */
  listSubscriptions(chat: ChatAddress): Promise<{ serviceId: string; threadId: string | null }[]>;
  /**
   * A forum topic that is gone: its subscriptions, message references and queued rows move to the
   * chat itself (SQLite: the subscription store's `forgetThread`; PostgreSQL: the same statements,
   * until its subscription store is here). Returns the subscriptions moved.
   */
  forgetThread(chat: ChatAddress, threadId: string): Promise<number>;
  /**
   * Commits an incident change with its fan-out in one transaction (SQLite: the detection store and
   * its incident hook; PostgreSQL: an incidents row and `enqueueIncidentEventIn`), failing after
   * the fan-out when `fail` is set. Returns the incident id.
   */
  commitIncident(event: IncidentEvent, fail?: Error): Promise<number>;
  /** Rows of a query with `?` placeholders; booleans read as 1/0, as SQLite stores them. */
  all<T = Row>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** Runs statements with `?` placeholders. */
  run(sql: string, ...params: unknown[]): Promise<void>;
  dispose(): Promise<void>;
}

export async function sqliteBackend(): Promise<OutboxBackend> {
  const tmp = tempDatabase();
  const db: Db = tmp.open();
  const subs = new SqliteSubscriptionStore(db);
  const backend: OutboxBackend = {
    name: 'sqlite',
    store: (options) => new SqliteOutboxStore(db, options),
    secondStore: () => new SqliteOutboxStore(tmp.open()),
    subscribe: async (chat, serviceId, minSeverity, now) => {
      subs.subscribe(chat, serviceId, minSeverity, now);
    },
    deactivate: async (chat, reason, now) => {
      subs.deactivateChat(chat, reason, now);
    },
    silences: subs,
    listSubscriptions: async (chat) =>
      subs.listSubscriptions(chat).map((s) => ({ serviceId: s.serviceId, threadId: s.threadId ?? null })),
    forgetThread: async (chat, threadId) => subs.forgetThread(chat, threadId),
    commitIncident: async (event, fail) => {
      const outbox = new SqliteOutboxStore(db);
      const detection = new SqliteDetectionStore(db, buildCatalog({ services: [{ id: event.serviceId }] }));
      detection.addIncidentHook((e) => outbox.enqueueIncidentEvent(e));
      if (fail)
        detection.addIncidentHook(() => {
          throw fail;
        });
      const { incidentId } = detection.commit({
        result: null,
        monitor: null,
        service: { id: event.serviceId, state: { status: event.status, since: event.at, evidence: [] } },
        incident: {
          decision: { kind: 'open', severity: event.severity, startedAt: event.at },
          evidenceKey: '',
          event,
        },
      });
      if (incidentId === null) throw new Error('no incident');
      return incidentId;
    },
    all: async <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    run: async (sql, ...params) => {
      db.prepare(sql).run(...params);
    },
    dispose: async () => tmp.dispose(),
  };
  return backend;
}

let shared: pg.Pool | null = null;

/**
 * The PostgreSQL backend: one test database per file (its pool kept for the file), emptied with its
 * identities restarted before each test, so ids start at 1 as in a fresh SQLite file.
 */
export async function postgresBackend(): Promise<OutboxBackend> {
  shared ??= await schemaPool();
  const pool = shared;
  await pool.query(
    'TRUNCATE outbox, outbox_events, message_refs, subscriptions, chats, incidents RESTART IDENTITY CASCADE',
  );
  const extra: pg.Pool[] = [];
  const positional = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  const chatRef = async (chat: ChatAddress, now: number): Promise<number> => {
    const { rows } = await pool.query<{ ref: number }>(
      `INSERT INTO chats (platform, chat_id, locale, time_zone, created_at) VALUES ($1, $2, 'en', 'UTC', $3)
       ON CONFLICT (platform, chat_id) DO UPDATE SET active = TRUE, deactivated_reason = NULL,
         deactivated_at = NULL RETURNING ref`,
      [chat.platform, chat.chatId, now],
    );
    return Number(rows[0]?.ref);
  };
  return {
    name: 'postgres',
    store: (options) => new PostgresOutboxStore(pool, options),
    secondStore: () => {
      const other = testPool(poolUrl(pool), 2);
      extra.push(other);
      return new PostgresOutboxStore(other);
    },
    subscribe: async (chat, serviceId, minSeverity, now) => {
      const ref = await chatRef(chat, now);
      await pool.query(
        `INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at, thread_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (chat_ref, service_id) DO UPDATE SET min_severity = excluded.min_severity,
           thread_id = excluded.thread_id`,
        [ref, serviceId, minSeverity, now, chat.threadId ?? null],
      );
    },
    silences: new PostgresSubscriptionStore(pool),
    deactivate: async (chat, reason, now) => {
      await pool.query(
        'UPDATE chats SET active = FALSE, deactivated_reason = $3, deactivated_at = $4 WHERE platform = $1 AND chat_id = $2',
        [chat.platform, chat.chatId, reason, now],
      );
    },
    listSubscriptions: async (chat) => {
      const { rows } = await pool.query<{ service_id: string; thread_id: string | null }>(
        `SELECT s.service_id, s.thread_id FROM subscriptions s JOIN chats c ON c.ref = s.chat_ref
         WHERE c.platform = $1 AND c.chat_id = $2 ORDER BY s.service_id`,
        [chat.platform, chat.chatId],
      );
      return rows.map((r) => ({ serviceId: r.service_id, threadId: r.thread_id }));
    },
    forgetThread: async (chat, threadId) => {
      const { rows } = await pool.query<{ ref: number }>(
        'SELECT ref FROM chats WHERE platform = $1 AND chat_id = $2',
        [chat.platform, chat.chatId],
      );
      const ref = rows[0]?.ref;
      if (ref === undefined) return 0;
      await pool.query('UPDATE message_refs SET thread_id = NULL WHERE chat_ref = $1 AND thread_id = $2', [
        ref,
        threadId,
      ]);
      await pool.query(
        `UPDATE outbox SET thread_id = NULL
         WHERE chat_ref = $1 AND thread_id = $2 AND status IN ('pending', 'leased', 'held')`,
        [ref, threadId],
      );
      const moved = await pool.query(
        'UPDATE subscriptions SET thread_id = NULL WHERE chat_ref = $1 AND thread_id = $2',
        [ref, threadId],
      );
      return moved.rowCount ?? 0;
    },
    commitIncident: async (event, fail) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ id: number }>(
          `INSERT INTO incidents (service_id, severity, status, started_at, updated_at, evidence_key, evidence_json)
           VALUES ($1, $2, $3, $4, $4, '', '[]') RETURNING id`,
          [event.serviceId, event.severity, event.status, event.at],
        );
        const incidentId = Number(rows[0]?.id);
        await enqueueIncidentEventIn(client, { ...event, incidentId });
        if (fail) throw fail;
        await client.query('COMMIT');
        return incidentId;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
    all: async <T>(sql: string, ...params: unknown[]) => {
      const { rows } = await pool.query<Row>(positional(sql), params);
      return rows.map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 1 : 0) : v])),
      ) as T[];
    },
    run: async (sql, ...params) => {
      await pool.query(positional(sql), params);
    },
    dispose: async () => {
      await Promise.all(extra.map(closePool));
    },
  };
}

/** Ends the file's PostgreSQL pool (afterAll). */
export async function endPostgresBackend(): Promise<void> {
  if (shared) await closePool(shared);
  shared = null;
}

function poolUrl(pool: pg.Pool): string {
  const url = (pool.options as { connectionString?: string }).connectionString;
  if (!url) throw new Error('the pool has no connection string');
  return url;
}

export const BACKENDS: [OutboxBackend['name'], () => Promise<OutboxBackend>][] = [
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
];
