/**
 * Several instances on one PostgreSQL behave as one bot, under chaos (docs/cluster.md, "Chaos
 * test"): a fleet (test/helpers/fleet.ts) watches 200 services on a local target the test
 * switches, alerting chats on the local Telegram and Discord, through two outage waves while one
 * instance is SIGKILLed (and restarted) every few seconds and one is partitioned from PostgreSQL
 * for a while. Counted at the end (test/helpers/fleet-count.ts): every outage alerted once per
 * subscribed chat and every recovery once (none lost; duplicates only from sends in flight at a
 * fault), each chat's messages in order, no 429 from either platform, and every monitor checked
 * within one interval and one lease period throughout.
 *
 * Parameters (environment; the defaults keep it near two minutes on 2 cores):
 * `CHAOS_INSTANCES` (3), `CHAOS_MINUTES` (1), `CHAOS_KILL_EVERY_S` (20, 0: none),
 * `CHAOS_PARTITION_S` (10, 0: none), `CHAOS_PARTITION_MODE` (`reset`, or `freeze`), `CHAOS_LEASE_S` (5: `CLUSTER_LEASE_S`), `CHAOS_CHECK_S` (2),
 * `CHAOS_SERVICES` (200), `CHAOS_WAVE_SIZE` (40). One instance without kills
 * (`CHAOS_INSTANCES=1 CHAOS_KILL_EVERY_S=0`) is a single bot: the counts hold for it too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ALL_SERVICES } from '../../src/core/delivery/ports.js';
import { type PgDb, openPostgres } from '../../src/db/postgres/pool.js';
import { PostgresSubscriptionStore } from '../../src/db/postgres/postgres-subscription-store.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord/index.js';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.js';
import { type ChatPlan, type OutboxRow, chatKey, countFleet } from '../helpers/fleet-count.js';
import { type Fleet, buildBot, logTally, startFleet } from '../helpers/fleet.js';
import { testDatabase } from '../helpers/postgres.js';

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: a number ≥ 0, not ${raw}`);
  return value;
}

const INSTANCES = Math.max(1, Math.round(setting('CHAOS_INSTANCES', 3)));
const WINDOW_MS = setting('CHAOS_MINUTES', 1) * 60_000;
const KILL_EVERY_MS = setting('CHAOS_KILL_EVERY_S', 20) * 1000;
const PARTITION_MS = setting('CHAOS_PARTITION_S', 10) * 1000;
/** `reset`: the partitioned instance's open connections are dropped; `freeze`: they stall silently. */
const PARTITION_MODE = process.env['CHAOS_PARTITION_MODE'] === 'freeze' ? 'freeze' : 'reset';
const LEASE_MS = setting('CHAOS_LEASE_S', 5) * 1000;
const CHECK_MS = setting('CHAOS_CHECK_S', 2) * 1000;
const SERVICES = Math.round(setting('CHAOS_SERVICES', 200));
const WAVE_SIZE = Math.round(setting('CHAOS_WAVE_SIZE', 40));
/** A killed instance comes back after one lease period (its services have moved by then). */
const RESTART_AFTER_MS = LEASE_MS;
/** A wave's services fail (and later recover) spread over this long. */
const WAVE_SPREAD_MS = 3_000;
/** Each wave keeps its services down for 30% of the window. */
const DOWN_MS = WINDOW_MS * 0.3;
/**
 * Delivery after the window: a row whose sender died is reclaimed when its 60-second outbox
 * lease runs out, then paced out.
 */
const DRAIN_MS = 90_000 + 2 * LEASE_MS;
/** Scheduling slack of a check on a loaded 2-core machine, on top of interval + lease. */
const CHECK_SLACK_MS = 1_000;

