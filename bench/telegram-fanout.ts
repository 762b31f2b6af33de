/**
 * Telegram fan-out (docs/design.md §4): one incident to 10,000 private chats through the real outbox (SQLite
 * file), OutboxWorker, Pacer (TELEGRAM_ALERT_PACING) and TelegramSender on real telegraf, against
 * the local Bot API enforcing 30 messages/s overall and 1/s per chat. Reports the sustained send
 * rate (target ≥ 28/s), 429s received (target 0), and the time from an incident event to its first
 * message at the fake, p50/p99 over single-chat incidents (target p99 < 100 ms). The gather of
 * opening alerts is set to 0: it is a deliberate wait, not delivery latency.
 *
 * With PostgreSQL (BENCH_BACKEND, see bench/postgres.ts) the same run follows SQLite's with the
 * subscriptions and the outbox on a durable throw-away server (PostgresSubscriptionStore,
 * PostgresOutboxStore, a pool as the bot opens it); the worker, pacer, sender and fake are the same.
 */
import { Telegraf } from 'telegraf';
import { TELEGRAM_ALERT_PACING } from '../src/platforms/telegram/telegram-settings.js';
import { TelegramSender } from '../src/platforms/telegram/telegram-sender.js';
import type { OutboxStore } from '../src/core/delivery/ports.js';
import type { IncidentEvent } from '../src/core/events.js';
import { openDatabase } from '../src/db/database.js';
import { PostgresOutboxStore } from '../src/db/postgres/postgres-outbox-store.js';
import { PostgresSubscriptionStore } from '../src/db/postgres/postgres-subscription-store.js';
import { SqliteOutboxStore } from '../src/db/sqlite-outbox-store.js';
import { SqliteSubscriptionStore } from '../src/db/sqlite-subscription-store.js';
import { OutboxWorker } from '../src/dispatch/outbox-worker.js';
import { Pacer } from '../src/dispatch/pacer.js';
import { startFakeTelegram } from '../test/fakes/telegram/index.js';
import { BOT_POOL_SIZE, benchBackends, startBenchPostgres } from './postgres.js';
import { fmt, percentile, silentLog, tempDir } from './support.js';

const CHATS = Number(process.env['TELEGRAM_FANOUT_CHATS'] ?? 10_000);
/** Single-chat incidents measured for event-to-first-send. */
const TRIALS = 100;
const GLOBAL_PER_SECOND = 30;
const FANOUT_TIMEOUT_MS = (CHATS / 25) * 1000 + 60_000;

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

/** Where the bench keeps its subscriptions and outbox. */
interface FanoutBackend {
  /** Printed after the title: which database. */
  readonly label: string;
  readonly outbox: OutboxStore;
  readonly subscriptions: ConstructorParameters<typeof OutboxWorker>[0]['subscriptions'];
  /** Subscribes each chat to its service (minimum severity minor). */
  subscribeAll(chats: readonly { chatId: string; serviceId: string }[], now: number): Promise<void>;
  /** Plans the event's outbox rows (committed when this resolves). */
  enqueue(event: IncidentEvent): Promise<void>;
  close(): Promise<void>;
}

function sqliteBackend(): FanoutBackend {
  const dir = tempDir('bench-telegram-');
  const db = openDatabase(`${dir.path}/bench.db`);
  const subscriptions = new SqliteSubscriptionStore(db);
  const outbox = new SqliteOutboxStore(db, { gatherMs: 0 });
  return {
    label: 'SQLite',
    outbox,
    subscriptions,
    subscribeAll: async (chats, now) => {
      db.transaction(() => {
        for (const { chatId, serviceId } of chats)
          subscriptions.subscribe({ platform: 'telegram', chatId }, serviceId, 'minor', now);
      })();
    },
    enqueue: async (e) => {
      db.transaction(() => outbox.enqueueIncidentEvent(e))();
    },
    close: async () => {
      db.close();
      dir.remove();
    },
  };
}

