/**
 * Monitors added from chat through the whole app in-process: startApp builds the chat
 * monitor service, the SSRF guard from the config and the command layer; a tiny in-test chat
 * platform records what the outbox worker delivers and answers commands through the
 * `CommandService` the composition root's deps give it. The operator allows 127.0.0.0/8 (the
 * demo), so an admin can watch a local site; a member cannot; the cloud metadata address is
 * refused with its reason; a restart on the same database keeps the monitor running.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import type { ChatPlatform, PlatformContext } from '../../src/platforms/platform.js';
import { DEFAULT_CHAT_MONITOR_LIMITS } from '../../src/chat-monitors/chat-monitor-limits.js';
import type { AppConfig } from '../../src/app-config.js';
import { loadServicesFile } from '../../src/config/services-file.js';
import { parseCommandText } from '../../src/core/commands/command-parser.js';
import type { CommandReply, CommandRequest } from '../../src/core/commands/command-request.js';
import { CommandService } from '../../src/core/commands/command-service.js';
import type { DeliveryJob } from '../../src/core/delivery/ports.js';
import { describeSsrfRefusal } from '../../src/core/i18n/ssrf-messages.js';
import { silentLog } from '../dispatch/delivery-fixtures.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { type BackendDatabase, backendDatabase } from '../helpers/backend-database.js';
import { BACKENDS } from '../helpers/backends.js';
import { TELEGRAM_CAPABILITIES } from '../../src/platforms/telegram/telegram-settings.js';

const GROUP = '-100500';
const OTHER_GROUP = '-100600';
const ADMIN = '1001';
const MEMBER = '1002';
/** An admin of the other group (commands are rate-limited per user). */
const OTHER_ADMIN = '1003';
/**
 * Generous: a check a second, up to 10 failures to confirm on a fresh monitor (its learned
 * confirmation, docs/detection.md), then the worker; far more than that on a loaded machine.
 */
const WAIT_MS = 30_000;

const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

/** A chat platform that delivers into an array and exposes the app's command layer. */
class RecordingPlatform implements ChatPlatform {
  readonly name = 'telegram' as const;
  readonly delivered: DeliveryJob[] = [];
  readonly commands: CommandService;
  readonly pacing = { global: null, privateChat: null, groupChat: null, isGroupChat: () => true };
  readonly connected = true;
  readonly sender = {
    platform: 'telegram' as const,
    deliver: (job: DeliveryJob) => {
      this.delivered.push(job);
      return Promise.resolve({ kind: 'sent' as const, messageId: String(this.delivered.length) });
    },
  };

