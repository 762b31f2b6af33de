/**
 * The composition root's start and stop as a whole: what is left open when a part fails to start.
 * "Open" is observed from outside: the SQLite connection keeps its write-ahead log (`bot.db-wal`)
 * until it is closed; on PostgreSQL the server lists the app's connections (pg_stat_activity);
 * and a listening port refuses a second listener.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RunningApp, startApp } from '../src/app.js';
import type { AppConfig } from '../src/app-config.js';
import { loadServicesFile } from '../src/config/services-file.js';
import type { ChatPlatform } from '../src/platforms/platform.js';
import { PlatformStartError } from '../src/platforms/platform.js';
import { silentLog } from './dispatch/delivery-fixtures.js';
import { tempDir } from './helpers/temp-dir.js';
import { sqliteOf } from './helpers/bot-process.js';
import { type Backend, type BackendDatabase, backendDatabase } from './helpers/backend-database.js';
import { BACKENDS } from './helpers/backends.js';

const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
/** The scheduler never ticks by itself here: the tests are about start and stop, not checks. */
const stillTicker = { start: () => undefined, stop: () => undefined };

/** An app a test started and did not get to stop (its assertion failed first). */
let running: RunningApp | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

interface SetUp {
  readonly config: AppConfig;
  readonly services: ReturnType<typeof loadServicesFile>;
  readonly db: BackendDatabase;
  /** Whether the app holds its database open: SQLite's write-ahead log, PostgreSQL's connections. */
  isOpen(): Promise<boolean>;
}

/** The bot's connections to its database, seen by the server (the asking one left out). */
const APP_CONNECTIONS = `SELECT COUNT(*) AS n FROM pg_stat_activity
  WHERE datname = current_database() AND application_name = 'incident-bot' AND pid <> pg_backend_pid()`;

async function setUp(backend: Backend, port = 0): Promise<SetUp> {
  const dir = tempDir('app-');
  const servicesFile = join(dir, 'services.yaml');
  writeFileSync(
    servicesFile,
    `defaults: { every: 1h, timeout: 1s }
services:
  - id: github
    name: GitHub
    monitors:
      - { type: tcp, host: 127.0.0.1, port: 9 }
`,
  );
  const db = await backendDatabase(backend, dir);
  const config: AppConfig = {
    discord: null,
    telegram: null,
    database: db.database,
    databasePath: db.databasePath,
    servicesFile,
    http: { host: '127.0.0.1', port },
    defaultLocale: 'en',
    defaultTimeZone: 'UTC',
    logLevel: 'silent',
    secrets: [...db.secrets],
  };
  const isOpen = async () =>
    backend === 'sqlite' ? existsSync(`${db.databasePath}-wal`) : (await db.count(APP_CONNECTIONS)) > 0;
  return { config, services: loadServicesFile(servicesFile), db, isOpen };
}

/**
 * Whether the app closed its database. A closed PostgreSQL connection leaves the server's list a
 * moment after the client ended it, so that is polled; a SQLite file is closed when `stop` returns.
 */
async function expectClosed(setup: SetUp): Promise<void> {
  if (setup.db.backend === 'sqlite') expect(await setup.isOpen()).toBe(false);
  else await vi.waitFor(async () => expect(await setup.isOpen()).toBe(false), { timeout: 10_000 });
}

/** A platform that records its start and stop, and rejects its token when told to. */
function platform(events: string[], rejects = false): ChatPlatform {
  let connected = false;
  return {
    name: 'telegram',
    sender: { platform: 'telegram', deliver: () => Promise.resolve({ kind: 'sent', messageId: '1' }) },
    pacing: { global: null, privateChat: null, groupChat: null, isGroupChat: () => true },
    get connected() {
      return connected;
    },
    start() {
      events.push('start');
      if (rejects) return Promise.reject(new PlatformStartError('telegram', 'Telegram rejected the token'));
      connected = true;
      return Promise.resolve();
    },
    stop() {
      events.push('stop');
      connected = false;
      return Promise.resolve();
    },
  };
}

/** Listens on `port` (0: any free one) on loopback; resolves with the server and its port. */
async function listenOn(port: number): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

const closeServer = (server: Server): Promise<unknown> => new Promise((resolve) => server.close(resolve));

const deps = { clock: { now: () => Date.now() }, log: silentLog, out: discard, ticker: stillTicker };

