import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MonitorConfig } from '../../src/config/services-file.js';
import type { ProbeOutcome } from '../../src/core/model.js';
import type { ProbeContext } from '../../src/monitors/probe.js';
import { runWithDeadline } from '../../src/monitors/probes/deadline.js';
import { runProbe } from '../../src/monitors/scheduler.js';

const UP: ProbeOutcome = { status: 'up', reason: 'ok', message: 'fine', latencyMs: 1 };

/** A monitor whose probe is `run`; the rest of the config does not matter to runProbe. */
function monitor(run: (ctx: ProbeContext) => Promise<ProbeOutcome>, timeoutMs = 1000): MonitorConfig {
  return {
    timeoutMs,
    options: {},
    probe: {
      type: 'fake',
      optionsSchema: undefined as never,
      describe: () => 'fake',
      run: (_o: unknown, ctx: ProbeContext) => run(ctx),
    },
  } as unknown as MonitorConfig;
}

describe('runProbe', () => {
  afterEach(() => vi.useRealTimers());

  it('returns the outcome of a probe that finishes', async () => {
    expect(
      await runProbe(
        monitor(() => Promise.resolve(UP)),
        new AbortController().signal,
      ),
    ).toEqual(UP);
  });

  it('turns a probe that throws into unknown/error', async () => {
    const outcome = await runProbe(
      monitor(() => Promise.reject(new Error('bug'))),
      new AbortController().signal,
    );
    expect(outcome).toEqual({
      status: 'unknown',
      reason: 'error',
      message: 'probe failed: bug',
      latencyMs: null,
    });
  });

  it('aborts the signal at the timeout with a TimeoutError, and answers a probe that stops', async () => {
    vi.useFakeTimers();
    let seen: unknown;
    const probe = monitor(
      (ctx) =>
        new Promise((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            seen = ctx.signal.reason;
            resolve({ status: 'down', reason: 'timeout', message: 'stopped', latencyMs: null });
          }),
        ),
      50,
    );
    const outcome = runProbe(probe, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(50);
    expect((seen as Error).name).toBe('TimeoutError');
    expect((await outcome).message).toBe('stopped');
  });

  it('gives up on a probe that ignores its signal a grace period after the timeout', async () => {
    vi.useFakeTimers();
    let settled = false;
    const outcome = runProbe(
      monitor(() => new Promise<never>(() => {}), 50),
      new AbortController().signal,
    ).then((o) => {
      settled = true;
      return o;
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await outcome).toEqual({
      status: 'down',
      reason: 'timeout',
      message: 'check did not finish in time',
      latencyMs: null,
    });
  });

  it('passes the shutdown on to the probe, also when it came before the run', async () => {
    const shutdown = new AbortController();
    const reasons: unknown[] = [];
    const probe = monitor(
      (ctx) =>
        new Promise((resolve) => {
          const stop = (): void => {
            reasons.push(ctx.signal.reason);
            resolve({ status: 'unknown', reason: 'aborted', message: 'cancelled', latencyMs: null });
          };
          if (ctx.signal.aborted) stop();
          else ctx.signal.addEventListener('abort', stop);
        }),
    );
    const running = runProbe(probe, shutdown.signal);
    shutdown.abort('stopping');
    expect((await running).reason).toBe('aborted');
    expect((await runProbe(probe, shutdown.signal)).reason).toBe('aborted');
    expect(reasons).toEqual(['stopping', 'stopping']);
  });

  it('stops listening to the shutdown signal once the run is over', async () => {
    const shutdown = new AbortController();
    let signal: AbortSignal | undefined;
    await runProbe(
      monitor((ctx) => {
        signal = ctx.signal;
        return Promise.resolve(UP);
      }),
      shutdown.signal,
    );
    shutdown.abort();
    expect(signal?.aborted).toBe(false);
  });

  it('expires a probe on runWithDeadline at the timeout through the context it watches', async () => {
    vi.useFakeTimers();
    const stalled = monitor(
      (ctx) =>
        runWithDeadline(
          ctx,
          () => new Promise<never>(() => {}),
          () => UP,
        ),
      50,
    );
    const outcome = runProbe(stalled, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(50);
    expect(await outcome).toEqual({
      status: 'down',
      reason: 'timeout',
      message: 'no answer within 50 ms',
      latencyMs: null,
      facts: { timeoutMs: 50 },
    });
  });

  it('cancels a probe on runWithDeadline at shutdown, also one that starts after it', async () => {
    const shutdown = new AbortController();
    const stalled = monitor((ctx) =>
      runWithDeadline(
        ctx,
        () => new Promise<never>(() => {}),
        () => UP,
      ),
    );
    const running = runProbe(stalled, shutdown.signal);
    shutdown.abort('stopping');
    expect(await running).toMatchObject({ status: 'down', reason: 'aborted' });
    expect(await runProbe(stalled, shutdown.signal)).toMatchObject({ status: 'down', reason: 'aborted' });
  });

  it('turns a probe that throws before returning a promise into unknown/error', async () => {
    const outcome = await runProbe(
      monitor(() => {
        throw new Error('sync bug');
      }),
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({ status: 'unknown', reason: 'error', message: 'probe failed: sync bug' });
  });
});
