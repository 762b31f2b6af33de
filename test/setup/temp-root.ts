/**
 * Every test run gets its own temporary folder: TMPDIR points into it for the whole run (the
 * workers and the processes they start inherit it, and `os.tmpdir()` reads it). Tests remove what
 * they create themselves (see `test/helpers/temp-dir.ts`); at the end this lists whatever is left,
 * removes the folder so the machine's temp folder stays clean, and fails the run when anything was
 * left, so a test that leaks is noticed rather than piling up folders run after run.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Caches tools keep in the temp folder by design (tsx's compile cache, `tsx-<uid>`): not a leak. */
const TOOL_CACHES = /^tsx-\d+$/;

export default function setup(): () => void {
  const outer = process.env['TMPDIR'];
  const root = mkdtempSync(join(tmpdir(), 'incident-bot-test-'));
  process.env['TMPDIR'] = root;
  return () => {
    if (outer === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = outer;
    const left = readdirSync(root).filter((name) => !TOOL_CACHES.test(name));
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) {
      throw new Error(`tests left ${left.length} temporary entries behind: ${left.slice(0, 20).join(', ')}`);
    }
  };
}
