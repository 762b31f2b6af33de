/**
 * The whole app in-process (startApp with the platforms the composition root builds: real
 * telegraf and real discord.js) against the local Telegram Bot API and the local Discord at
 * once (or only one of them, `platforms`), for the chat-command end-to-end tests. Each platform
 * has admins (`admins[i]`, each with a chat of their own, so the per-user and per-chat command
 * budgets never get in the way of a long table), one plain member and one plain member whose id is
 * in `OPERATORS`. Replies are read back from the fakes as a user would see them. The app stores on
 * the backend the options name (SQLite by default).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type RunningApp, startApp } from '../../src/app.js';
import { DEFAULT_CHAT_MONITOR_LIMITS } from '../../src/chat-monitors/chat-monitor-limits.js';
import type { AppConfig } from '../../src/app-config.js';
import { loadServicesFile } from '../../src/config/services-file.js';
import type { AddressResolver } from '../../src/monitors/ssrf/ssrf-guard.js';
import { silentLog } from '../dispatch/delivery-fixtures.js';
import { type Backend, backendDatabase } from '../helpers/backend-database.js';
import {
  type FakeDiscord,
  type FakeGuild,
  type MessageRecord,
  PermissionBits,
  startFakeDiscord,
} from '../fakes/discord/index.js';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.js';
import type { BotApiUser } from '../fakes/telegram/bot-api-types.js';
import type { SentMessageRecord } from '../fakes/telegram/fake-state.js';
import { commandAnswer } from './discord-harness.js';

/** Message flag 64: only the caller sees the reply. */
export const EPHEMERAL = 64;
/** Generous for a loaded machine; a reply normally takes milliseconds. */
const REPLY_WAIT_MS = 15_000;

const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

export interface MonitorWorldOptions {
  /** Where the app stores (default SQLite). */
  readonly backend?: Backend;
  /** Admins per platform, each with their own group / channel. */
  readonly admins: number;
  /** CIDR ranges the operator allows (none: the strict policy). */
  readonly allowedRanges?: readonly string[];
  /** DNS for the SSRF guard; default the system's. */
  readonly resolveAddress?: AddressResolver;
  /** A still-down reminder's pace minute in ms (AppConfig `reminderMinuteMs`); default a minute. */
  readonly reminderMinuteMs?: number;
  /** The platforms the app runs (default both); the side of one left out throws when used. */
  readonly platforms?: readonly ('telegram' | 'discord')[];
  /** More catalogue services, as YAML list items indented as under `services:`. */
  readonly services?: string;
  /** The bot is an administrator of the Telegram groups (it may pin); default a plain member. */
  readonly telegramBotAdmin?: boolean;
  /** The commands' budgets (AppConfig `commandRates`); default the production ones. */
  readonly commandRates?: AppConfig['commandRates'];
}

export interface TelegramSide {
  readonly fake: FakeTelegram;
  readonly admins: readonly BotApiUser[];
  readonly member: BotApiUser;
  /** A plain member whose id is in `OPERATORS` (in every group). */
  readonly operator: BotApiUser;
  /** The group `admins[i]` created (the member is in every group). */
  readonly groups: readonly number[];
  /** Sends `text` to `chatId` as `from` and resolves with the bot's reply to it. */
  say(chatId: number, from: BotApiUser, text: string): Promise<SentMessageRecord>;
}

export interface DiscordSide {
  readonly fake: FakeDiscord;
  readonly guild: FakeGuild;
  /** Members with Manage Channels. */
  readonly admins: readonly string[];
  /** A member without it. */
  readonly member: string;
  /** A member without it whose id is in `OPERATORS`. */
  readonly operator: string;
  /** One channel per admin. */
  readonly channels: readonly string[];
  /** Runs `/monitor <sub> …` and resolves with the final answer (deferred or not). */
  monitor(
    channelId: string,
    userId: string,
    sub: 'add' | 'remove' | 'list',
    options?: Readonly<Record<string, string>>,
  ): Promise<MessageRecord>;
}

export interface MonitorWorld {
  readonly app: RunningApp;
  readonly telegram: TelegramSide;
  readonly discord: DiscordSide;
  close(): Promise<void>;
}

