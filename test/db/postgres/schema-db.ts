import { readFileSync } from 'node:fs';
import pg from 'pg';
import { testDatabase } from '../../helpers/postgres.js';

const SCHEMA = new URL('../../../src/db/postgres/migrations/001_schema.sql', import.meta.url);
/** The live boards, which the detection store's write of a service's state marks (`/board`). */
const BOARDS = new URL('../../../src/db/postgres/migrations/008_boards.sql', import.meta.url);

/** BIGINT (oid 20) as a JS number, as the bot's pool reads it. */
export const PG_TYPES = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

const closed = new WeakMap<pg.Pool, Promise<unknown>[]>();

/** A pool on `url` whose connections {@link closePool} waits for. */
export function testPool(url: string, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, types: PG_TYPES, max });
  const ends: Promise<unknown>[] = [];
  closed.set(pool, ends);
  pool.on('connect', (client) => ends.push(new Promise((resolve) => client.once('end', resolve))));
  return pool;
}

/**
 * Ends the pool and waits until its connections are closed: `pool.end()` resolves as soon as it
 * asked them to close, and a database dropped (WITH FORCE) before they are would end them with an
 * error nobody listens to.
 */
export async function closePool(pool: pg.Pool): Promise<void> {
  await pool.end();
  await Promise.all(closed.get(pool) ?? []);
}

/** A pool on a fresh test database with the PostgreSQL schema applied (001, and the boards of 008). */
export async function schemaPool(max = 4): Promise<pg.Pool> {
  const pool = testPool(await testDatabase(), max);
  await pool.query(readFileSync(SCHEMA, 'utf8'));
  await pool.query(readFileSync(BOARDS, 'utf8'));
  return pool;
}

/** A chat row and, when `serviceId` is given, its subscription; the chat's ref. */
export async function seedChat(
  pool: pg.Pool,
  chat: { platform: string; chatId: string; active?: boolean },
  subscription?: { serviceId: string; minSeverity: 'minor' | 'major'; threadId?: string | null },
): Promise<number> {
  const { rows } = await pool.query<{ ref: number }>(
    `INSERT INTO chats (platform, chat_id, locale, time_zone, created_at, active) VALUES ($1, $2, 'en', 'UTC', 0, $3)
     ON CONFLICT (platform, chat_id) DO UPDATE SET platform = excluded.platform RETURNING ref`,
    [chat.platform, chat.chatId, chat.active ?? true],
  );
  const ref = Number(rows[0]?.ref);
  if (subscription)
    await pool.query(
      `INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at, thread_id) VALUES ($1, $2, $3, 0, $4)
       ON CONFLICT (chat_ref, service_id) DO UPDATE SET min_severity = excluded.min_severity, thread_id = excluded.thread_id`,
      [ref, subscription.serviceId, subscription.minSeverity, subscription.threadId ?? null],
    );
  return ref;
}
