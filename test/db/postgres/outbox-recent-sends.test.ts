import { afterAll, describe, expect, it } from 'vitest';
import { type PgDb, openPostgres } from '../../../src/db/postgres/pool.js';
import { PostgresOutboxStore } from '../../../src/db/postgres/postgres-outbox-store.js';
import { testDatabase } from '../../helpers/postgres.js';

describe('PostgresOutboxStore.recentSends', () => {
  let db: PgDb | undefined;
  afterAll(async () => {
    await db?.close();
  });

  it('lists each message sent since a time, oldest first, rows of one message once', async () => {
    db = await openPostgres(await testDatabase(), { poolSize: 2 });
    const q = (sql: string, params: unknown[] = []) => db!.pool.query(sql, params);
    await q(`INSERT INTO chats (ref, platform, chat_id, locale, time_zone, created_at)
      VALUES (1, 'telegram', '-7', 'en', 'UTC', 0), (2, 'telegram', '42', 'en', 'UTC', 0),
             (3, 'discord', '9', 'en', 'UTC', 0)`);
    await q(
      `INSERT INTO outbox_events (id, incident_id, kind, payload_json, created_at) VALUES (1, 1, 'opened', '{}', 0)`,
    );
    const row = (
      id: number,
      chat: number,
      platform: string,
      status: string,
      sentAt: number | null,
      message: string | null,
    ) =>
      q(
        `INSERT INTO outbox (id, platform, chat_ref, event_id, incident_id, event_kind, status, next_attempt_at,
           created_at, sent_at, platform_message_id) VALUES ($1, $2, $3, 1, 1, 'opened', $4, 0, 0, $5, $6)`,
        [id, platform, chat, status, sentAt, message],
      );
    await row(1, 1, 'telegram', 'sent', 1_000, 'm1'); // before the window
    await row(2, 1, 'telegram', 'sent', 5_000, 'm2');
    await row(3, 1, 'telegram', 'sent', 5_000, 'm2'); // the same grouped message
    await row(4, 2, 'telegram', 'sent', 4_000, 'm3');
    await row(5, 2, 'telegram', 'pending', null, null);
    await row(6, 3, 'discord', 'sent', 6_000, 'm4'); // another platform
    const store = new PostgresOutboxStore(db.pool, { recoveryJoinMs: () => 0 });
    expect(await store.recentSends('telegram', 2_000)).toEqual([
      { chatId: '42', at: 4_000 },
      { chatId: '-7', at: 5_000 },
    ]);
    // Rows leased by a worker that stopped: maybe sent, so counted once per chat, as sent now.
    await row(7, 1, 'telegram', 'leased', null, null);
    await row(8, 1, 'telegram', 'leased', null, null);
    await row(9, 3, 'discord', 'leased', null, null);
    expect(await store.recentSends('telegram', 2_000, 9_000)).toEqual([
      { chatId: '42', at: 4_000 },
      { chatId: '-7', at: 5_000 },
      { chatId: '-7', at: 9_000 },
    ]);
  });
});
