import type { ProbeOutcome } from '../../core/model.js';
import type { Expiry, ExpiryWatcher, ProbeContext } from '../probe.js';
import { downOutcome } from './probe-outcome.js';

/** Why a deadline fired: the monitor's timeout, or the caller cancelling (shutdown). */
export type { Expiry } from '../probe.js';

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

/**
 * Starts the budget of one run. See `Deadline`. One object per run, with no closures of its own:
 * it listens to `ctx.signal` as an event-listener object, its timer gets it as an argument, and
 * `guard` rejects when it expires without a second listener on its own signal.
 */
export function startDeadline(ctx: ProbeContext): Deadline {
  return new RunDeadline(ctx);
}

class RunDeadline implements Deadline, ExpiryWatcher {
  /** Made when `signal` is first read: a probe that needs no signal does not pay for one. */
  private controller: AbortController | undefined;
  private why: Expiry | null = null;
  private error: DeadlineExpiredError | undefined;
  /** Only without `ctx.watch`: then the deadline keeps the time itself. */
  private readonly timer: NodeJS.Timeout | undefined;
  /** Rejections of the guards still waiting, called when the deadline fires. */
  private readonly guards: ((error: Error) => void)[] = [];

  constructor(private readonly ctx: ProbeContext) {
    if (ctx.watch) {
      ctx.watch(this);
      return;
    }
    this.timer = setTimeout(expireAtTimeout, ctx.timeoutMs, this);
    if (ctx.signal.aborted) this.handleEvent();
    else ctx.signal.addEventListener('abort', this, { once: true });
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.error !== undefined) this.controller.abort(this.error);
    }
    return this.controller.signal;
  }

  expiry(): Expiry | null {
    return this.why;
  }

  /** The caller aborted (`ctx.signal`'s 'abort' event). */
  handleEvent(): void {
    this.expire(isTimeoutReason(this.ctx.signal.reason) ? 'timeout' : 'aborted');
  }

  expire(why: Expiry): void {
    if (this.why !== null) return;
    this.why = why;
    this.error = new DeadlineExpiredError(why);
    this.controller?.abort(this.error);
    for (const reject of this.guards.splice(0)) reject(this.error);
  }

  guard<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.error !== undefined) reject(this.error);
      else this.guards.push(reject);
      work.then(resolve, reject);
    });
  }

  dispose(): void {
    if (this.timer === undefined) return; // watched: the context forgets its watchers when the run ends
    clearTimeout(this.timer);
    this.ctx.signal.removeEventListener('abort', this);
  }
}

function expireAtTimeout(deadline: RunDeadline): void {
  deadline.expire('timeout');
}

/** The outcome of a run whose deadline fired: `timeout` (or `timeoutReason`) or `aborted`. */
export function expiredOutcome(
  expiry: Expiry,
  timeoutMs: number,
  timeoutReason: 'timeout' | 'dns-timeout' = 'timeout',
): ProbeOutcome {
  return expiry === 'timeout'
    ? downOutcome(timeoutReason, `no answer within ${timeoutMs} ms`, null, { timeoutMs })
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
