import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/core/catalog.js';
import { buildAlert } from '../../src/core/alert-message.js';
import { WINDOW_MS } from '../../src/core/crowd/index.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { IncidentEvent } from '../../src/core/events.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { CrowdRuntime } from '../../src/crowd-runtime/crowd-runtime.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { SqliteReportStore } from '../../src/db/sqlite-report-store.js';
import { monitorDef, serviceDef } from '../helpers/catalog.js';
import { tempDir } from '../helpers/temp-dir.js';

const T0 = Date.parse('2021-03-19T17:00:00Z');
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

const ok: ProbeOutcome = { status: 'up', reason: 'ok', message: 'HTTP 200', latencyMs: 20 };
const failing: ProbeOutcome = { status: 'down', reason: 'http-status', message: 'HTTP 502', latencyMs: 20 };

/** WhatsApp with two probes and crowd reports, on the real stores; the clock moves by hand. */
function setUp(path = join(tempDir('crowd-engine-'), 'bot.db'), startAt = T0) {
  const catalog: Catalog = {
    services: [serviceDef('whatsapp', ['wa-web', 'wa-edge'], { name: 'WhatsApp', crowd: true })],
    monitors: [monitorDef('wa-web', 'whatsapp'), monitorDef('wa-edge', 'whatsapp')],
  };
  const db = openDatabase(path);
  dbs.push(db);
  let now = startAt;
  const clock = { now: () => now };
  const engine = new DetectionEngine(catalog, new SqliteDetectionStore(db, catalog), clock, {
    roundMs: 60_000,
  });
  const reports = new SqliteReportStore(db);
  const crowd = new CrowdRuntime({ services: catalog.services, windows: reports, engine, clock });
  const events: IncidentEvent[] = [];
  engine.onIncident((e) => events.push(e));
  let user = 0;
  return {
    path,
    events,
    engine,
    crowd,
    /** Runs minutes `from`..`to` (exclusive) after T0: probe outcomes each minute, reports, crowd steps. */
    async run(
      from: number,
      to: number,
      web: ProbeOutcome,
      reportsPerWindow: number,
      chats: number,
    ): Promise<void> {
      for (let minute = from; minute < to; minute++) {
        now = T0 + minute * 60_000;
        if (now % WINDOW_MS === 0) await crowd.step(now + 5000);
        for (let i = 0; i < reportsPerWindow / 5; i++) {
          reports.record({
            serviceId: 'whatsapp',
            platform: 'telegram',
            userId: `u${user++}`,
            chatId: `-100${i % chats}`,
            guildId: null,
            problem: i % 3 === 0 ? 'connection' : 'sending',
            at: now + i,
          });
        }
        engine.handleResult('wa-web', web);
        engine.handleResult('wa-edge', ok);
      }
    },
  };
}

describe('crowd runtime and detection engine together', () => {
  it('says "users report problems" from reports alone, and resolves once they are quiet', async () => {
    const { run, events } = setUp();
    await run(0, 10, ok, 0, 1);
    await run(10, 20, ok, 25, 5);
    expect(events.map((e) => [e.kind, e.status])).toEqual([['opened', 'degraded']]);
    const alert = buildAlert([events[0]!], { locale: 'en', timeZone: 'Asia/Kolkata' });
    expect(alert.title).toBe('WhatsApp is having problems');
    expect(alert.lines).toEqual([
      'Many users report problems: 25 reports',
      '60% of reports: messages not sending',
    ]);
    await run(20, 45, ok, 0, 1);
    expect(events.map((e) => e.kind)).toEqual(['opened', 'resolved']);
  });

  it('keeps a crowd-only incident open across a restart until the crowd says otherwise', async () => {
    const first = setUp();
    await first.run(0, 10, ok, 0, 1);
    await first.run(10, 20, ok, 25, 5);
    expect(first.events.map((e) => e.kind)).toEqual(['opened']);
    await first.crowd.stop();
    const second = setUp(first.path, T0 + 20 * 60_000);
    await second.crowd.restore();
    await second.run(21, 24, ok, 25, 5); // probes up, no crowd window ended yet
    expect(second.events).toEqual([]);
    expect(second.engine.serviceState('whatsapp')?.status).toBe('degraded');
  });

  it('is down when one probe of two fails and the crowd detects a problem', async () => {
    const { run, events, engine } = setUp();
    await run(0, 10, ok, 0, 1);
    await run(10, 12, failing, 0, 1);
    expect(engine.serviceState('whatsapp')?.status).toBe('degraded');
    await run(12, 20, failing, 25, 5);
    expect(engine.serviceState('whatsapp')?.status).toBe('down');
    expect(events.map((e) => [e.kind, e.severity])).toEqual([
      ['opened', 'minor'],
      ['updated', 'major'],
    ]);
  });

  it('opens nothing for one chat alone, however many of its members report', async () => {
    const { run, events, engine } = setUp();
    await run(0, 10, ok, 0, 1);
    await run(10, 60, ok, 50, 1);
    expect(events).toEqual([]);
    expect(engine.serviceState('whatsapp')?.status).toBe('up');
  });

  it('opens "possible problems" when a second chat joins with a few reports', async () => {
    const { run, events } = setUp();
    await run(0, 10, ok, 0, 1);
    // 10 a window from two chats, 5 each: 10 counted, a spike in each of the two windows evaluated.
    await run(10, 25, ok, 10, 2);
    expect(events.map((e) => [e.kind, e.status])).toEqual([['opened', 'degraded']]);
    expect(events[0]?.evidence.filter((e) => e.kind === 'crowd').map((e) => e.level)).toEqual(['possible']);
  });
});
