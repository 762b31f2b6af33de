/**
 * The Telegram adapter in-process: real telegraf against the local Bot API, the real
 * CommandService and stores on a real SQLite file with the real migrations. Every world registers
 * its clean-ups in `cleanups`, which the test file runs after each test.
 */
import { expect } from 'vitest';
import { TelegramPlatform } from '../../src/platforms/telegram/telegram-platform.js';
import { TelegramUpdates } from '../../src/platforms/telegram/telegram-updates.js';
import type { TelegramWebhookSettings } from '../../src/platforms/telegram/telegram-settings.js';
import type { RenderChartPng } from '../../src/charts/chart-png.js';
import { parseServices } from '../../src/config/services-file.js';
import { CommandService } from '../../src/core/commands/command-service.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { Db } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteOutboxStore } from '../../src/db/sqlite-outbox-store.js';
import { SqliteQueryStore } from '../../src/db/sqlite-query-store.js';
import { SqliteReportStore } from '../../src/db/sqlite-report-store.js';
import { SqliteSubscriptionStore } from '../../src/db/sqlite-subscription-store.js';
import { silentLog, tempDatabase } from '../dispatch/delivery-fixtures.js';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.js';

export type Cleanups = (() => Promise<void> | void)[];

export interface World {
  fake: FakeTelegram;
  platform: TelegramPlatform;
  subscriptions: SqliteSubscriptionStore;
  reports: SqliteReportStore;
  db: Db;
}

export async function world(
  cleanups: Cleanups,
  options: { renderChartPng?: RenderChartPng } = {},
): Promise<World> {
  const fake = await startFakeTelegram({ rateLimits: false });
  cleanups.push(() => fake.close());
  const database = tempDatabase();
  const db = database.open();
  cleanups.push(() => database.dispose());
  const built = createPlatform(fake, db, options);
  cleanups.push(() => built.platform.stop());
  await built.platform.start();
  expect(built.platform.connected).toBe(true);
  return { fake, db, ...built };
}

/**
 * A Telegram platform over `db` against `fake`, not started: several of them on one database and
 * one fake are the instances of a cluster. `webhook` switches it to webhook mode.
 */
export function createPlatform(
  fake: FakeTelegram,
  db: Db,
  options: {
    renderChartPng?: RenderChartPng;
    webhook?: TelegramWebhookSettings;
    pollRestartMs?: number;
  } = {},
): Pick<World, 'platform' | 'subscriptions' | 'reports'> {
  const services = parseServices(
    'services:\n  - { id: site, name: Our site, monitors: [ { type: http, url: "http://127.0.0.1:1/" } ] }\n',
  );
  const clock = { now: () => Date.now() };
  const subscriptions = new SqliteSubscriptionStore(db);
  const engine = new DetectionEngine(services, new SqliteDetectionStore(db, services), clock, {
    roundMs: 60_000,
  });
  const reports = new SqliteReportStore(db);
  const commandDeps = {
    services,
    states: engine,
    incidents: new SqliteQueryStore(db),
    subscriptions,
    reports,
    clock,
  };
  const commands = new CommandService(commandDeps, { maxReplyChars: 4000 });
  const ctx = {
    services,
    engine,
    subscriptions,
    outbox: new SqliteOutboxStore(db),
    clock,
    log: silentLog,
    commands: commandDeps,
    renderChartPng: options.renderChartPng ?? (() => null),
  };
  const updates = new TelegramUpdates({
    commands,
    subscriptions,
    clock,
    log: silentLog,
    renderChartPng: ctx.renderChartPng,
  });
  const platform = new TelegramPlatform(
    {
      token: fake.token,
      apiRoot: fake.apiRoot,
      ...(options.webhook === undefined ? {} : { webhook: options.webhook }),
    },
    ctx,
    updates,
    options.pollRestartMs === undefined ? {} : { pollRestartMs: options.pollRestartMs },
  );
  return { platform, subscriptions, reports };
}
