import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommitQueue } from '../../../src/db/postgres/commit-queue.js';
import { IdReserve, advanceSequenceSql } from '../../../src/db/postgres/id-blocks.js';
import { schemaPool } from './schema-db.js';

const pools: pg.Pool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.end();
});

async function freshPool(): Promise<pg.Pool> {
  const pool = await schemaPool();
  pools.push(pool);
  return pool;
}

/** The pool, except that the answer to the first COMMIT is lost (the connection drops after it ran). */
function losingFirstCommitAnswer(pool: pg.Pool): pg.Pool {
  let lost = false;
  const connect = async (): Promise<pg.PoolClient> => {
    const client = await pool.connect();
    const query = client.query.bind(client) as (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
    return Object.assign(Object.create(client) as pg.PoolClient, {
      query: async (text: string, values?: unknown[]) => {
        const result = await query(text, values);
        if (text === 'COMMIT' && !lost) {
          lost = true;
          throw new Error('connection lost');
        }
        return result;
      },
      release: (err?: boolean | Error) => client.release(err),
    });
  };
  return { connect } as unknown as pg.Pool;
}

describe('CommitQueue', () => {
  it('writes a batch whose COMMIT answer was lost once, not twice', async () => {
    const pool = await freshPool();
    await pool.query('CREATE TABLE written (x int)');
    const queue = new CommitQueue<number>({
      pool: losingFirstCommitAnswer(pool),
      write: async (client, batch) => {
        for (const x of batch) await client.query('INSERT INTO written (x) VALUES ($1)', [x]);
      },
      droppable: () => false,
      maxDroppable: 10,
      batchMs: 10,
      maxBatch: 10,
      minRetryMs: 5,
      markerKey: 'test_queue',
      now: () => 0,
      what: 'test writes',
    });
    for (const x of [1, 2, 3]) queue.push(x);
    await queue.flush();
    queue.close();
    const { rows } = await pool.query<{ x: number }>('SELECT x FROM written ORDER BY x');
    expect(rows.map((r) => r.x)).toEqual([1, 2, 3]);
    expect(queue.committedBatches()).toBe(1);
    expect(queue.health()).toMatchObject({ ok: true, lastError: 'connection lost', queued: 0 });
  });

  it('is not ok while a batch hangs, and ok again once it commits', async () => {
    const pool = await freshPool();
    let now = 1_000;
    const gate: { answer?: () => void } = {};
    const hanging = {
      connect: async () => {
        await new Promise<void>((resolve) => {
          gate.answer = resolve;
        });
        return pool.connect();
      },
    } as unknown as pg.Pool;
    const queue = new CommitQueue<number>({
      pool: hanging,
      write: async () => undefined,
      droppable: () => true,
      maxDroppable: 10,
      batchMs: 10,
      maxBatch: 1,
      stallMs: 5_000,
      markerKey: 'test_queue',
      now: () => now,
      what: 'test writes',
    });
    queue.push(1);
    expect(queue.health()).toMatchObject({ ok: true, queued: 1, queuedDroppable: 1 });
    now += 4_999;
    expect(queue.health().ok).toBe(true);
    now += 1;
    expect(queue.health()).toMatchObject({ ok: false, since: 6_000, lastError: null, queued: 1 });
    await vi.waitFor(() => expect(gate.answer).toBeDefined());
    gate.answer?.();
    await queue.flush();
    expect(queue.health()).toMatchObject({ ok: true, since: 1_000, queued: 0 });
    queue.close();
  });
});

describe('IdReserve', () => {
  it('hands out ids past the highest seen when the reserve is used up with the database away, never twice', async () => {
    const pool = await freshPool();
    let away = false;
    const flaky = {
      query: (text: string, values?: unknown[]) =>
        away ? Promise.reject(new Error('database away')) : pool.query(text, values),
    } as unknown as pg.Pool;
    const reserve = await IdReserve.open(flaky, 'incidents', 'id', { reserve: 2 });
    away = true;
    const taken = [reserve.take(), reserve.take(), reserve.take()];
    await reserve.settled();
    expect(taken.map((t) => t.beyondSequence)).toEqual([false, false, true]);
    expect(taken[2]?.id).toBe(Math.max(taken[0]?.id ?? 0, taken[1]?.id ?? 0) + 1);
    expect(reserve.beyondCount()).toBe(1);

    // Back: the write storing the id moves the sequence past it; refilled ids skip what was handed out.
    away = false;
    const more = [reserve.take()];
    await pool.query(advanceSequenceSql, [taken[2]?.id, 'incidents', 'id']);
    await reserve.settled();
    more.push(reserve.take(), reserve.take());
    await reserve.settled();
    expect(more.map((t) => t.beyondSequence)).toEqual([true, false, false]);
    const ids = [...taken, ...more].map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    const next = await pool.query<{ id: number }>(
      "SELECT nextval(pg_get_serial_sequence('incidents', 'id')) AS id",
    );
    expect(next.rows[0]?.id).toBeGreaterThan(Math.max(...ids));
  });
});
