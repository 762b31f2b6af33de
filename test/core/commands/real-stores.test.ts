import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../src/core/catalog.js';
import { CommandService, type CommandServiceDeps } from '../../../src/core/commands/command-service.js';
import { DetectionEngine } from '../../../src/core/detection/engine.js';
import { messagesFor } from '../../../src/core/i18n/index.js';
import type { ProbeOutcome } from '../../../src/core/model.js';
import { type Db, openDatabase } from '../../../src/db/database.js';
import { SqliteDetectionStore } from '../../../src/db/sqlite-detection-store.js';
import { SqliteQueryStore } from '../../../src/db/sqlite-query-store.js';
import { SqliteReportStore } from '../../../src/db/sqlite-report-store.js';
import { SqliteSubscriptionStore } from '../../../src/db/sqlite-subscription-store.js';
import { StorageHealth } from '../../../src/db/storage-health.js';
import { monitorDef, serviceDef } from '../../helpers/catalog.js';
import { T0, request } from './harness.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * The composition root passes the real objects straight in: this file compiling is the proof
 * that the command ports are slices of them. The tests then check the rows they leave.
 */
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

const failing: ProbeOutcome = { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: 20 };

function setUp() {
  const db = openDatabase(join(tempDir('commands-'), 'bot.db'));
  open.push(db);
  const catalog: Catalog = {
    services: [
      serviceDef('whatsapp', ['wa-web'], { name: 'WhatsApp', crowd: true }),
      serviceDef('github', ['gh-web'], { name: 'GitHub' }),
    ],
    monitors: [
      monitorDef('wa-web', 'whatsapp', { target: 'web.whatsapp.com' }),
      monitorDef('gh-web', 'github'),
    ],
  };
  let now = T0;
  const clock = { now: () => now };
  const engine = new DetectionEngine(catalog, new SqliteDetectionStore(db, catalog), clock, {
    roundMs: 60_000,
  });
  const subscriptions = new SqliteSubscriptionStore(db, { locale: 'en', timeZone: 'UTC' });
  const reports = new SqliteReportStore(db);
  const deps: CommandServiceDeps = {
    services: catalog,
    states: engine,
    incidents: new SqliteQueryStore(db),
    subscriptions,
    reports,
    clock,
  };
  const service = new CommandService(deps);
  return { db, engine, service, subscriptions, reports, advance: (ms: number) => (now += ms) };
}

describe('CommandService on the real SQLite stores and engine', () => {
  it('subscribes, changes settings and mutes in the tables the fan-out reads', async () => {
    const { db, service } = setUp();
    await service.handle(request('subscribe', { service: 'whatsapp', severity: 'major' }));
    await service.handle(
      request('settings', { language: 'bn', timezone: 'Asia/Dhaka', quiet: '23:00-07:00' }),
    );
    await service.handle(request('mute-button', { service: 'whatsapp' }));
    expect(db.prepare('SELECT service_id, min_severity FROM subscriptions').all()).toEqual([
      { service_id: 'whatsapp', min_severity: 'major' },
    ]);
    const chat = db.prepare('SELECT * FROM chats').get() as Record<string, unknown>;
    expect(chat).toMatchObject({
      platform: 'telegram',
      chat_id: '-100777',
      locale: 'bn',
      time_zone: 'Asia/Dhaka',
    });
    const reply = await service.handle(request('unsubscribe', { service: 'all' }));
    expect(reply.text).toBe(messagesFor('bn').commands.unsubscribed({ target: { kind: 'all' } }));
    expect(db.prepare('SELECT COUNT(*) AS n FROM subscriptions').get()).toEqual({ n: 0 });
  });

  it('shows the engine status and the stored incident of an outage', async () => {
    const { engine, service, advance } = setUp();
    for (let i = 0; i < 3; i++) {
      engine.handleResult('wa-web', failing);
      advance(60_000);
    }
    const status = await service.handle(request('status', { service: 'WhatsApp' }));
    expect(status.chartServiceId).toBe('whatsapp');
    expect(status.text).toContain('WhatsApp: down');
    expect(status.text).toContain('web.whatsapp.com');
    const incidents = await service.handle(request('incidents'));
    expect(incidents.text).toMatch(/^Recent incidents:\n• WhatsApp: outage since .*, ongoing$/);
  });

  it('counts one report per user and service in the report store', async () => {
    const { db, service, reports } = setUp();
    const m = messagesFor('en').commands;
    expect((await service.handle(request('report', { service: 'whatsapp', problem: 'login' }))).text).toBe(
      m.reportAcknowledged({ serviceName: 'WhatsApp', problem: 'login' }),
    );
    expect((await service.handle(request('report-button', { service: 'whatsapp' }))).text).toBe(
      m.alreadyReported({ serviceName: 'WhatsApp', windowMs: 30 * 60_000 }),
    );
    reports.flush();
    expect(db.prepare('SELECT COUNT(*) AS n FROM crowd_reports').get()).toEqual({ n: 1 });
  });
});

describe('CommandService when the database takes no writes', () => {
  it('says plainly that a subscription could not be saved, hands no error to log, and saves it later', async () => {
    const dir = tempDir('commands-');
    const db = openDatabase(join(dir, 'bot.db'));
    const clock = { now: () => T0 };
    const health = new StorageHealth(db, clock);
    try {
      const catalog: Catalog = {
        services: [serviceDef('whatsapp', ['wa-web'], { name: 'WhatsApp' })],
        monitors: [monitorDef('wa-web', 'whatsapp')],
      };
      const engine = new DetectionEngine(catalog, new SqliteDetectionStore(db, catalog, { health }), clock, {
        roundMs: 60_000,
      });
      const subscriptions = health.guardMethods(new SqliteSubscriptionStore(db), [
        'subscribe',
        'updateSettings',
      ]);
      const service = new CommandService({
        services: catalog,
        states: engine,
        incidents: new SqliteQueryStore(db),
        subscriptions,
        reports: new SqliteReportStore(db, { health }),
        clock,
      });
      // SQLite refuses every write on this connection (SQLITE_READONLY), as on a full disk.
      db.pragma('query_only = ON');
      const refused = await service.handle(request('subscribe', { service: 'whatsapp' }));
      expect(refused).toEqual({ text: messagesFor('en').commands.storageUnavailable(), ephemeral: true });
      expect(health.state).toMatchObject({ ok: false, reason: 'read-only' });
      // Reading commands still answer.
      expect((await service.handle(request('subscriptions'))).text).toBe(
        messagesFor('en').commands.subscriptions({ items: [] }),
      );

      db.pragma('query_only = OFF');
      const saved = await service.handle(request('subscribe', { service: 'whatsapp' }));
      expect(saved.error).toBeUndefined();
      expect(db.prepare('SELECT service_id FROM subscriptions').pluck().all()).toEqual(['whatsapp']);
      expect(health.ok).toBe(true);
    } finally {
      health.stop();
      db.close();
    }
  });
});
