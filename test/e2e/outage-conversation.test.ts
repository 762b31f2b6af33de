/**
 * One correlated outage, one conversation, end to end: the real bot process on the local Telegram
 * (and the local Discord), four services of one group, each watched by an HTTP monitor and a DNS
 * monitor (a local DNS server on loopback). DNS answers SERVFAIL and HTTP 503; then DNS comes back
 * while HTTP still fails; then everything is back. The chat gets at most three notifications (the
 * alert, at most one escalation, one recovery listing the four), never a recovery while HTTP
 * fails, and the incidents are stored with their worst severity.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { tempDir } from '../helpers/temp-dir.js';
import { type FakeDnsServer, startDnsServer } from '../fakes/dns-server.js';
import { startFakeDiscord } from '../fakes/discord/index.js';
import { startFakeTelegram } from '../fakes/telegram/index.js';
import { waitUntil } from './telegram-harness.js';

const SERVICES = [
  { id: 'facebook', name: 'Facebook' },
  { id: 'instagram', name: 'Instagram' },
  { id: 'messenger', name: 'Messenger' },
  { id: 'whatsapp', name: 'WhatsApp' },
] as const;
const hostOf = (id: string) => `${id}.meta.test`;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

interface IncidentRow {
  service_id: string;
  severity: string;
  status: string;
  resolved_at: number | null;
}

/** A message as the chat shows it: new messages only (sends, replies), with their edits. */
interface ChatMessage {
  readonly id: string;
  readonly replyTo: string | undefined;
  readonly edits: number;
  readonly text: string;
}

/** The chat platform side of the test: its fake, the chat subscribed, the bot's environment. */
interface ChatSide {
  readonly env: NodeJS.ProcessEnv;
  /** Subscribes the chat to every service, in the bot's database. */
  subscribe(store: SqliteSubscriptionStore): void;
  messages(): ChatMessage[];
  close(): Promise<void>;
}

async function telegramChat(): Promise<ChatSide> {
  const fake = await startFakeTelegram({ rateLimits: false });
  const creator = fake.createUser({ first_name: 'Owner' });
  const chat = fake.createChat({ type: 'supergroup', title: 'Ops', creator });
  return {
    env: { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot },
    subscribe: (store) =>
      store.subscribe({ platform: 'telegram', chatId: String(chat.id) }, '*', 'minor', Date.now()),
    messages: () =>
      fake.messages(chat.id).map((m) => ({
        id: String(m.messageId),
        replyTo: m.replyToMessageId === undefined ? undefined : String(m.replyToMessageId),
        edits: m.edits.length,
        text: m.text,
      })),
    close: () => fake.close(),
  };
}

async function discordChat(): Promise<ChatSide> {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: 500, onUnknownRoute: () => undefined });
  const guild = fake.addGuild({ name: 'Ops', channels: [{ name: 'alerts' }] });
  const channelId = guild.channels.alerts!;
  return {
    env: {
      DISCORD_TOKEN: fake.token,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_GUILD_ID: guild.id,
      DISCORD_API_ROOT: fake.restUrl,
    },
    subscribe: (store) =>
      store.subscribe(
        { platform: 'discord', chatId: channelId, guildId: guild.id },
        '*',
        'minor',
        Date.now(),
      ),
    messages: () =>
      fake
        .messagesIn(channelId)
        .filter((m) => !m.deleted)
        .map((m) => {
          const embed = (m.embeds[0] ?? {}) as { title?: unknown; description?: unknown };
          const reference = m.messageReference as { message_id?: string } | undefined;
          return {
            id: m.id,
            replyTo: reference?.message_id,
            edits: m.edits.length,
            text: `${String(embed.title ?? '')}\n${String(embed.description ?? '')}`,
          };
        }),
    close: () => fake.close(),
  };
}

describe('a DNS-first outage of four services of one group', () => {
  it('Telegram, DNS and HTTP failing together: at most 3 notifications, no recovery while HTTP fails, stored as major', async () => {
    await outage(await telegramChat(), { httpFailsLater: false });
  }, 120_000);

  it('Telegram, HTTP failing after the alert went out: the escalation is one reply for the group, then edits', async () => {
    await outage(await telegramChat(), { httpFailsLater: true });
  }, 120_000);

  it('Discord, HTTP failing after the alert went out: the same conversation', async () => {
    await outage(await discordChat(), { httpFailsLater: true });
  }, 120_000);
});

/**
 * The outage, step by step, each step waiting until the bot has stored it and delivered everything
 * queued. `httpFailsLater`: DNS fails first and the (degraded) alert goes out before HTTP fails too.
 */
