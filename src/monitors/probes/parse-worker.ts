import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OfficialSnapshot } from '../../core/official.js';
import { type AssertionFailure, checkBody } from './http-assertions.js';
import type { HttpExpectations } from './http-options.js';
import { type BodyBytes, bodyBuffer, bodyByteLength, transferableMemory } from '../../sources/body-blocks.js';
import { inspectStatusNow, type StatusInspection } from '../../sources/inspect-status.js';
import {
  digestStatusNow,
  parseStatusNow,
  type StatusDigest,
  type StatusFormat,
  type StatusResponse,
} from '../../sources/parse-status.js';

/**
 * Parses big status responses on a worker thread, so no parse holds the event loop: decoding,
 * `JSON.parse` and the parsers are linear, but at 5 to 16 MiB that is still 50 ms to seconds
 * (see docs/parsing.md). Bodies up to `INLINE_MAX_BYTES` are parsed inline: a thread hop costs
 * more than they do.
 *
 * Two long-lived workers, one for status feeds and one for the HTTP probe's body checks (so a
 * hard feed never delays a site's check), each created at its first big body and taking one job
 * at a time; the others wait in order, up to `MAX_QUEUED_BYTES`. A job's time limit counts from
 * the call: a job still waiting when its time is up, or when its check gives up (its signal), is
 * dropped without running; one running then is stopped by terminating and replacing its worker
 * (a parse cannot be interrupted any other way). A worker that dies or cannot start fails its
 * job the same way. Every job settles. A worker holds the process open only while it has work,
 * and `stopParseWorker` ends them.
 */

/** Bodies up to this many bytes (or characters) are parsed on the calling thread. */
export const INLINE_MAX_BYTES = 64 * 1024;
/** A parse not done this long after it was asked for is stopped (or dropped unstarted). */
export const DEFAULT_PARSE_TIMEOUT_MS = 10_000;

/** A status response to parse. */
export interface StatusParseRequest {
  readonly id: number;
  readonly kind: 'status';
  readonly response: StatusResponse;
  readonly format: StatusFormat;
  /** Set: the reply is a `StatusDigest` of these components, not the whole snapshot. */
  readonly digestOf?: { readonly components: readonly string[] };
}

/** The HTTP probe's body assertions (keyword, regex, JSON path) on a big body. */
export interface BodyCheckRequest {
  readonly id: number;
  readonly kind: 'body-check';
  readonly expect: HttpExpectations;
  readonly body: ByteBody;
}

/** A capped response body as read, not yet decoded. */
export interface ByteBody {
  readonly bytes: BodyBytes;
  readonly truncated: boolean;
  readonly cappedAtBytes: number;
}

/** `/watch`'s reading of a page it is about to add: its format and component names. */
export interface InspectRequest {
  readonly id: number;
  readonly kind: 'inspect';
  readonly response: StatusResponse;
}

export type ParseRequest = StatusParseRequest | BodyCheckRequest | InspectRequest;

type ParseResult =
  OfficialSnapshot | StatusDigest | AssertionFailure | BodyNotChecked | StatusInspection | null;

export type ParseReply =
  { readonly id: number; readonly result: ParseResult } | { readonly id: number; readonly error: string };

/** The body assertions on a byte body, decoded as UTF-8. Pure; runs inline or in the worker. */
export function checkByteBody(expect: HttpExpectations, body: ByteBody): AssertionFailure | null {
  const text = bodyBuffer(body.bytes).toString('utf8');
  return checkBody(expect, { text, truncated: body.truncated, cappedAtBytes: body.cappedAtBytes });
}

export interface ParseOptions {
  /**
   * How long the job may take, counted from the call (time spent waiting for the worker
   * included). A job still waiting at its limit is dropped without running; one running is stopped.
   */
  readonly timeoutMs?: number;
  /** The check's signal: when it aborts, a waiting job is dropped and a running one stopped. */
  readonly signal?: AbortSignal;
}

/** Bytes (or characters) that may wait for one worker; past it a new job is refused at once. */
export const MAX_QUEUED_BYTES = 32 * 1024 * 1024;

/** A big body the HTTP probe could not check: not a failed assertion, nothing is known. */
export interface BodyNotChecked {
  readonly reason: 'not-checked';
  readonly message: string;
}

