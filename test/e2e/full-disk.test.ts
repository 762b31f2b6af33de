/**
 * The real app (in this process: the SQLite connection is reachable for the fallback below) with
 * its database on a 4 MB tmpfs the test mounts, Telegram through the real telegraf client against
 * the local Bot API, and an HTTP target the test takes down. The file system is filled during the
 * outage, then freed: the bot must degrade (503 with the reason, the alert delivered from memory)
 * and come back by itself with every incident, event and outbox row stored.
 *
 * Where `mount` is refused (no root, a container without CAP_SYS_ADMIN), the database is capped
 * with SQLite's own `PRAGMA max_page_count` on the app's connection instead, which makes SQLite
 * fail writes that need a new page with the same SQLITE_FULL; the second test always does that.
 *
 * SQLite only: a full disk under the bot's own database file is a SQLite fault by nature (on
 * PostgreSQL the disk is the server's; its fault test stops the server instead).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadAppConfig } from '../../src/app-config.js';
import { loadServicesFile } from '../../src/config/services-file.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { createLogger } from '../../src/logging.js';
import { healthSchema } from '../../src/web/api-schemas.js';
import { startFakeTelegram } from '../fakes/telegram/index.js';
import { startHttpTarget } from '../helpers/http-target.js';
import { writeSiteServices } from '../helpers/site-services.js';
import { sqliteOf } from '../helpers/bot-process.js';

/**
 * Monitors of a second service nobody subscribes to, on a target that stays up: their check rows
 * share the database pages, so a capped database needs a new page soon.
 */
const BUSY_MONITORS = 11;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  // Last registered first: the app stops before its file system is unmounted and the dir removed.
  // Every step runs even when one fails (an unmount must never be skipped); the first error is thrown.
  const errors: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
});

/** Mounts a tmpfs of `size` on `dir`; false when this machine refuses. */
function mountTmpfs(dir: string, size: string): boolean {
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  return result.status === 0;
}

function unmount(dir: string): void {
  const result = spawnSync('umount', [dir], { encoding: 'utf8' });
  if (result.status !== 0) spawnSync('umount', ['-l', dir]);
}

interface Fault {
  readonly how: 'tmpfs' | 'max_page_count';
  /** Fills the storage: from now on, writes that need space fail with SQLITE_FULL. */
  fill(): void;
  /** Gives the space back. */
  release(): void;
}

