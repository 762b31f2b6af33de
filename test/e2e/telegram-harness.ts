/**
 * The real bot process (`tsx src/main.ts`) against the local Telegram Bot API and a local HTTP
 * target, for the Telegram end-to-end tests, on either backend: SQLite (a file in a temporary
 * folder, `DATABASE_PATH`) or PostgreSQL (a fresh database of the run's server, or the URL given,
 * `DATABASE_URL`). State is asserted in the fake (messages, commands) and in the bot's real
 * database, through the same stores the bot uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ChatRecord,
  ChatSettings,
  Subscription,
  SubscriptionStore,
} from '../../src/core/delivery/ports.js';
import type { Severity } from '../../src/core/model.js';
import { openDatabase } from '../../src/db/database.js';
import { type PgDb, openPostgres } from '../../src/db/postgres/pool.js';
import { PostgresSubscriptionStore } from '../../src/db/postgres/postgres-subscription-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import type { BACKENDS } from '../helpers/backends.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { testDatabase } from '../helpers/postgres.js';
import { type FakeTelegram, type FakeTelegramOptions, startFakeTelegram } from '../fakes/telegram/index.js';
import { writeSiteServices } from '../helpers/site-services.js';

export type Backend = (typeof BACKENDS)[number];

/**
 * The bot's database seen from the test: the environment that points the bot at it, its
 * subscription store, and plain reads.
 */
export interface BotDatabase {
  readonly backend: Backend;
  /** `DATABASE_PATH` (SQLite), or `DATABASE_URL` with `DATABASE_PATH` for the bot's files (PostgreSQL). */
  readonly env: NodeJS.ProcessEnv;
  /** Runs `use` on a subscription store over the bot's database (the bot may be running). */
  withSubscriptions<T>(use: (store: SubscriptionStore) => T | Promise<T>): Promise<T>;
  /**
   * The rows of a query without parameters, written so that both dialects read it the same
   * (counts come back as numbers on both).
   */
  rows<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Opens the database a bot is to use: SQLite at `dir`/bot.db, or PostgreSQL at `databaseUrl`
 * (by default a fresh database of the run's server, dropped after the test file), migrated.
 */
export async function openBotDatabase(
  backend: Backend,
  dir: string,
  databaseUrl?: string,
): Promise<BotDatabase> {
  if (backend === 'sqlite') {
    const databasePath = join(dir, 'bot.db');
    const withDb = <T>(use: (db: ReturnType<typeof openDatabase>) => T): T => {
      const db = openDatabase(databasePath);
      try {
        return use(db);
      } finally {
        db.close();
      }
    };
    // The file exists, migrated, before the bot starts (as it did when tests opened it themselves).
    withDb(() => undefined);
    return {
      backend,
      env: { DATABASE_PATH: databasePath },
      withSubscriptions: async (use) => {
        const db = openDatabase(databasePath);
        try {
          return await use(new SqliteSubscriptionStore(db));
        } finally {
          db.close();
        }
      },
      rows: async <T>(sql: string) => withDb((db) => db.prepare(sql).all() as T[]),
      close: async () => undefined,
    };
  }
  const url = databaseUrl ?? (await testDatabase());
  const pg: PgDb = await openPostgres(url, { poolSize: 2 });
  const store = new PostgresSubscriptionStore(pg.pool);
  return {
    backend,
    // DATABASE_PATH still says where the bot keeps its files (the push secret): the temporary folder.
    env: { DATABASE_URL: url, DATABASE_PATH: join(dir, 'bot.db') },
    withSubscriptions: async (use) => use(store),
    rows: async <T>(sql: string) => (await pg.pool.query(sql)).rows as T[],
    close: () => pg.close(),
  };
}

export interface TelegramWorld {
  readonly fake: FakeTelegram;
  readonly target: HttpTarget;
  readonly database: BotDatabase;
  /** The bot's SQLite file; throws on PostgreSQL (use `rows`). */
  readonly databasePath: string;
  /** Starts the bot with Telegram enabled; extra env overrides. */
  startBot(env?: NodeJS.ProcessEnv): BotProcess;
  /** Subscribes a chat straight in the bot's database (before the bot starts, or while it runs). */
  subscribe(chatId: number, serviceId: string, severity?: Severity): Promise<void>;
  /** Subscribes many chats in one database session. */
  subscribeAll(chatIds: readonly number[], serviceId: string): Promise<void>;
  updateSettings(chatId: number, patch: Partial<ChatSettings>): Promise<void>;
  chat(chatId: number): Promise<ChatRecord | null>;
  subscriptions(chatId: number): Promise<Subscription[]>;
  /** See BotDatabase.rows. */
  rows<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

export interface TelegramWorldOptions {
  /** The fake's options; flood limits off by default. */
  readonly telegram?: FakeTelegramOptions;
  /** PostgreSQL only: the database to use instead of a fresh one of the run's server. */
  readonly databaseUrl?: string;
}

/**
 * A fake Telegram (flood limits as given, off by default), a healthy HTTP target watched every
 * second as service `site` ("Our site"), confirmed after two checks each way, and the bot's
 * database on `backend`.
 */
export async function startTelegramWorld(
  backend: Backend = 'sqlite',
  options: TelegramWorldOptions = {},
): Promise<TelegramWorld> {
  const fake = await startFakeTelegram(options.telegram ?? { rateLimits: false });
  const target = await startHttpTarget();
  const dir = mkdtempSync(join(tmpdir(), 'telegram-e2e-'));
  const servicesFile = writeSiteServices(dir, target.url);
  const database = await openBotDatabase(backend, dir, options.databaseUrl);
  const bots: BotProcess[] = [];
  const address = (chatId: number) => ({ platform: 'telegram' as const, chatId: String(chatId) });
  return {
    fake,
    target,
    database,
    get databasePath() {
      const path = database.env['DATABASE_PATH'];
      if (backend !== 'sqlite' || path === undefined)
        throw new Error('this test reads the SQLite file: the world is on PostgreSQL');
      return path;
    },
    startBot(env = {}) {
      const bot = new BotProcess({
        SERVICES_FILE: servicesFile,
        ...database.env,
        HTTP_PORT: '0',
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.apiRoot,
        ...env,
      });
      bots.push(bot);
      return bot;
    },
    async subscribe(chatId, serviceId, severity = 'minor') {
      await database.withSubscriptions((s) => s.subscribe(address(chatId), serviceId, severity, Date.now()));
    },
    async subscribeAll(chatIds, serviceId) {
      await database.withSubscriptions(async (s) => {
        for (const id of chatIds) await s.subscribe(address(id), serviceId, 'minor', Date.now());
      });
    },
    async updateSettings(chatId, patch) {
      await database.withSubscriptions((s) => s.updateSettings(address(chatId), patch, Date.now()));
    },
    chat: (chatId) => database.withSubscriptions((s) => s.getChat(address(chatId))),
    subscriptions: (chatId) => database.withSubscriptions((s) => s.listSubscriptions(address(chatId))),
    rows: (sql) => database.rows(sql),
    async close() {
      // A bot killed by a signal has a null exitCode: stopping it again would wait for an exit already past.
      const alive = bots.splice(0).filter((b) => b.child.exitCode === null && b.child.signalCode === null);
      await Promise.all(alive.map((b) => b.stop('SIGKILL')));
      await database.close();
      await fake.close();
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `condition` (for state outside the fake, such as the database) until it holds. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
