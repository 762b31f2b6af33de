/**
 * The real bot process (`tsx src/main.ts`) against the local Discord and a local HTTP target, for
 * the Discord end-to-end tests. State is asserted in the fake (messages, commands) and in the
 * bot's real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatRecord, Subscription } from '../../src/core/delivery/ports.js';
import type { Severity } from '../../src/core/model.js';
import { openDatabase } from '../../src/db/database.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import {
  type FakeDiscord,
  type FakeGuild,
  PermissionBits,
  startFakeDiscord,
} from '../fakes/discord/index.js';
import { writeSiteServices } from '../helpers/site-services.js';

export interface DiscordWorld {
  readonly fake: FakeDiscord;
  readonly guild: FakeGuild;
  readonly target: HttpTarget;
  readonly dir: string;
  readonly databasePath: string;
  readonly servicesFile: string;
  /** Starts the bot with Discord enabled (guild-scoped commands); extra env overrides. */
  startBot(env?: NodeJS.ProcessEnv): BotProcess;
  /** Subscribes a channel straight in the bot's database (before the bot starts, or while it runs). */
  subscribe(channelId: string, serviceId: string, severity?: Severity): void;
  chat(channelId: string): ChatRecord | null;
  subscriptions(channelId: string): Subscription[];
  /** An API root on a loopback port nothing listens on. */
  closedPortUrl(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A fake Discord with guild "Ops" (#alerts, #general; `ana` with Manage Channels, `bob` without),
 * a healthy HTTP target watched every second as service `site` ("Our site") plus `github`, and a
 * temp directory for the database.
 */
export async function startDiscordWorld(): Promise<DiscordWorld> {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: 500, onUnknownRoute: () => undefined });
  const guild = fake.addGuild({
    name: 'Ops',
    channels: [{ name: 'alerts' }, { name: 'general' }],
    roles: [{ name: 'oncall', permissions: '0' }],
    members: [
      { username: 'ana', permissions: PermissionBits.ManageChannels },
      { username: 'bob', permissions: '0' },
    ],
  });
  const target = await startHttpTarget();
  const dir = mkdtempSync(join(tmpdir(), 'discord-e2e-'));
  const databasePath = join(dir, 'bot.db');
  const servicesFile = writeSiteServices(
    dir,
    target.url,
    `  - id: github
    name: GitHub
    monitors:
      - { type: http, url: "${target.url}github", every: 1h }
`,
  );
  const bots: BotProcess[] = [];
  const withStore = <T>(use: (store: SqliteSubscriptionStore) => T): T => {
    const db = openDatabase(databasePath);
    try {
      return use(new SqliteSubscriptionStore(db));
    } finally {
      db.close();
    }
  };
  const address = (chatId: string) => ({ platform: 'discord' as const, chatId });
  return {
    fake,
    guild,
    target,
    dir,
    databasePath,
    servicesFile,
    startBot(env = {}) {
      const bot = new BotProcess({
        SERVICES_FILE: servicesFile,
        DATABASE_PATH: databasePath,
        HTTP_PORT: '0',
        DISCORD_TOKEN: fake.token,
        DISCORD_APPLICATION_ID: fake.applicationId,
        DISCORD_GUILD_ID: guild.id,
        DISCORD_API_ROOT: fake.restUrl,
        ...env,
      });
      bots.push(bot);
      return bot;
    },
    subscribe(channelId, serviceId, severity = 'minor') {
      withStore((s) =>
        s.subscribe({ ...address(channelId), guildId: guild.id }, serviceId, severity, Date.now()),
      );
    },
    chat: (channelId) => withStore((s) => s.getChat(address(channelId))),
    subscriptions: (channelId) => withStore((s) => s.listSubscriptions(address(channelId))),
    async closedPortUrl() {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return `http://127.0.0.1:${port}/api`;
    },
    async close() {
      // The bot first: a client whose server vanished keeps reconnecting.
      await Promise.all(bots.splice(0).map((b) => b.stop('SIGKILL')));
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

export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}