async function outage(
  chat: ChatSide,
  { httpFailsLater }: { readonly httpFailsLater: boolean },
): Promise<void> {
  cleanup = () => chat.close();
  const dns: FakeDnsServer = await startDnsServer(
    Object.fromEntries(SERVICES.map((s) => [hostOf(s.id), { A: ['192.0.2.10'] }])),
  );
  const web: HttpTarget[] = await Promise.all(SERVICES.map(() => startHttpTarget()));
  const bots: BotProcess[] = [];
  cleanup = async () => {
    for (const b of bots)
      if (b.child.exitCode === null && b.child.signalCode === null) await b.stop('SIGKILL');
    await chat.close();
    await dns.close();
    await Promise.all(web.map((w) => w.close()));
  };
  const dir = tempDir('outage-conversation-');
  const servicesFile = join(dir, 'services.yaml');
  const databasePath = join(dir, 'bot.db');
  writeFileSync(
    servicesFile,
    `defaults: { every: 1s, timeout: 800ms, confirm: { down: 2, up: 2 } }
services:
${SERVICES.map(
  (s, i) => `  - id: ${s.id}
    name: ${s.name}
    group: meta
    monitors:
      - { type: http, url: "${web[i]!.url}" }
      - { type: dns, host: "${hostOf(s.id)}", record: A, resolver: "${dns.address}" }
`,
).join('')}`,
  );
  const setup = openDatabase(databasePath);
  chat.subscribe(new SqliteSubscriptionStore(setup));
  setup.close();

  const bot = new BotProcess({
    SERVICES_FILE: servicesFile,
    DATABASE_PATH: databasePath,
    HTTP_PORT: '0',
    ...chat.env,
  });
  bots.push(bot);
  await bot.waitForLine(/status API on/);

  const db = openDatabase(databasePath);
  const close = cleanup;
  cleanup = async () => {
    db.close();
    await close();
  };
  const incidents = () =>
    db
      .prepare('SELECT service_id, severity, status, resolved_at FROM incidents ORDER BY service_id')
      .all() as IncidentRow[];
  const unfinished = () =>
    db
      .prepare("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'leased', 'held')")
      .pluck()
      .get() as number;
  const messages = () => chat.messages();
  const recoveries = () => messages().filter((m) => /back up/.test(m.text));

  // DNS answers SERVFAIL and HTTP 503, everywhere.
  for (const s of SERVICES) dns.setAnswer(hostOf(s.id), 'A', { kind: 'servfail' });
  if (httpFailsLater) {
    await waitUntil(
      () =>
        incidents().length === 4 && incidents().every((i) => i.status === 'degraded') && unfinished() === 0,
      30_000,
    );
    expect(messages()).toHaveLength(1);
    expect(messages()[0]?.text).toMatch(/Meta services: .* degraded/);
  }
  for (const w of web) w.up = false;
  await waitUntil(
    () => incidents().length === 4 && incidents().every((i) => i.status === 'down') && unfinished() === 0,
    30_000,
  );
  expect(messages()[0]?.text).toMatch(/Meta services: /);
  // Worse: at most one new message for the whole group, replying to the alert, showing it down.
  expect(messages().length).toBeLessThanOrEqual(2);
  if (httpFailsLater) {
    const [alert, escalation] = messages();
    expect(escalation?.replyTo).toBe(alert?.id);
    expect(escalation?.text).toMatch(/Meta services: .* down/);
  }

  // DNS is back; HTTP still answers 503.
  for (const s of SERVICES) dns.setAnswer(hostOf(s.id), 'A', ['192.0.2.10']);
  await waitUntil(() => incidents().every((i) => i.status === 'degraded') && unfinished() === 0, 30_000);
  expect(incidents().every((i) => i.resolved_at === null)).toBe(true);
  expect(recoveries()).toEqual([]);
  // The last message shows the group as it is now: degraded, edited in place.
  const latest = messages().at(-1)!;
  expect(latest.edits).toBeGreaterThan(0);
  expect(latest.text).not.toMatch(/ down\b/);

  // Everything is back.
  for (const w of web) w.up = true;
  await waitUntil(() => incidents().every((i) => i.resolved_at !== null) && unfinished() === 0, 30_000);
  await waitUntil(() => recoveries().length > 0, 15_000);

  const all = messages();
  expect(all.length).toBeLessThanOrEqual(3);
  const [recovery, ...moreRecoveries] = recoveries();
  expect(moreRecoveries).toEqual([]);
  expect(recovery).toEqual(all.at(-1));
  expect(recovery!.replyTo).toBe(all.at(-2)!.id);
  for (const s of SERVICES) expect(recovery!.text).toMatch(new RegExp(`${s.name} is back up after `));
  // It ended degraded (HTTP still failing) but peaked down, and says so.
  expect(recovery!.text).toMatch(/Down at their worst: Facebook, Instagram, Messenger, WhatsApp/);
  expect(incidents().map((i) => [i.service_id, i.severity, i.status])).toEqual(
    SERVICES.map((s) => [s.id, 'major', 'up']),
  );
}
