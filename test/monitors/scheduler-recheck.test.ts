import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseServices } from '../../src/config/services-file.js';
import { DETECTION_SLACK_MS } from '../../src/core/detection/confirmation.js';
import { DetectionEngine } from '../../src/core/detection/engine.js';
import type { IncidentEvent } from '../../src/core/events.js';
import { type Db, openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { Scheduler, type Ticker, firstSlot } from '../../src/monitors/scheduler.js';
import { type HttpTarget, startHttpTarget } from '../helpers/http-target.js';
import { tempDbPath } from '../helpers/temp-dir.js';

/** A Monday morning, 12.345 s past a whole minute. */
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0) + 12_345;
const INTERVAL_MS = 60_000;

/** Lets real I/O (the loopback request, the server's answer) run while the fake clock stands still. */
async function settle(scheduler: Scheduler): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (scheduler.checksInFlight === 0 && i > 3) return;
  }
  throw new Error('a check never finished');
}

describe('Scheduler re-checks with the engine, against a loopback site', () => {
  let site: HttpTarget;
  let db: Db;

  beforeEach(async () => {
    site = await startHttpTarget();
    // Only the timers and the clock are fake: sockets and setImmediate are real.
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    if (db?.open) db.close();
    await site.close();
  });

  it('re-checks a failing site seconds apart until its outage is confirmed, then every interval', async () => {
    const services = parseServices(`
defaults: { every: 60s, timeout: 5s }
services:
  - id: site
    name: Our site
    monitors:
      - { type: http, url: "${site.url}" }
`);
    const clock = { now: () => Date.now() };
    db = openDatabase(tempDbPath('scheduler-recheck-'));
    const engine = new DetectionEngine(services, new SqliteDetectionStore(db, services), clock, {
      roundMs: INTERVAL_MS,
    });
    const incidents: IncidentEvent[] = [];
    engine.onIncident((e) => incidents.push(e));
    let onTick = (): void => {};
    const ticker: Ticker = { start: (fn) => (onTick = fn), stop: () => {} };
    const starts: number[] = [];
    const results: number[] = [];
    const scheduler = new Scheduler(
      services.monitors,
      {
        onStart: (_m, slot) => starts.push(slot),
        onResult: (m, outcome) => {
          results.push(clock.now());
          engine.handleResult(m.id, outcome);
        },
        pendingFailures: (m) => engine.pendingFailures(m.id),
      },
      { clock, ticker },
    );
    const advanceTo = async (end: number): Promise<void> => {
      while (clock.now() < end) {
        const boundary = (Math.floor(clock.now() / 1000) + 1) * 1000;
        await vi.advanceTimersByTimeAsync(Math.min(boundary, end) - clock.now());
        if (clock.now() === boundary) onTick();
        await settle(scheduler);
      }
    };

    const monitorId = services.monitors[0]?.id ?? '';
    const first = firstSlot(monitorId, INTERVAL_MS, T0);
    scheduler.start();
    await advanceTo(first + 2 * INTERVAL_MS + 500); // three good checks on the grid
    expect(starts).toEqual([first, first + INTERVAL_MS, first + 2 * INTERVAL_MS]);
    expect(engine.serviceState('site')?.status).toBe('up');

    // Three good checks hardly outweigh the prior (docs/detection.md): this fresh monitor needs 7.
    const needed = engine.downConfirmation(monitorId)?.needed ?? 0;
    expect(needed).toBe(7);
    site.up = false;
    const outageStart = clock.now();
    const failedFirst = first + 3 * INTERVAL_MS;
    await advanceTo(outageStart + 2 * INTERVAL_MS + DETECTION_SLACK_MS);

    // The failure on the grid, then 6 re-checks, each 2 s, 4 s, then 8 s after the previous result.
    const n = starts.findIndex((s) => s >= failedFirst);
    expect(starts[n]).toBe(failedFirst);
    const gaps = [2000, 4000, 8000, 8000, 8000, 8000];
    gaps.forEach((gap, i) =>
      expect(starts[n + i + 1], `re-check ${i + 1}`).toBe((results[n + i] ?? 0) + gap),
    );
    // Confirmed on the 7th failure: back on the grid.
    expect(starts.slice(n + needed)).toEqual([failedFirst + INTERVAL_MS]);
    expect(engine.serviceState('site')?.status).toBe('down');
    expect(incidents.map((e) => e.kind)).toEqual(['opened']);
    expect(incidents[0]?.at).toBe(results[n + needed - 1]);
    expect((incidents[0]?.at ?? 0) - outageStart).toBeLessThanOrEqual(2 * INTERVAL_MS + DETECTION_SLACK_MS);
    expect(engine.pendingFailures(monitorId)).toBe(0);
    await scheduler.stop();
  });
});
