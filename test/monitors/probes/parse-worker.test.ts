import { afterAll, describe, expect, it } from 'vitest';
import { filterComponents } from '../../../src/sources/component-filter.js';
import { MAX_EVIDENCE_LINES } from '../../../src/sources/official-evidence.js';
import { digestSnapshot, parseStatusNow } from '../../../src/sources/parse-status.js';
import { httpOptionsSchema } from '../../../src/monitors/probes/http-options.js';
import {
  checkBodyOffThread,
  checkByteBody,
  digestStatusResponseOffThread,
  INLINE_MAX_BYTES,
  MAX_QUEUED_BYTES,
  parseQueue,
  parseStatusResponseOffThread,
  ParseWorkerPool,
  parseWorkersStarted,
  startParseWorkerThread,
  stopParseWorker,
} from '../../../src/monitors/probes/parse-worker.js';
import { HOSTILE_SHAPES, INPUT_NOW, REALISTIC_INPUTS } from '../../helpers/parser-inputs.js';

const BIG = INLINE_MAX_BYTES * 4;

function response(body: string | Uint8Array, contentType = 'application/json') {
  return { httpStatus: 200, contentType, body, now: INPUT_NOW, sourceUrl: 'https://status.example/' };
}

afterAll(() => stopParseWorker());

describe('parseStatusResponseOffThread', () => {
  it('parses a small body inline, without a worker', async () => {
    const before = parseWorkersStarted();
    const body = REALISTIC_INPUTS.find((i) => i.kind === 'slack')!.build(2_000);
    expect(body.length).toBeLessThanOrEqual(INLINE_MAX_BYTES);
    const snapshot = await parseStatusResponseOffThread(response(body), 'auto');
    expect(snapshot).toEqual(parseStatusNow(response(body), 'auto'));
    expect(snapshot.source).toBe('slack');
    expect(parseWorkersStarted()).toBe(before);
  });

  it('parses big bodies of every kind on the worker, as the inline parser would', async () => {
    for (const input of REALISTIC_INPUTS) {
      const body = input.build(BIG);
      const offThread = await parseStatusResponseOffThread(response(body, 'text/plain'), 'auto');
      expect(offThread, input.name).toEqual(parseStatusNow(response(body, 'text/plain'), 'auto'));
      expect(offThread.source, input.name).toBe(input.kind);
    }
    expect(parseWorkersStarted()).toBeGreaterThanOrEqual(1);
  });

  it('digests on the worker: the component filter applied, a handful of evidence lines back', async () => {
    const body = REALISTIC_INPUTS.find((i) => i.kind === 'slack')!.build(BIG);
    const whole = parseStatusNow(response(body), 'auto');
    expect(whole.incidents.length).toBeGreaterThan(100);
    for (const components of [[], ['Messaging'], ['no such thing']]) {
      const digest = await digestStatusResponseOffThread(response(body), 'auto', { components });
      expect(digest, components.join()).toEqual(digestSnapshot(filterComponents(whole, components)));
      expect(digest.statements.length).toBeLessThanOrEqual(MAX_EVIDENCE_LINES + 1);
    }
  });

  it('decodes a byte body on the worker (UTF-8, non-ASCII text, byte order mark)', async () => {
    const name = 'বাংলা ✓ 😀';
    const json = JSON.stringify({
      status: { indicator: 'none' },
      components: Array.from({ length: 5_000 }, (_, i) => ({ id: `c${i}`, name, status: 'operational' })),
    });
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]);
    expect(bytes.byteLength).toBeGreaterThan(INLINE_MAX_BYTES);
    const snapshot = await parseStatusResponseOffThread(response(new Uint8Array(bytes)), 'statuspage');
    expect(snapshot.overall).toBe('ok');
    expect(snapshot.components).toHaveLength(5_000);
    expect(snapshot.components[4_999]?.name).toBe(name);
  });

  it('stops a parse that runs past its time limit, says so, and replaces the worker', async () => {
    const deep = HOSTILE_SHAPES.find((s) => s.name === 'deep JSON nesting')!.build(4 * 1024 * 1024);
    const started = parseWorkersStarted();
    const stuck = await parseStatusResponseOffThread(response(deep), 'statuspage', { timeoutMs: 20 });
    expect(stuck).toMatchObject({
      overall: 'unknown',
      problem: expect.stringMatching(/^parse stopped after 20 ms/),
    });
    // The next big body gets a fresh worker and a real answer.
    const body = REALISTIC_INPUTS.find((i) => i.kind === 'google')!.build(BIG);
    const next = await parseStatusResponseOffThread(response(body), 'auto');
    expect(next.source).toBe('google');
    expect(next.problem).toBeUndefined();
    expect(parseWorkersStarted()).toBe(started + 1);
  });

  it('answers every job still running or waiting when stopped, then starts afresh', async () => {
    const body = REALISTIC_INPUTS.find((i) => i.kind === 'statuspage')!.build(BIG);
    const jobs = [1, 2, 3].map(() => parseStatusResponseOffThread(response(body), 'auto'));
    await stopParseWorker(); // before the worker can answer the first
    for (const snapshot of await Promise.all(jobs)) {
      expect(snapshot).toMatchObject({ overall: 'unknown', problem: 'parse stopped: shutting down' });
    }
    const after = await parseStatusResponseOffThread(response(body), 'auto');
    expect(after.source).toBe('statuspage');
    expect(after.problem).toBeUndefined();
  });
});

