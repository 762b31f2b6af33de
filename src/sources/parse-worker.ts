import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OfficialSnapshot } from '../core/official.js';
import { type AssertionFailure, checkBody } from '../monitors/probes/http-assertions.js';
import type { HttpExpectations } from '../monitors/probes/http-options.js';
import { type BodyBytes, bodyBuffer, bodyByteLength, transferableMemory } from './body-blocks.js';
import {
  digestStatusNow,
  parseStatusNow,
  type StatusDigest,
  type StatusFormat,
  type StatusResponse,
} from './parse-status.js';

/**
 * Parses big status responses on a worker thread, so no parse holds the event loop: decoding,
 * `JSON.parse` and the parsers are linear, but at 5 to 16 MiB that is still 50 ms to seconds
 * (see docs/parsing.md). Bodies up to `INLINE_MAX_BYTES` are parsed inline: a thread hop costs
 * more than they do.
 *
 * One long-lived worker, created at the first big body, takes one job at a time; the others
 * wait in order. A job that runs past its time limit becomes an `unknown` snapshot saying so,
 * and the worker is terminated and replaced (a parse cannot be interrupted any other way); a
 * worker that dies fails its job the same way and is replaced at the next job. The worker holds
 * the process open only while it has work, and `stopParseWorker` ends it.
 */

/** Bodies up to this many bytes (or characters) are parsed on the calling thread. */
export const INLINE_MAX_BYTES = 64 * 1024;
/** A parse still running after this long is stopped. */
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

export type ParseRequest = StatusParseRequest | BodyCheckRequest;

type ParseResult = OfficialSnapshot | StatusDigest | AssertionFailure | null;

export type ParseReply =
  { readonly id: number; readonly result: ParseResult } | { readonly id: number; readonly error: string };

/** The body assertions on a byte body, decoded as UTF-8. Pure; runs inline or in the worker. */
export function checkByteBody(expect: HttpExpectations, body: ByteBody): AssertionFailure | null {
  const text = bodyBuffer(body.bytes).toString('utf8');
  return checkBody(expect, { text, truncated: body.truncated, cappedAtBytes: body.cappedAtBytes });
}

export interface ParseOptions {
  /** How long the parse may run once the worker has it (queueing not counted). */
  readonly timeoutMs?: number;
}

interface Job {
  readonly request: ParseRequest;
  readonly timeoutMs: number;
  /** What the job answers when it fails, dies or runs out of time. */
  readonly failure: (problem: string) => ParseResult;
  readonly resolve: (result: ParseResult) => void;
}

/** An unusable snapshot; with `statements: []` it is a valid digest as well. */
function failed(format: StatusFormat, problem: string): OfficialSnapshot & StatusDigest {
  return { source: format, overall: 'unknown', components: [], incidents: [], problem, statements: [] };
}

function bodySize(body: string | BodyBytes): number {
  return typeof body === 'string' ? body.length : bodyByteLength(body);
}

/**
 * A new worker thread running the entry: the compiled `.js` next to this file, or, when this
 * file runs as TypeScript source (tsx, vitest), the `.ts` entry with tsx registered in the
 * worker first (the main thread's loader hooks do not reach a worker).
 */