/** Writes a filler file until the file system says ENOSPC. */
function fillerFault(dir: string): Fault {
  const file = join(dir, 'filler');
  return {
    how: 'tmpfs',
    fill() {
      const fd = openSync(file, 'w');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) {
          try {
            writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
            // The last few bytes, so not even a small chunk fits.
            try {
              for (;;) writeSync(fd, chunk, 0, 512);
            } catch {
              return;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    release() {
      unlinkSync(file);
    },
  };
}

/**
 * Caps the database at the pages it has, on the app's own connection, after compacting it
 * (VACUUM packs every page and empties the free list), so the next write that grows a table needs
 * a page SQLite may not add.
 */
function pageCapFault(db: Db): Fault {
  let before = 0;
  return {
    how: 'max_page_count',
    fill() {
      before = db.pragma('max_page_count', { simple: true }) as number;
      db.exec('VACUUM');
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
    },
    release() {
      db.pragma(`max_page_count = ${before}`);
    },
  };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function metric(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const families = parsePrometheusTextFormat(await (await fetch(`${base}/metrics`)).text());
  const family = families.find((f) => f.name === name);
  const series = family?.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => (m as { labels?: Record<string, string> }).labels?.[k] === v),
  );
  return Number((series as { value?: string } | undefined)?.value ?? Number.NaN);
}

async function runScenario(useTmpfs: boolean): Promise<{ how: Fault['how'] }> {
  const fake = await startFakeTelegram({ rateLimits: false });
  cleanups.push(() => fake.close());
  const target = await startHttpTarget();
  cleanups.push(() => target.close());
  const steady = await startHttpTarget();
  cleanups.push(() => steady.close());
  const dir = mkdtempSync(join(tmpdir(), 'full-disk-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const mounted = useTmpfs && mountTmpfs(dataDir, '4m');
  if (mounted) cleanups.push(() => unmount(dataDir));
  const databasePath = join(dataDir, 'bot.db');
  if (!mounted) {
    // Small pages, packed by VACUUM when the cap is set: a check appended to a full page needs a
    // new one soon (a dozen monitors' check rows share the pages, see BUSY_MONITORS).
    const raw = new Database(databasePath);
    raw.pragma('page_size = 512');
    raw.exec('CREATE TABLE page_size_set (x); DROP TABLE page_size_set');
    raw.close();
  }
  const servicesFile = writeSiteServices(
    dir,
    target.url,
    `  - id: busy
    name: Busy writer
    monitors:
${Array.from({ length: BUSY_MONITORS }, (_, i) => `      - { id: b${i}, type: http, url: "${steady.url}" }`).join('\n')}
`,
  );
  const owner = fake.createUser({ first_name: 'Owner' });
  const groupId = fake.createChat({ type: 'group', title: 'Ops', creator: owner }).id;
  const setup = openDatabase(databasePath);
  new SqliteSubscriptionStore(setup).subscribe(
    { platform: 'telegram', chatId: String(groupId) },
    'site',
    'minor',
    Date.now(),
  );
  setup.close();

  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const config = loadAppConfig({
    ALERT_GATHER_S: '1',
    DATABASE_PATH: databasePath,
    SERVICES_FILE: servicesFile,
    HTTP_PORT: '0',
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
  });
  const log = createLogger('info', config.secrets, logStream);
  const app: RunningApp = await startApp(config, loadServicesFile(servicesFile), {
    clock: { now: () => Date.now() },
    log,
    out: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  cleanups.push(() => app.stop());
  const base = app.url;
  const health = async () => {
    const response = await fetch(`${base}/healthz`);
    return { status: response.status, body: healthSchema.parse(await response.json()) };
  };
  await waitUntil(async () => (await health()).status === 200);
  await waitUntil(() => target.hits >= 2);

  const fault = mounted ? fillerFault(dataDir) : pageCapFault(sqliteOf(app));
  fault.fill();
  // Checks go on being written behind; the first write that needs space fails.
  await waitUntil(async () => (await health()).status === 503, 30_000);
  const failing = await health();
  expect(failing.body.ok).toBe(false);
  expect(failing.body.database).toMatchObject({ writable: false, reason: 'disk full' });
  expect(failing.body.scheduler.ticking).toBe(true);
  expect(await metric(base, 'incident_bot_database_writable')).toBe(0);

  // The outage starts on the full disk: detected, and alerted from memory.
  target.up = false;
  const alert = await fake.waitFor(() => fake.messages(groupId)[0], 20_000);
  expect(alert.text).toMatch(/^🔴 Our site is down/);
  const incidentId = app.engine.openIncident('site')?.id;
  expect(incidentId).toBeDefined();
  // Still failing: the incident and its outbox rows are in memory only.
  expect((await health()).status).toBe(503);
  expect(await metric(base, 'incident_bot_storage_backlog', { kind: 'incidents' })).toBeGreaterThanOrEqual(1);
  const reader = openDatabase(databasePath);
  cleanups.push(() => {
    reader.close();
  });
  expect(reader.prepare('SELECT COUNT(*) FROM incidents WHERE id = ?').pluck().get(incidentId)).toBe(0);
  const hits = target.hits;
  await waitUntil(() => target.hits >= hits + 3); // checks go on
  expect(fake.messages(groupId)).toHaveLength(1);

  // Space comes back: the held writes are stored without a restart.
  fault.release();
  await waitUntil(async () => (await health()).status === 200, 15_000);
  expect((await health()).body.database).toEqual({ writable: true });
  expect(await metric(base, 'incident_bot_database_writable')).toBe(1);
  expect(await metric(base, 'incident_bot_storage_backlog', { kind: 'incidents' })).toBe(0);

  const incident = reader
    .prepare('SELECT service_id, resolved_at FROM incidents WHERE id = ?')
    .get(incidentId) as { service_id: string; resolved_at: number | null } | undefined;
  expect(incident).toEqual({ service_id: 'site', resolved_at: null });
  const events = reader
    .prepare('SELECT kind FROM incident_events WHERE incident_id = ? ORDER BY id')
    .pluck()
    .all(incidentId);
  expect(events).toEqual(['opened']);
  const rows = reader
    .prepare('SELECT event_kind, status, platform_message_id FROM outbox WHERE incident_id = ? ORDER BY id')
    .all(incidentId);
  expect(rows).toEqual([
    { event_kind: 'opened', status: 'sent', platform_message_id: String(alert.messageId) },
  ]);

  // The recovery goes through the database again and replies to the alert sent from memory.
  target.up = true;
  const recovery = await fake.waitFor(() => fake.messages(groupId)[1], 20_000);
  expect(recovery.text).toMatch(/Our site is back up after /);
  expect(recovery.replyToMessageId).toBe(alert.messageId);
  await waitUntil(
    () =>
      reader
        .prepare("SELECT COUNT(*) FROM outbox WHERE incident_id = ? AND status = 'sent'")
        .pluck()
        .get(incidentId) === 2,
  );
  expect(fake.messages(groupId)).toHaveLength(2);

  // Said once when it broke and once when it mended, not once per failed write.
  expect(logLines.filter((l) => l.includes('database not writable'))).toHaveLength(1);
  expect(logLines.filter((l) => l.includes('database writable again'))).toHaveLength(1);
  expect(logLines.filter((l) => /uncaught|"level":60/.test(l))).toEqual([]);
  return { how: fault.how };
}

describe('the database on a full file system', () => {
  it('keeps checking and alerting, answers 503 with the reason, and stores everything once space returns', async () => {
    const { how } = await runScenario(true);
    // CI runs as root like this machine; where mount is refused, the fallback below is what ran.
    process.stdout.write(`full-disk test: storage filled with ${how}\n`);
    expect(['tmpfs', 'max_page_count']).toContain(how);
  }, 90_000);

  it('does the same when SQLite itself refuses pages (max_page_count on the app connection)', async () => {
    expect((await runScenario(false)).how).toBe('max_page_count');
  }, 90_000);
});
