import type { LookupFunction } from 'node:net';
import type { Dispatcher } from 'undici';
import { Client, errors, request } from 'undici';
import type { ProbeOutcome } from '../../core/model.js';
import type { Probe, ProbeContext } from '../probe.js';
import { type ConnectionGuard, refusedHop } from '../ssrf/ssrf-guard.js';
import { type Deadline, runWithDeadline } from './deadline.js';
import { failedOutcome } from './error-reason.js';
import { BodyCollector, bodyByteLength } from '../../sources/body-blocks.js';
import { type ByteBody, checkBodyOffThread, INLINE_MAX_BYTES } from './parse-worker.js';
import type { HttpOptions } from './http-options.js';
import { httpOptionsSchema, needsBody } from './http-options.js';
import { ReusePool } from './http-pool.js';
import { degradedOutcome, downOutcome, elapsedMs, unknownOutcome, upOutcome } from './probe-outcome.js';

export type { HttpOptions } from './http-options.js';

/** Sent unless the monitor sets its own `User-Agent` (and the check names no vantage point). */
export const HTTP_USER_AGENT = 'incident-alert-bot/0.1 (uptime monitor)';

/**
 * The User-Agent of a check (HTTP monitors, status feeds). A check made from a named vantage point
 * (`ProbeContext.vantage`, several instances: docs/cluster.md) says which, e.g.
 * `incident-alert-bot/0.1 (uptime monitor; +vantage=eu-west)`, so a target's logs show which
 * location probed it. Vantage names are letters, digits, `.`, `_` and `-` (VANTAGE is validated).
 */
export function httpUserAgent(vantage: string | undefined): string {
  return vantage === undefined
    ? HTTP_USER_AGENT
    : `incident-alert-bot/0.1 (uptime monitor; +vantage=${vantage})`;
}

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
// Credentials meant for one origin are not forwarded to another (as browsers and curl do).
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** Seams for the outermost I/O; tests and the SSRF guard inject `lookup`. */
export interface HttpProbeDeps {
  /** Replaces `dns.lookup` for hostnames (same signature as `net.connect`'s `lookup` option). */
  readonly lookup?: LookupFunction;
  /**
   * For monitors added from chat: a fresh SSRF guard per check. Every hop's host is vetted before
   * its request and connections use only the vetted address (the guard's lookup replaces `lookup`).
   */
  readonly createGuard?: () => ConnectionGuard;
  /**
   * The kept-alive agents of monitors with `reuse: true` (made on first use when absent; tests
   * inject one to look inside). Ignored with `createGuard`: guarded checks always connect anew.
   */
  readonly reusePool?: ReusePool;
}

