/**
 * A chat id rewritten into a chat we already have (Telegram's group moved to a supergroup somebody
 * subscribed too) while a worker settles an alert of the old chat: both finish, neither is chosen
 * as a deadlock victim.
 */
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { GROUP_WINDOW_MS } from '../../../src/core/delivery/grouping.js';
import { PostgresOutboxStore } from '../../../src/db/postgres/postgres-outbox-store.js';
import { PostgresSubscriptionStore } from '../../../src/db/postgres/postgres-subscription-store.js';
import { T0, incidentEvent } from '../../dispatch/delivery-fixtures.js';
import { closePool, schemaPool, seedChat } from './schema-db.js';

const pools: pg.Pool[] = [];
afterAll(async () => {
  for (const pool of pools.splice(0)) await closePool(pool);
});

/** Waits until `count` other sessions of this database wait for a lock. */
async function lockWaiters(pool: pg.Pool, count: number): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if ((rows[0]?.n ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('PostgresSubscriptionStore.rewriteChatId against a settlement of the old chat', () => {
  it('merges into the existing chat while the settlement runs: both complete, the message referenced in the chat it moved to', async () => {
    const pool = await schemaPool(6);
    pools.push(pool);
    const old = await seedChat(
      pool,
      { platform: 'telegram', chatId: '-100' },
      { serviceId: '*', minSeverity: 'minor' },
    );
    // The supergroup is known already, inactive: the merge reactivates it.
    const target = await seedChat(pool, { platform: 'telegram', chatId: '-1009', active: false });
    const outbox = new PostgresOutboxStore(pool);
    const subscriptions = new PostgresSubscriptionStore(pool);
    expect(await outbox.enqueueIncidentEvent(incidentEvent({ incidentId: 1, at: T0, startedAt: T0 }))).toBe(
      1,
    );
    const [claim] = await outbox.claimDue('telegram', T0 + GROUP_WINDOW_MS, { limit: 10, leaseMs: 600_000 });
    expect(claim?.chat.chatId).toBe('-100');

    // Another session holds the supergroup's row: the rewrite stops at its reactivation, after it
    // moved the old chat's outbox rows.
    const blocker = await pool.connect();
    let rewrite: Promise<boolean> | undefined;
    let settle: Promise<boolean> | undefined;
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM chats WHERE ref = $1 FOR NO KEY UPDATE', [target]);
      rewrite = subscriptions.rewriteChatId('telegram', '-100', '-1009');
      await lockWaiters(pool, 1);
      settle = outbox.settle(claim!, {
        kind: 'sent',
        messageId: 'm1',
        at: T0 + GROUP_WINDOW_MS + 1,
        refs: [{ incidentId: 1, editable: true, joinable: true }],
      });
      await lockWaiters(pool, 2);
    } finally {
      await blocker.query('COMMIT');
      blocker.release();
    }
    const [rewritten, settled] = await Promise.allSettled([rewrite, settle]);
    expect(rewritten).toEqual({ status: 'fulfilled', value: true });
    expect(settled).toEqual({ status: 'fulfilled', value: true });
    const { rows } = await pool.query<{ chat_ref: number; status: string }>(
      'SELECT chat_ref, status FROM outbox',
    );
    expect(rows).toEqual([{ chat_ref: target, status: 'sent' }]);
    // The settlement found the chat the rows moved to: the message is its alert of the incident.
    const refs = await pool.query<{ chat_ref: number; message_id: string | null }>(
      'SELECT chat_ref, message_id FROM message_refs WHERE incident_id = 1',
    );
    expect(refs.rows).toEqual([{ chat_ref: target, message_id: 'm1' }]);
    const chats = await pool.query<{ ref: number }>('SELECT ref FROM chats ORDER BY ref');
    expect(chats.rows.map((r) => r.ref)).toEqual([target]);
    expect(chats.rows.map((r) => r.ref)).not.toContain(old);
  });
});
