import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUSH_SECRET_FILE, loadPushSecret } from '../../src/web/push-secret.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('loadPushSecret', () => {
  it('creates the secret next to the database and reads the same one back', () => {
    const dir = tempDir('push-secret-');
    const secret = loadPushSecret(join(dir, 'bot.db'));
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(dir, PUSH_SECRET_FILE), 'utf8').trim()).toBe(secret);
    expect(statSync(join(dir, PUSH_SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(loadPushSecret(join(dir, 'bot.db'))).toBe(secret);
  });

  // On PostgreSQL no SQLite file is opened, so nothing else creates the folder of DATABASE_PATH.
  it('creates the folder of the database path when it does not exist yet', () => {
    const folder = join(tempDir('push-secret-'), 'data', 'nested');
    const secret = loadPushSecret(join(folder, 'bot.db'));
    expect(existsSync(join(folder, PUSH_SECRET_FILE))).toBe(true);
    expect(loadPushSecret(join(folder, 'bot.db'))).toBe(secret);
  });
});
