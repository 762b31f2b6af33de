import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPushSecret } from '../../src/web/push-secret.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('the push secret next to the database', () => {
  it('is created on first start and read back on the next', () => {
    const dir = tempDir('push-secret-');
    const databasePath = join(dir, 'bot.db');
    const first = loadPushSecret(databasePath);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(dir, 'push-secret'), 'utf8')).toBe(`${first}\n`);
    expect(loadPushSecret(databasePath)).toBe(first);
  });

  it('creates the directory when nothing made it yet (on PostgreSQL no SQLite file is opened there)', () => {
    const dir = join(tempDir('push-secret-'), 'data');
    const secret = loadPushSecret(join(dir, 'bot.db'));
    expect(readFileSync(join(dir, 'push-secret'), 'utf8')).toBe(`${secret}\n`);
    expect(statSync(join(dir, 'push-secret')).mode & 0o777).toBe(0o600);
  });
});
