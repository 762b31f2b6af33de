import type { LookupFunction } from 'node:net';
import type { Dispatcher } from 'undici';
import { Agent, request } from 'undici';
import { z } from 'zod';
import type { OfficialSeverity, OfficialSnapshot } from '../../core/official.js';
import type { OutcomeReason, ProbeOutcome } from '../../core/model.js';
import { filterComponents } from '../../sources/component-filter.js';
import { BodyCollector } from '../../sources/body-blocks.js';
import { digestSnapshot, parseStatusNow, type StatusDigest } from '../../sources/parse-status.js';
import { digestStatusResponseOffThread } from './parse-worker.js';
import { STATUS_SOURCE_KINDS } from '../../sources/registry.js';
import type { Probe, ProbeContext } from '../probe.js';
import { type ConnectionGuard, refusedHop } from '../ssrf/ssrf-guard.js';
import { runWithDeadline } from './deadline.js';
import { classifyError } from './error-reason.js';
import { httpUserAgent } from './http-probe.js';
import { elapsedMs, toPlainLine, unknownOutcome } from './probe-outcome.js';

/**
 * The `statuspage` monitor type: reads a service's official status feed and reports what the
 * page says, as an `official` statement rather than a measurement.
 *
 * | page says (normalised overall)  | outcome       | reason                  |
 * |---------------------------------|---------------|-------------------------|
 * | ok                              | up            | ok                      |
 * | maintenance                     | maintenance   | official-maintenance    |
 * | degraded, partial_outage        | degraded      | official-incident       |
 * | major_outage                    | down          | official-incident       |
 * | unknown (unreadable, no match)  | unknown       | bad-payload             |
 * | non-200 answer                  | unknown       | http-status             |
 * | body over the cap               | unknown       | too-large               |
 * | network failure, timeout        | unknown       | the network reason      |
 *
 * A status page that cannot be read is never `up` and never `down`: it says nothing about the
 * service. `major_outage` is Statuspage `critical` (and a component in major outage),
 * incident.io `full_outage`, Google `SERVICE_OUTAGE`, AWS "Service disruption"; see
 * docs/status-sources.md for the mapping of each source.
 *
 * The body is kept as bytes (decoded by its charset where it is parsed: `decodeStatusBody`): small
 * ones are decoded and parsed inline, big ones on the parse
 * worker thread (`src/monitors/probes/parse-worker.ts`), so a 16 MiB feed never holds the event loop.
 */

/** `auto` sniffs the body (see `detectFormat`); the others name a parser in `src/sources`. */
export const STATUS_PAGE_FORMATS = ['auto', ...STATUS_SOURCE_KINDS] as const;
export type StatusPageFormat = (typeof STATUS_PAGE_FORMATS)[number];

/** Bodies are read up to this size by default; a bigger feed is refused unread past it. */
export const MAX_STATUS_BODY_BYTES = 5 * 1024 * 1024;
/**
 * The most a monitor may raise its cap to: Google's `incidents.json` grows past 5 MiB (one
 * aggregator caps it at 10 MB), and the parsers refuse more than 16 Mi characters anyway.
 */
export const MAX_STATUS_BODY_BYTES_LIMIT = 16 * 1024 * 1024;
/** Status hosts move (status.anthropic.com → status.claude.com); a few hops are followed. */
export const MAX_STATUS_REDIRECTS = 3;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const HTTP_OK = 200;
/** Time kept back from the parse, so its own time limit fires before the check's. */
const PARSE_MARGIN_MS = 50;

const statusUrlSchema = z.string().superRefine((text, ctx) => {
  if (!URL.canParse(text)) ctx.addIssue({ code: 'custom', message: 'Invalid URL' });
  else if (!['http:', 'https:'].includes(new URL(text).protocol)) {
    ctx.addIssue({ code: 'custom', message: 'Invalid URL (only http:// and https:// are supported)' });
  }
});

export const statusPageOptionsSchema = z.strictObject({
  url: statusUrlSchema,
  format: z.enum(STATUS_PAGE_FORMATS).default('auto'),
  /** Only these components (or component groups) count, matched case-insensitively by name. */
  components: z.array(z.string().trim().min(1)).default([]),
  maxBodyBytes: z.int().min(1).max(MAX_STATUS_BODY_BYTES_LIMIT).default(MAX_STATUS_BODY_BYTES),
});
export type StatusPageOptions = z.infer<typeof statusPageOptionsSchema>;

