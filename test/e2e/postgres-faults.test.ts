/**
 * The bot on PostgreSQL through two faults, with the real process (`DATABASE_URL`) on the local
 * Telegram:
 * - the PostgreSQL server stopped for 25 s while a service fails: the bot still detects the outage
 *   (its detection answers from memory), says the database is not writable (`/healthz` 503,
 *   `incident_bot_database_writable 0`), and once the server is back delivers the alert exactly
 *   once, stores the incident once with its outbox row, and is healthy again;
 * - the crash test (test/e2e/telegram-crash-scenario.ts) on PostgreSQL: SIGKILL mid fan-out to
 *   1,000 chats, nothing lost, duplicates no more than the sends in flight.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type PostgresCluster, startPostgresCluster } from '../helpers/postgres-cluster.js';
import { CRASH_TEST_TIMEOUT_MS, crashMidFanOut } from './telegram-crash-scenario.js';
import { type TelegramWorld, startTelegramWorld, waitUntil } from './telegram-harness.js';

/**
 * How long the server stays stopped: over twice the pool's connect and idle timeouts (10 s each,
 * so connections fail, are dropped and fail to reopen), and many times the commit queue's longest
 * retry wait (2 s), so the queued writes have been retried at their slowest pace for a while.
 */
const DATABASE_AWAY_MS = 25_000;

let world: TelegramWorld | undefined;
let cluster: PostgresCluster | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  await cluster?.stop();
  cluster = undefined;
}, 60_000);

interface Health {
  readonly status: number;
  readonly writable: boolean;
}

/**
 * GET, tried a second time when the connection fails: a kept-alive connection the server closed
 * as idle resets the next request on it (whether the bot is running is checked separately).
 */
async function get(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch {
    return fetch(url);
  }
}

async function health(base: string): Promise<Health> {
  const response = await get(`${base}/healthz`);
  const body = (await response.json()) as { database?: { writable?: boolean } };
  return { status: response.status, writable: body.database?.writable === true };
}

/** The value of an unlabelled gauge in /metrics, or NaN when absent. */
async function gauge(base: string, name: string): Promise<number> {
  const text = await (await get(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

async function siteStatus(base: string): Promise<string | undefined> {
  const list = (await (await get(`${base}/api/services`)).json()) as {
    services: { id: string; status: string }[];
  };
  return list.services.find((s) => s.id === 'site')?.status;
}

describe('PostgreSQL faults end to end', () => {
  it(
    'detects an outage while the PostgreSQL server is stopped for 25 s, then delivers its alert exactly once',
    async () => {
      cluster = await startPostgresCluster();
      world = await startTelegramWorld('postgres', { databaseUrl: cluster.url });
      const { fake, target } = world;
      const creator = fake.createUser({ first_name: 'Owner' });
      const groupId = fake.createChat({ type: 'group', title: 'Ops', creator }).id;
      await world.subscribe(groupId, 'site');
      const bot = world.startBot();
      const started = await bot.waitForLine(/status API on (http:\/\/\S+)\/api\/services/, 60_000);
      const base = /status API on (http:\/\/\S+)\/api\/services/.exec(started)![1]!;
      // Healthy once the scheduler ticks and Telegram is connected.
      await waitUntil(async () => (await health(base)).status === 200, 30_000);
      expect(await health(base)).toEqual({ status: 200, writable: true });
      await waitUntil(async () => (await siteStatus(base)) === 'up', 30_000);

      /** The bot is still running (its output when not): the database away must not end it. */
      const alive = () => {
        if (bot.child.exitCode !== null || bot.child.signalCode !== null)
          throw new Error(`the bot exited (${bot.child.exitCode ?? bot.child.signalCode}):\n${bot.stderr}`);
        return true;
      };
      await cluster.pause();
      const pausedAt = Date.now();
      target.up = false;
      // Detected from memory while the database is away; its writes wait in the commit queue.
      await waitUntil(async () => alive() && (await siteStatus(base)) === 'down', 20_000);
      await waitUntil(async () => alive() && !(await health(base)).writable, 30_000);
      expect(await health(base)).toEqual({ status: 503, writable: false });
      expect(await gauge(base, 'incident_bot_database_writable')).toBe(0);
      // Nothing can be delivered: the alert's outbox row is not stored yet.
      expect(fake.messages(groupId)).toEqual([]);

      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, pausedAt + DATABASE_AWAY_MS - Date.now())),
      );
      expect(fake.messages(groupId)).toEqual([]);
      expect((await health(base)).status).toBe(503);
      await cluster.start();

      const alert = await fake.waitFor(() => (alive() && fake.messages(groupId)[0]) || undefined, 60_000);
      expect(alert.text).toMatch(/^🔴 Our site is down/);
      await waitUntil(async () => (await health(base)).status === 200, 30_000);
      expect(await health(base)).toEqual({ status: 200, writable: true });
      expect(await gauge(base, 'incident_bot_database_writable')).toBe(1);
      // Everything queued is settled: nothing left that could still be sent again.
      await waitUntil(
        async () =>
          (
            await world!.rows<{ n: number }>(
              "SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'leased', 'held')",
            )
          )[0]?.n === 0,
        30_000,
      );
      expect(fake.messages(groupId)).toHaveLength(1);
      const incidents = await world.rows<{ id: number; service_id: string; status: string }>(
        'SELECT id, service_id, status FROM incidents',
      );
      expect(incidents.map((i) => [i.service_id, i.status])).toEqual([['site', 'down']]);
      const incidentId = incidents[0]!.id;
      expect(await world.rows('SELECT incident_id, kind FROM outbox_events')).toEqual([
        { incident_id: incidentId, kind: 'opened' },
      ]);
      expect(await world.rows('SELECT incident_id, event_kind, status FROM outbox')).toEqual([
        { incident_id: incidentId, event_kind: 'opened', status: 'sent' },
      ]);
      expect(alive()).toBe(true);
    },
    DATABASE_AWAY_MS + 120_000,
  );

  it(
    'delivers to every one of 1,000 chats across a SIGKILL mid fan-out (postgres)',
    async () => {
      await crashMidFanOut('postgres', (w) => {
        world = w;
      });
    },
    CRASH_TEST_TIMEOUT_MS,
  );
});