describe("checkBodyOffThread (the HTTP probe's body assertions)", () => {
  const expectOf = (expect: Record<string, unknown>) =>
    httpOptionsSchema.parse({ url: 'http://127.0.0.1/', expect }).expect;
  const json = Buffer.from(
    JSON.stringify({ status: 'ok', items: Array.from({ length: 20_000 }, (_, i) => `item ${i} ✓`) }),
  );

  it('answers on the worker as inline for big bodies: keyword, regex, JSON path', async () => {
    expect(json.byteLength).toBeGreaterThan(INLINE_MAX_BYTES);
    const cases = [
      { keyword: 'item 19999 ✓' },
      { keyword: 'absent' },
      { notKeyword: 'item 5' },
      { regex: 'item \\d+ ✓"\\]' },
      { json: { path: 'status', equals: 'ok' } },
      { json: { path: 'items[3]', equals: 'nope' } },
    ];
    for (const expectation of cases) {
      const body = { bytes: new Uint8Array(json), truncated: false, cappedAtBytes: 1 << 24 };
      const inline = checkByteBody(expectOf(expectation), body);
      expect(await checkBodyOffThread(expectOf(expectation), body), JSON.stringify(expectation)).toEqual(
        inline,
      );
    }
  });

  it('turns a check past its time limit into "not checked", saying so (not an assertion failure)', async () => {
    // The operator's own regex, catastrophic on this body: stopped, not left to hold a thread.
    const body = { bytes: Buffer.from('a'.repeat(200_000)), truncated: false, cappedAtBytes: 1 << 24 };
    const failure = await checkBodyOffThread(expectOf({ regex: '^(a|a)*b' }), body, { timeoutMs: 50 });
    expect(failure).toEqual({
      reason: 'not-checked',
      message: 'body check stopped after 50 ms (body too hard to parse)',
    });
  });
});

