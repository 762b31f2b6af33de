import type { z } from 'zod';
import type { ProbeOutcome } from '../core/model.js';

/** Why a run's time is up: the monitor's timeout, or the caller cancelling (shutdown). */
export type Expiry = 'timeout' | 'aborted';

/** Told once when a run's time is up (see `ProbeContext.watch`). */
export interface ExpiryWatcher {
  expire(why: Expiry): void;
}

/**
 * What a probe gets for one run. The signal aborts at the monitor's timeout or at shutdown;
 * a probe must stop all I/O when it fires and still return an outcome (reason `timeout` or `aborted`).
 */
export interface ProbeContext {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /**
   * When present (the scheduler's checks): calls `watcher.expire` when the signal would fire, at
   * once if it already has. The context then keeps the time itself; a watcher needs no timer or
   * listener of its own, and the signal is only made if somebody reads it.
   */
  readonly watch?: (watcher: ExpiryWatcher) => void;
  /**
   * The vantage point the check is made from (`VANTAGE`, when several instances probe from their
   * own networks: docs/cluster.md); HTTP checks name it in their User-Agent. Absent: none named.
   */
  readonly vantage?: string | undefined;
}

/**
 * One kind of check (http, tcp, dns, tls, …). Adding a probe type is one file exporting a `Probe`
 * plus one line in `registry.ts`.
 *
 * Promise: `run` never rejects for a failing, slow, hostile or absent target; it resolves with a
 * `ProbeOutcome` whose reason comes from the fixed taxonomy. It only rejects on a programming error.
 * A probe never writes to the database or reads the clock for anything but latency.
 */
export interface Probe<Options = unknown> {
  /** The `type:` value in the services file. */
  readonly type: string;
  /** `official` for status-page readers: what they say is a statement, not a measurement. Default `probe`. */
  readonly role?: 'probe' | 'official';
  /**
   * Validates this probe's own keys of a monitor entry (without the common keys `type`, `every`,
   * `cron`, `timeout`, `confirm`, `name`). Strict: unknown keys are errors.
   */
  readonly optionsSchema: z.ZodType<Options>;
  /** A short label of what is checked, e.g. `https://github.com/` or `1.1.1.1:443`. */
  describe(options: Options): string;
  run(options: Options, ctx: ProbeContext): Promise<ProbeOutcome>;
}

/** Erases the options type so probes of different kinds fit one registry array. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- options are validated by each probe's own schema
export type AnyProbe = Probe<any>;
