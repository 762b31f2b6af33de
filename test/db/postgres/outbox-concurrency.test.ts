/**
 * Several workers (two stores on two pools, as two instances would be) claiming from one PostgreSQL
 * outbox at the same time: a chat is never leased to two of them at once, and every row goes out
 * exactly once, in its chat's order.
 */
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GROUP_WINDOW_MS } from '../../../src/core/delivery/grouping.js';
import type { ClaimedChat } from '../../../src/core/delivery/ports.js';
import { PostgresOutboxStore } from '../../../src/db/postgres/postgres-outbox-store.js';
import { T0, incidentEvent } from '../../dispatch/delivery-fixtures.js';
import { closePool, schemaPool, testPool } from './schema-db.js';

const CHATS = 200;
const ROUNDS = 8;
const ROUND_MS = 20_000;

describe('PostgresOutboxStore with two workers on two pools', () => {
  let pool: pg.Pool;
  let otherPool: pg.Pool;

  beforeAll(async () => {
    pool = await schemaPool(3);
    const url = (pool.options as { connectionString: string }).connectionString;
    otherPool = testPool(url, 3);
  });
  beforeEach(async () => {
    await pool.query(
      'TRUNCATE outbox, outbox_events, message_refs, subscriptions, chats RESTART IDENTITY CASCADE',
    );
  });
  afterAll(async () => {
    await closePool(otherPool);
    await closePool(pool);
  });

  it('never leases one chat to both at once and claims every row exactly once', async () => {
    await pool.query(
      `INSERT INTO chats (platform, chat_id, locale, time_zone, created_at)
       SELECT 'telegram', i::text, 'en', 'UTC', 0 FROM generate_series(1, $1::int) AS i`,
      [CHATS],
    );
    await pool.query(
      "INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at) SELECT ref, '*', 'minor', 0 FROM chats",
    );
    const stores = [new PostgresOutboxStore(pool), new PostgresOutboxStore(otherPool)];
    // One alert per round for every chat, queued while the workers claim, 20 s apart: a chat's
    // alerts group (and join its latest alert) within a minute, so what a claim takes depends on
    // what is queued when it reads the chat, and the claims race the fan-out too.
    const total = CHATS * ROUNDS;
    const now = T0 + ROUNDS * ROUND_MS + GROUP_WINDOW_MS;
    let produced = 0;
    const produce = async (): Promise<void> => {
      for (let round = 0; round < ROUNDS; round++) {
        const at = T0 + round * ROUND_MS;
        produced += await stores[round % 2]!.enqueueIncidentEvent(
          incidentEvent({ incidentId: round + 1, serviceId: `s${round}`, group: null, at, startedAt: at }),
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const inFlight = new Map<string, number>();
    const claimedRows = new Map<number, number>();
    const incidentsByChat = new Map<string, number[]>();
    const byWorker = [0, 0];
    const violations: string[] = [];
    let settled = 0;

    const work = async (worker: number): Promise<void> => {
      const store = stores[worker]!;
      while (settled < total) {
        if (produced === 0) await new Promise((resolve) => setImmediate(resolve));
        const claims = await store.claimDue('telegram', now, { limit: 7, leaseMs: 600_000 });
        for (const claim of claims) {
          const chatId = claim.chat.chatId;
          if (inFlight.has(chatId))
            violations.push(`chat ${chatId} leased by ${worker} while worker ${inFlight.get(chatId)} has it`);
          inFlight.set(chatId, worker);
          for (const item of claim.items) claimedRows.set(item.id, (claimedRows.get(item.id) ?? 0) + 1);
          incidentsByChat.set(chatId, [
            ...(incidentsByChat.get(chatId) ?? []),
            ...claim.items.map((i) => i.incidentId),
          ]);
          byWorker[worker]! += 1;
        }
        // Settle in reverse, so the two workers' claims and settlements interleave differently.
        for (const claim of [...claims].reverse()) await settle(store, claim, worker);
        if (claims.length === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const settle = async (store: PostgresOutboxStore, claim: ClaimedChat, worker: number): Promise<void> => {
      const ok = await store.settle(claim, {
        kind: 'sent',
        messageId: `m-${worker}-${claim.items[0]!.id}`,
        at: now,
        refs: claim.items.map((i) => ({ incidentId: i.incidentId, editable: true, joinable: true })),
      });
      if (!ok) violations.push(`settlement of chat ${claim.chat.chatId} refused`);
      inFlight.delete(claim.chat.chatId);
      settled += claim.items.length;
    };

    await Promise.all([produce(), work(0), work(1)]);

    expect(produced).toBe(total);

    expect(violations).toEqual([]);
    expect(claimedRows.size).toBe(total);
    expect([...claimedRows.values()].every((n) => n === 1)).toBe(true);
    expect(byWorker.every((n) => n > 0)).toBe(true);
    expect(byWorker[0]! + byWorker[1]!).toBeLessThanOrEqual(total);
    // Each chat got its alerts in the order they were queued.
    const order = Array.from({ length: ROUNDS }, (_, i) => i + 1);
    expect([...incidentsByChat.values()].every((ids) => ids.join() === order.join())).toBe(true);
    expect(incidentsByChat.size).toBe(CHATS);
    // Grouped: fewer claims than rows.
    expect(byWorker[0]! + byWorker[1]!).toBeLessThan(total);
    const { rows } = await pool.query<{ status: string; attempts: number; n: number }>(
      'SELECT status, attempts, count(*) AS n FROM outbox GROUP BY status, attempts',
    );
    expect(rows).toEqual([{ status: 'sent', attempts: 0, n: total }]);
  });

  it('keeps other claimers off a chat while a claim of it is in progress', async () => {
    await pool.query(
      `INSERT INTO chats (platform, chat_id, locale, time_zone, created_at)
       VALUES ('telegram', 'a', 'en', 'UTC', 0), ('telegram', 'b', 'en', 'UTC', 0)`,
    );
    await pool.query(
      "INSERT INTO subscriptions (chat_ref, service_id, min_severity, created_at) SELECT ref, '*', 'minor', 0 FROM chats",
    );
    let entered!: (chatRef: number) => void;
    const inside = new Promise<number>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Worker A stops inside its claim of the first chat (in its transaction, the chat locked).
    const a = new PostgresOutboxStore(pool, {
      waitsElsewhere: async (chatRef) => {
        entered(chatRef);
        await gate;
        return false;
      },
    });
    const b = new PostgresOutboxStore(otherPool);
    await b.enqueueIncidentEvent(incidentEvent({ at: T0, startedAt: T0 }));
    const now = T0 + 60_000;

    const claimA = a.claimDue('telegram', now, { limit: 1, leaseMs: 60_000 });
    const chatOfA = await inside;
    const claimsB = await b.claimDue('telegram', now, { limit: 10, leaseMs: 60_000 });
    release();
    const claimsA = await claimA;

    const refOf = async (chatId: string) =>
      (await pool.query<{ ref: number }>('SELECT ref FROM chats WHERE chat_id = $1', [chatId])).rows[0]?.ref;
    const otherChat = chatOfA === (await refOf('a')) ? 'b' : 'a';
    expect(claimsB.map((c) => c.chat.chatId)).toEqual([otherChat]);
    expect(claimsA.map((c) => c.chat.chatId)).toEqual([otherChat === 'a' ? 'b' : 'a']);
    expect(new Set([...claimsA, ...claimsB].flatMap((c) => c.items.map((i) => i.id))).size).toBe(2);
  });
});
