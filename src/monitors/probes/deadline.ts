import type { ProbeOutcome } from '../../core/model.js';
import type { ProbeContext } from '../probe.js';
import { downOutcome } from './probe-outcome.js';

/** Why a deadline fired: the monitor's timeout, or the caller cancelling (shutdown). */
export type Expiry = 'timeout' | 'aborted';

/** Rejection of `Deadline.guard` when the deadline fires before the guarded work settles. */
export class DeadlineExpiredError extends Error {
  constructor(readonly expiry: Expiry) {
    super(expiry === 'timeout' ? 'probe timed out' : 'probe aborted');
    this.name = 'DeadlineExpiredError';
  }
}

/**
 * One probe run's time budget: `ctx.signal` combined with our own `ctx.timeoutMs` timer, so a
 * probe stops on time even if the caller's signal is late or a library ignores signals.
 */
export interface Deadline {
  /** Fires at the timeout or when the caller aborts; pass it to every I/O call. */
  readonly signal: AbortSignal;
  /** Why the signal fired; null while it has not. */
  expiry(): Expiry | null;
  /** Settles like `work`, or rejects with `DeadlineExpiredError` as soon as the deadline fires. */
  guard<T>(work: Promise<T>): Promise<T>;
  /** Clears the timer and the listener on `ctx.signal`. Call once the run is over. */
  dispose(): void;
}

function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError';
}

/** Starts the budget of one run. See `Deadline`. */
export function startDeadline(ctx: ProbeContext): Deadline {
  const controller = new AbortController();
  let expiry: Expiry | null = null;
  const expire = (why: Expiry): void => {
    if (expiry !== null) return;
    expiry = why;
    controller.abort(new DeadlineExpiredError(why));
  };
  const onCallerAbort = (): void => expire(isTimeoutReason(ctx.signal.reason) ? 'timeout' : 'aborted');
  const timer = setTimeout(() => expire('timeout'), ctx.timeoutMs);
  if (ctx.signal.aborted) onCallerAbort();
  else ctx.signal.addEventListener('abort', onCallerAbort, { once: true });

  return {
    signal: controller.signal,
    expiry: () => expiry,
    guard: <T>(work: Promise<T>) => guardWork(work, controller.signal),
    dispose: () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onCallerAbort);
    },
  };
}

function guardWork<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/** The outcome of a run whose deadline fired: `timeout` (or `timeoutReason`) or `aborted`. */
export function expiredOutcome(
  expiry: Expiry,
  timeoutMs: number,
  timeoutReason: 'timeout' | 'dns-timeout' = 'timeout',
): ProbeOutcome {
  return expiry === 'timeout'
    ? downOutcome(timeoutReason, `no answer within ${timeoutMs} ms`, null)
    : downOutcome('aborted', 'check cancelled', null);
}

/**
 * Runs `attempt` under a fresh deadline and turns every failure into an outcome: an expired
 * deadline becomes `expiredOutcome`, any other rejection goes through `describeFailure`.
 */
export async function runWithDeadline(
  ctx: ProbeContext,
  attempt: (deadline: Deadline) => Promise<ProbeOutcome>,
  describeFailure: (error: unknown) => ProbeOutcome,
  timeoutReason: 'timeout' | 'dns-timeout' = 'timeout',
): Promise<ProbeOutcome> {
  const deadline = startDeadline(ctx);
  const expiredBeforeStart = deadline.expiry();
  if (expiredBeforeStart !== null) {
    // Cancelled before it began: start no I/O at all (abort listeners added now would never fire).
    deadline.dispose();
    return expiredOutcome(expiredBeforeStart, ctx.timeoutMs, timeoutReason);
  }
  try {
    return await deadline.guard(attempt(deadline));
  } catch (error) {
    const expiry = deadline.expiry();
    return expiry === null ? describeFailure(error) : expiredOutcome(expiry, ctx.timeoutMs, timeoutReason);
  } finally {
    deadline.dispose();
  }
}
