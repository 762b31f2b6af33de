/**
 * Discord fan-out (docs/design.md §4): one incident to 1,000 channels through the real outbox (SQLite file),
 * OutboxWorker, Pacer (the platform's pacing) and DiscordSender on the real @discordjs/rest client, against the local
 * Discord enforcing Discord's 50 requests/s global limit and its per-channel bucket. Reports the
 * sustained send rate (target ≥ 47/s), 429s received (target 0), and the time from an incident
 * event to its first message at the fake, p50/p99 over single-channel incidents (target p99
 * < 100 ms). The 5 s gather of opening alerts (GROUP_GATHER_MS) is set to 0: it is a deliberate
 * wait, not delivery latency.
 */
import { REST } from 'discord.js';
import { DISCORD_ALERT_PACING } from '../src/platforms/discord/discord-settings.js';
import { DISCORD_REST_OPTIONS } from '../src/platforms/discord/discord-rest.js';
import { DiscordSender } from '../src/platforms/discord/discord-sender.js';
import type { IncidentEvent } from '../src/core/events.js';
import { openDatabase } from '../src/db/database.js';
import { SqliteOutboxStore } from '../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../src/db/sqlite-subscription-store.js';
import { OutboxWorker } from '../src/dispatch/outbox-worker.js';
import { Pacer } from '../src/dispatch/pacer.js';
import { startFakeDiscord } from '../test/fakes/discord/index.js';
import { fmt, percentile, silentLog, tempDir } from './support.js';

const CHANNELS = 1_000;
/** Single-channel incidents measured for event-to-first-send. */
const TRIALS = 100;
const GLOBAL_PER_SECOND = 50;
const FANOUT_TIMEOUT_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function event(incidentId: number, serviceId: string, at: number): IncidentEvent {
  return {
    kind: 'opened',
    incidentId,
    serviceId,
    serviceName: serviceId,
    group: null,
    severity: 'major',
    status: 'down',
    startedAt: at,
    at,
    evidence: [
      {
        kind: 'probe',
        monitorId: `${serviceId}-http`,
        target: 'example.com',
        state: 'down',
        reason: 'http-status',
        message: 'HTTP 503',
      },
    ],
  };
}

export async function runDiscordFanoutBench(): Promise<Record<string, number>> {
  const fake = await startFakeDiscord({
    rateLimits: { globalPerSecond: GLOBAL_PER_SECOND },
    onUnknownRoute: () => undefined,
  });
  const guild = fake.addGuild({
    name: 'Bench',
    channels: Array.from({ length: CHANNELS + TRIALS }, (_, i) => ({ name: `c${i}` })),
  });
  const channelIds = Array.from({ length: CHANNELS + TRIALS }, (_, i) => guild.channels[`c${i}`] ?? '');
  const dir = tempDir('bench-discord-');
  const db = openDatabase(`${dir.path}/bench.db`);
  const rest = new REST({ api: fake.restUrl, ...DISCORD_REST_OPTIONS }).setToken(fake.token);
  const stop = new AbortController();
  let running: Promise<void> = Promise.resolve();
  try {
    const subscriptions = new SqliteSubscriptionStore(db);
    const outbox = new SqliteOutboxStore(db, { gatherMs: 0 });
    const now = Date.now();
    db.transaction(() => {
      channelIds.forEach((chatId, i) => {
        const serviceId = i < CHANNELS ? 'everyone' : `solo${i - CHANNELS}`;
        subscriptions.subscribe({ platform: 'discord', chatId, guildId: guild.id }, serviceId, 'minor', now);
      });
    })();
    const clock = { now: () => Date.now() };
    const worker = new OutboxWorker({
      store: outbox,
      subscriptions,
      sender: new DiscordSender(rest),
      pacer: new Pacer(DISCORD_ALERT_PACING, clock),
      clock,
      log: silentLog,
    });
    running = worker.run(stop.signal);
    const enqueue = (e: IncidentEvent): void => {
      db.transaction(() => outbox.enqueueIncidentEvent(e))();
      worker.wake();
    };
    const sentTo = (chatId: string) =>
      fake.calls.find((c) => c.status === 200 && c.path === `/channels/${chatId}/messages`);

    // Event to first send, one single-channel incident at a time, spaced under the global rate.
    const firstSend: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const chatId = channelIds[CHANNELS + i] ?? '';
      const at = Date.now();
      enqueue(event(10_000 + i, `solo${i}`, at));
      const call = await fake.waitFor(() => sentTo(chatId), 5_000);
      firstSend.push(call.atMs - at);
      await sleep(1000 / GLOBAL_PER_SECOND);
    }
    await sleep(1_000); // let the one-second global window empty before the fan-out

    const limitedBefore = fake.rateLimitedCount;
    const fanoutAt = Date.now();
    enqueue(event(1, 'everyone', fanoutAt));
    const fanoutIds = new Set(channelIds.slice(0, CHANNELS).map((id) => `/channels/${id}/messages`));
    // Counted incrementally: the predicate runs after every request the fake answers.
    const times: number[] = [];
    let seen = fake.calls.length;
    const countSends = (): boolean => {
      for (; seen < fake.calls.length; seen++) {
        const call = fake.calls[seen];
        if (call !== undefined && call.status === 200 && fanoutIds.has(call.path)) times.push(call.atMs);
      }
      return times.length >= CHANNELS;
    };
    await fake.waitFor(countSends, FANOUT_TIMEOUT_MS);
    times.sort((a, b) => a - b);
    const first = times[0] ?? fanoutAt;
    const last = times[times.length - 1] ?? first;
    const rate = ((times.length - 1) * 1000) / Math.max(1, last - first);
    // The most sends the fake saw in any one second: what its sliding window compares with 50.
    let busiestSecond = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] ?? 0) - (times[j] ?? 0) >= 1000) j++;
      busiestSecond = Math.max(busiestSecond, i - j + 1);
    }
    const sorted = [...firstSend].sort((a, b) => a - b);
    const figures = {
      channels: CHANNELS,
      sustainedPerSecond: rate,
      busiestSecond,
      tooManyRequests: fake.rateLimitedCount - limitedBefore,
      tooManyRequestsTotal: fake.rateLimitedCount,
      fanoutFirstSendMs: first - fanoutAt,
      fanoutSeconds: (last - fanoutAt) / 1000,
      firstSendP50Ms: percentile(sorted, 0.5),
      firstSendP99Ms: percentile(sorted, 0.99),
    };
    console.log('\n## Discord fan-out: one incident to 1,000 channels (local Discord, 50 requests/s global)');
    console.log(
      `sustained rate ${fmt(figures.sustainedPerSecond)}/s (target ≥ 47), busiest second ${busiestSecond} · 429s ${figures.tooManyRequestsTotal} (target 0) · ` +
        `all ${CHANNELS} sent in ${fmt(figures.fanoutSeconds)} s (first after ${figures.fanoutFirstSendMs} ms)`,
    );
    console.log(
      `event → first send over ${TRIALS} single-channel incidents: p50 ${figures.firstSendP50Ms} ms, ` +
        `p99 ${figures.firstSendP99Ms} ms (target < 100)`,
    );
    return figures;
  } finally {
    stop.abort();
    await running;
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
    await fake.close();
    db.close();
    dir.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runDiscordFanoutBench();
