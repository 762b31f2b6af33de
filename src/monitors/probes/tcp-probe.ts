import type { LookupFunction } from 'node:net';
import { connect } from 'node:net';
import { z } from 'zod';
import type { ProbeOutcome } from '../../core/model.js';
import type { Probe, ProbeContext } from '../probe.js';
import type { ConnectionGuard } from '../ssrf/ssrf-guard.js';
import { runWithDeadline } from './deadline.js';
import { failedOutcome } from './error-reason.js';
import { formatHostPort, hostSchema, portSchema } from './option-schemas.js';
import { downOutcome, elapsedMs, upOutcome } from './probe-outcome.js';

const tcpOptionsSchema = z.strictObject({ host: hostSchema, port: portSchema });

/** Options of a `type: tcp` monitor: connect to `host:port`, then close. */
export type TcpOptions = z.output<typeof tcpOptionsSchema>;

/** Seams for the outermost I/O; tests and the SSRF guard inject `lookup`. */
export interface TcpProbeDeps {
  /** Replaces `dns.lookup` for hostnames (same signature as `net.connect`'s `lookup` option). */
  readonly lookup?: LookupFunction;
  /** For monitors added from chat: a fresh SSRF guard per check; connects only to the vetted address. */
  readonly createGuard?: () => ConnectionGuard;
}

/** Opens one TCP connection and closes it at once; rejects with the socket's error. */
function connectOnce(
  options: TcpOptions,
  signal: AbortSignal,
  lookup: LookupFunction | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.host, port: options.port, signal, ...(lookup ? { lookup } : {}) });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    // Emitted once, after which the socket is destroyed (also for an abort through `signal`).
    socket.once('error', reject);
  });
}

/**
 * Builds the TCP probe. Up when the three-way handshake completes; `refused`, `timeout`,
 * `unreachable`, `dns-nxdomain` otherwise. The socket never outlives the run.
 */
export function createTcpProbe(deps: TcpProbeDeps = {}): Probe<TcpOptions> {
  return {
    type: 'tcp',
    optionsSchema: tcpOptionsSchema,
    describe: (options) => formatHostPort(options.host, options.port),
    run(options: TcpOptions, ctx: ProbeContext): Promise<ProbeOutcome> {
      const startedAt = performance.now();
      return runWithDeadline(
        ctx,
        async (deadline) => {
          const guard = deps.createGuard?.();
          if (guard !== undefined) {
            const verdict = await guard.checkHost(options.host, deadline.signal);
            if (!verdict.ok) return downOutcome('blocked', `target refused: ${verdict.reason}`, null);
          }
          await connectOnce(options, deadline.signal, guard?.lookup ?? deps.lookup);
          return upOutcome('connected', elapsedMs(startedAt));
        },
        (error) => failedOutcome(error, startedAt),
      );
    },
  };
}

/** The TCP probe with the system resolver. */
export const tcpProbe: Probe<TcpOptions> = createTcpProbe();