interface Job {
  readonly request: ParseRequest;
  readonly bytes: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  /** What the job answers when it fails, dies, runs out of time or is cancelled. */
  readonly failure: (problem: string) => ParseResult;
  readonly resolve: (result: ParseResult) => void;
  /** Set from the call: the job's time limit, waiting included. */
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
}

/** An unusable snapshot; with `statements: []` it is a valid digest as well. */
function failed(format: StatusFormat, problem: string): OfficialSnapshot & StatusDigest {
  return { source: format, overall: 'unknown', components: [], incidents: [], problem, statements: [] };
}

function bodySize(body: string | BodyBytes): number {
  return typeof body === 'string' ? body.length : bodyByteLength(body);
}

function requestSize(request: DistributiveOmit<ParseRequest, 'id'>): number {
  return request.kind === 'body-check' ? bodyByteLength(request.body.bytes) : bodySize(request.response.body);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatMiB(bytes: number): string {
  return `${Number((bytes / 1024 / 1024).toFixed(1))} MiB`;
}

/**
 * A new worker thread running the entry: the compiled `.js` next to this file, or, when this
 * file runs as TypeScript source (tsx, vitest), the `.ts` entry with tsx registered in the
 * worker first (the main thread's loader hooks do not reach a worker).
 */
export function startParseWorkerThread(): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./parse-worker-entry.js', import.meta.url));
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(
    /\.cjs$/,
    '.mjs',
  );
  const entry = new URL('./parse-worker-entry.ts', import.meta.url).href;
  const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`));
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface ParseWorkerPoolOptions {
  /** Starts a worker thread; `startParseWorkerThread` unless a test replaces it. */
  readonly startWorker?: () => Worker;
  /** Bytes that may wait; `MAX_QUEUED_BYTES` by default. */
  readonly maxQueuedBytes?: number;
}

/**
 * One worker thread and its queue: one job at a time, the others wait in order, at most
 * `maxQueuedBytes` of bodies waiting. Every job has a time limit from the moment it is queued
 * and may carry the check's signal; a job whose time is up or whose check gave up is dropped
 * if it is still waiting (its body released at once), and stops the worker if it is running.
 * Every job settles, whatever happens to the worker.
 */
export class ParseWorkerPool {
  private worker: Worker | undefined;
  private running: Job | undefined;
  private readonly waiting: Job[] = [];
  private waitingBytes = 0;
  private nextId = 1;
  private readonly startWorker: () => Worker;
  private readonly maxQueuedBytes: number;
  /** Workers started so far (tests and the bench read it). */
  started = 0;
  /** Jobs handed to a worker so far (tests read it: what was parsed off the main thread). */
  taken = 0;

  constructor(options: ParseWorkerPoolOptions = {}) {
    this.startWorker = options.startWorker ?? startParseWorkerThread;
    this.maxQueuedBytes = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
  }

  /** Jobs waiting (not running) and the bytes they hold. */
  queue(): { readonly jobs: number; readonly bytes: number } {
    return { jobs: this.waiting.length, bytes: this.waitingBytes };
  }

  run(
    request: DistributiveOmit<ParseRequest, 'id'>,
    options: { readonly timeoutMs: number; readonly signal?: AbortSignal | undefined },
    failure: (problem: string) => ParseResult,
  ): Promise<ParseResult> {
    const { timeoutMs, signal } = options;
    if (signal?.aborted) return Promise.resolve(failure('parse stopped: check cancelled'));
    const bytes = requestSize(request);
    const busy = this.running !== undefined || this.waiting.length > 0;
    if (busy && this.waitingBytes + bytes > this.maxQueuedBytes) {
      return Promise.resolve(
        failure(`parse refused: ${formatMiB(this.waitingBytes)} already waiting for the parse worker`),
      );
    }
    return new Promise((resolve) => {
      const withId = { ...request, id: this.nextId++ } as ParseRequest;
      const job: Job = {
        request: withId,
        bytes,
        timeoutMs,
        signal,
        failure,
        resolve,
        timer: undefined,
        onAbort: undefined,
      };
      job.timer = setTimeout(() => this.expire(job), timeoutMs);
      if (signal !== undefined) {
        job.onAbort = () => this.cancel(job, 'parse stopped: check cancelled');
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.waiting.push(job);
      this.waitingBytes += bytes;
      this.pump();
    });
  }

  /** Ends the worker; jobs not finished yet resolve as `unknown`. */
  async stop(): Promise<void> {
    const jobs = [...(this.running ? [this.running] : []), ...this.waiting.splice(0)];
    this.waitingBytes = 0;
    this.running = undefined;
    for (const job of jobs) this.finish(job, job.failure('parse stopped: shutting down'));
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  /** Starts waiting jobs while the worker is free. Never throws: a job that cannot start settles. */
  private pump(): void {
    while (this.running === undefined) {
      const job = this.waiting.shift();
      if (job === undefined) {
        this.worker?.unref(); // idle: do not hold the process open
        return;
      }
      this.waitingBytes -= job.bytes;
      let worker: Worker;
      try {
        worker = this.ensureWorker();
      } catch (error) {
        this.finish(job, job.failure(`parse worker could not start: ${errorText(error)}`));
        continue;
      }
      worker.ref();
      this.running = job;
      const body = job.request.kind === 'body-check' ? job.request.body.bytes : job.request.response.body;
      // Blocks collected by `BodyCollector` are handed over, not copied.
      const transfer = typeof body === 'string' ? [] : transferableMemory(body);
      try {
        worker.postMessage(job.request, transfer);
        this.taken += 1;
      } catch (error) {
        // Something in the request cannot be cloned: that job fails, the queue goes on.
        this.running = undefined;
        this.finish(job, job.failure(`parse failed: ${errorText(error)}`));
      }
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = this.startWorker();
    this.started += 1;
    worker.on('message', (reply: ParseReply) => this.settle(worker, reply));
    worker.on('error', (error) => this.lose(worker, `parse worker failed: ${error.message}`));
    worker.on('exit', (code) => this.lose(worker, `parse worker exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private settle(worker: Worker, reply: ParseReply): void {
    const job = this.running;
    if (worker !== this.worker || job === undefined || job.request.id !== reply.id) return;
    this.running = undefined;
    this.finish(job, 'result' in reply ? reply.result : job.failure(`parse failed: ${reply.error}`));
    this.pump();
  }

  /** The worker died under a job (or between jobs): fail the job, start afresh at the next one. */
  private lose(worker: Worker, problem: string): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    const job = this.running;
    this.running = undefined;
    if (job !== undefined) this.finish(job, job.failure(problem));
    this.pump();
  }

  /** The job's time limit, counted from its call. */
  private expire(job: Job): void {
    job.timer = undefined;
    const problem =
      this.running === job
        ? `parse stopped after ${job.timeoutMs} ms (body too hard to parse)`
        : `parse stopped after ${job.timeoutMs} ms (still waiting for the parse worker)`;
    this.cancel(job, problem);
  }

  /** Drops a waiting job, or stops the worker under a running one; either way the job settles. */
  private cancel(job: Job, problem: string): void {
    if (this.running === job) {
      const worker = this.worker;
      this.worker = undefined; // its exit is not reported against the next job
      this.running = undefined;
      void worker?.terminate();
    } else {
      const index = this.waiting.indexOf(job);
      if (index === -1) return; // already settled
      this.waiting.splice(index, 1);
      this.waitingBytes -= job.bytes;
    }
    this.finish(job, job.failure(problem));
    this.pump();
  }

  private finish(job: Job, result: ParseResult): void {
    clearTimeout(job.timer);
    job.timer = undefined;
    if (job.onAbort !== undefined) job.signal?.removeEventListener('abort', job.onAbort);
    job.onAbort = undefined;
    job.resolve(result);
  }
}

