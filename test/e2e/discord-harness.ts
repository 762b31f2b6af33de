/**
 * The real bot process (`tsx src/main.ts`) against the local Discord and a local HTTP target, for
 * the Discord end-to-end tests, on either storage backend. State is asserted in the fake (messages,
 * commands) and in the bot's real database (its SQLite file, or its PostgreSQL database).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type RunningApp, type AppDeps, startApp } from '../../src/app.js';
import type { AppConfig } from '../../src/app-config.js';
import { loadServicesFile } from '../../src/config/services-file.js';
import type { ChatRecord, Subscription } from '../../src/core/delivery/ports.js';
import type { Severity } from '../../src/core/model.js';
import { type Backend, type BackendDatabase, backendDatabase } from '../helpers/backend-database.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import {
  type FakeDiscord,
  type FakeGuild,
  type InteractionHandle,
  type MessageRecord,
  PermissionBits,
  startFakeDiscord,
} from '../fakes/discord/index.js';
import { writeSiteServices } from '../helpers/site-services.js';
import { silentLog } from '../dispatch/delivery-fixtures.js';

/**
 * How long a test waits for the bot's start-up line: a tsx start (and on PostgreSQL a pool and the
 * migrations) can take tens of seconds on a loaded machine; it normally takes a few.
 */
export const STARTUP_WAIT_MS = 90_000;

export interface DiscordWorld {
  readonly fake: FakeDiscord;
  readonly guild: FakeGuild;
  readonly target: HttpTarget;
  readonly dir: string;
  /** The bot's database (SQLite file or PostgreSQL database), for seeding and asserting. */
  readonly db: BackendDatabase;
  readonly servicesFile: string;
  /** Starts the bot with Discord enabled (guild-scoped commands); extra env overrides. */
  startBot(env?: NodeJS.ProcessEnv): BotProcess;
  /** Subscribes a channel straight in the bot's database (before the bot starts, or while it runs). */
  subscribe(channelId: string, serviceId: string, severity?: Severity): Promise<void>;
  chat(channelId: string): Promise<ChatRecord | null>;
  subscriptions(channelId: string): Promise<readonly Subscription[]>;
  /** An API root on a loopback port nothing listens on. */
  closedPortUrl(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A fake Discord with guild "Ops" (#alerts, #general; `ana` with Manage Channels, `bob` without),
 * a healthy HTTP target watched every second as service `site` ("Our site") plus `github`, and a
 * temp directory for the files (and the database on SQLite).
 */
export async function startDiscordWorld(
  backend: Backend,
  options: {
    readonly botPermissions?: bigint;
    /** Channels besides #alerts and #general. */
    readonly channels?: readonly string[];
  } = {},
): Promise<DiscordWorld> {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: 500, onUnknownRoute: () => undefined });
  const guild = fake.addGuild({
    name: 'Ops',
    channels: ['alerts', 'general', ...(options.channels ?? [])].map((name) => ({ name })),
    roles: [{ name: 'oncall', permissions: '0' }],
    // Absent: the fake's default for an alert bot.
    ...(options.botPermissions === undefined ? {} : { botPermissions: options.botPermissions.toString() }),
    members: [
      { username: 'ana', permissions: PermissionBits.ManageChannels },
      { username: 'bob', permissions: '0' },
    ],
  });
  const target = await startHttpTarget();
  const dir = mkdtempSync(join(tmpdir(), 'discord-e2e-'));
  const db = await backendDatabase(backend, dir);
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
  const address = (chatId: string) => ({ platform: 'discord' as const, chatId });
  return {
    fake,
    guild,
    target,
    dir,
    db,
    servicesFile,
    startBot(env = {}) {
      const bot = new BotProcess({
        SERVICES_FILE: servicesFile,
        ...db.env,
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
    async subscribe(channelId, serviceId, severity = 'minor') {
      await db.subscriptions((s) =>
        s.subscribe({ ...address(channelId), guildId: guild.id }, serviceId, severity, Date.now()),
      );
    },
    chat: (channelId) => db.subscriptions((s) => s.getChat(address(channelId))),
    subscriptions: (channelId) => db.subscriptions((s) => s.listSubscriptions(address(channelId))),
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

const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

/**
 * The whole app in process (startApp with the config `npm start` would build from the world:
 * scheduler, probes, engine, outbox, worker, HTTP) with the Discord platform against the local
 * Discord, so the platform and its command layer come from the composition root itself.
 * `config` adds to or overrides the world's settings (chat monitors, operators, …).
 */
export async function startDiscordApp(
  w: DiscordWorld,
  options: { readonly config?: Partial<AppConfig>; readonly deps?: Partial<AppDeps> } = {},
): Promise<RunningApp> {
  const config: AppConfig = {
    discord: {
      token: w.fake.token,
      applicationId: w.fake.applicationId,
      guildId: w.guild.id,
      apiRoot: w.fake.restUrl,
    },
    telegram: null,
    database: w.db.database,
    databasePath: w.db.databasePath,
    servicesFile: w.servicesFile,
    http: { host: '127.0.0.1', port: 0 },
    defaultLocale: 'en',
    defaultTimeZone: 'UTC',
    logLevel: 'silent',
    alertGatherMs: 1000,
    secrets: [...w.db.secrets],
    ...options.config,
  };
  return startApp(config, loadServicesFile(w.servicesFile), {
    clock: { now: () => Date.now() },
    log: silentLog,
    out: discard,
    ...options.deps,
  });
}

/** Message flag 128: a deferred reply's "thinking…" placeholder. */
const LOADING = 128;

/**
 * Runs a slash command and resolves with the answer as the user finally sees it: the reply, or
 * the message that replaced a deferred one's placeholder.
 */
export async function commandAnswer(
  fake: FakeDiscord,
  spec: Parameters<FakeDiscord['interaction']>[0] & { kind: 'command' },
  timeoutMs = 15_000,
): Promise<MessageRecord> {
  const handle = fake.interaction(spec);
  await handle.response(timeoutMs);
  return fake.waitFor(() => finalAnswer(handle), timeoutMs);
}

/** The reply once it is written: the original, or the follow-up that replaced a deferred one. */
export function finalAnswer(handle: InteractionHandle): MessageRecord | undefined {
  return [...handle.followUps(), handle.original()].find(
    (m) => m !== undefined && !m.deleted && (m.flags & LOADING) === 0 && m.content !== '',
  );
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

export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}
