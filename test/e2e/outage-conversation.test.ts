/**
 * One correlated outage, one conversation, end to end: the real bot process on the local Telegram
 * (and the local Discord), four services of one group, each watched by an HTTP monitor and a DNS
 * monitor (a local DNS server on loopback). DNS answers SERVFAIL and HTTP 503; then DNS comes back
 * while HTTP still fails; then everything is back. The chat gets at most three notifications (the
 * alert, at most one escalation, one recovery listing the four), never a recovery while HTTP
 * fails, and the incidents are stored with their worst severity. The Telegram case where HTTP fails
 * after the alert (the most storage: the alert, its escalation and edits, the recovery's reply
 * reference) runs on SQLite and on PostgreSQL; the other two on SQLite, to keep the suite's time down.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SubscriptionStore } from '../../src/core/delivery/ports.js';
import { BACKENDS } from '../helpers/backends.js';
import { BotProcess } from '../helpers/bot-process.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { tempDir } from '../helpers/temp-dir.js';
import { type FakeDnsServer, startDnsServer } from '../fakes/dns-server.js';
import { startFakeDiscord } from '../fakes/discord/index.js';
import { startFakeTelegram } from '../fakes/telegram/index.js';
import { type Backend, type BotDatabase, openBotDatabase, waitUntil } from './telegram-harness.js';

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
  subscribe(store: SubscriptionStore): Promise<unknown>;
  messages(): ChatMessage[];
  close(): Promise<void>;
}

async function telegramChat(): Promise<ChatSide> {
  const fake = await startFakeTelegram({ rateLimits: false });
  const creator = fake.createUser({ first_name: 'Owner' });
  const chat = fake.createChat({ type: 'supergroup', title: 'Ops', creator });
  return {
    env: { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot },
    subscribe: async (store) =>
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
    subscribe: async (store) =>
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

describe.each(BACKENDS)('a DNS-first outage of four services of one group (%s)', (backend) => {
  it('Telegram, HTTP failing after the alert went out: the escalation is one reply for the group, then edits', async () => {
    await outage(await telegramChat(), backend, { httpFailsLater: true });
  }, 120_000);
});

describe('a DNS-first outage of four services of one group (sqlite)', () => {
  it('Telegram, DNS and HTTP failing together: at most 3 notifications, no recovery while HTTP fails, stored as major', async () => {
    await outage(await telegramChat(), 'sqlite', { httpFailsLater: false });
  }, 120_000);

  it('Discord, HTTP failing after the alert went out: the same conversation', async () => {
    await outage(await discordChat(), 'sqlite', { httpFailsLater: true });
  }, 120_000);
});

/**
 * The outage, step by step, each step waiting until the bot has stored it and delivered everything
 * queued. `httpFailsLater`: DNS fails first and the (degraded) alert goes out before HTTP fails too.
 */
async function outage(
  chat: ChatSide,
  backend: Backend,
  { httpFailsLater }: { readonly httpFailsLater: boolean },
): Promise<void> {
  cleanup = () => chat.close();
  const dns: FakeDnsServer = await startDnsServer(
    Object.fromEntries(SERVICES.map((s) => [hostOf(s.id), { A: ['192.0.2.10'] }])),
  );
  const web: HttpTarget[] = await Promise.all(SERVICES.map(() => startHttpTarget()));
  const bots: BotProcess[] = [];
  const dir = tempDir('outage-conversation-');
  const db: BotDatabase = await openBotDatabase(backend, dir);
  cleanup = async () => {
    for (const b of bots)
      if (b.child.exitCode === null && b.child.signalCode === null) await b.stop('SIGKILL');
    await db.close();
    await chat.close();
    await dns.close();
    await Promise.all(web.map((w) => w.close()));
  };
  const servicesFile = join(dir, 'services.yaml');
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
  await db.withSubscriptions((store) => chat.subscribe(store));

  const bot = new BotProcess({
    SERVICES_FILE: servicesFile,
    ...db.env,
    HTTP_PORT: '0',
    // Failing together, the four alerts and their escalations meet in the default 5 s gather; once
    // the alert is out, what follows does not depend on it (the test helper's 1 s is enough).
    ...(httpFailsLater ? {} : { ALERT_GATHER_S: '5' }),
    ...chat.env,
  });
  bots.push(bot);
  await bot.waitForLine(/status API on/);

  const incidents = () =>
    db.rows<IncidentRow>(
      'SELECT service_id, severity, status, resolved_at FROM incidents ORDER BY service_id',
    );
  const unfinished = async () =>
    Number(
      (
        await db.rows<{ n: number }>(
          "SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'leased', 'held')",
        )
      )[0]?.n,
    );
  /** The incidents stored pass `check` and nothing is left to deliver. */
  const settled = async (check: (rows: IncidentRow[]) => boolean) =>
    check(await incidents()) && (await unfinished()) === 0;
  const messages = () => chat.messages();
  const recoveries = () => messages().filter((m) => /back up/.test(m.text));

  // DNS answers SERVFAIL and HTTP 503, everywhere.
  for (const s of SERVICES) dns.setAnswer(hostOf(s.id), 'A', { kind: 'servfail' });
  if (httpFailsLater) {
    await waitUntil(
      () => settled((rows) => rows.length === 4 && rows.every((i) => i.status === 'degraded')),
      30_000,
    );
    expect(messages()).toHaveLength(1);
    expect(messages()[0]?.text).toMatch(/Meta services: .* degraded/);
  }
  for (const w of web) w.up = false;
  await waitUntil(
    () => settled((rows) => rows.length === 4 && rows.every((i) => i.status === 'down')),
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
  await waitUntil(() => settled((rows) => rows.every((i) => i.status === 'degraded')), 30_000);
  expect((await incidents()).every((i) => i.resolved_at === null)).toBe(true);
  expect(recoveries()).toEqual([]);
  // The last message shows the group as it is now: degraded, edited in place.
  const latest = messages().at(-1)!;
  expect(latest.edits).toBeGreaterThan(0);
  expect(latest.text).not.toMatch(/ down\b/);

  // Everything is back.
  for (const w of web) w.up = true;
  await waitUntil(() => settled((rows) => rows.every((i) => i.resolved_at !== null)), 30_000);
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
  expect((await incidents()).map((i) => [i.service_id, i.severity, i.status])).toEqual(
    SERVICES.map((s) => [s.id, 'major', 'up']),
  );
}