/** Status feeds and HTTP body checks have a worker each: a hard feed never delays a site's check. */
const statusPool = new ParseWorkerPool();
const bodyCheckPool = new ParseWorkerPool();

function inline<T>(format: StatusFormat, work: () => T): Promise<T | (OfficialSnapshot & StatusDigest)> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.resolve(failed(format, `parse failed: ${errorText(error)}`));
  }
}

function jobOptions(options: ParseOptions): { timeoutMs: number; signal: AbortSignal | undefined } {
  return { timeoutMs: options.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS, signal: options.signal };
}

/**
 * Detects the format (for `auto`) and parses, inline for small bodies and on the worker thread
 * for big ones. Never rejects: a parse that fails, dies, runs out of time, is cancelled or finds
 * the queue full is an `unknown` snapshot with the reason in `problem`.
 */
export function parseStatusResponseOffThread(
  response: StatusResponse,
  format: StatusFormat,
  options: ParseOptions = {},
): Promise<OfficialSnapshot> {
  if (bodySize(response.body) <= INLINE_MAX_BYTES)
    return inline(format, () => parseStatusNow(response, format));
  return statusPool.run({ kind: 'status', response, format }, jobOptions(options), (problem) =>
    failed(format, problem),
  ) as Promise<OfficialSnapshot>;
}