describe('the queue: time limits from the call, cancellation, a cap, workers that fail', () => {
  const MiB = 1024 * 1024;
  // About 10 s of JSON.parse: a job that holds its worker until stopped.
  const hard = () => response(HOSTILE_SHAPES.find((s) => s.name === 'deep JSON nesting')!.build(16 * MiB));
  const easy = () => response(REALISTIC_INPUTS.find((i) => i.kind === 'google')!.build(BIG));

  it('drops a waiting job at its time limit without running it; the limit counts from the call', async () => {
    const blocker = new AbortController();
    let blockerDone = false;
    const running = parseStatusResponseOffThread(hard(), 'statuspage', { signal: blocker.signal }).then(
      (snapshot) => {
        blockerDone = true;
        return snapshot;
      },
    );
    const started = performance.now();
    const waiting = await parseStatusResponseOffThread(easy(), 'auto', { timeoutMs: 200 });
    const waitedMs = performance.now() - started;
    expect(waiting).toMatchObject({
      overall: 'unknown',
      problem: 'parse stopped after 200 ms (still waiting for the parse worker)',
    });
    expect(waitedMs).toBeGreaterThanOrEqual(190);
    expect(blockerDone).toBe(false); // answered at its own limit, not after the blocker
    expect(parseQueue()).toEqual({ jobs: 0, bytes: 0 }); // its body is no longer held
    blocker.abort();
    expect(await running).toMatchObject({ overall: 'unknown', problem: 'parse stopped: check cancelled' });
  });

  it('drops a waiting job when its signal aborts, and stops a running one (a fresh worker follows)', async () => {
    const blocker = new AbortController();
    let blockerDone = false;
    const running = parseStatusResponseOffThread(hard(), 'statuspage', { signal: blocker.signal }).then(
      (snapshot) => {
        blockerDone = true;
        return snapshot;
      },
    );
    const check = new AbortController();
    const waiting = parseStatusResponseOffThread(easy(), 'auto', { signal: check.signal });
    expect(parseQueue().jobs).toBe(1);
    check.abort();
    expect(await waiting).toMatchObject({ overall: 'unknown', problem: 'parse stopped: check cancelled' });
    expect(parseQueue()).toEqual({ jobs: 0, bytes: 0 });
    expect(blockerDone).toBe(false);

    const workers = parseWorkersStarted();
    blocker.abort();
    expect(await running).toMatchObject({ overall: 'unknown', problem: 'parse stopped: check cancelled' });
    const next = await parseStatusResponseOffThread(easy(), 'auto');
    expect(next.source).toBe('google');
    expect(parseWorkersStarted()).toBe(workers + 1);

    // Already aborted: answered at once, nothing queued.
    const late = await parseStatusResponseOffThread(easy(), 'auto', { signal: AbortSignal.abort() });
    expect(late).toMatchObject({ problem: 'parse stopped: check cancelled' });
  });

  it('refuses a job at once while the queue holds MAX_QUEUED_BYTES', async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    const running = parseStatusResponseOffThread(hard(), 'statuspage', { signal });
    const fill = MAX_QUEUED_BYTES / 2;
    const queued = [1, 2].map(() =>
      parseStatusResponseOffThread(response(new Uint8Array(fill)), 'auto', { signal }),
    );
    expect(parseQueue()).toEqual({ jobs: 2, bytes: MAX_QUEUED_BYTES });
    const refused = await parseStatusResponseOffThread(easy(), 'auto', { signal });
    expect(refused).toMatchObject({
      overall: 'unknown',
      problem: `parse refused: ${MAX_QUEUED_BYTES / MiB} MiB already waiting for the parse worker`,
    });
    // The HTTP probe's body checks have their own worker and queue: not refused, not waiting.
    const keyword = httpOptionsSchema.parse({ url: 'http://127.0.0.1/', expect: { keyword: 'ok' } }).expect;
    const body = { bytes: Buffer.from('ok'.repeat(BIG)), truncated: false, cappedAtBytes: 1 << 24 };
    expect(await checkBodyOffThread(keyword, body, { timeoutMs: 5_000 })).toBeNull();
    controller.abort();
    for (const snapshot of await Promise.all([running, ...queued])) {
      expect(snapshot).toMatchObject({ overall: 'unknown', problem: 'parse stopped: check cancelled' });
    }
    expect(parseQueue()).toEqual({ jobs: 0, bytes: 0 });
  });

  it('settles a job whose worker cannot be started', async () => {
    const pool = new ParseWorkerPool({
      startWorker: () => {
        throw new Error('no more threads');
      },
    });
    const result = await pool.run(
      { kind: 'status', response: easy(), format: 'auto' },
      { timeoutMs: 5_000 },
      (problem) =>
        ({
          problem,
        }) as never,
    );
    expect(result).toEqual({ problem: 'parse worker could not start: no more threads' });
    expect(pool.queue()).toEqual({ jobs: 0, bytes: 0 });
  });

  it('settles waiting jobs when a replacement worker cannot be started after one died', async () => {
    const first = startParseWorkerThread();
    let calls = 0;
    const pool = new ParseWorkerPool({
      startWorker: () => {
        calls += 1;
        if (calls === 1) return first;
        throw new Error('no more threads');
      },
    });
    const fail = (problem: string) => ({ problem }) as never;
    const options = { timeoutMs: 20_000 };
    const jobs = [hard(), easy(), easy()].map((body) =>
      pool.run({ kind: 'status', response: body, format: 'statuspage' }, options, fail),
    );
    expect(pool.queue().jobs).toBe(2);
    // The worker dies under the first job; the next ones find no worker to start (from the
    // worker's exit handler: nothing may throw there).
    await first.terminate();
    expect(await Promise.all(jobs)).toEqual([
      // 1 once the worker runs, 0 when it is terminated while still starting
      { problem: expect.stringMatching(/^parse worker exited \(code [01]\)$/) },
      { problem: 'parse worker could not start: no more threads' },
      { problem: 'parse worker could not start: no more threads' },
    ]);
    expect(calls).toBe(3);
    await pool.stop();
  });
});