/** One hop of the exchange: what is sent. */
interface HttpHop {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

function firstHop(options: HttpOptions, userAgent: string): HttpHop {
  const headers: Record<string, string> = { 'user-agent': userAgent };
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  return { url: new URL(options.url), method: options.method, headers, body: options.body };
}

/** The next hop after a redirect (RFC 9110 §15.4): 303, and 301/302 after POST, become GET without body. */
function nextHop(hop: HttpHop, status: number, location: URL): HttpHop {
  const becomesGet = status === 303 || ((status === 301 || status === 302) && hop.method === 'POST');
  const headers = { ...hop.headers };
  if (location.origin !== hop.url.origin) for (const name of ORIGIN_BOUND_HEADERS) delete headers[name];
  return becomesGet && hop.method !== 'HEAD'
    ? { url: location, method: 'GET', headers, body: undefined }
    : { url: location, method: hop.method, headers, body: hop.body };
}

function redirectTarget(response: Dispatcher.ResponseData, base: URL): URL | null {
  const location = response.headers['location'];
  if (!REDIRECT_STATUSES.has(response.statusCode) || typeof location !== 'string') return null;
  return URL.canParse(location, base.href) ? new URL(location, base) : null;
}

/** Small leftovers are read and dropped (no error, no stack trace); bigger ones cut the connection. */
const DISCARD_LIMIT_BYTES = 64 * 1024;

/** Drops a body: reads up to DISCARD_LIMIT_BYTES to the end, else destroys it. Never rejects. */
async function discardBody(body: Dispatcher.ResponseData['body']): Promise<void> {
  body.on('error', () => {}); // a destroyed body reports it as an 'error' nobody needs
  await body.dump({ limit: DISCARD_LIMIT_BYTES }).catch(() => undefined);
}

/**
 * Reads at most `maxBytes` of the body, then stops: the rest is never downloaded or buffered.
 * The bytes stay undecoded, in blocks: a big body is joined, decoded and checked on the parse
 * worker.
 */
async function readCappedBody(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<ByteBody> {
  const collected = new BodyCollector();
  let truncated = false;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = maxBytes - collected.size;
    if (chunk.length > room) {
      collected.push(chunk.subarray(0, room));
      truncated = true;
      break; // leaving the loop destroys the stream and its connection
    }
    collected.push(chunk);
  }
  return { bytes: collected.finish(), truncated, cappedAtBytes: maxBytes };
}

function statusMatches(options: HttpOptions, status: number): boolean {
  return options.expect.status.some(([low, high]) => status >= low && status <= high);
}

/** Time kept back from a big body's check, so its own time limit fires before the check's. */
const BODY_CHECK_MARGIN_MS = 50;

/** Judges the final response: status, then body assertions, then speed. */
async function judgeResponse(
  options: HttpOptions,
  response: Dispatcher.ResponseData,
  latencyMs: number,
  redirects: number,
  run: { readonly deadline: Deadline; readonly startedAt: number; readonly timeoutMs: number },
): Promise<ProbeOutcome> {
  const status = response.statusCode;
  if (!statusMatches(options, status)) {
    await discardBody(response.body);
    return downOutcome('http-status', `HTTP ${status}`, latencyMs, { statusCode: status });
  }
  if (needsBody(options.expect)) {
    const body = await readCappedBody(response.body, options.maxBodyBytes);
    // A big body is checked on the parse worker with what is left of the check's time, less a
    // margin, and the check's signal (read only then: it costs an AbortController).
    const offThread = bodyByteLength(body.bytes) > INLINE_MAX_BYTES;
    const failure = await checkBodyOffThread(
      options.expect,
      body,
      offThread
        ? {
            timeoutMs: Math.max(1, run.timeoutMs - elapsedMs(run.startedAt) - BODY_CHECK_MARGIN_MS),
            signal: run.deadline.signal,
          }
        : {},
    );
    if (failure?.reason === 'not-checked') {
      // The site answered; only our check of its body did not finish. That says nothing about
      // the site: unknown (it neither confirms nor clears an outage), never down.
      return unknownOutcome('assertion', `HTTP ${status}, body not checked: ${failure.message}`, latencyMs, {
        statusCode: status,
      });
    }
    if (failure !== null)
      return downOutcome(failure.reason, failure.message, latencyMs, {
        statusCode: status,
        ...failure.facts,
      });
  } else {
    await discardBody(response.body);
  }
  const summary = redirects > 0 ? `HTTP ${status} after ${redirects} redirect(s)` : `HTTP ${status}`;
  if (options.degradedAfter !== undefined && latencyMs > options.degradedAfter) {
    return degradedOutcome(
      'slow',
      `${summary} in ${latencyMs} ms (over ${options.degradedAfter} ms)`,
      latencyMs,
      { statusCode: status },
    );
  }
  // An up check needs no facts (alert text describes failures), and most checks are up: none are
  // made, kept or stored for it.
  return upOutcome(summary, latencyMs);
}

/** Sends the request and follows redirects by hand, so each hop counts against `maxRedirects`. */
async function exchange(
  options: HttpOptions,
  dispatcherFor: (url: URL) => Dispatcher,
  deadline: Deadline,
  startedAt: number,
  timeoutMs: number,
  guard: ConnectionGuard | undefined,
  userAgent: string,
): Promise<ProbeOutcome> {
  let hop = firstHop(options, userAgent);
  for (let redirects = 0; ; redirects += 1) {
    if (guard !== undefined) {
      const refusal = await refusedHop(guard, hop.url, deadline.signal, redirects);
      if (refusal !== null) return downOutcome('blocked', `target refused: ${refusal}`, null);
    }
    // No signal: when the deadline fires, its guard ends the run and `run` destroys the dispatcher,
    // which fails the request and closes its socket. An abort listener per request (and the
    // deadline's AbortController it needs) cost a tenth of the probe's CPU on a loopback target.
    const response = await request(hop.url, {
      dispatcher: dispatcherFor(hop.url),
      method: hop.method as Dispatcher.HttpMethod,
      headers: hop.headers,
      body: hop.body ?? null,
    });
    // Time to the response headers of the final hop, redirects included.
    const latencyMs = elapsedMs(startedAt);
    const location = options.maxRedirects > 0 ? redirectTarget(response, hop.url) : null;
    if (location === null) {
      return judgeResponse(options, response, latencyMs, redirects, { deadline, startedAt, timeoutMs });
    }
    await discardBody(response.body);
    if (redirects >= options.maxRedirects) {
      return downOutcome('redirects', `more than ${options.maxRedirects} redirects`, latencyMs, {
        statusCode: response.statusCode,
        maxRedirects: options.maxRedirects,
      });
    }
    if (location.protocol !== 'http:' && location.protocol !== 'https:') {
      return downOutcome('redirects', `redirect to unsupported scheme ${location.protocol}`, latencyMs, {
        statusCode: response.statusCode,
      });
    }
    hop = nextHop(hop, response.statusCode, location);
  }
}

/**
 * What a run's pool is destroyed with. Without an error undici makes a new ClientDestroyedError per
 * call and Node reads its stack when the socket is destroyed with it: with the source maps tsx turns
 * on, that stack cost about a tenth of a check's CPU on a loopback target. Nobody reads this error
 * unless a request is still in flight when the run ends, and then it says the same thing.
 */
const RUN_OVER = new errors.ClientDestroyedError();

function clientOptions(
  options: HttpOptions,
  ctx: ProbeContext,
  lookup: LookupFunction | undefined,
): Client.Options {
  return {
    connect: {
      timeout: ctx.timeoutMs,
      rejectUnauthorized: !options.insecure,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(lookup ? { lookup } : {}),
    },
    headersTimeout: ctx.timeoutMs,
    bodyTimeout: ctx.timeoutMs,
  };
}

/**
 * The connections of one run: a `Client` per origin (one connection each, one request at a time:
 * redirects are followed in turn), made on first use and all destroyed when the run ends. A
 * `Client` rather than an `Agent` with `connections: 1` (which makes the same Client): the Agent's
 * map, listeners and per-origin bookkeeping cost about a tenth of a fresh request's CPU on a
 * loopback target and bought nothing for a run that talks to one origin, rarely two.
 */
class RunConnections {
  private first: Client | undefined;
  private firstOrigin = '';
  private others: Map<string, Client> | undefined;
  private readonly clientOptions: Client.Options;