/** Seams for the outermost I/O and time: tests inject `now` (feeds judge recency) and `lookup`. */
export interface StatusPageProbeDeps {
  readonly lookup?: LookupFunction;
  /**
   * For status pages added from chat (`/watch`): a fresh SSRF guard per check, as the HTTP probe
   * has. Every hop's host is vetted before its request and connections use only the vetted address
   * (the guard's lookup replaces `lookup`); a refused hop is `unknown` (`blocked`).
   */
  readonly createGuard?: () => ConnectionGuard;
  /** Epoch ms handed to the parsers; defaults to the wall clock (recency of feed entries only). */
  readonly now?: () => number;
}

const SEVERITY_OUTCOME: Readonly<
  Record<OfficialSeverity, { readonly status: ProbeOutcome['status']; readonly reason: OutcomeReason }>
> = {
  ok: { status: 'up', reason: 'ok' },
  maintenance: { status: 'maintenance', reason: 'official-maintenance' },
  degraded: { status: 'degraded', reason: 'official-incident' },
  partial_outage: { status: 'degraded', reason: 'official-incident' },
  major_outage: { status: 'down', reason: 'official-incident' },
  unknown: { status: 'unknown', reason: 'bad-payload' },
};

/** The outcome for what a page says. Exported for tests and for the replay's healthy page. */
export function outcomeOfSnapshot(snapshot: OfficialSnapshot, latencyMs: number | null): ProbeOutcome {
  return outcomeOfDigest(digestSnapshot(snapshot), latencyMs);
}

/** The outcome for what a page says, from its digest (what the parse worker hands back). */
function outcomeOfDigest(digest: StatusDigest, latencyMs: number | null): ProbeOutcome {
  const { status, reason } = SEVERITY_OUTCOME[digest.overall];
  if (digest.problem !== undefined || digest.overall === 'unknown') {
    return unknownOutcome(
      'bad-payload',
      `status page unreadable: ${digest.problem ?? 'unknown state'}`,
      latencyMs,
    );
  }
  const evidence = digest.statements.map((line) => toPlainLine(line));
  return { status, reason, message: toPlainLine(evidence[0] ?? digest.overall), latencyMs, evidence };
}

export interface Fetched {
  readonly status: number;
  readonly contentType: string | undefined;
  /** Undecoded blocks: decoding 16 MiB of non-ASCII text alone takes 80–200 ms. */
  readonly body: readonly Uint8Array[];
  readonly url: string;
  readonly latencyMs: number;
}

export type FetchResult =
  { readonly ok: true; readonly value: Fetched } | { readonly ok: false; readonly outcome: ProbeOutcome };

/**
 * Reads at most `maxBytes`; `null` when the body is longer (the rest is never downloaded). The
 * bytes stay in blocks, undecoded: joining and decoding 16 MiB is the parse worker's job.
 */
async function readCapped(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
): Promise<Uint8Array[] | null> {
  const collected = new BodyCollector();
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (collected.size + chunk.length > maxBytes) return null; // leaving the loop destroys the stream and its connection
    collected.push(chunk);
  }
  return collected.finish();
}

function formatMiB(bytes: number): string {
  return `${Number((bytes / 1024 / 1024).toFixed(2))} MiB`;
}