async function postgresBackend(): Promise<FanoutBackend> {
  const server = await startBenchPostgres({ durable: true });
  try {
    const pgDb = await server.open();
    const subscriptions = new PostgresSubscriptionStore(pgDb.pool);
    const outbox = new PostgresOutboxStore(pgDb.pool, { gatherMs: 0 });
    return {
      label: `PostgreSQL, durable, pool of ${BOT_POOL_SIZE}`,
      outbox,
      subscriptions,
      subscribeAll: async (chats, now) => {
        // A few at a time (each its own transaction): set-up, not measured.
        for (let i = 0; i < chats.length; i += BOT_POOL_SIZE)
          await Promise.all(
            chats
              .slice(i, i + BOT_POOL_SIZE)
              .map(({ chatId, serviceId }) =>
                subscriptions.subscribe({ platform: 'telegram', chatId }, serviceId, 'minor', now),
              ),
          );
      },
      enqueue: async (e) => {
        await outbox.enqueueIncidentEvent(e);
      },
      close: async () => {
        await pgDb.close();
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

export async function runTelegramFanoutBench(): Promise<Record<string, number>> {
  const backends = benchBackends();
  const sqlite = backends.sqlite ? await runTelegramFanout(sqliteBackend) : {};
  const postgres = backends.postgres ? await runTelegramFanout(postgresBackend) : {};
  return {
    ...sqlite,
    ...Object.fromEntries(Object.entries(postgres).map(([key, value]) => [`postgres_${key}`, value])),
  };
}

async function runTelegramFanout(
  makeBackend: () => FanoutBackend | Promise<FanoutBackend>,
): Promise<Record<string, number>> {
  const fake = await startFakeTelegram({
    rateLimits: {
      global: { max: GLOBAL_PER_SECOND, windowMs: 1_000 },
      privateChat: { max: 1, windowMs: 1_000 },
    },
  });
  const chatIds = Array.from({ length: CHATS + TRIALS }, (_, i) =>
    String(fake.createChat({ type: 'private', user: fake.createUser({ first_name: `U${i}` }) }).id),
  );
  const backend = await makeBackend();
  const bot = new Telegraf(fake.token, { telegram: { apiRoot: fake.apiRoot } });
  const stop = new AbortController();
  let running: Promise<void> = Promise.resolve();
  try {
    const { outbox, subscriptions } = backend;
    await backend.subscribeAll(
      chatIds.map((chatId, i) => ({ chatId, serviceId: i < CHATS ? 'everyone' : `solo${i - CHATS}` })),
      Date.now(),
    );
    const clock = { now: () => Date.now() };
    const worker = new OutboxWorker({
      store: outbox,
      subscriptions,
      sender: new TelegramSender(bot.telegram, { token: fake.token }),
      pacer: new Pacer(TELEGRAM_ALERT_PACING, clock),
      clock,
      log: silentLog,
    });
    running = worker.run(stop.signal);
    const enqueue = async (e: IncidentEvent): Promise<void> => {
      await backend.enqueue(e);
      worker.wake();
    };
    // Send times, taken as the fake answers (its predicate runs after every request).
    const sentAt = new Map<string, number>();
    let seen = 0;
    const track = (): void => {
      for (; seen < fake.calls.length; seen++) {
        const call = fake.calls[seen];
        if (call?.method === 'sendMessage' && call.status === 200)
          sentAt.set(String(call.params['chat_id']), Date.now());
      }
    };

    const firstSend: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const chatId = chatIds[CHATS + i] ?? '';
      const at = Date.now();
      await enqueue(event(10_000 + i, `solo${i}`, at));
      await fake.waitFor(() => (track(), sentAt.get(chatId)), 5_000);
      firstSend.push((sentAt.get(chatId) ?? at) - at);
      await sleep(1000 / GLOBAL_PER_SECOND);
    }
    await sleep(1_000); // let the one-second global window empty before the fan-out

    const limitedBefore = fake.callCount({ status: 429 });
    const fanoutAt = Date.now();
    await enqueue(event(1, 'everyone', fanoutAt));
    const fanoutIds = chatIds.slice(0, CHATS);
    let done = 0;
    // Past the timeout (far slower than the target) the figures are those of the messages sent.
    let complete = true;
    await fake
      .waitFor(() => {
        track();
        while (done < fanoutIds.length && sentAt.has(fanoutIds[done] ?? '')) done++;
        return done >= CHATS || undefined;
      }, FANOUT_TIMEOUT_MS)
      .catch(() => {
        track();
        complete = false;
      });
    const times = fanoutIds.flatMap((id) => sentAt.get(id) ?? []).sort((a, b) => a - b);
    const first = times[0] ?? fanoutAt;
    const last = times[times.length - 1] ?? first;
    const sorted = [...firstSend].sort((a, b) => a - b);
    const figures = {
      chats: CHATS,
      sent: times.length,
      sustainedPerSecond: ((times.length - 1) * 1000) / Math.max(1, last - first),
      tooManyRequests: fake.callCount({ status: 429 }) - limitedBefore,
      tooManyRequestsTotal: fake.callCount({ status: 429 }),
      fanoutFirstSendMs: first - fanoutAt,
      fanoutSeconds: (last - fanoutAt) / 1000,
      firstSendP50Ms: percentile(sorted, 0.5),
      firstSendP99Ms: percentile(sorted, 0.99),
    };
    console.log(
      `\n## Telegram fan-out: one incident to ${CHATS} chats (local Bot API, 30/s global, 1/s per chat; ${backend.label})`,
    );
    console.log(
      `sustained rate ${fmt(figures.sustainedPerSecond)}/s (target ≥ 28) · 429s ${figures.tooManyRequestsTotal} (target 0) · ` +
        (complete
          ? `all ${CHATS} sent in ${fmt(figures.fanoutSeconds)} s`
          : `only ${times.length} of ${CHATS} sent in ${fmt(FANOUT_TIMEOUT_MS / 1000)} s, then stopped`) +
        ` (first after ${figures.fanoutFirstSendMs} ms)`,
    );
    console.log(
      `event → first send over ${TRIALS} single-chat incidents: p50 ${figures.firstSendP50Ms} ms, ` +
        `p99 ${figures.firstSendP99Ms} ms (target < 100)`,
    );
    return figures;
  } finally {
    stop.abort();
    await running;
    await fake.close();
    await backend.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runTelegramFanoutBench();
