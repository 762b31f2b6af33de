/**
 * `/maintenance` windows of a chat monitor in the engine: the real `ChatMonitorService`, runtime,
 * `DetectionEngine` and SQLite stores, an injected clock. While the window lasts the monitor's
 * service is `maintenance` and no incident event comes; what still fails at its end (or when it is
 * cancelled) is alerted then; a window set before a restart is loaded again at start.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_MONITOR_LIMITS } from '../../src/chat-monitors/chat-monitor-limits.js';
import { createChatMonitorRuntime } from '../../src/chat-monitors/chat-monitor-runtime.js';
import { type ChatMonitorCaller, ChatMonitorService } from '../../src/chat-monitors/chat-monitor-service.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { IncidentEvent } from '../../src/core/events.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteChatMonitorStore } from '../../src/db/sqlite-chat-monitor-store.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { STRICT_ADDRESS_POLICY } from '../../src/monitors/ssrf/address-policy.js';
import { FakeClock, buildCatalog } from '../helpers/catalog.js';
import { tempDbPath } from '../helpers/temp-dir.js';

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const MINUTE = 60_000;
const WINDOW_START = T0 + 10 * MINUTE;
const WINDOW_END = T0 + 40 * MINUTE;
const SERVICE = 'chat-1';

const up: ProbeOutcome = { status: 'up', reason: 'ok', message: '200 in 12 ms', latencyMs: 12 };
const down: ProbeOutcome = { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: 30 };
const admin: ChatMonitorCaller = { platform: 'discord', chatId: '200', guildId: '100', userId: 'u1' };

const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
});

/** The bot as started on `path`: its chat monitors registered and their windows loaded. */
async function start(path: string, clock: FakeClock, addShop = false) {
  const db = openDatabase(path);
  dbs.push(db);
  const catalog = buildCatalog({ services: [] });
  const engine = new DetectionEngine(catalog, new SqliteDetectionStore(db, catalog), clock, {
    roundMs: MINUTE,
  });
  const incidents: IncidentEvent[] = [];
  engine.onIncident((e) => incidents.push(e));
  const store = new SqliteChatMonitorStore(db);
  if (addShop)
    store.add({
      ownerKey: 'discord:guild:100',
      platform: 'discord',
      chatId: '200',
      name: 'shop',
      kind: 'http',
      target: 'https://shop.example.org/',
      intervalMs: MINUTE,
      createdBy: 'u1',
      createdAt: clock.now(),
    });
  const guard = { resolve: () => Promise.resolve(['93.184.216.34']), policy: STRICT_ADDRESS_POLICY };
  const runtime = createChatMonitorRuntime({
    scheduler: { addMonitor: () => {}, removeMonitor: () => true },
    engine,
    limits: DEFAULT_CHAT_MONITOR_LIMITS,
    guard,
  });
  const service = new ChatMonitorService({
    store,
    guard,
    limits: DEFAULT_CHAT_MONITOR_LIMITS,
    subscriptions: new SqliteSubscriptionStore(db),
    runtime,
    clock,
    applyMaintenance: (windows) => engine.setChatWindows(windows),
  });
  await service.start();
  const monitorId = runtime.registered()[0]?.monitor.id ?? '';
  /** Advances to `at`, applying the windows every second on the way as the app's tick does. */
  const until = (at: number): void => {
    while (clock.now() + 1000 <= at) {
      clock.advance(1000);
      engine.checkMaintenance();
    }
    clock.set(at);
    engine.checkMaintenance();
  };
  /** One check a minute of the monitor from `from` to `to` (exclusive). */
  const checks = (outcome: ProbeOutcome, from: number, to: number): void => {
    for (let at = from; at < to; at += MINUTE) {
      until(at);
      engine.handleResult(monitorId, outcome);
    }
  };
  return { engine, service, incidents, until, checks };
}

