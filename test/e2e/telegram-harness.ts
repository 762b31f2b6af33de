/**
 * The real bot process (`tsx src/main.ts`) against the local Telegram Bot API and a local HTTP
 * target, for the Telegram end-to-end tests. State is asserted in the fake (messages, commands)
 * and in the bot's real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatRecord, ChatSettings, Subscription } from '../../src/core/delivery/ports.js';
import type { Severity } from '../../src/core/model.js';
import { openDatabase } from '../../src/db/database.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { type FakeTelegram, type FakeTelegramOptions, startFakeTelegram } from '../fakes/telegram/index.js';
import { writeSiteServices } from '../helpers/site-services.js';

export interface TelegramWorld {
  readonly fake: FakeTelegram;
  readonly target: HttpTarget;
  readonly databasePath: string;
  /** Starts the bot with Telegram enabled; extra env overrides. */
  startBot(env?: NodeJS.ProcessEnv): BotProcess;
  /** Subscribes a chat straight in the bot's database (before the bot starts, or while it runs). */
  subscribe(chatId: number, serviceId: string, severity?: Severity): void;
  /** Subscribes many chats in one database session. */
  subscribeAll(chatIds: readonly number[], serviceId: string): void;
  updateSettings(chatId: number, patch: Partial<ChatSettings>): void;
  chat(chatId: number): ChatRecord | null;
  subscriptions(chatId: number): Subscription[];
  close(): Promise<void>;
}

/**
 * A fake Telegram (flood limits as given, off by default) and a healthy HTTP target watched every
 * second as service `site` ("Our site"), confirmed after two checks each way.
 */
export async function startTelegramWorld(
  options: FakeTelegramOptions = { rateLimits: false },
): Promise<TelegramWorld> {
  const fake = await startFakeTelegram(options);
  const target = await startHttpTarget();
  const dir = mkdtempSync(join(tmpdir(), 'telegram-e2e-'));
  const databasePath = join(dir, 'bot.db');
  const servicesFile = writeSiteServices(dir, target.url);
  const bots: BotProcess[] = [];
  const withStore = <T>(use: (store: SqliteSubscriptionStore) => T): T => {
    const db = openDatabase(databasePath);
    try {
      return use(new SqliteSubscriptionStore(db));
    } finally {
      db.close();
    }
  };
  const address = (chatId: number) => ({ platform: 'telegram' as const, chatId: String(chatId) });
  return {
    fake,
    target,
    databasePath,
    startBot(env = {}) {
      const bot = new BotProcess({
        SERVICES_FILE: servicesFile,
        DATABASE_PATH: databasePath,
        HTTP_PORT: '0',
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.apiRoot,
        ...env,
      });
      bots.push(bot);
      return bot;
    },
    subscribe(chatId, serviceId, severity = 'minor') {
      withStore((s) => s.subscribe(address(chatId), serviceId, severity, Date.now()));
    },
    subscribeAll(chatIds, serviceId) {
      withStore((s) => {
        for (const id of chatIds) s.subscribe(address(id), serviceId, 'minor', Date.now());
      });
    },
    updateSettings(chatId, patch) {
      withStore((s) => s.updateSettings(address(chatId), patch, Date.now()));
    },
    chat: (chatId) => withStore((s) => s.getChat(address(chatId))),
    subscriptions: (chatId) => withStore((s) => s.listSubscriptions(address(chatId))),
    async close() {
      // A bot killed by a signal has a null exitCode: stopping it again would wait for an exit already past.
      const alive = bots.splice(0).filter((b) => b.child.exitCode === null && b.child.signalCode === null);
      await Promise.all(alive.map((b) => b.stop('SIGKILL')));
      await fake.close();
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `condition` (for state outside the fake, such as the database) until it holds. */
export async function waitUntil(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
