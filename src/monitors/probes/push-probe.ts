import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { durationSchema, formatDuration } from '../../core/duration.js';
import type { Clock, ProbeOutcome } from '../../core/model.js';
import type { Probe } from '../probe.js';

const pushOptionsSchema = z.strictObject({
  /** How often the job pings. */
  period: durationSchema,
  /** How late a ping may be before the check fails. */
  grace: durationSchema.default(60_000),
});

/** Options of a `type: push` monitor: a job pings `/push/<token>` at least every `period`. */
export type PushOptions = z.output<typeof pushOptionsSchema>;

/** Length of a push token in hex characters (128 bits of the HMAC). */
const TOKEN_HEX_CHARS = 32;

/**
 * The tokens and last pings of push monitors. The app registers each push monitor at start-up;
 * `/push/:token` records pings; the probe reads them. Tokens are HMAC-SHA256(secret, monitor id),
 * so they are unguessable without the secret and stable across restarts.
 *
 * Pings live in memory: after a restart each push monitor gets a fresh `period + grace` before
 * it can fail, so a restart alone never reports a job as dead.
 */
export class PushRegistry {
  private readonly byToken = new Map<string, PushEntry>();

  constructor(
    private readonly secret: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Registers a push monitor and returns its token. The probe finds the entry by its options
   * object (the one the scheduler passes to `run`), since a probe is not told its monitor id.
   */
  register(monitorId: string, options: PushOptions): string {
    const token = pushToken(this.secret, monitorId);
    const entry: PushEntry = { monitorId, since: this.clock.now(), lastPing: null, pings: 0 };
    this.byToken.set(token, entry);
    REGISTERED.set(options, { registry: this, entry });
    return token;
  }

  /** Records a ping; false (and nothing recorded) for a token no monitor has. Constant-time compare. */
  ping(token: string): boolean {
    const entry = this.find(token);
    if (!entry) return false;
    entry.lastPing = this.clock.now();
    entry.pings++;
    return true;
  }

  /** The outcome of a push monitor now: down once `period + grace` passed without a ping. */
  check(entry: PushEntry, options: PushOptions): ProbeOutcome {
    const last = entry.lastPing ?? entry.since;
    const silentMs = this.clock.now() - last;
    if (silentMs <= options.period + options.grace) {
      return {
        status: 'up',
        reason: 'ok',
        message: entry.lastPing === null ? 'waiting for the first ping' : 'ping received',
        latencyMs: null,
      };
    }
    return {
      status: 'down',
      reason: 'missed-heartbeat',
      message: `no ping for ${formatDuration(silentMs)} (period ${formatDuration(options.period)}, grace ${formatDuration(options.grace)})`,
      latencyMs: null,
      facts: { silentMs },
    };
  }

  private find(token: string): PushEntry | undefined {
    if (!/^[0-9a-f]+$/.test(token) || token.length !== TOKEN_HEX_CHARS) return undefined;
    const entry = this.byToken.get(token);
    // The map lookup already decided; the compare keeps a timing difference from saying how close a guess was.
    if (!entry) return undefined;
    const expected = Buffer.from(pushToken(this.secret, entry.monitorId));
    return timingSafeEqual(expected, Buffer.from(token)) ? entry : undefined;
  }
}

interface PushEntry {
  readonly monitorId: string;
  readonly since: number;
  lastPing: number | null;
  pings: number;
}

/** The token of a push monitor: the first 128 bits of HMAC-SHA256(secret, monitor id), in hex. */
export function pushToken(secret: string, monitorId: string): string {
  return createHmac('sha256', secret).update(monitorId).digest('hex').slice(0, TOKEN_HEX_CHARS);
}

/**
 * Push monitors by their options object: the scheduler hands a probe only its options, and each
 * monitor's parsed options are a distinct object, so two apps in one process never mix.
 */
const REGISTERED = new WeakMap<object, { readonly registry: PushRegistry; readonly entry: PushEntry }>();

/**
 * `type: push`: a heartbeat monitor. The job calls us; the check only asks whether it did in time.
 * A missed `period + grace` is a failure like any probe's (reason `missed-heartbeat`).
 */
export const pushProbe: Probe<PushOptions> = {
  type: 'push',
  optionsSchema: pushOptionsSchema,
  describe: (o) => `push every ${formatDuration(o.period)}`,
  run: async (options) => {
    const found = REGISTERED.get(options);
    return found
      ? found.registry.check(found.entry, options)
      : { status: 'unknown', reason: 'error', message: 'push monitor not registered', latencyMs: null };
  },
};
