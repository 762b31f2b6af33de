import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresSubscriptionStore } from '../../../src/db/postgres/postgres-subscription-store.js';
import { guardUnavailable, unavailableReason } from '../../../src/db/postgres/unavailable.js';
import { StorageUnavailableError } from '../../../src/db/storage-health.js';

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('a PostgreSQL store meeting the database away', () => {
  it('throws StorageUnavailableError for a refused connection, so commands answer "try again"', async () => {
    const pool = new pg.Pool({ connectionString: `postgres://bot@127.0.0.1:${await closedPort()}/bot` });
    try {
      const store = guardUnavailable(new PostgresSubscriptionStore(pool));
      const chat = { platform: 'telegram', chatId: '42' };
      const error = await store.subscribe(chat, 'github', 'minor', 0).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(error).toMatchObject({ storageUnavailable: true, reason: 'database unreachable' });
      await expect(store.listSubscriptions(chat)).rejects.toBeInstanceOf(StorageUnavailableError);
    } finally {
      await pool.end();
    }
  });

  it('lets every other error through unchanged, and synchronous answers as they are', async () => {
    const bug = new Error('column "x" does not exist');
    const store = guardUnavailable({
      fails: () => Promise.reject(bug),
      syntax: () => Promise.reject(Object.assign(new Error('syntax error'), { code: '42601' })),
      now: () => 7,
    });
    await expect(store.fails()).rejects.toBe(bug);
    await expect(store.syntax()).rejects.toMatchObject({ code: '42601' });
    expect(store.now()).toBe(7);
  });

  it('classifies the server shutting down, a read-only server and too many connections as unavailable', () => {
    for (const code of ['57P01', '08006', '25006', '53300', 'ECONNRESET'])
      expect(unavailableReason(Object.assign(new Error(code), { code }))).not.toBeNull();
    expect(unavailableReason(new Error('Connection terminated unexpectedly'))).toBe('database unreachable');
    for (const code of ['23505', '42P01', undefined])
      expect(unavailableReason(Object.assign(new Error('x'), { code }))).toBeNull();
  });
});
