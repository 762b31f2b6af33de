/**
 * The check pipeline applies maintenance windows on its once-a-second tick: a service is
 * `maintenance` as its window starts and fused again as it ends, without waiting for a check.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type MonitorConfig, parseServices } from '../../src/config/services-file.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { CheckPipeline, createDetectionEngine } from '../../src/features/check-pipeline.js';
import type { Logger } from '../../src/logging.js';
import type { Probe } from '../../src/monitors/probe.js';
import type { Ticker } from '../../src/monitors/scheduler.js';

const T0 = Date.UTC(2026, 11, 7, 17, 0, 0);
const UP: ProbeOutcome = { status: 'up', reason: 'ok', message: 'HTTP 200', latencyMs: 3 };
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('CheckPipeline and maintenance windows', () => {
  beforeEach(() => void vi.useFakeTimers({ now: T0 }));
  afterEach(() => void vi.useRealTimers());

  it('turns a service to maintenance when its window starts and back when it ends, on the tick', async () => {
    const parsed = parseServices(`
services:
  - id: blog
    name: Blog
    monitors:
      - { type: http, url: "http://127.0.0.1:9/", every: 1h }
maintenance:
  - { services: [blog], start: "${iso(T0 + 5000)}", end: "${iso(T0 + 15_000)}" }
`);
    const probe: Probe<unknown> = {
      type: 'http',
      optionsSchema: z.unknown(),
      describe: () => 'fake',
      run: () => Promise.resolve(UP),
    };
    const config = { ...parsed, monitors: parsed.monitors.map((m): MonitorConfig => ({ ...m, probe })) };
    const clock = { now: () => Date.now() };
    const db = openDatabase(':memory:');
    const engine = createDetectionEngine(config, { detection: new SqliteDetectionStore(db, config) }, clock);
    let onTick = (): void => {};
    const ticker: Ticker = { start: (fn) => (onTick = fn), stop: () => {} };
    const checks = new CheckPipeline(config, {
      engine,
      metrics: { recordCheckStart: () => {}, recordCheck: () => {} },
      sink: { line: () => {} },
      clock,
      log: silent,
      ticker,
      databasePath: ':memory:',
    });
    const statusAt = async (ms: number): Promise<string | undefined> => {
      while (Date.now() < ms) {
        await vi.advanceTimersByTimeAsync(1000);
        onTick();
      }
      return engine.serviceState('blog')?.status;
    };
    checks.start();
    expect(await statusAt(T0 + 4000)).not.toBe('maintenance');
    expect(await statusAt(T0 + 5000)).toBe('maintenance');
    expect(await statusAt(T0 + 14_000)).toBe('maintenance');
    expect(await statusAt(T0 + 15_000)).not.toBe('maintenance');
    await checks.stop();
    db.close();
  });
});