/**
 * The same, digested for a check (see `StatusDigest`): the component filter is applied and
 * only the verdict and the evidence lines come back, so a huge snapshot never crosses threads.
 */
export function digestStatusResponseOffThread(
  response: StatusResponse,
  format: StatusFormat,
  options: ParseOptions & { readonly components?: readonly string[] } = {},
): Promise<StatusDigest> {
  const components = options.components ?? [];
  if (bodySize(response.body) <= INLINE_MAX_BYTES) {
    return inline(format, () => digestStatusNow(response, format, components));
  }
  const request = { kind: 'status' as const, response, format, digestOf: { components } };
  return statusPool.run(request, jobOptions(options), (problem) =>
    failed(format, problem),
  ) as Promise<StatusDigest>;
}

/**
 * `/watch`'s reading of a page before it adds it (`inspectStatusNow`): inline for small bodies, on
 * the status worker for big ones, as the page's scheduled checks are parsed. A parse that fails,
 * dies, runs out of time, is cancelled or finds the queue full is `unreadable`.
 */
export function inspectStatusResponseOffThread(
  response: StatusResponse,
  options: ParseOptions = {},
): Promise<StatusInspection> {
  const unreadable = (): StatusInspection => ({ ok: false, found: 'unreadable' });
  if (bodySize(response.body) <= INLINE_MAX_BYTES) {
    try {
      return Promise.resolve(inspectStatusNow(response));
    } catch {
      return Promise.resolve(unreadable());
    }
  }
  return statusPool.run(
    { kind: 'inspect', response },
    jobOptions(options),
    unreadable,
  ) as Promise<StatusInspection>;
}

/**
 * The HTTP probe's body assertions (see `checkBody`), inline for small bodies and on the
 * body-check worker for big ones: decoding 16 MiB and parsing it as JSON would hold the loop
 * for hundreds of milliseconds. A check that fails, dies, runs out of time, is cancelled or
 * finds the queue full is `not-checked`, saying why: nothing is known about the body.
 */
export function checkBodyOffThread(
  expect: HttpExpectations,
  body: ByteBody,
  options: ParseOptions = {},
): Promise<AssertionFailure | BodyNotChecked | null> {
  if (bodyByteLength(body.bytes) <= INLINE_MAX_BYTES) return Promise.resolve(checkByteBody(expect, body));
  const failure = (problem: string): BodyNotChecked => ({
    reason: 'not-checked',
    message: problem.replace(/^parse/, 'body check'),
  });
  return bodyCheckPool.run({ kind: 'body-check', expect, body }, jobOptions(options), failure) as Promise<
    AssertionFailure | BodyNotChecked | null
  >;
}

/** Terminates the parse workers, if any run; waiting parses resolve as `unknown`. */
export async function stopParseWorker(): Promise<void> {
  await Promise.all([statusPool.stop(), bodyCheckPool.stop()]);
}

/** How many worker threads have been started in this process (a replaced one counts again). */
export function parseWorkersStarted(): number {
  return statusPool.started + bodyCheckPool.started;
}

/** How many jobs the parse workers have been handed in this process. */
export function parseJobsTaken(): number {
  return statusPool.taken + bodyCheckPool.taken;
}

/** Jobs waiting for a worker (not running) and the bytes they hold, over both workers. */
export function parseQueue(): { readonly jobs: number; readonly bytes: number } {
  const status = statusPool.queue();
  const body = bodyCheckPool.queue();
  return { jobs: status.jobs + body.jobs, bytes: status.bytes + body.bytes };
}
