import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const created = new Set<string>();

// Registered once per test file (each file has its own module registry): the folders go when the
// file's tests are done, after their databases and servers were closed by the tests' own hooks.
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  created.clear();
});

/** A fresh temporary folder, removed after the current test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/** A database path in a fresh temporary folder, removed after the current test file. */
export function tempDbPath(prefix: string, name = 'bot.db'): string {
  return join(tempDir(prefix), name);
}