function startWorker(): Worker {
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

class ParseWorkerPool {
  private worker: Worker | undefined;
  private running: Job | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiting: Job[] = [];
  private nextId = 1;
  /** Workers started so far (tests and the bench read it). */
  started = 0;

  run(
    request: DistributiveOmit<ParseRequest, 'id'>,
    timeoutMs: number,
    failure: (problem: string) => ParseResult,
  ): Promise<ParseResult> {
    return new Promise((resolve) => {
      const withId = { ...request, id: this.nextId++ } as ParseRequest;
      this.waiting.push({ request: withId, timeoutMs, failure, resolve });
      this.pump();
    });
  }

  /** Ends the worker; jobs not finished yet resolve as `unknown`. */
  async stop(): Promise<void> {
    const jobs = [...(this.running ? [this.running] : []), ...this.waiting.splice(0)];
    this.finishRunning();
    for (const job of jobs) job.resolve(job.failure('parse stopped: shutting down'));
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private pump(): void {
    if (this.running !== undefined) return;
    const job = this.waiting.shift();
    if (job === undefined) {
      this.worker?.unref(); // idle: do not hold the process open
      return;
    }
    const worker = this.ensureWorker();
    worker.ref();
    this.running = job;
    this.timer = setTimeout(() => this.timeOut(job), job.timeoutMs);
    const body = job.request.kind === 'status' ? job.request.response.body : job.request.body.bytes;
    // Blocks collected by `BodyCollector` are handed over, not copied.
    const transfer = typeof body === 'string' ? [] : transferableMemory(body);
    try {
      worker.postMessage(job.request, transfer);
    } catch (error) {
      // Something in the request cannot be cloned: that job fails, the queue goes on.
      this.finishRunning();
      job.resolve(job.failure(`parse failed: ${error instanceof Error ? error.message : String(error)}`));
      this.pump();
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
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
    this.finishRunning();
    job.resolve('result' in reply ? reply.result : job.failure(`parse failed: ${reply.error}`));
    this.pump();
  }

  /** The worker died under a job (or between jobs): fail the job, start afresh at the next one. */
  private lose(worker: Worker, problem: string): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    const job = this.running;
    this.finishRunning();
    job?.resolve(job.failure(problem));
    this.pump();
  }

  private timeOut(job: Job): void {
    if (this.running !== job) return;
    const worker = this.worker;
    this.worker = undefined;
    this.finishRunning();
    void worker?.terminate();
    job.resolve(job.failure(`parse stopped after ${job.timeoutMs} ms (body too hard to parse)`));
    this.pump();
  }

  private finishRunning(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = undefined;
  }
}

const pool = new ParseWorkerPool();

function inline<T>(format: StatusFormat, work: () => T): Promise<T | (OfficialSnapshot & StatusDigest)> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.resolve(
      failed(format, `parse failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}

/**
 * Detects the format (for `auto`) and parses, inline for small bodies and on the worker thread
 * for big ones. Never rejects: a parse that fails, dies or runs out of time is an `unknown`
 * snapshot with the reason in `problem`.
 */
export function parseStatusResponseOffThread(
  response: StatusResponse,
  format: StatusFormat,
  options: ParseOptions = {},
): Promise<OfficialSnapshot> {
  if (bodySize(response.body) <= INLINE_MAX_BYTES)
    return inline(format, () => parseStatusNow(response, format));
  const timeoutMs = options.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
  return pool.run({ kind: 'status', response, format }, timeoutMs, (problem) =>
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
  return pool.run(request, options.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS, (problem) =>
    failed(format, problem),
  ) as Promise<StatusDigest>;
}

/**
 * The HTTP probe's body assertions (see `checkBody`), inline for small bodies and on the
 * worker for big ones: decoding 16 MiB and parsing it as JSON would hold the loop for hundreds
 * of milliseconds. A check that fails, dies or runs out of time is an assertion failure saying so.
 */
export function checkBodyOffThread(
  expect: HttpExpectations,
  body: ByteBody,
  options: ParseOptions = {},
): Promise<AssertionFailure | null> {
  if (bodyByteLength(body.bytes) <= INLINE_MAX_BYTES) return Promise.resolve(checkByteBody(expect, body));
  const failure = (problem: string): AssertionFailure => ({
    reason: 'assertion',
    message: problem.replace(/^parse/, 'body check'),
  });
  return pool.run(
    { kind: 'body-check', expect, body },
    options.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS,
    failure,
  ) as Promise<AssertionFailure | null>;
}

/** Terminates the parse worker, if one runs; waiting parses resolve as `unknown`. */
export function stopParseWorker(): Promise<void> {
  return pool.stop();
}

/** How many worker threads have been started in this process (a replaced one counts again). */
export function parseWorkersStarted(): number {
  return pool.started;
}
