/**
 * The check pipeline with votes between vantage points: the results of `vantages: all` monitors go
 * through the vote and the engine gets what it decides, in order; other monitors, and every
 * monitor without the optional dependency (SQLite), go to the engine as before.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { VantageCheck } from '../../src/cluster/vantage-check.js';
import { type MonitorConfig, type ServicesConfig, parseServices } from '../../src/config/services-file.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import { openDatabase } from '../../src/db/database.js';
import { SqliteDetectionStore } from '../../src/db/sqlite-detection-store.js';
import { CheckPipeline, createDetectionEngine } from '../../src/features/check-pipeline.js';
import type { Logger } from '../../src/logging.js';
import type { Probe } from '../../src/monitors/probe.js';
import type { Ticker } from '../../src/monitors/scheduler.js';

const T0 = Date.UTC(2026, 11, 7, 17, 0, 0);
const DOWN: ProbeOutcome = { status: 'down', reason: 'http-status', message: 'HTTP 503', latencyMs: 3 };
const UP: ProbeOutcome = { status: 'up', reason: 'ok', message: 'HTTP 200', latencyMs: 3 };

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;

/** Both services' monitors answer `DOWN` from here, whatever they point at. */
function services(): ServicesConfig {
  const parsed = parseServices(`
services:
  - id: shop
    name: Shop
    vantages: all
    monitors:
      - { type: http, url: "http://127.0.0.1:9/", every: 10s }
  - id: blog
    name: Blog
    monitors:
      - { type: http, url: "http://127.0.0.1:9/", every: 10s }
`);
  const probe: Probe<unknown> = {
    type: 'http',
    optionsSchema: z.unknown(),
    describe: () => 'fake',
    run: (_o, ctx) => {
      vantages.push(ctx.vantage);
      return Promise.resolve(DOWN);
    },
  };
  return { ...parsed, monitors: parsed.monitors.map((m): MonitorConfig => ({ ...m, probe })) };
}

let vantages: (string | undefined)[] = [];

function pipeline(vantageCheck?: VantageCheck) {
  const config = services();
  const clock = { now: () => Date.now() };
  const engine = createDetectionEngine(
    config,
    { detection: new SqliteDetectionStore(openDatabase(':memory:'), config) },
    clock,
  );
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
    ...(vantageCheck ? { vantageCheck, vantage: 'eu-west' } : {}),
  });
  const advance = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 1000) {
      await vi.advanceTimersByTimeAsync(1000);
      onTick();
    }
  };
  return { checks, engine, advance };
}

describe('CheckPipeline with votes between vantage points', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    vantages = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands the engine the outcome the vote decides, only for vantages: all monitors', async () => {
    const asked: { monitorId: string; serviceId: string; status: string }[] = [];
    const vote: VantageCheck = (monitor, serviceId, outcome) => {
      asked.push({ monitorId: monitor.id, serviceId, status: outcome.status });
      // The other locations see it up: the majority says up.
      return Promise.resolve({ ...UP, facts: { vantages: { down: 1, of: 3 } } });
    };
    const { checks, engine, advance } = pipeline(vote);
    checks.start();
    await advance(12_000);
    await checks.stop();
    expect(asked).toEqual([{ monitorId: 'shop-0', serviceId: 'shop', status: 'down' }]);
    expect(engine.monitorRecord('shop-0')?.state).toBe('up');
    expect(engine.pendingFailures('shop-0')).toBe(0);
    // The other service's monitor went to the engine as it was: a first failure.
    expect(engine.pendingFailures('blog-0')).toBeGreaterThan(0);
    expect(vantages.every((v) => v === 'eu-west')).toBe(true);
  });

  it('gives the engine nothing when the vote says another instance owns the service', async () => {
    const { checks, engine, advance } = pipeline(() => Promise.resolve(null));
    checks.start();
    await advance(12_000);
    await checks.stop();
    expect(engine.pendingFailures('shop-0')).toBe(0);
    expect(engine.monitorRecord('shop-0')?.pending ?? null).toBeNull();
    expect(engine.pendingFailures('blog-0')).toBeGreaterThan(0);
  });

  it('without the dependency, hands every result to the engine as it is and names no vantage', async () => {
    const { checks, engine, advance } = pipeline();
    checks.start();
    await advance(12_000);
    await checks.stop();
    expect(engine.pendingFailures('shop-0')).toBeGreaterThan(0);
    expect(engine.pendingFailures('blog-0')).toBeGreaterThan(0);
    expect(vantages.length).toBeGreaterThan(0);
    expect(vantages.every((v) => v === undefined)).toBe(true);
  });
});
