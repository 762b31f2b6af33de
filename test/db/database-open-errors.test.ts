/**
 * Start-up errors of the database: one line with the path and the reason, whatever SQLite said.
 * The read-only directory is a read-only tmpfs where this machine lets the test mount one (CI runs
 * as root); otherwise a directory without write permission, opened by an unprivileged process.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseOpenError, openDatabase } from '../../src/db/database.js';
import { BotProcess } from '../helpers/bot-process.js';

let dir: string;
const mounted: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'database-open-'));
});
afterEach(() => {
  for (const point of mounted.splice(0))
    if (spawnSync('umount', [point]).status !== 0) spawnSync('umount', ['-l', point]);
  chmodSync(dir, 0o700);
  for (const sub of ['locked']) {
    try {
      chmodSync(join(dir, sub), 0o700);
    } catch {
      // not made by this test
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The error openDatabase throws for `path` (fails the test when it opens). */
function openError(path: string): DatabaseOpenError {
  try {
    openDatabase(path).close();
  } catch (err) {
    expect(err).toBeInstanceOf(DatabaseOpenError);
    return err as DatabaseOpenError;
  }
  throw new Error(`${path} opened`);
}

/** openDatabase run by an unprivileged user (root ignores permissions): the error's message. */
function openAsNobody(path: string): string {
  const database = resolve('dist/db/database.js');
  const script = `import(${JSON.stringify(database)}).then((m) => {
    try { m.openDatabase(${JSON.stringify(path)}).close(); console.log('opened'); }
    catch (e) { console.log(e.message); }
  });`;
  const run = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
  return run.stdout.trim();
}

const isRoot = process.getuid?.() === 0;

describe('openDatabase start-up errors', () => {
  it('names the path and a read-only file system (or missing permission), or a full one', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    const path = join(ro, 'bot.db');
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]).status === 0) {
      mounted.push(ro);
      const err = openError(path);
      expect(err.message).toBe(`cannot open the database ${path}: read-only file system in ${ro}`);
      // And a directory that would have to be created there.
      const nested = join(ro, 'data', 'bot.db');
      expect(openError(nested).message).toBe(
        `cannot open the database ${nested}: cannot create its directory ${join(ro, 'data')} (read-only file system)`,
      );
      // And a full one, holding a database from before (cleanly closed, so without its WAL index).
      const full = join(dir, 'full');
      mkdirSync(full);
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', full]).status).toBe(0);
      mounted.push(full);
      const fullPath = join(full, 'bot.db');
      openDatabase(fullPath).close();
      spawnSync('dd', ['if=/dev/zero', `of=${join(full, 'filler')}`, 'bs=64k']);
      expect(openError(fullPath).message).toBe(`cannot open the database ${fullPath}: disk full`);
      return;
    }
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    chmodSync(dir, 0o755);
    const lockedPath = join(locked, 'bot.db');
    const expected = `cannot open the database ${lockedPath}: permission denied in ${locked}`;
    if (isRoot) expect(openAsNobody(lockedPath)).toBe(expected);
    else expect(openError(lockedPath).message).toBe(expected);
  });

  it('says which part of the path is not a directory when the directory cannot be created', () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'not a directory');
    const path = join(file, 'data', 'bot.db');
    const err = openError(path);
    expect(err.message).toBe(
      `cannot open the database ${path}: cannot create its directory ${join(file, 'data')} (a part of the path is not a directory)`,
    );
    expect(err.message).not.toMatch(/\n/);
  });

  it('says "not a database" for a file that is not one, and leaves it as it was', () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    expect(openError(path).message).toBe(`cannot open the database ${path}: not a database (or encrypted)`);
    expect(spawnSync('head', ['-c', '34', path], { encoding: 'utf8' }).stdout).toBe(
      'these are my notes, not a database',
    );
  });

  it('says "it is a directory" when the path is one', () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    expect(openError(path).message).toBe(`cannot open the database ${path}: it is a directory`);
  });
});

describe('the bot started on a file that is not a database', () => {
  it('exits 1 with one line naming the file and the reason, and no stack', async () => {
    const path = join(dir, 'notes.db');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    const bot = new BotProcess({ DATABASE_PATH: path, HTTP_PORT: '0' });
    expect(await bot.exited()).toBe(1);
    expect(bot.stderr).toBe(
      `incident-bot could not start: cannot open the database ${path}: not a database (or encrypted)\n`,
    );
    expect(bot.stdout).toEqual([]);
  });
});