  constructor(ctx: PlatformContext) {
    this.commands = new CommandService(ctx.commands);
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** What a Telegram group member typing `text` is answered. */
  say(text: string, o: { chatId?: string; userId?: string } = {}): Promise<CommandReply> {
    const parsed = parseCommandText(text);
    if (parsed === null) throw new Error(`not a command: ${text}`);
    const userId = o.userId ?? ADMIN;
    const request: CommandRequest = {
      command: parsed.command,
      args: parsed.args,
      chat: {
        platform: 'telegram',
        chatId: o.chatId ?? GROUP,
        guildId: null,
        kind: 'group',
        capabilities: TELEGRAM_CAPABILITIES,
      },
      user: { id: userId, isAdmin: () => Promise.resolve(userId !== MEMBER) },
    };
    return this.commands.handle(request);
  }

  /** Event kinds delivered to `chatId` for `serviceId`, in order. */
  kinds(chatId: string, serviceId: string): string[] {
    return this.delivered
      .filter((j) => j.chatId === chatId)
      .flatMap((j) => j.events.filter((e) => e.serviceId === serviceId).map((e) => e.kind));
  }
}

async function waitFor<T>(probe: () => T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let dir: string | undefined;
let target: HttpTarget | undefined;
let apps: RunningApp[] = [];
afterEach(async () => {
  for (const app of apps) await app.stop();
  apps = [];
  await target?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = target = undefined;
});

async function start(
  db: BackendDatabase,
  servicesFile: string,
  publicMonitors: boolean,
): Promise<{ app: RunningApp; chat: RecordingPlatform }> {
  const config: AppConfig = {
    discord: null,
    telegram: null,
    database: db.database,
    databasePath: db.databasePath,
    servicesFile,
    http: { host: '127.0.0.1', port: 0 },
    defaultLocale: 'en',
    defaultTimeZone: 'UTC',
    logLevel: 'silent',
    alertGatherMs: 1000,
    // The operator allows loopback for the demo, and checks as often as every second (tests).
    chatMonitors: {
      ...DEFAULT_CHAT_MONITOR_LIMITS,
      minIntervalMs: 1_000,
      timeoutMs: 2_000,
      allowedRanges: ['127.0.0.0/8'],
      public: publicMonitors,
    },
    secrets: [...db.secrets],
  };
  let chat: RecordingPlatform | undefined;
  const app = await startApp(config, loadServicesFile(servicesFile), {
    clock: { now: () => Date.now() },
    log: silentLog,
    out: discard,
    platforms: (ctx) => [(chat = new RecordingPlatform(ctx))],
  });
  apps.push(app);
  if (!chat) throw new Error('the app built no platform');
  return { app, chat };
}

const json = async (url: string): Promise<unknown> => (await fetch(url)).json();

// Chat monitors, their outage and a restart that loads them back: all storage, on both backends.
describe.each(BACKENDS)('monitors added from chat in the running app on %s', (backend) => {
  it('an admin watches a local site and gets its alert; members and metadata are refused; a restart keeps it', async () => {
    target = await startHttpTarget();
    dir = mkdtempSync(join(tmpdir(), 'chat-monitor-app-'));
    const db = await backendDatabase(backend, dir);
    const servicesFile = join(dir, 'services.yaml');
    writeFileSync(
      servicesFile,
      `defaults: { every: 1h, timeout: 1s, confirm: { down: 2, up: 2 } }
services:
  - id: github
    name: GitHub
    monitors:
      - { type: tcp, host: 127.0.0.1, port: 9 }
`,
    );
    const first = await start(db, servicesFile, false);
    const { chat } = first;

    expect((await chat.say(`/monitor add site ${target.url} 1s`, { userId: MEMBER })).text).toBe(
      'Only admins of this chat can do that.',
    );
    const metadata = await chat.say('/monitor add x http://169.254.169.254/');
    expect(metadata).toEqual({
      text: `This target cannot be added. ${describeSsrfRefusal('en', 'cloud-metadata')}`,
      ephemeral: true,
    });

    const added = await chat.say(`/monitor add site ${target.url} 1s`);
    expect(added).toEqual({
      text: `Added “site”: ${target.url}, checked every 1 second. This chat gets its alerts.`,
      ephemeral: false,
    });
    await waitFor(() => first.app.engine.serviceState('chat-1')?.status === 'up', 'the first good checks');
    expect((await chat.say('/services')).text).toContain('• site (chat-1)');
    expect((await chat.say('/services', { chatId: OTHER_GROUP, userId: OTHER_ADMIN })).text).not.toContain(
      'site',
    );
    expect((await chat.say('/status site', { chatId: OTHER_GROUP, userId: OTHER_ADMIN })).text).toMatch(
      /^I don't know the service/,
    );

    // Another community subscribed to every service still never hears about this one.
    expect((await chat.say('/subscribe all', { chatId: OTHER_GROUP, userId: OTHER_ADMIN })).text).toMatch(
      /^This chat now gets alerts/,
    );

    target.up = false;
    await waitFor(() => chat.kinds(GROUP, 'chat-1').includes('opened'), 'the outage alert');
    expect(
      chat.delivered.find((j) => j.events.some((e) => e.serviceId === 'chat-1'))?.events[0],
    ).toMatchObject({ kind: 'opened', serviceName: 'site', status: 'down' });
    expect(chat.kinds(OTHER_GROUP, 'chat-1')).toEqual([]);
    expect((await chat.say('/status site')).text).toMatch(/^site: down since /);

    // Not public: neither the JSON API nor the page shows the community's monitor or its incident.
    const { services } = (await json(`${first.app.url}/api/services`)) as { services: { id: string }[] };
    expect(services.map((s) => s.id)).toEqual(['github']);
    const incidents = (await json(`${first.app.url}/api/incidents`)) as { serviceId: string }[];
    expect(incidents.map((i) => i.serviceId)).not.toContain('chat-1');
    expect((await fetch(`${first.app.url}/api/services/chat-1`)).status).toBe(404);
    expect(await (await fetch(`${first.app.url}/`)).text()).not.toContain('/services/chat-1');

    await first.app.stop();
    apps = [];

    // Restart on the same database, with chat monitors public this time.
    const second = await start(db, servicesFile, true);
    expect((await second.chat.say('/monitor list')).text).toMatch(/^Monitors \(1\/20\):\n• site: /);
    expect(second.app.engine.serviceState('chat-1')?.status).toBe('down');
    target.up = true;
    await waitFor(() => second.chat.kinds(GROUP, 'chat-1').includes('resolved'), 'the recovery');
    expect(second.chat.kinds(GROUP, 'chat-1')).toEqual(['resolved']);
    const publicList = (
      (await json(`${second.app.url}/api/services`)) as { services: { id: string; name: string }[] }
    ).services;
    expect(publicList.map((s) => [s.id, s.name])).toEqual([
      ['github', 'GitHub'],
      ['chat-1', 'site'],
    ]);
    expect(await (await fetch(`${second.app.url}/`)).text()).toContain('/services/chat-1');

    expect((await second.chat.say('/monitor remove site')).text).toBe('Removed “site”.');
    expect((await second.chat.say('/services')).text).not.toContain('site');
    expect(second.app.engine.serviceState('chat-1')).toBeUndefined();
  }, 90_000);
});