export async function startMonitorWorld(options: MonitorWorldOptions): Promise<MonitorWorld> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const platforms = new Set(options.platforms ?? ['telegram', 'discord']);
    let telegram: TelegramSide | undefined;
    let discord: DiscordSide | undefined;
    if (platforms.has('telegram')) {
      const fake = await startFakeTelegram({ rateLimits: false });
      cleanups.push(() => fake.close());
      telegram = telegramSide(fake, options.admins, options.telegramBotAdmin === true);
    }
    if (platforms.has('discord')) {
      const fake = await startFakeDiscord({ heartbeatIntervalMs: 500, onUnknownRoute: () => undefined });
      cleanups.push(() => fake.close());
      const names = Array.from({ length: options.admins }, (_, i) => `admin${String(i).padStart(2, '0')}`);
      const guild = fake.addGuild({
        name: 'Community',
        channels: names.map((n) => ({ name: `ops-${n}` })),
        members: [
          ...names.map((username) => ({ username, permissions: PermissionBits.ManageChannels })),
          { username: 'bob', permissions: '0' },
          { username: 'olga', permissions: '0' },
        ],
      });
      discord = discordSide(fake, guild, names);
    }
    const dir = mkdtempSync(join(tmpdir(), 'monitor-e2e-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const servicesFile = join(dir, 'services.yaml');
    // One catalogue service nobody watches closely: the tests are about chat-added monitors.
    writeFileSync(
      servicesFile,
      `defaults: { every: 1h, timeout: 1s }
services:
  - id: github
    name: GitHub
    monitors:
      - { type: tcp, host: 127.0.0.1, port: 9 }
${options.services ?? ''}`,
    );
    const db = await backendDatabase(options.backend ?? 'sqlite', dir);
    const config: AppConfig = {
      discord:
        discord === undefined
          ? null
          : {
              token: discord.fake.token,
              applicationId: discord.fake.applicationId,
              guildId: discord.guild.id,
              apiRoot: discord.fake.restUrl,
            },
      telegram:
        telegram === undefined ? null : { token: telegram.fake.token, apiRoot: telegram.fake.apiRoot },
      database: db.database,
      databasePath: db.databasePath,
      servicesFile,
      http: { host: '127.0.0.1', port: 0 },
      defaultLocale: 'en',
      defaultTimeZone: 'UTC',
      logLevel: 'silent',
      alertGatherMs: 1000,
      // CHAT_MONITORS_* as an operator would set them; a 1 s minimum interval keeps alerts quick.
      chatMonitors: {
        ...DEFAULT_CHAT_MONITOR_LIMITS,
        minIntervalMs: 1_000,
        timeoutMs: 2_000,
        allowedRanges: [...(options.allowedRanges ?? [])],
        public: false,
      },
      operators: [
        ...(telegram === undefined ? [] : [`telegram:${telegram.operator.id}`]),
        ...(discord === undefined ? [] : [`discord:${discord.operator}`]),
      ],
      secrets: [
        ...(telegram === undefined ? [] : [telegram.fake.token]),
        ...(discord === undefined ? [] : [discord.fake.token]),
        ...db.secrets,
      ],
      ...(options.reminderMinuteMs === undefined ? {} : { reminderMinuteMs: options.reminderMinuteMs }),
      ...(options.commandRates === undefined ? {} : { commandRates: options.commandRates }),
    };
    const app = await startApp(config, loadServicesFile(servicesFile), {
      clock: { now: () => Date.now() },
      log: silentLog,
      out: discard,
      ...(options.resolveAddress === undefined ? {} : { resolveAddress: options.resolveAddress }),
    });
    cleanups.push(() => app.stop());
    const absent = (name: string): never => {
      throw new Error(`this world runs no ${name}`);
    };
    return {
      app,
      get telegram() {
        return telegram ?? absent('Telegram');
      },
      get discord() {
        return discord ?? absent('Discord');
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function telegramSide(fake: FakeTelegram, adminCount: number, botAdmin: boolean): TelegramSide {
  const member = fake.createUser({ first_name: 'Member' });
  const operator = fake.createUser({ first_name: 'Operator' });
  const admins = Array.from({ length: adminCount }, (_, i) => fake.createUser({ first_name: `Admin ${i}` }));
  const groups = admins.map(
    (creator, i) =>
      fake.createChat({
        type: 'group',
        title: `Ops ${i}`,
        creator,
        members: [member, operator],
        botStatus: botAdmin ? 'administrator' : 'member',
      }).id,
  );
  return {
    fake,
    admins,
    member,
    operator,
    groups,
    async say(chatId, from, text) {
      const sent = fake.sendUserMessage(chatId, from, text);
      return fake.waitFor(
        () => fake.messages(chatId).find((m) => m.replyToMessageId === sent.message_id),
        REPLY_WAIT_MS,
      );
    },
  };
}

function discordSide(fake: FakeDiscord, guild: FakeGuild, names: readonly string[]): DiscordSide {
  const id = (map: Readonly<Record<string, string>>, key: string): string => {
    const value = map[key];
    if (value === undefined) throw new Error(`fake discord has no ${key}`);
    return value;
  };
  return {
    fake,
    guild,
    admins: names.map((n) => id(guild.members, n)),
    member: id(guild.members, 'bob'),
    operator: id(guild.members, 'olga'),
    channels: names.map((n) => id(guild.channels, `ops-${n}`)),
    monitor: (channelId, userId, sub, options = {}) =>
      commandAnswer(
        fake,
        {
          kind: 'command',
          channelId,
          userId,
          name: 'monitor',
          options: [
            { name: sub, options: Object.entries(options).map(([name, value]) => ({ name, value })) },
          ],
        },
        REPLY_WAIT_MS,
      ),
  };
}
