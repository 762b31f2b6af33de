import type pg from 'pg';
import { type RawCheck, encodeCheck, hourOf } from '../../src/db/check-encoding.js';
import type { Db } from '../../src/db/database.js';

/** A database to seed: SQLite's connection or a PostgreSQL pool (schema applied). */
export type SeedTarget = { readonly sqlite: Db } | { readonly postgres: pg.Pool };

/**
 * Appends one check result to its monitor's hourly chunk the way the detection stores write it
 * (`encodeCheck` appended to the chunk's bytes), and a failing check's message to check_failures:
 * history tests seed both backends with this instead of running a detection store.
 */
export async function appendCheck(
  target: SeedTarget,
  monitorRef: number,
  check: RawCheck,
  message: string = check.status,
): Promise<void> {
  const hour = hourOf(check.at);
  const data = encodeCheck(check);
  if ('sqlite' in target) {
    target.sqlite
      .prepare(
        `INSERT INTO check_chunks (monitor_ref, hour, data) VALUES (?, ?, ?)
         ON CONFLICT (monitor_ref, hour) DO UPDATE SET data = CAST(data || excluded.data AS BLOB)`,
      )
      .run(monitorRef, hour, data);
    if (check.status === 'down')
      target.sqlite
        .prepare('INSERT OR REPLACE INTO check_failures (monitor_ref, at, message) VALUES (?, ?, ?)')
        .run(monitorRef, check.at, message);
    return;
  }
  await target.postgres.query(
    `INSERT INTO check_chunks (monitor_ref, hour, data) VALUES ($1, $2, $3)
     ON CONFLICT (monitor_ref, hour) DO UPDATE SET data = check_chunks.data || excluded.data`,
    [monitorRef, hour, data],
  );
  if (check.status === 'down')
    await target.postgres.query(
      `INSERT INTO check_failures (monitor_ref, at, message) VALUES ($1, $2, $3)
       ON CONFLICT (monitor_ref, at) DO UPDATE SET message = excluded.message`,
      [monitorRef, check.at, message],
    );
}
