import { describe, expect, it } from 'vitest';
import { runWithDeadline, startDeadline } from '../../../src/monitors/probes/deadline.js';
import { upOutcome } from '../../../src/monitors/probes/probe-outcome.js';
import { probeContext } from './probe-test-kit.js';

const never = new Promise<never>(() => {});
const unexpected = () => upOutcome('should not be asked', null);

describe('deadline', () => {
  it('times out work that ignores the signal', async () => {
    const outcome = await runWithDeadline(probeContext(50), () => never, unexpected);
    expect(outcome).toEqual({
      status: 'down',
      reason: 'timeout',
      message: 'no answer within 50 ms',
      latencyMs: null,
      facts: { timeoutMs: 50 },
    });
  });

  it('uses the probe-specific timeout reason', async () => {
    const outcome = await runWithDeadline(probeContext(50), () => never, unexpected, 'dns-timeout');
    expect(outcome.reason).toBe('dns-timeout');
  });

  it('reports a plain caller abort as aborted and a TimeoutError abort as timeout', async () => {
    const shutdown = new AbortController();
    shutdown.abort();
    expect(
      (await runWithDeadline(probeContext(10_000, shutdown.signal), () => never, unexpected)).reason,
    ).toBe('aborted');
    const timedOut = new AbortController();
    timedOut.abort(new DOMException('late', 'TimeoutError'));
    expect(
      (await runWithDeadline(probeContext(10_000, timedOut.signal), () => never, unexpected)).reason,
    ).toBe('timeout');
  });

  it('starts no work when the caller aborted before the run', async () => {
    const shutdown = new AbortController();
    shutdown.abort();
    let started = false;
    const attempt = () => {
      started = true;
      return never;
    };
    await runWithDeadline(probeContext(10_000, shutdown.signal), attempt, unexpected);
    expect(started).toBe(false);
  });

  it('passes other failures to the classifier', async () => {
    const failure = new Error('boom');
    const outcome = await runWithDeadline(
      probeContext(),
      () => Promise.reject(failure),
      (error) => upOutcome(`classified ${(error as Error).message}`, null),
    );
    expect(outcome.message).toBe('classified boom');
  });

  it('stops listening to the caller signal once disposed', async () => {
    const caller = new AbortController();
    const deadline = startDeadline(probeContext(10_000, caller.signal));
    deadline.dispose();
    caller.abort();
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.expiry()).toBeNull();
  });
  it('rejects guarded work when it fires, and at once after it fired', async () => {
    const caller = new AbortController();
    const deadline = startDeadline(probeContext(10_000, caller.signal));
    const guarded = deadline.guard(never);
    caller.abort();
    await expect(guarded).rejects.toMatchObject({ name: 'DeadlineExpiredError', expiry: 'aborted' });
    expect(deadline.signal.reason).toMatchObject({ expiry: 'aborted' });
    await expect(deadline.guard(Promise.resolve(1))).rejects.toMatchObject({ expiry: 'aborted' });
    deadline.dispose();
  });

  it('settles guarded work like the work while it has not fired', async () => {
    const deadline = startDeadline(probeContext(10_000));
    await expect(deadline.guard(Promise.resolve(7))).resolves.toBe(7);
    await expect(deadline.guard(Promise.reject(new Error('no')))).rejects.toThrow('no');
    deadline.dispose();
    expect(deadline.expiry()).toBeNull();
  });
});