function dropBody(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * GETs a status page, following at most `MAX_STATUS_REDIRECTS` redirects and reading at most
 * `maxBodyBytes`. With a `guard`, each hop's host is vetted first (the agent must connect through
 * the guard's `lookup`). Exported for `/watch`, which reads a page once before adding it.
 */
export async function fetchPage(
  url: URL,
  maxBodyBytes: number,
  agent: Agent,
  signal: AbortSignal,
  startedAt: number,
  userAgent: string,
  guard?: ConnectionGuard,
): Promise<FetchResult> {
  let target = url;
  for (let redirects = 0; ; redirects += 1) {
    if (guard !== undefined) {
      const refusal = await refusedHop(guard, target, signal, redirects);
      if (refusal !== null)
        return { ok: false, outcome: unknownOutcome('blocked', `status page refused: ${refusal}`, null) };
    }
    const response = await request(target, {
      dispatcher: agent,
      signal,
      method: 'GET',
      headers: {
        'user-agent': userAgent,
        accept: 'application/json, application/xml;q=0.9, */*;q=0.5',
      },
    });
    const latencyMs = elapsedMs(startedAt);
    const location = headerText(response.headers['location']);
    if (
      REDIRECT_STATUSES.has(response.statusCode) &&
      location !== undefined &&
      URL.canParse(location, target.href)
    ) {
      dropBody(response.body);
      const next = new URL(location, target);
      if (redirects >= MAX_STATUS_REDIRECTS || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
        return {
          ok: false,
          outcome: unknownOutcome('redirects', `status page redirects too often`, latencyMs, {
            statusCode: response.statusCode,
            maxRedirects: MAX_STATUS_REDIRECTS,
          }),
        };
      }
      target = next;
      continue;
    }
    if (response.statusCode !== HTTP_OK) {
      dropBody(response.body);
      const message = `status page answered HTTP ${response.statusCode}`;
      return {
        ok: false,
        outcome: unknownOutcome('http-status', message, latencyMs, { statusCode: response.statusCode }),
      };
    }
    const body = await readCapped(response.body, maxBodyBytes);
    if (body === null) {
      const message = `status page body over ${formatMiB(maxBodyBytes)}`;
      return {
        ok: false,
        outcome: unknownOutcome('too-large', message, latencyMs, { bytes: maxBodyBytes }),
      };
    }
    const contentType = headerText(response.headers['content-type']);
    return {
      ok: true,
      value: { status: response.statusCode, contentType, body, url: target.href, latencyMs },
    };
  }
}

/** Picks the parser, parses, applies the component filter. Pure and synchronous: for tests. */
export function readStatusPage(
  options: Pick<StatusPageOptions, 'format' | 'components'>,
  page: { readonly contentType: string | undefined; readonly body: string; readonly url: string },
  now: number,
): OfficialSnapshot {
  const snapshot = parseStatusNow(
    { httpStatus: HTTP_OK, contentType: page.contentType, body: page.body, now, sourceUrl: page.url },
    options.format,
  );
  return filterComponents(snapshot, options.components);
}

/**
 * Builds the status-page probe (undici, one connection pool per run, as the HTTP probe does).
 * `run` never rejects for anything the page does: every failure is an `unknown` outcome.
 */
export function createStatusPageProbe(deps: StatusPageProbeDeps = {}): Probe<StatusPageOptions> {
  const now = deps.now ?? (() => Date.now());
  return {
    type: 'statuspage',
    role: 'official',
    optionsSchema: statusPageOptionsSchema,
    describe: (options) => options.url,
    async run(options: StatusPageOptions, ctx: ProbeContext): Promise<ProbeOutcome> {
      const startedAt = performance.now();
      const guard = deps.createGuard?.();
      const lookup = guard?.lookup ?? deps.lookup;
      const agent = new Agent({
        connect: { timeout: ctx.timeoutMs, ...(lookup ? { lookup } : {}) },
        headersTimeout: ctx.timeoutMs,
        bodyTimeout: ctx.timeoutMs,
      });
      try {
        return await runWithDeadline(
          ctx,
          async (deadline) => {
            const fetched = await fetchPage(
              new URL(options.url),
              options.maxBodyBytes,
              agent,
              deadline.signal,
              startedAt,
              httpUserAgent(ctx.vantage),
              guard,
            );
            if (!fetched.ok) return fetched.outcome;
            // The parse gets what is left of the check's time (counted from here: waiting for
            // the worker included), less a margin so that its own, clearer "parse stopped"
            // problem is what a too-hard body reports; and the check's signal, so a check that
            // ends anyway (shutdown) drops or stops its parse.
            const parseBudgetMs = Math.max(1, ctx.timeoutMs - elapsedMs(startedAt) - PARSE_MARGIN_MS);
            const page = fetched.value;
            const digest = await digestStatusResponseOffThread(
              {
                httpStatus: HTTP_OK,
                contentType: page.contentType,
                body: page.body,
                now: now(),
                sourceUrl: page.url,
              },
              options.format,
              { components: options.components, timeoutMs: parseBudgetMs, signal: deadline.signal },
            );
            return outcomeOfDigest(digest, page.latencyMs);
          },
          (error) => {
            const { reason, message, facts } = classifyError(error);
            return unknownOutcome(reason, `status page not reachable: ${message}`, null, facts);
          },
        ).then((outcome) =>
          outcome.status === 'down' && outcome.reason !== 'official-incident' ? asUnknown(outcome) : outcome,
        );
      } finally {
        await agent.destroy();
      }
    },
  };
}

/** A timeout or cancellation (which `runWithDeadline` reports as down) says nothing about the service. */
function asUnknown(outcome: ProbeOutcome): ProbeOutcome {
  return {
    ...outcome,
    status: 'unknown',
    message: toPlainLine(`status page not reachable: ${outcome.message}`),
  };
}

/** The status-page probe with the system resolver and clock. */
export const statusPageProbe: Probe<StatusPageOptions> = createStatusPageProbe();
