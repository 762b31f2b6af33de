import { describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../src/config/services-file.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import type { AnyProbe } from '../../src/monitors/probe.js';
import type { Ticker } from '../../src/monitors/scheduler.js';
import { Scheduler } from '../../src/monitors/scheduler.js';

const UP: ProbeOutcome = { status: 'up', reason: 'ok', message: 'fine', latencyMs: 1 };

function monitor(id: string): MonitorConfig {
  const probe = { type: 'fake', run: () => Promise.resolve(UP) } as unknown as AnyProbe;
  return {
    id,
    serviceId: 'svc',
    type: 'fake',
    role: 'probe',
    target: id,
    intervalMs: 1000,
    confirm: { down: 2, up: 2 },
    flap: { changes: 5, windowMs: 600_000 },
    probe,
    options: {},
    timeoutMs: 500,
    schedule: { kind: 'every', ms: 1000 },
  } as unknown as MonitorConfig;
}

function harness() {
  let now = 1_000_000;
  let onTick = (): void => {};
  const ticker: Ticker = { start: (fn) => (onTick = fn), stop: () => {} };
  const results: string[] = [];
  const scheduler = new Scheduler(
    [],
    { onResult: (m) => void results.push(m.id) },
    { clock: { now: () => now }, ticker },
  );
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      now += 1000;
      onTick();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    // Checks due later within the second run on a timer; let them settle.
    await new Promise((resolve) => setTimeout(resolve, 1100));
  };
  return { scheduler, results, advance };
}

describe('Scheduler at runtime', () => {
  it('checks a monitor added after start, and stops checking it once removed', async () => {
    const { scheduler, results, advance } = harness();
    scheduler.start();
    scheduler.addMonitor(monitor('chat-1'));
    expect(scheduler.hasMonitor('chat-1')).toBe(true);
    await advance(2000);
    expect(results).toContain('chat-1');
    expect(scheduler.removeMonitor('chat-1')).toBe(true);
    const seen = results.length;
    await advance(3000);
    expect(results).toHaveLength(seen);
    expect(scheduler.hasMonitor('chat-1')).toBe(false);
    await scheduler.stop();
  });

  it('schedules monitors added before start when it starts', async () => {
    const { scheduler, results, advance } = harness();
    scheduler.addMonitor(monitor('early'));
    scheduler.start();
    await advance(2000);
    expect(results).toContain('early');
    await scheduler.stop();
  });
});