describe.each(BACKENDS)('the app starting and stopping on %s', (backend) => {
  it('holds the database open while running and closes it on stop', async () => {
    const setup = await setUp(backend);
    const { config, services } = setup;
    const events: string[] = [];
    const app = await startApp(config, services, { ...deps, platforms: () => [platform(events)] });
    running = app;
    expect(await setup.isOpen()).toBe(true);
    expect([200, 503]).toContain((await fetch(`${app.url}/healthz`)).status);
    running = undefined;
    await app.stop();
    expect(events).toEqual(['start', 'stop']);
    await expectClosed(setup);
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
  });

  it('stores a report a chat sent while the app was stopping (its platform still disconnecting)', async () => {
    const { config, services, db } = await setUp(backend);
    const events: string[] = [];
    const app = await startApp(config, services, {
      ...deps,
      platforms: (ctx) => {
        const chat = platform(events);
        return [
          {
            ...chat,
            connected: true,
            async stop() {
              // The last update the platform handles before it is gone: a `/report`.
              await ctx.commands.reports.record({
                serviceId: 'github',
                platform: 'telegram',
                userId: '42',
                chatId: '-100',
                guildId: null,
                problem: 'connection',
                at: Date.now(),
              });
              await chat.stop();
            },
          },
        ];
      },
    });
    await app.stop();
    expect(await db.rows('SELECT service_id, problem FROM crowd_reports')).toEqual([
      { service_id: 'github', problem: 'connection' },
    ]);
  });

  it('when the platforms cannot be built, throws that error and closes the database', async () => {
    const setup = await setUp(backend);
    const { config, services } = setup;
    const start = startApp(config, services, {
      ...deps,
      platforms: () => {
        throw new Error('no adapter for this platform');
      },
    });
    await expect(start).rejects.toThrow('no adapter for this platform');
    await expectClosed(setup);
  });

  it('when a platform rejects its token, throws that error; the platforms are stopped, the port freed and the database closed', async () => {
    // A port known to be free, so that the test can tell it is free again afterwards.
    const probe = await listenOn(0);
    await closeServer(probe.server);
    const setup = await setUp(backend, probe.port);
    const { config, services } = setup;
    const events: string[] = [];
    let printed = '';
    const start = startApp(config, services, {
      ...deps,
      out: new Writable({ write: (chunk, _encoding, done) => done(void (printed += String(chunk))) }),
      platforms: () => [platform(events, true), platform(events)],
    });
    await expect(start).rejects.toThrow(PlatformStartError);
    expect(events).toEqual(['start', 'stop', 'stop']);
    expect(printed).toBe(''); // the start-up lines come only once everything runs
    await expectClosed(setup);
    await closeServer((await listenOn(probe.port)).server);
  });

  it('when the HTTP port is taken, throws EADDRINUSE and closes the database; no platform is started', async () => {
    const blocker = await listenOn(0);
    try {
      const setup = await setUp(backend, blocker.port);
      const { config, services } = setup;
      const events: string[] = [];
      const start = startApp(config, services, { ...deps, platforms: () => [platform(events)] });
      await expect(start).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(events).toEqual([]);
      await expectClosed(setup);
    } finally {
      await closeServer(blocker.server);
    }
  });
});

// A SQLite fault by nature (the connection made read-only with a pragma); PostgreSQL's own (the
// server away) is test/e2e/postgres-faults.test.ts.
describe('the app on SQLite refusing writes', () => {
  it('stores on stop what it held in memory while the database refused writes', async () => {
    const { config, services } = await setUp('sqlite');
    const app = await startApp(config, services, { ...deps, platforms: () => [] });
    running = app;
    const monitorId = services.monitors[0]?.id ?? '';
    sqliteOf(app).pragma('query_only = ON'); // every write now fails with SQLITE_READONLY
    app.engine.handleResult(monitorId, {
      status: 'down',
      reason: 'refused',
      message: 'refused',
      latencyMs: null,
    });
    await vi.waitFor(() => expect(app.storage.ok).toBe(false));
    sqliteOf(app).pragma('query_only = OFF');
    running = undefined;
    await app.stop();
    const db = new Database(config.databasePath, { readonly: true });
    try {
      const row = db
        .prepare(
          'SELECT s.last_status FROM monitor_state s JOIN monitors m ON m.ref = s.monitor_ref WHERE m.id = ?',
        )
        .get(monitorId);
      expect(row).toEqual({ last_status: 'down' });
    } finally {
      db.close();
    }
  });
});

describe('the routes platforms add', () => {
  it('serves every platform’s httpRoutes on the app’s HTTP server, raw body and headers handed over', async () => {
    const { config, services } = await setUp('sqlite');
    const seen: { header: unknown; body: string }[] = [];
    const withRoute: ChatPlatform = {
      ...platform([]),
      httpRoutes: [
        {
          method: 'POST',
          path: '/hooks/test',
          bodyLimit: 16,
          handle: (request) => {
            seen.push({ header: request.headers['x-test'], body: request.body.toString('utf8') });
            return Promise.resolve({ status: 202, body: { taken: true } });
          },
        },
      ],
    };
    const app = await startApp(config, services, { ...deps, platforms: () => [withRoute] });
    running = app;
    const post = (body: string) =>
      fetch(`${app.url}/hooks/test`, { method: 'POST', headers: { 'x-test': 'yes' }, body });
    const taken = await post('{"a":1}');
    expect([taken.status, await taken.json()]).toEqual([202, { taken: true }]);
    expect((await post('x'.repeat(17))).status).toBe(413);
    expect(seen).toEqual([{ header: 'yes', body: '{"a":1}' }]);
    expect((await fetch(`${app.url}/hooks/test`)).status).toBe(404);
  });
});
