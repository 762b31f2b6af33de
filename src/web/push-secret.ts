import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The file next to the database that keeps the push-token secret across restarts. */
export const PUSH_SECRET_FILE = 'push-secret';
const SECRET_BYTES = 32;

/**
 * The secret push tokens are derived from (HMAC-SHA256(secret, monitor id)): read from
 * `push-secret` next to the database, created there (mode 0600) on first start. Deleting the file
 * changes every push URL. An in-memory database gets a fresh secret per process. The directory is
 * created when missing: on PostgreSQL no SQLite file is opened there first to create it.
 * Throws when the file exists but cannot be read, or cannot be created: start-up should stop.
 */
export function loadPushSecret(databasePath: string): string {
  if (databasePath === ':memory:') return randomBytes(SECRET_BYTES).toString('hex');
  const path = join(dirname(databasePath), PUSH_SECRET_FILE);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= SECRET_BYTES) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(SECRET_BYTES).toString('hex');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}
