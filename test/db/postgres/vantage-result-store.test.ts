import { afterEach, describe, expect, it } from 'vitest';
import { type PgDb, openPostgres } from '../../../src/db/postgres/pool.js';
import { PostgresVantageResultStore } from '../../../src/db/postgres/vantage-result-store.js';
import { testDatabase } from '../../helpers/postgres.js';

const AT = 1_800_000_000_000;
const open: PgDb[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

async function store(): Promise<{ db: PgDb; store: PostgresVantageResultStore }> {
  const db = await openPostgres(await testDatabase(), { poolSize: 2 });
  open.push(db);
  return { db, store: new PostgresVantageResultStore(db.pool) };
}

describe('the vantage result store (PostgreSQL)', () => {
  it("keeps one row per monitor and vantage point, the latest check's", async () => {
    const { store: s } = await store();
    await s.publish(
      'shop-0',
      'b',
      { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: 5 },
      AT,
    );
    await s.publish('shop-0', 'a', { status: 'up', reason: 'ok', message: 'HTTP 200', latencyMs: 5 }, AT);
    await s.publish(
      'shop-0',
      'b',
      { status: 'up', reason: 'ok', message: 'HTTP 200', latencyMs: 4 },
      AT + 60_000,
    );
    await s.publish(
      'blog-0',
      'a',
      { status: 'down', reason: 'timeout', message: 'timed out', latencyMs: null },
      AT,
    );
    expect(await s.latest('shop-0')).toEqual([
      { vantage: 'a', status: 'up', reason: 'ok', message: 'HTTP 200', at: AT },
      { vantage: 'b', status: 'up', reason: 'ok', message: 'HTTP 200', at: AT + 60_000 },
    ]);
    expect(await s.latest('blog-0')).toHaveLength(1);
    expect(await s.latest('nothing')).toEqual([]);
  });

  it('stores degraded as up with its reason and maintenance as unknown, as the table allows', async () => {
    const { store: s } = await store();
    await s.publish(
      'shop-0',
      'a',
      { status: 'degraded', reason: 'slow', message: 'slow', latencyMs: 3000 },
      AT,
    );
    await s.publish(
      'shop-0',
      'b',
      { status: 'maintenance', reason: 'official-maintenance', message: 'planned', latencyMs: null },
      AT,
    );
    expect((await s.latest('shop-0')).map((r) => [r.vantage, r.status, r.reason])).toEqual([
      ['a', 'up', 'slow'],
      ['b', 'unknown', 'official-maintenance'],
    ]);
  });

  it('reads a reason it does not know as a plain failure, and keeps text as data (parameters, not SQL)', async () => {
    const { db, store: s } = await store();
    await db.pool.query(
      "INSERT INTO vantage_results (monitor_id, vantage, status, reason, message, at) VALUES ('m', 'new', 'down', 'quantum-flux', 'x', 1)",
    );
    const hostile = "'); DROP TABLE vantage_results; --";
    await s.publish('m', 'old', { status: 'down', reason: 'error', message: hostile, latencyMs: null }, 2);
    expect(await s.latest('m')).toEqual([
      { vantage: 'new', status: 'down', reason: 'error', message: 'x', at: 1 },
      { vantage: 'old', status: 'down', reason: 'error', message: hostile, at: 2 },
    ]);
  });
});