const id = (n: number) => `svc-${String(n).padStart(3, '0')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The local website: one path per service, each up or down as the test says; every request's time kept. */
interface Target {
  readonly url: string;
  readonly down: Set<string>;
  readonly hits: Map<string, number[]>;
  /** Per service, the vantage point (instance) of each hit, in the order of `hits`. */
  readonly by: Map<string, string[]>;
  close(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  const down = new Set<string>();
  const hits = new Map<string, number[]>();
  const by = new Map<string, string[]>();
  const server: Server = createServer((req, res) => {
    const service = (req.url ?? '/').slice(1);
    const times = hits.get(service) ?? [];
    times.push(Date.now());
    hits.set(service, times);
    const who = by.get(service) ?? [];
    who.push(/vantage=([\w.-]+)/.exec(req.headers['user-agent'] ?? '')?.[1] ?? '?');
    by.set(service, who);
    res.statusCode = down.has(service) ? 503 : 200;
    res.end(down.has(service) ? 'down' : 'ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    down,
    hits,
    by,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The chats of each platform: one subscribed to every service, one to a fifth of them, one to a few. */
function plannedChats(telegram: readonly number[], discord: readonly string[]): ChatPlan[] {
  const every = (k: number) =>
    new Set(
      Array.from({ length: SERVICES }, (_, n) => n)
        .filter((n) => n % k === 1)
        .map(id),
    );
  const scopes = ['all', every(5), every(37)] as const;
  return [
    ...telegram.map((chatId, i): ChatPlan => ({
      platform: 'telegram',
      chatId: String(chatId),
      services: scopes[i % 3]!,
    })),
    ...discord.map((chatId, i): ChatPlan => ({ platform: 'discord', chatId, services: scopes[i % 3]! })),
  ];
}

/** The largest time without a check of each service between `from` and `until` (a service never checked counts the whole span). */
function worstGap(hits: Map<string, number[]>, from: number, until: number): { service: string; ms: number } {
  let worst = { service: '', ms: 0 };
  for (let n = 0; n < SERVICES; n++) {
    const times = [from, ...(hits.get(id(n)) ?? []).filter((t) => t > from && t < until), until];
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      if (gap > worst.ms) worst = { service: id(n), ms: gap };
    }
  }
  return worst;
}

/**
 * When Telegram answered 429: each one with the sends to its chat in the minute before, and what
 * the instances logged about leadership and limits, in seconds from the window's start.
 */
function telegramTimeline(telegram: FakeTelegram, fleet: Fleet, t0: number): string {
  const s = (at: number) => ((at - t0) / 1000).toFixed(2);
  const events: [number, string][] = [];
  for (const c of telegram.calls.filter((c) => c.status === 429)) {
    const chat = String(c.params['chat_id']);
    const before = telegram.calls.filter(
      (b) =>
        b.method.toLowerCase() === 'sendmessage' &&
        b.status === 200 &&
        String(b.params['chat_id']) === chat &&
        b.at > c.at - 60_000 &&
        b.at <= c.at,
    );
    events.push([
      c.at,
      `429 in chat ${chat}; ${before.length} sent in the minute before: ${before.map((b) => s(b.at)).join(' ')}`,
    ]);
  }
  for (const i of fleet.instances)
    for (const bot of i.processes)
      for (const line of [...bot.stdout, ...bot.stderr.split('\n')]) {
        try {
          const r = JSON.parse(line) as { msg?: string; time?: number; platform?: string };
          if (r.time !== undefined && /cluster: (platform|leading)|rate limited|polling/.test(r.msg ?? ''))
            events.push([r.time, `instance ${i.index}: ${r.msg ?? ''} ${r.platform ?? ''}`]);
        } catch {
          // not a log record
        }
      }
  events.sort((x, y) => x[0] - y[0]);
  return [
    'telegram 429 timeline (s from the window start):',
    ...events.map(([at, text]) => `  ${s(at)} ${text}`),
  ].join('\n');
}

/**
 * For services that went unchecked too long or whose incidents went wrong: each one's checks
 * (seconds from the window's start, and the instance that made it), beside the faults and what
 * the instances logged about leases, so a failure says who owned what when.
 */
function serviceTimeline(
  target: Target,
  services: readonly string[],
  faults: readonly [number, string][],
  fleet: Fleet,
  t0: number,
): string {
  const s = (at: number) => ((at - t0) / 1000).toFixed(1);
  const lines: string[] = ['faults and lease events (s from the window start):'];
  const events: [number, string][] = [...faults];
  for (const i of fleet.instances)
    for (const bot of i.processes)
      for (const line of [...bot.stdout, ...bot.stderr.split('\n')]) {
        try {
          const r = JSON.parse(line) as { msg?: string; time?: number; services?: number; err?: string };
          if (r.time !== undefined && /cluster:|PostgreSQL/.test(r.msg ?? ''))
            events.push([
              r.time,
              `instance ${i.index}: ${r.msg ?? ''}${r.services === undefined ? '' : ` (${r.services})`}${r.err === undefined ? '' : ` ${r.err}`}`,
            ]);
        } catch {
          // not a log record
        }
      }
  events.sort((x, y) => x[0] - y[0]);
  lines.push(...events.map(([at, text]) => `  ${s(at)} ${text}`));
  for (const service of services) {
    const times = target.hits.get(service) ?? [];
    const who = target.by.get(service) ?? [];
    lines.push(
      `${service} checks: ${times
        .map((t, k) => [t, who[k] ?? '?'] as const)
        .filter(([t]) => t >= t0 - 2_000)
        .map(([t, w]) => `${s(t)}@${w.replace('vantage-', '')}`)
        .join(' ')}`,
    );
  }
  return lines.join('\n');
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it(
  `${INSTANCES} instance(s), ${SERVICES} services, kills every ${KILL_EVERY_MS / 1000} s, a ${PARTITION_MS / 1000} s partition: one bot's alerts`,
  async () => {
    const began = Date.now();
    expect(DOWN_MS, 'an outage must outlast confirmation and a takeover').toBeGreaterThan(
      3 * CHECK_MS + LEASE_MS + WAVE_SPREAD_MS,
    );
    buildBot();
    const dir = mkdtempSync(join(tmpdir(), 'fleet-chaos-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const target = await startTarget();
    cleanups.push(() => target.close());
    const services = Array.from({ length: SERVICES }, (_, n) => id(n));
    const servicesFile = join(dir, 'services.yaml');
    writeFileSync(
      servicesFile,
      `defaults: { every: ${CHECK_MS}ms, timeout: ${Math.min(1_500, CHECK_MS - 200)}ms, confirm: { down: 2, up: 2 } }\nservices:\n` +
        services
          .map(
            (s) =>
              `  - { id: ${s}, name: "Service ${s}", monitors: [{ type: http, url: "${target.url}${s}" }] }`,
          )
          .join('\n') +
        '\n',
    );

    // The platforms, with their real flood limits on: the fleet as a whole must stay under them.
    const telegram: FakeTelegram = await startFakeTelegram({});
    cleanups.push(() => telegram.close());
    const discord: FakeDiscord = await startFakeDiscord({
      heartbeatIntervalMs: 500,
      onUnknownRoute: () => undefined,
    });
    cleanups.push(() => discord.close());
    const guild = discord.addGuild({
      name: 'Ops',
      channels: [{ name: 'all' }, { name: 'some' }, { name: 'few' }],
      members: [{ username: 'ana', permissions: '0' }],
    });
    const owner = telegram.createUser({ first_name: 'Owner' });
    const telegramChats = [0, 1, 2].map(
      (n) => telegram.createChat({ type: 'supergroup', title: `Ops ${n}`, creator: owner }).id,
    );
    const discordChats = ['all', 'some', 'few'].map((name) => guild.channels[name]!);
    const chats = plannedChats(telegramChats, discordChats);

    const url = await testDatabase();
    const db: PgDb = await openPostgres(url, { poolSize: 2 });
    cleanups.push(() => db.close());
    const subscriptions = new PostgresSubscriptionStore(db.pool);
    for (const chat of chats) {
      const address =
        chat.platform === 'discord'
          ? { platform: chat.platform, chatId: chat.chatId, guildId: guild.id }
          : { platform: chat.platform, chatId: chat.chatId };
      for (const service of chat.services === 'all' ? [ALL_SERVICES] : chat.services)
        await subscriptions.subscribe(address, service, 'minor', Date.now());
    }

    const fleet: Fleet = await startFleet({
      instances: INSTANCES,
      databaseUrl: url,
      servicesFile,
      dir,
      env: {
        CLUSTER_LEASE_S: String(LEASE_MS / 1000),
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        DISCORD_TOKEN: discord.token,
        DISCORD_APPLICATION_ID: discord.applicationId,
        DISCORD_GUILD_ID: guild.id,
        DISCORD_API_ROOT: discord.restUrl,
        LOG_LEVEL: process.env['CHAOS_LOG_LEVEL'] ?? 'warn',
      },
    });
    cleanups.push(() => fleet.stopAll());
    await fleet.start();
    const started = Date.now();
    // Checks are measured from when every service has been checked once by the started fleet.
    const unchecked = () => services.filter((s) => !(target.hits.get(s) ?? []).some((t) => t >= started));
    const until = started + 60_000;
    while (unchecked().length > 0) {
      if (Date.now() > until) throw new Error(`never checked after the start: ${unchecked().join(', ')}`);
      await sleep(100);
    }
    const t0 = Date.now();
    const at = (ms: number) => sleep(t0 + ms - Date.now());

    // Two waves of distinct services: down one after another over a few seconds, up 30% of the
    // window later in the same order.
    const waves = [0, 1].map((w) => ({
      startMs: WINDOW_MS * (0.1 + 0.45 * w),
      services: services.slice(w * WAVE_SIZE, (w + 1) * WAVE_SIZE),
    }));
    const downed = new Set(waves.flatMap((w) => w.services));
    const outages = waves.map(async (wave) => {
      const step = WAVE_SPREAD_MS / wave.services.length;
      await at(wave.startMs);
      for (const [i, s] of wave.services.entries()) {
        target.down.add(s);
        await at(wave.startMs + (i + 1) * step);
      }
      await at(wave.startMs + DOWN_MS);
      for (const [i, s] of wave.services.entries()) {
        target.down.delete(s);
        await at(wave.startMs + DOWN_MS + (i + 1) * step);
      }
    });

    // One partition, from 15% of the window: of the second instance (the only one when alone), or
    // of the first one running if that one is down (a restart never happens while partitioned).
    const faultLog: [number, string][] = [];
    let partitioned: number | undefined;
    let partitions = 0;
    const partition = (async () => {
      if (PARTITION_MS === 0) return;
      await at(WINDOW_MS * 0.15);
      const preferred = Math.min(1, INSTANCES - 1);
      const victim =
        fleet.instances[preferred]?.bot !== undefined
          ? preferred
          : fleet.instances.find((i) => i.bot !== undefined)?.index;
      if (victim === undefined) return;
      partitioned = victim;
      partitions++;
      fleet.partition(victim, PARTITION_MODE);
      faultLog.push([Date.now(), `partition of instance ${victim}`]);
      await at(WINDOW_MS * 0.15 + PARTITION_MS);
      fleet.heal(victim);
      faultLog.push([Date.now(), `instance ${victim} healed`]);
      partitioned = undefined;
    })();

    // A SIGKILL every KILL_EVERY_MS, round robin (skipping an instance while it is partitioned),
    // each restarted one lease period later.
    let kills = 0;
    const restarts: Promise<void>[] = [];
    const killing = (async () => {
      if (KILL_EVERY_MS === 0) return;
      for (let k = 1; k * KILL_EVERY_MS < WINDOW_MS; k++) {
        await at(k * KILL_EVERY_MS);
        let index = (k - 1) % INSTANCES;
        if (index === partitioned) index = (index + 1) % INSTANCES;
        if (index === partitioned || fleet.instances[index]?.bot === undefined) continue;
        await fleet.kill(index);
        faultLog.push([Date.now(), `instance ${index} killed`]);
        kills++;
        restarts.push(
          sleep(RESTART_AFTER_MS)
            .then(() => fleet.restart(index))
            .then(() => void faultLog.push([Date.now(), `instance ${index} restarted`])),
        );
      }
    })();

    await Promise.all([...outages, partition, killing, at(WINDOW_MS)]);
    await Promise.all(restarts);
    const windowEnd = Date.now();
    const gap = worstGap(target.hits, t0, windowEnd);

    // Drain: every outage resolved and every queued row delivered (or the time is up, and the
    // counts below say what is missing).
    const drainUntil = Date.now() + DRAIN_MS;
    const expectedRows = chats.reduce(
      (n, c) => n + 2 * [...downed].filter((s) => c.services === 'all' || c.services.has(s)).length,
      0,
    );
    for (;;) {
      const { rows } = await db.pool.query<{ open: number; unsent: number; sent: number }>(
        `SELECT (SELECT COUNT(*) FROM incidents WHERE resolved_at IS NULL)::int AS open,
                (SELECT COUNT(*) FROM outbox WHERE status <> 'sent')::int AS unsent,
                (SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND event_kind IN ('opened', 'resolved'))::int AS sent`,
      );
      const state = rows[0]!;
      const done = state.open === 0 && state.unsent === 0 && state.sent >= expectedRows;
      // With every instance crashed nothing more will come: the counts say what is missing.
      const dead = fleet.instances.every((i) => i.bot === undefined);
      if (done || dead || Date.now() > drainUntil) break;
      await sleep(1_000);
    }

    const incidents = (
      await db.pool.query<{ id: number; service_id: string; resolved_at: number | null }>(
        'SELECT id, service_id, resolved_at FROM incidents ORDER BY id',
      )
    ).rows.map((r) => ({ id: r.id, serviceId: r.service_id, resolvedAt: r.resolved_at }));
    const rows: OutboxRow[] = (
      await db.pool.query<{
        id: number;
        platform: string;
        chat_id: string;
        incident_id: number;
        event_kind: string;
        status: string;
        platform_message_id: string | null;
      }>(
        `SELECT o.id, o.platform, c.chat_id, o.incident_id, o.event_kind, o.status, o.platform_message_id
           FROM outbox o JOIN chats c ON c.ref = o.chat_ref ORDER BY o.id`,
      )
    ).rows.map((r) => ({
      id: r.id,
      platform: r.platform,
      chatId: r.chat_id,
      incidentId: r.incident_id,
      kind: r.event_kind,
      status: r.status,
      messageId: r.platform_message_id,
    }));
    const messages = new Map<string, string[]>();
    for (const chatId of telegramChats)
      messages.set(
        chatKey('telegram', String(chatId)),
        telegram.messages(chatId).map((m) => String(m.messageId)),
      );
    for (const chatId of discordChats)
      messages.set(
        chatKey('discord', chatId),
        discord.messagesIn(chatId).map((m) => m.id),
      );
    const count = countFleet({ chats, downed, incidents, rows, messages });

    const healthz = await Promise.all(fleet.instances.map((i) => fleet.healthz(i.index)));
    const telegram429 = telegram.callCount({ status: 429 });
    const discord429 = discord.rateLimitedCount;
    const faults = kills + partitions;
    // A chat has at most one message in flight (a claim leases the chat, its rows go out in
    // order, one job is one message), so a fault duplicates at most one message per chat.
    const duplicateBound = faults * chats.length;
    const duplicates = count.figures.telegram.duplicates + count.figures.discord.duplicates;
    const gapBound = CHECK_MS + LEASE_MS + CHECK_SLACK_MS;
    console.log(
      [
        `fleet chaos: ${INSTANCES} instance(s), ${SERVICES} services every ${CHECK_MS / 1000} s, lease ${LEASE_MS / 1000} s, window ${WINDOW_MS / 1000} s, wall ${Math.round((Date.now() - began) / 1000)} s`,
        `  faults: ${kills} kill(s), ${partitions} partition(s) of ${PARTITION_MS / 1000} s (${PARTITION_MODE}); unexpected exits: ${fleet.unexpectedExits.length}`,
        `  outages: ${downed.size} in ${waves.length} waves; incidents: ${incidents.length}; problems: ${count.incidentProblems.length}`,
        ...(['telegram', 'discord'] as const).map((p) => {
          const f = count.figures[p];
          return `  ${p}: alerts ${f.alertsDelivered}/${f.alertsExpected}, recoveries ${f.recoveriesDelivered}/${f.recoveriesExpected}, messages ${f.messages}, duplicates ${f.duplicates}`;
        }),
        `  lost ${count.lost.length}, doubled ${count.doubled.length}, undelivered ${count.undelivered.length}, out of order ${count.outOfOrder.length}, recovered in the alert ${count.recoveredInAlert}`,
        `  duplicates ${duplicates} (bound ${duplicateBound}); 429s: telegram ${telegram429}, discord ${discord429}; getUpdates 409s ${telegram.callCount({ method: 'getUpdates', status: 409 })}`,
        `  worst check gap ${(gap.ms / 1000).toFixed(1)} s (${gap.service}; bound ${gapBound / 1000} s); /healthz ${healthz.join(', ')}`,
        ...fleet.instances.map((i) => `  instance ${i.index} logged: ${logTally(i) || 'nothing'}`),
      ].join('\n'),
    );
    if (telegram429 > 0) console.log(telegramTimeline(telegram, fleet, t0));
    const troubled = new Set(count.incidentProblems.map((p) => p.split(':')[0]!));
    if (gap.ms > gapBound) troubled.add(gap.service);
    if (troubled.size > 0) console.log(serviceTimeline(target, [...troubled], faultLog, fleet, t0));

    expect(
      fleet.unexpectedExits.map((e) => `instance ${e.index}: ${e.code ?? e.signal} ${e.stderr.slice(-500)}`),
    ).toEqual([]);
    expect(count.incidentProblems).toEqual([]);
    expect(count.lost).toEqual([]);
    expect(count.doubled).toEqual([]);
    expect(count.undelivered).toEqual([]);
    expect(count.outOfOrder).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(duplicateBound);
    expect({ telegram429, discord429 }).toEqual({ telegram429: 0, discord429: 0 });
    expect(gap.ms).toBeLessThanOrEqual(gapBound);
    expect(healthz.every((s) => s === 200)).toBe(true);
  },
  // Start-up, the window, the drain and the stop, with room for a loaded machine.
  180_000 + WINDOW_MS + DRAIN_MS,
);