describe('a chat monitor with a /maintenance window', () => {
  it('is in maintenance through the window without an alert, and what still fails is alerted at its end', async () => {
    const clock = new FakeClock(T0);
    const bot = await start(tempDbPath('chat-maintenance-'), clock, true);
    bot.checks(up, T0, T0 + 2 * MINUTE);
    expect(
      await bot.service.setMaintenance(admin, { name: 'SHOP', startsAt: WINDOW_START, endsAt: WINDOW_END }),
    ).toEqual({ kind: 'set', window: { name: 'shop', startsAt: WINDOW_START, endsAt: WINDOW_END } });
    expect(await bot.service.listMaintenance(admin)).toEqual([
      { name: 'shop', startsAt: WINDOW_START, endsAt: WINDOW_END },
    ]);
    bot.checks(up, T0 + 2 * MINUTE, WINDOW_START);
    expect(bot.engine.serviceState(SERVICE)?.status).toBe('up');

    bot.until(WINDOW_START);
    expect(bot.engine.serviceState(SERVICE)).toMatchObject({ status: 'maintenance', since: WINDOW_START });
    expect(bot.engine.maintenance(SERVICE)).toEqual({ since: WINDOW_START, until: WINDOW_END, reason: null });

    bot.checks(down, T0 + 15 * MINUTE, WINDOW_END);
    expect(bot.incidents).toEqual([]);
    expect(bot.engine.serviceState(SERVICE)?.status).toBe('maintenance');

    bot.until(WINDOW_END);
    expect(bot.engine.maintenance(SERVICE)).toBeUndefined();
    expect(bot.incidents.map((e) => [e.serviceId, e.kind, e.at])).toEqual([[SERVICE, 'opened', WINDOW_END]]);
    expect(await bot.service.listMaintenance(admin)).toEqual([]);
  });

  it('cancelled while it runs: what fails is alerted at the next tick', async () => {
    const clock = new FakeClock(T0);
    const bot = await start(tempDbPath('chat-maintenance-'), clock, true);
    await bot.service.setMaintenance(admin, { name: 'shop', startsAt: T0, endsAt: WINDOW_END });
    bot.checks(down, T0, T0 + 10 * MINUTE);
    expect(bot.engine.serviceState(SERVICE)?.status).toBe('maintenance');
    expect(bot.incidents).toEqual([]);

    expect(await bot.service.cancelMaintenance(admin, 'shop')).toEqual({ kind: 'cancelled', name: 'shop' });
    bot.until(T0 + 10 * MINUTE + 1000);
    expect(bot.engine.maintenance(SERVICE)).toBeUndefined();
    expect(bot.incidents.map((e) => e.kind)).toEqual(['opened']);
    expect(await bot.service.cancelMaintenance(admin, 'shop')).toEqual({ kind: 'none', name: 'shop' });
  });

  it('keeps a window over a restart, and names the monitors of the community for an unknown one', async () => {
    const clock = new FakeClock(T0);
    const path = tempDbPath('chat-maintenance-');
    const first = await start(path, clock, true);
    await first.service.setMaintenance(admin, { name: 'shop', startsAt: WINDOW_START, endsAt: WINDOW_END });
    for (const db of dbs.splice(0)) db.close();

    const again = await start(path, clock);
    again.until(WINDOW_START);
    expect(again.engine.serviceState(SERVICE)?.status).toBe('maintenance');
    expect(
      await again.service.setMaintenance(admin, { name: 'shp', startsAt: T0, endsAt: WINDOW_END }),
    ).toEqual({
      kind: 'unknown-monitor',
      name: 'shp',
      known: ['shop'],
    });
    // Another community does not see it, nor can it touch it.
    const other: ChatMonitorCaller = { platform: 'discord', chatId: '300', guildId: '999', userId: 'u2' };
    expect(await again.service.listMaintenance(other)).toEqual([]);
    expect(await again.service.cancelMaintenance(other, 'shop')).toMatchObject({ kind: 'unknown-monitor' });
  });

  it('removing the monitor ends its window', async () => {
    const clock = new FakeClock(T0);
    const bot = await start(tempDbPath('chat-maintenance-'), clock, true);
    await bot.service.setMaintenance(admin, { name: 'shop', startsAt: T0, endsAt: WINDOW_END });
    bot.until(T0 + 1000);
    expect(bot.engine.maintenance(SERVICE)).toBeDefined();
    await bot.service.remove(admin, 'shop');
    expect(await bot.service.listMaintenance(admin)).toEqual([]);
    expect(bot.engine.maintenance(SERVICE)).toBeUndefined();
  });
});