  constructor(options: HttpOptions, ctx: ProbeContext, lookup: LookupFunction | undefined) {
    this.clientOptions = clientOptions(options, ctx, lookup);
  }

  /** The client for `url`'s origin, made on first use. */
  readonly for = (url: URL): Dispatcher => {
    const origin = url.origin;
    if (this.first === undefined) {
      this.first = new Client(origin, this.clientOptions);
      this.firstOrigin = origin;
      return this.first;
    }
    if (origin === this.firstOrigin) return this.first;
    this.others ??= new Map();
    let client = this.others.get(origin);
    if (client === undefined) {
      client = new Client(origin, this.clientOptions);
      this.others.set(origin, client);
    }
    return client;
  };

  /** Destroys every connection of the run (a stalled one included). Never rejects. */
  async destroy(): Promise<void> {
    if (this.first !== undefined) await this.first.destroy(RUN_OVER).catch(() => undefined);
    if (this.others !== undefined) {
      await Promise.all([...this.others.values()].map((c) => c.destroy(RUN_OVER).catch(() => undefined)));
    }
  }
}

/**
 * Builds the HTTP(S) probe (undici `request`). By default each run uses its own connections
 * (`RunConnections`), destroyed when the run ends: every check measures a fresh DNS + TCP + TLS setup, as a user would
 * see it, and no socket outlives the run, even when the target stalls or the deadline fires.
 * With `reuse: true` (services-file monitors only; a guarded chat check always connects anew) the
 * first hop goes through a kept-alive agent shared per origin (`ReusePool`), detached on any
 * connection fault; a redirect to another origin still gets a fresh connection of its own.
 * With `maxRedirects: 0` redirects are not followed and the 3xx answer is judged by `expect.status`.
 */
export function createHttpProbe(deps: HttpProbeDeps = {}): Probe<HttpOptions> {
  let pool = deps.reusePool;
  return {
    type: 'http',
    optionsSchema: httpOptionsSchema,
    describe: (options) => (options.method === 'GET' ? options.url : `${options.method} ${options.url}`),
    async run(options: HttpOptions, ctx: ProbeContext): Promise<ProbeOutcome> {
      const startedAt = performance.now();
      if (options.reuse && deps.createGuard === undefined) {
        pool ??= new ReusePool(deps.lookup);
        return runReused(options, ctx, pool, deps.lookup, startedAt);
      }
      const guard = deps.createGuard?.();
      const connections = new RunConnections(options, ctx, guard?.lookup ?? deps.lookup);
      try {
        return await runWithDeadline(
          ctx,
          (deadline) =>
            exchange(
              options,
              connections.for,
              deadline,
              startedAt,
              ctx.timeoutMs,
              guard,
              httpUserAgent(ctx.vantage),
            ),
          (error) => failedOutcome(error, startedAt),
        );
      } finally {
        await connections.destroy();
      }
    },
  };
}

/**
 * A check of a `reuse: true` monitor: hops to the monitor's origin go through the pooled agent,
 * any other origin through a fresh agent made for this run only. A run that ends without an
 * answer (thrown error or expired deadline) is a connection fault: the pooled agent is detached,
 * so a stalled or broken connection never serves the next check.
 */
async function runReused(
  options: HttpOptions,
  ctx: ProbeContext,
  pool: ReusePool,
  lookup: LookupFunction | undefined,
  startedAt: number,
): Promise<ProbeOutcome> {
  const entry = pool.acquire(options, ctx.timeoutMs);
  let elsewhere: RunConnections | undefined;
  const dispatcherFor = (url: URL): Dispatcher =>
    url.origin === entry.origin
      ? entry.agent
      : (elsewhere ??= new RunConnections(options, ctx, lookup)).for(url);
  let answered = false;
  try {
    return await runWithDeadline(
      ctx,
      async (deadline) => {
        const outcome = await exchange(
          options,
          dispatcherFor,
          deadline,
          startedAt,
          ctx.timeoutMs,
          undefined,
          httpUserAgent(ctx.vantage),
        );
        answered = true;
        return outcome;
      },
      (error) => failedOutcome(error, startedAt),
    );
  } finally {
    await elsewhere?.destroy();
    await pool.release(entry, !answered);
  }
}

/** The HTTP probe with the system resolver. */
export const httpProbe: Probe<HttpOptions> = createHttpProbe();
