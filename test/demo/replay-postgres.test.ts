import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../src/demo/replay.js';
import { testDatabase } from '../helpers/postgres.js';

/** What a chat saw, without the stand-ins' loopback ports (each replay listens on its own). */
function seen(result: Awaited<ReturnType<typeof runReplay>>): string[] {
  return result.messages.map((m) =>
    [m.chatId, m.kind, new Date(m.at).toISOString(), m.messageId, m.replyTo ?? '', m.text]
      .join(' | ')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT'),
  );
}

describe('the founding-outage replay on PostgreSQL', () => {
  it('sends the same messages at the same simulated times as on SQLite, and leaves no schema behind', async () => {
    const url = await testDatabase();
    const commits = async (): Promise<number> => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>(
          'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
        );
        return Number(rows[0]?.n);
      } finally {
        await client.end();
      }
    };
    const before = await commits();
    const [onSqlite, onPostgres] = await Promise.all([runReplay(), runReplay({ databaseUrl: url })]);
    expect(onPostgres.messages.length).toBeGreaterThan(0);
    // It did run on PostgreSQL: the evening's checks, incidents and deliveries are hundreds of
    // transactions in that database (its connections have ended, so their statistics are in).
    await expect.poll(commits, { timeout: 10_000 }).toBeGreaterThan(before + 200);
    expect(seen(onPostgres)).toEqual(seen(onSqlite));
    expect(onPostgres.events.map((e) => [e.serviceId, e.kind, e.at])).toEqual(
      onSqlite.events.map((e) => [e.serviceId, e.kind, e.at]),
    );
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const schemas = await client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'replay_%'");
      expect(schemas.rows).toEqual([]);
    } finally {
      await client.end();
    }
    // Two replays of a 90-minute evening side by side: about a minute on a quiet 2-core host.
  }, 240_000);
});
